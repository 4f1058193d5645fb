#include "collector/query/parser.h"

#include <string>
#include <utility>
#include <vector>

#include "collector/query/lexer.h"

namespace soc::query {
namespace {

constexpr std::size_t kMaxFieldName = 128;

std::string describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::kEnd:
      return "the end of the query";
    case TokenKind::kLParen:
      return "'('";
    case TokenKind::kRParen:
      return "')'";
    case TokenKind::kLBracket:
      return "'['";
    case TokenKind::kRBracket:
      return "']'";
    case TokenKind::kColon:
      return "':'";
    case TokenKind::kLess:
      return "'<'";
    case TokenKind::kLessEqual:
      return "'<='";
    case TokenKind::kGreater:
      return "'>'";
    case TokenKind::kGreaterEqual:
      return "'>='";
    case TokenKind::kWord:
      return t.text.size() > 40 ? "'" + t.text.substr(0, 40) + "...'" : "'" + t.text + "'";
    case TokenKind::kPhrase:
      return "a quoted phrase";
  }
  return "?";
}

bool is_comparison(TokenKind kind) {
  return kind == TokenKind::kLess || kind == TokenKind::kLessEqual || kind == TokenKind::kGreater ||
         kind == TokenKind::kGreaterEqual;
}

CompareOp to_op(TokenKind kind) {
  switch (kind) {
    case TokenKind::kLess:
      return CompareOp::kLess;
    case TokenKind::kLessEqual:
      return CompareOp::kLessEqual;
    case TokenKind::kGreater:
      return CompareOp::kGreater;
    default:
      return CompareOp::kGreaterEqual;
  }
}

bool is_operator_keyword(const Token& t) {
  return t.is_keyword("and") || t.is_keyword("or") || t.is_keyword("not");
}

Value to_value(Token&& t) {
  Value v;
  v.column = t.column;
  v.quoted = t.kind == TokenKind::kPhrase;
  v.wildcard = v.quoted ? std::vector<bool>(t.text.size(), false) : std::move(t.wildcard);
  v.text = std::move(t.text);
  return v;
}

