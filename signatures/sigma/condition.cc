#include "signatures/sigma/condition.h"

#include <charconv>

#include "common/ascii.h"

namespace soc::sigma {

namespace {

using Op = ConditionNode::Op;

struct Token {
  enum class Kind : unsigned char { kWord, kOpen, kClose, kPipe, kEnd };
  Kind kind = Kind::kEnd;
  std::string_view text;
  std::size_t pos = 0;  // 1-based column
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

Result<std::vector<Token>> tokenize(std::string_view text) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (is_space(c)) {
      ++i;
      continue;
    }
    if (out.size() >= kMaxConditionTokens) {
      return fail(ErrorCode::kTooLarge,
                  "condition has more than " + std::to_string(kMaxConditionTokens) + " tokens");
    }
    if (c == '(' || c == ')' || c == '|') {
      const auto kind = c == '('   ? Token::Kind::kOpen
                        : c == ')' ? Token::Kind::kClose
                                   : Token::Kind::kPipe;
      out.push_back(Token{kind, text.substr(i, 1), i + 1});
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < text.size() && !is_space(text[i]) && text[i] != '(' && text[i] != ')' &&
           text[i] != '|') {
      ++i;
    }
    out.push_back(Token{Token::Kind::kWord, text.substr(start, i - start), start + 1});
  }
  out.push_back(Token{Token::Kind::kEnd, {}, text.size() + 1});
  return out;
}

// `*` matches any run of characters; everything else literally (case-sensitive).
bool pattern_matches(std::string_view pattern, std::string_view name) {
  std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::vector<std::string>& identifiers)
      : tokens_(std::move(tokens)), identifiers_(identifiers) {}

  Result<ConditionNode> parse() {
    auto node = parse_or(0);
    if (!node) return node;
    if (peek().kind != Token::Kind::kEnd) return unexpected();
    return node;
  }

 private:
  const Token& peek() const { return tokens_[pos_]; }
  const Token& next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  bool peek_keyword(std::string_view kw) const {
    return peek().kind == Token::Kind::kWord && iequals_ascii(peek().text, kw);
  }

  tl::unexpected<Error> unexpected() const {
    const Token& t = peek();
    if (t.kind == Token::Kind::kPipe) {
      return fail(ErrorCode::kUnsupported,
                  "condition: aggregation ('|') is not supported: write a correlation rule");
    }
    if (t.kind == Token::Kind::kEnd) {
      return fail(ErrorCode::kInvalidArgument, "condition: unexpected end");
    }
    return fail(ErrorCode::kInvalidArgument, "condition: unexpected '" + std::string(t.text) +
                                                 "' at column " + std::to_string(t.pos));
  }

  Result<ConditionNode> too_deep() const {
    return fail(ErrorCode::kTooLarge,
                "condition: nested deeper than " + std::to_string(kMaxConditionDepth));
  }

  static ConditionNode combine(Op op, std::vector<ConditionNode> parts) {
    if (parts.size() == 1) return std::move(parts.front());
    ConditionNode node;
    node.op = op;
    // Flatten nested nodes of the same operator: a and (b and c) = a and b and c.
    for (ConditionNode& p : parts) {
      if (p.op == op) {
        for (ConditionNode& c : p.children) node.children.push_back(std::move(c));
      } else {
        node.children.push_back(std::move(p));
      }
    }
    return node;
  }

  Result<ConditionNode> parse_or(int depth) {
    if (depth > kMaxConditionDepth) return too_deep();
    std::vector<ConditionNode> parts;
    auto first = parse_and(depth);
    if (!first) return first;
    parts.push_back(std::move(*first));
    while (peek_keyword("or")) {
      next();
      auto more = parse_and(depth);
      if (!more) return more;
      parts.push_back(std::move(*more));
    }
    return combine(Op::kOr, std::move(parts));
  }

  Result<ConditionNode> parse_and(int depth) {
    std::vector<ConditionNode> parts;
    auto first = parse_not(depth);
    if (!first) return first;
    parts.push_back(std::move(*first));
    while (peek_keyword("and")) {
      next();
      auto more = parse_not(depth);
      if (!more) return more;
      parts.push_back(std::move(*more));
    }
    return combine(Op::kAnd, std::move(parts));
  }

  Result<ConditionNode> parse_not(int depth) {
    if (depth > kMaxConditionDepth) return too_deep();
    if (peek_keyword("not")) {
      next();
      auto inner = parse_not(depth + 1);
      if (!inner) return inner;
      ConditionNode node;
      node.op = Op::kNot;
      node.children.push_back(std::move(*inner));
      return node;
    }
    return parse_primary(depth);
  }

