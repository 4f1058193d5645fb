// Requirement: what text must occur in an event for a rule (or a part of one) to possibly match.
// The prefilter (prefilter.h) only evaluates rules whose requirement is met.
//
// A requirement is either "always" (nothing known: the part may match any event) or a set of
// literals of which at least one occurs, ASCII case-insensitively, in the event's raw text or in
// the text of one of its field values whenever the part matches. It is an over-approximation:
// meeting it does not mean the part matches, but missing it means the part cannot match.
#pragma once

#include <string>
#include <vector>

namespace soc::sigma {

struct Requirement {
  bool always = true;
  std::vector<std::string> literals;  // any of these (folded to lower case), when !always

  static Requirement any() { return {}; }
  static Requirement literal(std::string text);

  bool operator==(const Requirement&) const = default;
};

// Literals shorter than this are not used (they occur nearly everywhere): the part is "always".
inline constexpr std::size_t kMinLiteralSize = 3;

// The part matches only when one of the parts does: the union; always if any part is always.
Requirement any_of(std::vector<Requirement> parts);
// The part matches only when all parts do: the best single part (the one least likely to be met
// by chance: few, long literals); always only if every part is always.
Requirement all_of(std::vector<Requirement> parts);

}  // namespace soc::sigma
