// Value modifiers (`field|contains|all: ...`): the one registration list of what the engine
// supports, and how each modifier changes a detection item while it is compiled.
//
// A detection item starts as an ItemSpec holding one group per written value, each with one
// variant (the value parsed as a SigmaString). Modifiers are applied in the order written;
// each one edits the spec: adds wildcards (contains), expands variants (windash, base64offset),
// encodes (base64, utf16le), changes how values match (re, cidr, gt ...) or how they combine
// (all). field_matcher.cc turns the final spec into matchers. To add a modifier: write its apply
// function in modifiers.cc and add one line to kModifiers there (see signatures/README.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "signatures/sigma/sigma_rule.h"
#include "signatures/sigma/sigma_string.h"
#include "signatures/sigma/value_matcher.h"

namespace soc::sigma {

// How an item's values are compared with the field.
enum class ItemKind : unsigned char {
  kPattern,   // wildcard strings (the default)
  kRegex,     // `re`: each value is an RE2 expression
  kCidr,      // `cidr`: each value is a network range
  kCompare,   // `gt gte lt lte`: each value is a number
  kExists,    // `exists`: the one value is true or false
  kFieldRef,  // `fieldref`: each value names another field whose value must match
};

// Where a `fieldref` value must occur in the field (contains/startswith/endswith after fieldref).
enum class RefPosition : unsigned char { kEquals, kContains, kStartsWith, kEndsWith };

struct ItemSpec {
  std::vector<DetectionValue> written;
  // One group per written value; a group matches when any of its variants matches. Only
  // meaningful for kPattern (the other kinds read `written`).
  std::vector<std::vector<SigmaString>> groups;
  ItemKind kind = ItemKind::kPattern;
  CompareOp op = CompareOp::kGt;
  RegexFlags regex;
  RefPosition ref_position = RefPosition::kEquals;
  bool cased = false;
  bool all = false;       // every group must match (default: any)
  bool negate = false;    // `neq`
  bool reshaped = false;  // a modifier changed the written values (wildcards, encodings)
};

// Most variants one item may expand into (windash and base64offset multiply them).
inline constexpr std::size_t kMaxVariantsPerItem = 4096;

// Builds the starting spec: one group per value, the value parsed as a SigmaString.
ItemSpec make_item_spec(const std::vector<DetectionValue>& values);

// Applies the modifier `name` to spec. The error message is the reason shown to the user:
// "unsupported modifier X" for unknown or unsupported ones, otherwise why the combination is
// invalid (e.g. "modifier base64 cannot encode wildcards").
Result<void> apply_modifier(std::string_view name, ItemSpec& spec);

// Every modifier name apply_modifier accepts, in registration order.
std::vector<std::string_view> supported_modifiers();

// Encodings, exposed for tests.
std::string base64_encode(std::string_view bytes);
// The three base64offset variants of `value` (pySigma's algorithm).
std::vector<std::string> base64_offset_variants(std::string_view value);
// UTF-8 text to UTF-16 little- or big-endian bytes (invalid UTF-8 bytes are taken as Latin-1).
std::string to_utf16(std::string_view utf8, bool big_endian);

}  // namespace soc::sigma
