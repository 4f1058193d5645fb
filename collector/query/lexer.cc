#include "collector/query/lexer.h"

#include <cctype>
#include <utility>

namespace soc::query {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool is_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && !is_space(c)) || u == 0x7f;
}

// Characters that end an unquoted word (besides white space).
bool ends_word(char c, LexMode mode) {
  switch (c) {
    case '(':
    case ')':
    case '[':
    case ']':
    case '"':
    case '<':
    case '>':
      return true;
    case ':':
      return mode == LexMode::kTerm;
    default:
      return is_space(c) || is_control(c);
  }
}

std::string describe_char(char c) {
  if (is_control(c)) {
    static const char* kHex = "0123456789abcdef";
    const auto u = static_cast<unsigned char>(c);
    return std::string("control character 0x") + kHex[u >> 4] + kHex[u & 15];
  }
  return std::string("'") + c + "'";
}

}  // namespace

bool Token::is_keyword(std::string_view keyword) const {
  if (kind != TokenKind::kWord || escaped || text.size() != keyword.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != keyword[i]) return false;
  }
  return true;
}

QueryResult<Token> Lexer::peek(LexMode mode) {
  if (peeked_ && peeked_mode_ == mode) return peeked_token_;
  std::size_t end = pos_;
  auto token = scan(mode, end);
  if (!token) return token;
  peeked_ = true;
  peeked_mode_ = mode;
  peeked_token_ = *token;
  peeked_end_ = end;
  return token;
}

QueryResult<Token> Lexer::take(LexMode mode) {
  auto token = peek(mode);
  if (!token) return token;
  pos_ = peeked_end_;
  peeked_ = false;
  return token;
}

QueryResult<Token> Lexer::scan(LexMode mode, std::size_t& pos) const {
  while (pos < text_.size() && is_space(text_[pos])) ++pos;
  Token token;
  token.column = pos + 1;
  if (pos == text_.size()) return token;  // kEnd
  const char c = text_[pos];
  auto single = [&](TokenKind kind) {
    token.kind = kind;
    ++pos;
    return token;
  };
  switch (c) {
    case '(':
      return single(TokenKind::kLParen);
    case ')':
      return single(TokenKind::kRParen);
    case '[':
      return single(TokenKind::kLBracket);
    case ']':
      return single(TokenKind::kRBracket);
    case '<':
    case '>': {
      const bool equal = pos + 1 < text_.size() && text_[pos + 1] == '=';
      token.kind = c == '<' ? (equal ? TokenKind::kLessEqual : TokenKind::kLess)
                            : (equal ? TokenKind::kGreaterEqual : TokenKind::kGreater);
      pos += equal ? 2 : 1;
      return token;
    }
    case ':':
      if (mode == LexMode::kTerm) return single(TokenKind::kColon);
      break;
    case '"': {
      token.kind = TokenKind::kPhrase;
      ++pos;
      while (true) {
        if (pos == text_.size()) return query_error(token.column, "unterminated quoted phrase");
        const char p = text_[pos];
        if (p == '"') {
          ++pos;
          return token;
        }
        if (is_control(p)) return query_error(pos + 1, "unexpected " + describe_char(p));
        if (p == '\\') {
          if (pos + 1 == text_.size()) {
            return query_error(pos + 1, "nothing to escape after '\\'");
          }
          ++pos;
          if (is_control(text_[pos])) {
            return query_error(pos + 1, "unexpected " + describe_char(text_[pos]));
          }
        }
        token.text += text_[pos++];
      }
    }
    default:
      break;
  }
  if (is_control(c)) return query_error(pos + 1, "unexpected " + describe_char(c));
  token.kind = TokenKind::kWord;
  while (pos < text_.size() && !ends_word(text_[pos], mode)) {
    char w = text_[pos];
    bool wild = w == '*' || w == '?';
    if (w == '\\') {
      if (pos + 1 == text_.size() || is_space(text_[pos + 1])) {
        return query_error(pos + 1, "nothing to escape after '\\'");
      }
      if (is_control(text_[pos + 1])) {
        return query_error(pos + 2, "unexpected " + describe_char(text_[pos + 1]));
      }
      token.escaped = true;
      w = text_[++pos];
      wild = false;
    }
    token.text += w;
    token.wildcard.push_back(wild);
    ++pos;
  }
  if (pos < text_.size() && is_control(text_[pos])) {
    return query_error(pos + 1, "unexpected " + describe_char(text_[pos]));
  }
  return token;
}

}  // namespace soc::query
