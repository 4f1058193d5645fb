// Sigma condition language: precedence (or < and < not < x of < parentheses), quantifiers,
// `them` without `_` identifiers, errors, limits, evaluation.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "signatures/sigma/condition.h"

namespace soc::sigma {
namespace {

const std::vector<std::string> kIds = {"a", "b", "c", "sel_1", "sel_2", "filter_x", "_hidden"};

std::string parsed(const std::string& text) {
  auto node = parse_condition(text, kIds);
  if (!node) return "ERROR: " + node.error().message;
  return to_string(*node, kIds);
}

TEST(SigmaCondition, Precedence) {
  EXPECT_EQ(parsed("a or b and c"), "(a or (b and c))");
  EXPECT_EQ(parsed("a and b or c"), "((a and b) or c)");
  EXPECT_EQ(parsed("not a and b"), "((not a) and b)");
  EXPECT_EQ(parsed("not a or b"), "((not a) or b)");
  EXPECT_EQ(parsed("a and not b or not c"), "((a and (not b)) or (not c))");
  EXPECT_EQ(parsed("(a or b) and c"), "((a or b) and c)");
  EXPECT_EQ(parsed("not (a or b)"), "(not (a or b))");
  EXPECT_EQ(parsed("not not a"), "(not (not a))");
  EXPECT_EQ(parsed("a and b and c"), "(a and b and c)");
  EXPECT_EQ(parsed("a and (b and c)"), "(a and b and c)");  // flattened
  EXPECT_EQ(parsed("((a))"), "a");
  // `x of` binds tighter than not: not 1 of sel_* = not (sel_1 or sel_2).
  EXPECT_EQ(parsed("a and not 1 of sel_*"), "(a and (not (sel_1 or sel_2)))");
  EXPECT_EQ(parsed("1 of sel_* and a"), "((sel_1 or sel_2) and a)");
}

TEST(SigmaCondition, Quantifiers) {
  EXPECT_EQ(parsed("1 of sel_*"), "(sel_1 or sel_2)");
  EXPECT_EQ(parsed("all of sel_*"), "(sel_1 and sel_2)");
  EXPECT_EQ(parsed("any of sel_*"), "(sel_1 or sel_2)");
  EXPECT_EQ(parsed("2 of sel_*"), "(sel_1 and sel_2)");  // N equal to the count = all
  EXPECT_EQ(parsed("2 of them"), "(2 of a, b, c, sel_1, sel_2, filter_x)");
  EXPECT_EQ(parsed("1 of them"), "(a or b or c or sel_1 or sel_2 or filter_x)");  // no _hidden
  EXPECT_EQ(parsed("all of them"), "(a and b and c and sel_1 and sel_2 and filter_x)");
  EXPECT_EQ(parsed("1 of filter*"), "filter_x");
  EXPECT_EQ(parsed("1 of _*"), "_hidden");  // named explicitly, `_` ones are usable
  EXPECT_EQ(parsed("all of *_?"), "ERROR: condition: '*_?' matches no search identifier");
  EXPECT_EQ(parsed("1 of *"), "(a or b or c or sel_1 or sel_2 or filter_x or _hidden)");
  EXPECT_EQ(parsed("ALL OF sel_* AND NOT a"), "(sel_1 and sel_2 and (not a))");  // flattened
}

TEST(SigmaCondition, Errors) {
  EXPECT_EQ(parsed("a and d"), "ERROR: condition: unknown search identifier 'd'");
  EXPECT_EQ(parsed("a and"), "ERROR: condition: unexpected end");
  EXPECT_EQ(parsed("a b"), "ERROR: condition: unexpected 'b' at column 3");
  EXPECT_EQ(parsed("(a or b"), "ERROR: condition: missing ')'");
  EXPECT_EQ(parsed("a or b)"), "ERROR: condition: unexpected ')' at column 7");
  EXPECT_EQ(parsed("0 of sel_*"), "ERROR: condition: '0 of' needs a positive number or all");
  EXPECT_EQ(parsed("x of sel_*"), "ERROR: condition: 'x of' needs a positive number or all");
  EXPECT_EQ(parsed("1 of"), "ERROR: condition: unexpected end");
  EXPECT_EQ(parsed(""), "ERROR: condition is empty");
  EXPECT_EQ(parsed("a | count() > 5"),
            "ERROR: condition: aggregation ('|') is not supported: write a correlation rule");
  EXPECT_EQ(parsed("near a"), "ERROR: condition: unknown search identifier 'near'");
}

TEST(SigmaCondition, DepthAndSizeLimits) {
  std::string deep(kMaxConditionDepth + 5, '(');
  deep += "a" + std::string(kMaxConditionDepth + 5, ')');
  EXPECT_NE(parsed(deep).find("nested deeper"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 10000; ++i) nots += "not ";
  EXPECT_NE(parsed(nots + "a").find("ERROR"), std::string::npos);
  std::string wide = "a";
  for (int i = 0; i < 6000; ++i) wide += " or b";
  EXPECT_NE(parsed(wide).find("tokens"), std::string::npos);
  std::string ok_nested(kMaxConditionDepth - 1, '(');
  ok_nested += "a" + std::string(kMaxConditionDepth - 1, ')');
  EXPECT_EQ(parsed(ok_nested), "a");
}

TEST(SigmaCondition, Evaluate) {
  auto eval = [](const std::string& text, std::vector<bool> truth) {
    auto node = parse_condition(text, kIds);
    EXPECT_TRUE(node) << text;
    truth.resize(kIds.size(), false);
    return evaluate(*node, [&](std::uint32_t ref) { return static_cast<bool>(truth[ref]); });
  };
  EXPECT_TRUE(eval("a or b and c", {true, false, false}));
  EXPECT_FALSE(eval("(a or b) and c", {true, false, false}));
  EXPECT_TRUE(eval("a and not 1 of sel_*", {true}));
  EXPECT_FALSE(eval("a and not 1 of sel_*", {true, false, false, false, true}));
  EXPECT_TRUE(eval("2 of them", {true, false, true}));
  EXPECT_FALSE(eval("2 of them", {true}));
  EXPECT_FALSE(eval("2 of them", {false, false, false, false, false, false, true}));  // _hidden
  EXPECT_TRUE(eval("all of sel_*", {false, false, false, true, true}));
}

}  // namespace
}  // namespace soc::sigma
