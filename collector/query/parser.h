// Parser of the event search language, a subset of Kibana's KQL:
//
//   query   := or
//   or      := and ('or' and)*
//   and     := unary (['and'] unary)*        adjacent terms are joined by 'and'
//   unary   := 'not' unary | '(' or ')' | FIELD ':' values | FIELD (< <= > >=) value | value
//   values  := value | '(' value-or ')' | '[' value 'to' value ']'
//                                          value-or: the same and/or/not/() over values only
//   value   := word | "quoted phrase"      word: * and ? are wildcards, \ escapes one character
//
// Keywords (and, or, not, to) are case-insensitive; precedence is not > and > or. A lone value
// is searched in the raw text of the events (full text). FIELD names are
// [A-Za-z0-9_.@-]+. `field: *` means the field exists; `[a to *]` is an open range.
//
// Untrusted input: any text gives a tree or a QueryError pointing at the offending column; the
// query length, nesting depth and number of terms are bounded (see the limits below).
#pragma once

#include <cstddef>
#include <string_view>

#include "collector/query/ast.h"
#include "collector/query/query_error.h"

namespace soc::query {

inline constexpr std::size_t kMaxQueryBytes = 8192;
inline constexpr std::size_t kMaxDepth = 64;   // nested parentheses and 'not'
inline constexpr std::size_t kMaxTerms = 256;  // field conditions and text terms

QueryResult<Node> parse_query(std::string_view text);

// True when name is a valid field name: 1-128 characters of A-Z a-z 0-9 _ . @ -.
bool is_valid_field_name(std::string_view name);

}  // namespace soc::query