Node make_list(Node::Type type, std::size_t column, std::vector<Node> children) {
  if (children.size() == 1) return std::move(children.front());
  Node n;
  n.type = type;
  n.column = column;
  n.children = std::move(children);
  return n;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : lexer_(text) {}

  QueryResult<Node> parse() {
    auto first = lexer_.peek(LexMode::kTerm);
    if (!first) return tl::unexpected(first.error());
    if (first->kind == TokenKind::kEnd) return query_error(first->column, "empty query");
    auto root = parse_or(nullptr);
    if (!root) return root;
    auto end = lexer_.peek(LexMode::kTerm);
    if (!end) return tl::unexpected(end.error());
    if (end->kind != TokenKind::kEnd)
      return query_error(end->column, "unexpected " + describe(*end));
    return root;
  }

 private:
  // With field set, the operands are values of that field (inside "field: ( ... )").
  LexMode mode(const std::string* field) const {
    return field != nullptr ? LexMode::kValue : LexMode::kTerm;
  }

  QueryResult<Node> parse_or(const std::string* field) {
    std::vector<Node> terms;
    std::size_t column = 0;
    while (true) {
      auto term = parse_and(field);
      if (!term) return term;
      if (terms.empty()) column = term->column;
      terms.push_back(std::move(*term));
      auto next = lexer_.peek(mode(field));
      if (!next) return tl::unexpected(next.error());
      if (!next->is_keyword("or")) break;
      (void)lexer_.take(mode(field));
      if (auto missing = expect_operand(field, "or"); !missing)
        return tl::unexpected(missing.error());
    }
    return make_list(Node::Type::kOr, column, std::move(terms));
  }

  QueryResult<Node> parse_and(const std::string* field) {
    std::vector<Node> terms;
    std::size_t column = 0;
    while (true) {
      auto term = parse_unary(field);
      if (!term) return term;
      if (terms.empty()) column = term->column;
      terms.push_back(std::move(*term));
      auto next = lexer_.peek(mode(field));
      if (!next) return tl::unexpected(next.error());
      if (next->is_keyword("and")) {
        (void)lexer_.take(mode(field));
        if (auto missing = expect_operand(field, "and"); !missing) {
          return tl::unexpected(missing.error());
        }
        continue;
      }
      if (next->is_keyword("or") || next->kind == TokenKind::kEnd ||
          next->kind == TokenKind::kRParen) {
        break;
      }
      if (next->kind == TokenKind::kWord || next->kind == TokenKind::kPhrase ||
          next->kind == TokenKind::kLParen ||
          (field != nullptr && next->kind == TokenKind::kLBracket)) {
        continue;  // adjacent terms: an implicit 'and'
      }
      return query_error(next->column, "unexpected " + describe(*next));
    }
    return make_list(Node::Type::kAnd, column, std::move(terms));
  }

  // After 'and' / 'or': the next token must start an operand.
  QueryResult<void> expect_operand(const std::string* field, const char* after) {
    auto next = lexer_.peek(mode(field));
    if (!next) return tl::unexpected(next.error());
    const bool starts = next->kind == TokenKind::kWord || next->kind == TokenKind::kPhrase ||
                        next->kind == TokenKind::kLParen ||
                        (field != nullptr && next->kind == TokenKind::kLBracket);
    if (!starts || next->is_keyword("and") || next->is_keyword("or")) {
      return query_error(next->column, std::string("expected a term after '") + after +
                                           "', found " + describe(*next));
    }
    return {};
  }

  QueryResult<Node> parse_unary(const std::string* field) {
    auto token = lexer_.peek(mode(field));
    if (!token) return tl::unexpected(token.error());
    if (++depth_ > kMaxDepth) {
      return query_error(token->column, "query nested too deeply (more than " +
                                            std::to_string(kMaxDepth) + " levels)");
    }
    auto node = parse_unary_inner(field, *token);
    --depth_;
    return node;
  }

  QueryResult<Node> parse_unary_inner(const std::string* field, const Token& token) {
    if (token.is_keyword("not")) {
      (void)lexer_.take(mode(field));
      auto next = lexer_.peek(mode(field));
      if (!next) return tl::unexpected(next.error());
      if (next->kind == TokenKind::kEnd || next->kind == TokenKind::kRParen ||
          next->is_keyword("and") || next->is_keyword("or")) {
        return query_error(next->column, "expected a term after 'not', found " + describe(*next));
      }
      auto operand = parse_unary(field);
      if (!operand) return operand;
      Node n;
      n.type = Node::Type::kNot;
      n.column = token.column;
      n.children.push_back(std::move(*operand));
      return n;
    }
    if (token.kind == TokenKind::kLParen) {
      (void)lexer_.take(mode(field));
      auto inner = parse_or(field);
      if (!inner) return inner;
      auto close = lexer_.take(mode(field));
      if (!close) return tl::unexpected(close.error());
      if (close->kind != TokenKind::kRParen) {
        return query_error(close->column, "expected ')' to close the '(' at column " +
                                              std::to_string(token.column) + ", found " +
                                              describe(*close));
      }
      return inner;
    }
    if (field != nullptr && token.kind == TokenKind::kLBracket) return parse_range(*field);
    if (token.kind == TokenKind::kPhrase) {
      if (auto counted = count_term(token.column); !counted) return tl::unexpected(counted.error());
      Token t = *lexer_.take(mode(field));
      Node n;
      n.column = t.column;
      n.value = to_value(std::move(t));
      if (field != nullptr) {
        n.type = Node::Type::kMatch;
        n.field = *field;
      }
      return n;
    }
    if (token.kind != TokenKind::kWord || is_operator_keyword(token)) {
      return query_error(token.column, "expected a term, found " + describe(token));
    }
    if (auto counted = count_term(token.column); !counted) return tl::unexpected(counted.error());
    Token word = *lexer_.take(mode(field));
    if (field != nullptr) {
      Node n = Node::match(*field, to_value(std::move(word)));
      n.column = n.value.column;
      return n;
    }
    auto next = lexer_.peek(LexMode::kTerm);
    if (!next) return tl::unexpected(next.error());
    if (next->kind == TokenKind::kColon || is_comparison(next->kind)) {
      return parse_field(std::move(word), *next);
    }
    Node n;
    n.column = word.column;
    n.value = to_value(std::move(word));
    return n;  // kText
  }

  // name ':' values  or  name op value; `after` is the peeked ':' or comparison.
  QueryResult<Node> parse_field(Token name, const Token& after) {
    if (name.escaped || !is_valid_field_name(name.text)) {
      return query_error(name.column, "invalid field name " + describe(name) +
                                          ": expected 1-128 of A-Z a-z 0-9 _ . @ -");
    }
    (void)lexer_.take(LexMode::kTerm);
    const std::string op_text = describe(after);
    if (is_comparison(after.kind)) {
      auto value = take_value("after " + op_text);
      if (!value) return tl::unexpected(value.error());
      Node n;
      n.type = Node::Type::kRange;
      n.column = name.column;
      n.field = name.text;
      n.op = to_op(after.kind);
      n.value = std::move(*value);
      return n;
    }
    auto next = lexer_.peek(LexMode::kValue);
    if (!next) return tl::unexpected(next.error());
    if (next->kind == TokenKind::kLParen || next->kind == TokenKind::kLBracket ||
        next->is_keyword("not")) {
      auto group = parse_unary(&name.text);
      if (!group) return group;
      if (group->column == 0 || group->type == Node::Type::kMatch) group->column = name.column;
      return group;
    }
    auto value = take_value("after ':'");
    if (!value) return tl::unexpected(value.error());
    Node n = Node::match(name.text, std::move(*value));
    n.column = name.column;
    return n;
  }

  // A single value (word or phrase) in value mode; `where` completes "expected a value ...".
  QueryResult<Value> take_value(const std::string& where) {
    auto token = lexer_.peek(LexMode::kValue);
    if (!token) return tl::unexpected(token.error());
    if ((token->kind != TokenKind::kWord && token->kind != TokenKind::kPhrase) ||
        is_operator_keyword(*token)) {
      return query_error(token->column,
                         "expected a value " + where + ", found " + describe(*token));
    }
    if (auto counted = count_term(token->column); !counted) return tl::unexpected(counted.error());
    return to_value(*lexer_.take(LexMode::kValue));
  }

  // '[' low 'to' high ']' for field: both ends inclusive, '*' leaves an end open.
  QueryResult<Node> parse_range(const std::string& field) {
    const Token open = *lexer_.take(LexMode::kValue);
    auto low = take_value("after '['");
    if (!low) return tl::unexpected(low.error());
    auto to = lexer_.peek(LexMode::kValue);
    if (!to) return tl::unexpected(to.error());
    if (!to->is_keyword("to")) {
      return query_error(to->column, "expected 'to' in the range, found " + describe(*to));
    }
    (void)lexer_.take(LexMode::kValue);
    auto high = take_value("after 'to'");
    if (!high) return tl::unexpected(high.error());
    auto close = lexer_.take(LexMode::kValue);
    if (!close) return tl::unexpected(close.error());
    if (close->kind != TokenKind::kRBracket) {
      return query_error(close->column, "expected ']' to close the range at column " +
                                            std::to_string(open.column) + ", found " +
                                            describe(*close));
    }
    std::vector<Node> bounds;
    for (auto [value, op] :
         {std::pair{&*low, CompareOp::kGreaterEqual}, std::pair{&*high, CompareOp::kLessEqual}}) {
      if (value->is_any()) continue;
      Node n;
      n.type = Node::Type::kRange;
      n.column = value->column;
      n.field = field;
      n.op = op;
      n.value = std::move(*value);
      bounds.push_back(std::move(n));
    }
    if (bounds.empty()) {  // [* to *]: the field exists
      Node n = Node::match(field, std::move(*low));
      n.column = open.column;
      return n;
    }
    Node range = make_list(Node::Type::kAnd, open.column, std::move(bounds));
    range.column = open.column;
    return range;
  }

  QueryResult<void> count_term(std::size_t column) {
    if (++terms_ > kMaxTerms) {
      return query_error(column,
                         "too many terms (at most " + std::to_string(kMaxTerms) + " per query)");
    }
    return {};
  }

  Lexer lexer_;
  std::size_t depth_ = 0;
  std::size_t terms_ = 0;
};

}  // namespace

bool is_valid_field_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxFieldName) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '@' || c == '-';
    if (!ok) return false;
  }
  return true;
}

QueryResult<Node> parse_query(std::string_view text) {
  if (text.size() > kMaxQueryBytes) {
    return query_error(kMaxQueryBytes + 1,
                       "query longer than " + std::to_string(kMaxQueryBytes) + " bytes");
  }
  return Parser(text).parse();
}

}  // namespace soc::query
