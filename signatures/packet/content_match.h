// Content matching: does one buffer satisfy a rule's chain of content/pcre items for it?
// Positions as Suricata: offset/depth absolute (depth counted from offset), distance/within
// relative to the end of the previous item's match in the same buffer (within counted from
// that end plus distance; negative distance allowed), startswith/endswith, negated items
// (the pattern must not occur in its window; they do not move the position), isdataat and
// byte_test (tests that do not move it either), byte_jump (moves it; byte_ops.h). A failing
// relative item makes the previous one try its next occurrence (backtracking), bounded by a
// step budget: a chain that exhausts it counts as not matching, so hostile rules and payloads
// cost bounded time. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <re2/re2.h>

#include "signatures/packet/packet_rule.h"

namespace soc::packet {

inline constexpr int kMatchStepBudget = 4096;

struct ChainItem {
  const DetectItem* item = nullptr;
  const RE2* regex = nullptr;  // pcre items only
};

bool match_chain(const std::vector<ChainItem>& chain, std::string_view buffer);

// Case-sensitive or ASCII case-insensitive search of `needle` in `hay` from `from`;
// npos when absent.
std::size_t find_bytes(std::string_view hay, std::string_view needle, std::size_t from,
                       bool nocase);

}  // namespace soc::packet