  static bool is_keyword(std::string_view w) {
    return iequals_ascii(w, "and") || iequals_ascii(w, "or") || iequals_ascii(w, "not") ||
           iequals_ascii(w, "of") || iequals_ascii(w, "them");
  }

  Result<ConditionNode> parse_primary(int depth) {
    const Token& t = peek();
    if (t.kind == Token::Kind::kOpen) {
      next();
      auto inner = parse_or(depth + 1);
      if (!inner) return inner;
      if (peek().kind != Token::Kind::kClose) {
        if (peek().kind == Token::Kind::kEnd) {
          return fail(ErrorCode::kInvalidArgument, "condition: missing ')'");
        }
        return unexpected();
      }
      next();
      return inner;
    }
    if (t.kind != Token::Kind::kWord || is_keyword(t.text)) return unexpected();
    // `x of ...`
    if (tokens_[pos_ + 1].kind == Token::Kind::kWord &&
        iequals_ascii(tokens_[pos_ + 1].text, "of")) {
      return parse_quantifier();
    }
    const std::string_view name = next().text;
    for (std::size_t i = 0; i < identifiers_.size(); ++i) {
      if (identifiers_[i] == name) {
        ConditionNode node;
        node.ref = static_cast<std::uint32_t>(i);
        return node;
      }
    }
    return fail(ErrorCode::kInvalidArgument,
                "condition: unknown search identifier '" + std::string(name) + "'");
  }

  Result<ConditionNode> parse_quantifier() {
    const Token count_token = next();
    next();  // of
    std::uint32_t count = 0;
    bool all = false;
    if (iequals_ascii(count_token.text, "all")) {
      all = true;
    } else if (iequals_ascii(count_token.text, "any")) {
      count = 1;
    } else {
      const std::string_view c = count_token.text;
      auto [p, ec] = std::from_chars(c.data(), c.data() + c.size(), count);
      if (ec != std::errc() || p != c.data() + c.size() || count == 0) {
        return fail(ErrorCode::kInvalidArgument,
                    "condition: '" + std::string(c) + " of' needs a positive number or all");
      }
    }
    const Token& target = peek();
    if (target.kind != Token::Kind::kWord ||
        (is_keyword(target.text) && !iequals_ascii(target.text, "them"))) {
      return unexpected();
    }
    next();
    const bool them = iequals_ascii(target.text, "them");
    ConditionNode node;
    for (std::size_t i = 0; i < identifiers_.size(); ++i) {
      const std::string& id = identifiers_[i];
      const bool hit = them ? (id.empty() || id[0] != '_') : pattern_matches(target.text, id);
      if (!hit) continue;
      ConditionNode ref;
      ref.ref = static_cast<std::uint32_t>(i);
      node.children.push_back(std::move(ref));
    }
    if (node.children.empty()) {
      return fail(ErrorCode::kInvalidArgument,
                  "condition: '" + std::string(target.text) + "' matches no search identifier");
    }
    if (all || count == node.children.size()) {
      node.op = Op::kAnd;
    } else if (count == 1) {
      node.op = Op::kOr;
    } else {
      node.op = Op::kAtLeast;
      node.count = count;
    }
    if (node.children.size() == 1 && node.op != Op::kAtLeast) {
      ConditionNode only = std::move(node.children.front());
      return only;
    }
    return node;
  }

  std::vector<Token> tokens_;
  const std::vector<std::string>& identifiers_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<ConditionNode> parse_condition(std::string_view text,
                                      const std::vector<std::string>& identifiers) {
  auto tokens = tokenize(text);
  if (!tokens) return tl::unexpected(tokens.error());
  if (tokens->size() == 1) return fail(ErrorCode::kInvalidArgument, "condition is empty");
  Parser parser(std::move(*tokens), identifiers);
  return parser.parse();
}

std::string to_string(const ConditionNode& node, const std::vector<std::string>& identifiers) {
  switch (node.op) {
    case Op::kRef:
      return node.ref < identifiers.size() ? identifiers[node.ref] : "?";
    case Op::kNot:
      return "(not " + to_string(node.children.front(), identifiers) + ")";
    case Op::kAnd:
    case Op::kOr:
    case Op::kAtLeast: {
      std::string out = "(";
      if (node.op == Op::kAtLeast) out += std::to_string(node.count) + " of ";
      const char* sep = node.op == Op::kAnd ? " and " : node.op == Op::kOr ? " or " : ", ";
      for (std::size_t i = 0; i < node.children.size(); ++i) {
        if (i > 0) out += sep;
        out += to_string(node.children[i], identifiers);
      }
      return out + ")";
    }
  }
  return {};
}

}  // namespace soc::sigma
