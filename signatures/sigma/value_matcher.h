// ValueMatcher: one compiled value of a detection item, tested against one field value.
//
// Kinds: a text pattern (exact, prefix, suffix, contains or general wildcard pattern; ASCII
// case-insensitive unless built `cased`), a regular expression (RE2), a CIDR range, or a numeric
// comparison. Non-string field values are matched through their text form (decimal numbers,
// "true"/"false", the address text), except that a pattern which is a plain number compares
// numerically against int and float fields, a plain IP address compares as an address against
// IpAddress fields, CIDR ranges test IpAddress fields (or strings holding an address) and
// comparisons take int/float fields or strings holding a number. A StringList matches when any
// element matches.
//
// Immutable after construction; safe to share between threads. Matching never allocates.
#pragma once

#include <climits>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/event.h"
#include "common/result.h"
#include "signatures/sigma/literal_hits.h"
#include "signatures/sigma/sigma_string.h"

namespace re2 {
class RE2;
}

namespace soc::sigma {

enum class CompareOp : unsigned char { kGt, kGte, kLt, kLte };

struct RegexFlags {
  bool ignore_case = false;  // `i`
  bool multi_line = false;   // `m`: ^ and $ match at line breaks
  bool dot_all = false;      // `s`: . matches a line break
};

// A number read from a rule or a field: integral values keep their exact int64.
struct Number {
  double value = 0;
  std::int64_t integer = 0;
  bool is_integer = false;
};

// Parses decimal text ("42", "-7", "1.5", "1e3"); nullopt for anything else (no spaces).
std::optional<Number> parse_number(std::string_view text);

class ValueMatcher {
 public:
  enum class Kind : unsigned char {
    kExact,
    kPrefix,
    kSuffix,
    kContains,
    kGlob,
    kAny,  // `*`: any value, including the empty string
    kRegex,
    kCidr,
    kCompare,
  };

  // A wildcard pattern (see SigmaString); case-insensitive (ASCII) unless `cased`.
  static ValueMatcher pattern(const SigmaString& value, bool cased);
  // An unanchored RE2 search. Errors: kInvalidArgument with RE2's reason.
  static Result<ValueMatcher> regex(std::string_view expression, RegexFlags flags);
  // "10.0.0.0/8", "fe80::/10" or a bare address. Errors: kInvalidArgument.
  static Result<ValueMatcher> cidr(std::string_view range);
  // field OP number. Errors: kInvalidArgument when `number` is not a number.
  static Result<ValueMatcher> compare(CompareOp op, std::string_view number);

  bool matches(const FieldValue& value) const;
  bool matches_text(std::string_view text) const;

  Kind kind() const { return kind_; }
  // A literal that occurs (ASCII case-insensitively) in every text this matcher accepts, or ""
  // when there is none (regex, CIDR, comparisons, plain numbers, `*`).
  std::string_view required_literal() const;
  // For messages and tests: "contains 'abc'", "re 'a.c'", "cidr 10.0.0.0/8" ...
  std::string describe() const;

  // The prefilter id of required_literal(), set by RuleSet when it compiles; kNoLiteral when
  // the literal is not scanned for. may_match() is false when the literal is known absent.
  static constexpr std::uint32_t kNoLiteral = UINT32_MAX;
  std::uint32_t literal_id() const { return literal_id_; }
  void set_literal_id(std::uint32_t id) { literal_id_ = id; }
  bool may_match(const LiteralHits* hits) const {
    return hits == nullptr || literal_id_ == kNoLiteral || hits->occurred(literal_id_);
  }

 private:
  bool matches_number(const Number& field) const;

  Kind kind_ = Kind::kExact;
  bool cased_ = false;
  std::string literal_;           // kExact/kPrefix/kSuffix/kContains (folded unless cased)
  SigmaString glob_;              // kGlob (literals folded unless cased)
  std::string longest_;           // kGlob: the longest literal piece
  std::optional<Number> number_;  // kExact of a plain number; kCompare's operand
  std::optional<IpAddress> ip_;   // kExact of an address; kCidr's network
  int prefix_bits_ = 0;           // kCidr
  CompareOp op_ = CompareOp::kGt;
  std::uint32_t literal_id_ = kNoLiteral;
  std::shared_ptr<const re2::RE2> re_;
};

// ASCII case folding used by all case-insensitive comparisons.
inline unsigned char fold_ascii(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + ('a' - 'A')) : c;
}
std::string fold_ascii(std::string_view text);

// Writes the text form used to match a non-string field value into buf (at least 64 bytes) and
// returns a view of it; for strings returns the string itself. nullopt for StringList.
std::optional<std::string_view> field_text(const FieldValue& value, char* buf, std::size_t size);

}  // namespace soc::sigma
