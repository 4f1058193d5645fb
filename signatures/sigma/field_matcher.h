// FieldMatcher: one compiled detection item (`field|modifiers: values`, or a keyword list that
// searches the raw text) evaluated against an event.
//
// A Sigma field may map to several event fields (field_mapping.h); they are read as one field
// with several values: a value matches when it matches any of them. Values combine with OR,
// or AND under `all`; `neq` negates the item (so an absent field satisfies it).
// `null` matches when none of the fields is present; `exists: true/false` tests presence.
// Immutable after compile(); safe to share between threads; matches() does not allocate.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/event.h"
#include "common/result.h"
#include "signatures/sigma/modifiers.h"
#include "signatures/sigma/requirement.h"
#include "signatures/sigma/sigma_rule.h"
#include "signatures/sigma/value_matcher.h"

namespace soc::sigma {

// Most event fields one Sigma field may map to, and most values one item may hold.
inline constexpr std::size_t kMaxFieldNames = 8;
inline constexpr std::size_t kMaxValuesPerItem = 10000;
inline constexpr std::size_t kMinValuesForLiteralIds = 8;

class FieldMatcher {
 public:
  // Maps a Sigma field name to the event field names to read; the error message is the reason
  // (e.g. "field X has no mapping for logsource Y").
  using Resolver = std::function<Result<std::vector<std::string>>(std::string_view sigma_field)>;

  // Compiles `item`: applies its modifiers in order, resolves its field (and fieldref targets)
  // through `resolve`. Errors (kUnsupported / kInvalidArgument) carry the reason for the user.
  static Result<FieldMatcher> compile(const DetectionItem& item, const Resolver& resolve);

  // `hits` (may be null) tells which prefilter literals occurred in the event (literal_hits.h).
  bool matches(const Event& event, const LiteralHits* hits = nullptr) const;

  // Literals one of which the event must contain for this item to match (requirement.h).
  Requirement requirement() const;

  // Gives every value with a required literal the id id_of(literal) returns (RuleSet::compile),
  // when the item has at least kMinValuesForLiteralIds values.
  void assign_literal_ids(const std::function<std::uint32_t(std::string_view)>& id_of);

  // The event fields read; empty for keywords (raw text).
  const std::vector<std::string>& fields() const { return fields_; }

 private:
  enum class Mode : unsigned char { kValues, kNull, kExists, kFieldRef };

  bool values_match(const Event& event, const FieldValue* const* found, std::size_t n,
                    const LiteralHits* hits) const;
  bool refs_match(const Event& event, const FieldValue* const* found, std::size_t n) const;

  std::vector<std::string> fields_;
  bool raw_ = false;  // keywords: match against Event::raw
  Mode mode_ = Mode::kValues;
  bool all_ = false;
  bool negate_ = false;
  bool exists_ = true;  // kExists: the wanted presence
  bool cased_ = false;  // kFieldRef
  RefPosition ref_position_ = RefPosition::kEquals;
  std::vector<std::vector<ValueMatcher>> groups_;     // kValues: one group per value
  std::vector<std::vector<std::string>> ref_fields_;  // kFieldRef: one per value
};

}  // namespace soc::sigma
