// Condition: the `condition` expression of a Sigma rule, parsed against the rule's search
// identifiers.
//
// Grammar (operator precedence from least to most binding, per the specification):
//   or  <  and  <  not  <  `x of`  <  ( ... )
//   x of := ( N | all ) of ( them | pattern )     N >= 1; `1 of` = any; pattern may hold `*`
// `them` means every search identifier not starting with `_`. Keywords are case-insensitive,
// identifiers case-sensitive. Aggregations (`| count() ...`) are refused: they are correlation
// rules now and run on the collector.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace soc::sigma {

struct ConditionNode {
  enum class Op : unsigned char {
    kRef,      // search identifier `ref`
    kAnd,      // all children
    kOr,       // any child
    kNot,      // the one child is false
    kAtLeast,  // at least `count` children
  };
  Op op = Op::kRef;
  std::uint32_t ref = 0;
  std::uint32_t count = 0;
  std::vector<ConditionNode> children;

  bool operator==(const ConditionNode&) const = default;
};

// Deepest nesting (parentheses, not) and most tokens a condition may have.
inline constexpr int kMaxConditionDepth = 64;
inline constexpr std::size_t kMaxConditionTokens = 10000;

// Parses `text`; refs index `identifiers`. Errors (kInvalidArgument/kUnsupported) say why:
// unknown identifier, a pattern matching none, a syntax error with its position, too deep.
Result<ConditionNode> parse_condition(std::string_view text,
                                      const std::vector<std::string>& identifiers);

// Fully parenthesised form, e.g. "(a and (not b))", for tests and messages.
std::string to_string(const ConditionNode& node, const std::vector<std::string>& identifiers);

// Evaluates node; leaf(ref) tells whether search identifier `ref` matches. Short-circuits.
template <typename Leaf>
bool evaluate(const ConditionNode& node, Leaf&& leaf) {
  switch (node.op) {
    case ConditionNode::Op::kRef:
      return leaf(node.ref);
    case ConditionNode::Op::kAnd:
      for (const ConditionNode& c : node.children) {
        if (!evaluate(c, leaf)) return false;
      }
      return true;
    case ConditionNode::Op::kOr:
      for (const ConditionNode& c : node.children) {
        if (evaluate(c, leaf)) return true;
      }
      return false;
    case ConditionNode::Op::kNot:
      return !evaluate(node.children.front(), leaf);
    case ConditionNode::Op::kAtLeast: {
      std::uint32_t hits = 0;
      std::size_t left = node.children.size();
      for (const ConditionNode& c : node.children) {
        if (hits + left < node.count) return false;
        --left;
        if (evaluate(c, leaf) && ++hits >= node.count) return true;
      }
      return hits >= node.count;
    }
  }
  return false;
}

}  // namespace soc::sigma
