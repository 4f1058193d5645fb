// Lexer of the event search language: splits a query into tokens with their columns.
//
// The language needs one piece of context: a value after "field:" or "field >=" may contain
// ':' (times like 2026-11-30T00:00:00Z, IPv6 addresses), while elsewhere ':' separates a field
// from its value. The parser therefore asks for each token in a Mode. Untrusted input: every
// malformed query gives a QueryError with a column, never a crash; the lexer does not allocate
// beyond the size of the text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "collector/query/query_error.h"

namespace soc::query {

enum class TokenKind {
  kEnd,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kColon,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kWord,    // unquoted text; * and ? are wildcards unless escaped with a backslash
  kPhrase,  // "quoted text" (\" and \\ are escapes); no wildcards
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;            // kWord, kPhrase: with escapes resolved
  std::vector<bool> wildcard;  // kWord: per character of text
  std::size_t column = 1;      // 1-based byte column of the token's first character
  bool escaped = false;        // kWord: a backslash escape was used (so it is no keyword)

  // An unquoted, unescaped word equal to keyword (and, or, not, to), ignoring case.
  bool is_keyword(std::string_view keyword) const;
};

enum class LexMode {
  kTerm,   // ':' is a token of its own
  kValue,  // ':' belongs to words
};

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  // The next token in the given mode, without consuming it.
  QueryResult<Token> peek(LexMode mode);
  // Consumes and returns the next token.
  QueryResult<Token> take(LexMode mode);

 private:
  QueryResult<Token> scan(LexMode mode, std::size_t& pos) const;

  std::string_view text_;
  std::size_t pos_ = 0;
  // The token scanned by peek() (valid while peeked_ is true and the mode matches).
  bool peeked_ = false;
  LexMode peeked_mode_ = LexMode::kTerm;
  Token peeked_token_;
  std::size_t peeked_end_ = 0;
};

}  // namespace soc::query
