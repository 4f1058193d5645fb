// The syntax tree of an event search (a KQL subset, see parser.h), with the position of every
// node so errors and tools can point at the query text. Plain data: built by the parser (or by
// code, e.g. socctl adding --agent), read by the compiler.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace soc::query {

// A value as written: its text with escapes resolved, and which characters are wildcards
// (an unescaped * or ? in an unquoted value). Quoted values never have wildcards.
struct Value {
  std::string text;
  std::vector<bool> wildcard;  // same length as text; true where text[i] is a wildcard
  bool quoted = false;
  std::size_t column = 0;  // 1-based byte column of the value's first character; 0 = synthetic

  bool has_wildcards() const;
  // An unquoted lone "*": "the field exists".
  bool is_any() const;
  // A value made by code (no wildcards, quoted semantics).
  static Value literal(std::string text);
};

enum class CompareOp { kLess, kLessEqual, kGreater, kGreaterEqual };

struct Node {
  enum class Type {
    kAnd,    // children: two or more
    kOr,     // children: two or more
    kNot,    // children: one
    kMatch,  // field: value (equality, wildcard, CIDR, exists)
    kRange,  // field op value
    kText,   // a bare word or phrase: searched in the raw text
  };

  Type type = Type::kText;
  std::size_t column = 0;  // 1-based byte column where the node starts; 0 = synthetic
  std::vector<Node> children;
  std::string field;                // kMatch, kRange
  Value value;                      // kMatch, kRange, kText
  CompareOp op = CompareOp::kLess;  // kRange

  static Node match(std::string field, Value value);
  static Node all_of(std::vector<Node> children);  // kAnd, or the only child
};

// A readable rendering with explicit parentheses, e.g. (and (match user.name "root") (not ...)).
// For tests and debugging; not a query that parses back.
std::string to_debug_string(const Node& node);

}  // namespace soc::query
