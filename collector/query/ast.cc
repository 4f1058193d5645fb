#include "collector/query/ast.h"

#include <algorithm>
#include <utility>

namespace soc::query {

bool Value::has_wildcards() const {
  return std::find(wildcard.begin(), wildcard.end(), true) != wildcard.end();
}

bool Value::is_any() const { return !quoted && text == "*" && has_wildcards(); }

Value Value::literal(std::string text) {
  Value v;
  v.wildcard.assign(text.size(), false);
  v.text = std::move(text);
  v.quoted = true;
  return v;
}

Node Node::match(std::string field, Value value) {
  Node n;
  n.type = Type::kMatch;
  n.field = std::move(field);
  n.value = std::move(value);
  return n;
}

Node Node::all_of(std::vector<Node> children) {
  if (children.size() == 1) return std::move(children.front());
  Node n;
  n.type = Type::kAnd;
  n.children = std::move(children);
  return n;
}

namespace {

std::string value_string(const Value& v) {
  std::string out = v.quoted ? "\"" : "";
  for (std::size_t i = 0; i < v.text.size(); ++i) {
    const bool wild = i < v.wildcard.size() && v.wildcard[i];
    if (!wild && (v.text[i] == '*' || v.text[i] == '?' || v.text[i] == '\\' || v.text[i] == '"')) {
      out += '\\';
    }
    out += v.text[i];
  }
  if (v.quoted) out += '"';
  return out;
}

const char* op_string(CompareOp op) {
  switch (op) {
    case CompareOp::kLess:
      return "<";
    case CompareOp::kLessEqual:
      return "<=";
    case CompareOp::kGreater:
      return ">";
    case CompareOp::kGreaterEqual:
      return ">=";
  }
  return "?";
}

}  // namespace

std::string to_debug_string(const Node& node) {
  // Appends only: GCC 12 at -O2 warns falsely (-Wrestrict) on "literal" + std::string&&.
  std::string out;
  switch (node.type) {
    case Node::Type::kAnd:
    case Node::Type::kOr:
    case Node::Type::kNot:
      out.append(node.type == Node::Type::kAnd  ? "(and"
                 : node.type == Node::Type::kOr ? "(or"
                                                : "(not");
      for (const Node& child : node.children) {
        out.push_back(' ');
        out.append(to_debug_string(child));
      }
      break;
    case Node::Type::kMatch:
      out.append("(match ").append(node.field).append(" ").append(value_string(node.value));
      break;
    case Node::Type::kRange:
      out.append("(range ").append(node.field).append(" ").append(op_string(node.op));
      out.append(" ").append(value_string(node.value));
      break;
    case Node::Type::kText:
      out.append("(text ").append(value_string(node.value));
      break;
  }
  out.push_back(')');
  return out;
}

}  // namespace soc::query
