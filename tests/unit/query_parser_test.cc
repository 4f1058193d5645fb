#include "collector/query/parser.h"

#include <gtest/gtest.h>

#include <string>

namespace soc::query {
namespace {

std::string tree(const std::string& text) {
  auto parsed = parse_query(text);
  if (!parsed) return "ERROR " + parsed.error().describe();
  return to_debug_string(*parsed);
}

QueryError error_of(const std::string& text) {
  auto parsed = parse_query(text);
  EXPECT_FALSE(parsed.has_value()) << text << " parsed as " << to_debug_string(*parsed);
  return parsed ? QueryError{} : parsed.error();
}

TEST(QueryParser, FieldValue) {
  EXPECT_EQ(tree("user.name: root"), "(match user.name root)");
  EXPECT_EQ(tree("user.name:root"), "(match user.name root)");
  EXPECT_EQ(tree("@timestamp: 2026-11-30"), "(match @timestamp 2026-11-30)");
  EXPECT_EQ(tree("weird_field-1.x: y"), "(match weird_field-1.x y)");
}

TEST(QueryParser, ValuesMayContainColons) {
  EXPECT_EQ(tree("@timestamp >= 2026-11-30T00:00:00Z"),
            "(range @timestamp >= 2026-11-30T00:00:00Z)");
  EXPECT_EQ(tree("source.ip: 2001:db8::/32"), "(match source.ip 2001:db8::/32)");
  EXPECT_EQ(tree("source.ip: ::1 and x"), "(and (match source.ip ::1) (text x))");
}

TEST(QueryParser, WildcardsAndEscapes) {
  auto parsed = parse_query("user.name: ad?in*");
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(parsed->value.text, "ad?in*");
  EXPECT_EQ(parsed->value.wildcard, (std::vector<bool>{false, false, true, false, false, true}));
  EXPECT_TRUE(parsed->value.has_wildcards());

  parsed = parse_query(R"(file.name: a\*b\?c\\)");
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(parsed->value.text, "a*b?c\\");
  EXPECT_FALSE(parsed->value.has_wildcards());

  parsed = parse_query("user.name: *");
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->value.is_any());
  parsed = parse_query(R"(user.name: "*")");
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->value.is_any());
  EXPECT_FALSE(parsed->value.has_wildcards());
}

TEST(QueryParser, QuotedPhrases) {
  EXPECT_EQ(tree(R"("failed password")"), R"((text "failed password"))");
  EXPECT_EQ(tree(R"(message: "a \"quoted\" word")"), R"((match message "a \"quoted\" word"))");
  EXPECT_EQ(tree(R"(user.name: "and")"), R"((match user.name "and"))");
  EXPECT_EQ(tree(R"("not" "or")"), R"((and (text "not") (text "or")))");
  auto parsed = parse_query(R"("a*b")");
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->value.has_wildcards());
  EXPECT_TRUE(parsed->value.quoted);
}

TEST(QueryParser, PrecedenceNotAndOr) {
  EXPECT_EQ(tree("a and b or c"), "(or (and (text a) (text b)) (text c))");
  EXPECT_EQ(tree("a or b and c"), "(or (text a) (and (text b) (text c)))");
  EXPECT_EQ(tree("not a and b"), "(and (not (text a)) (text b))");
  EXPECT_EQ(tree("not a or not b"), "(or (not (text a)) (not (text b)))");
  EXPECT_EQ(tree("not not a"), "(not (not (text a)))");
  EXPECT_EQ(tree("a or b or c"), "(or (text a) (text b) (text c))");
  EXPECT_EQ(tree("(a or b) and c"), "(and (or (text a) (text b)) (text c))");
  EXPECT_EQ(tree("not (a or b)"), "(not (or (text a) (text b)))");
  EXPECT_EQ(tree("((a))"), "(text a)");
}

TEST(QueryParser, KeywordsIgnoreCase) {
  EXPECT_EQ(tree("a AND b Or NOT c"), "(or (and (text a) (text b)) (not (text c)))");
  EXPECT_EQ(tree(R"(\and)"), "(text and)");  // escaped: a word, not the keyword
}

TEST(QueryParser, AdjacentTermsAreJoinedByAnd) {
  EXPECT_EQ(tree("failed root"), "(and (text failed) (text root))");
  EXPECT_EQ(tree("user.name: root event.outcome: failure or x"),
            "(or (and (match user.name root) (match event.outcome failure)) (text x))");
  EXPECT_EQ(tree("(a) (b)"), "(and (text a) (text b))");
}

TEST(QueryParser, Ranges) {
  EXPECT_EQ(tree("destination.port > 5"), "(range destination.port > 5)");
  EXPECT_EQ(tree("destination.port>=5"), "(range destination.port >= 5)");
  EXPECT_EQ(tree("destination.port < 1024"), "(range destination.port < 1024)");
  EXPECT_EQ(tree("destination.port <= 1024"), "(range destination.port <= 1024)");
  EXPECT_EQ(tree("destination.port: [20 TO 25]"),
            "(and (range destination.port >= 20) (range destination.port <= 25))");
  EXPECT_EQ(tree("destination.port: [1024 to *]"), "(range destination.port >= 1024)");
  EXPECT_EQ(tree("destination.port: [* to 10]"), "(range destination.port <= 10)");
  EXPECT_EQ(tree("destination.port: [* to *]"), "(match destination.port *)");
  EXPECT_EQ(tree("@timestamp: [2026-11-30T00:00:00Z to 2026-12-01T00:00:00Z]"),
            "(and (range @timestamp >= 2026-11-30T00:00:00Z) (range @timestamp <= "
            "2026-12-01T00:00:00Z))");
}

TEST(QueryParser, ValueGroups) {
  EXPECT_EQ(tree("user.name: (root or admin)"),
            "(or (match user.name root) (match user.name admin))");
  EXPECT_EQ(tree("user.name: (root or not adm*)"),
            "(or (match user.name root) (not (match user.name adm*)))");
  EXPECT_EQ(tree("user.name: not root"), "(not (match user.name root))");
  EXPECT_EQ(tree("destination.port: ([1 to 5] or 22)"),
            "(or (and (range destination.port >= 1) (range destination.port <= 5)) "
            "(match destination.port 22))");
}

TEST(QueryParser, PositionsPointAtTheQueryText) {
  auto parsed = parse_query("x and  user.name: root");
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->children.size(), 2u);
  EXPECT_EQ(parsed->children[0].column, 1u);
  EXPECT_EQ(parsed->children[1].column, 8u);
  EXPECT_EQ(parsed->children[1].value.column, 19u);
}

TEST(QueryParser, ErrorsPointAtTheColumn) {
  QueryError e = error_of("source.ip: ");
  EXPECT_EQ(e.column, 12u);
  EXPECT_EQ(e.describe(), "column 12: expected a value after ':', found the end of the query");

  e = error_of("user.name: and x");
  EXPECT_EQ(e.column, 12u);
  EXPECT_NE(e.message.find("expected a value after ':'"), std::string::npos) << e.message;

  e = error_of("(a or b");
  EXPECT_EQ(e.column, 8u);
  EXPECT_NE(e.message.find("expected ')' to close the '(' at column 1"), std::string::npos);

  e = error_of("a or");
  EXPECT_EQ(e.column, 5u);
  EXPECT_NE(e.message.find("expected a term after 'or'"), std::string::npos) << e.message;

  e = error_of("a and or b");
  EXPECT_EQ(e.column, 7u);

  e = error_of("not");
  EXPECT_EQ(e.column, 4u);
  EXPECT_NE(e.message.find("after 'not'"), std::string::npos) << e.message;

  e = error_of("a )");
  EXPECT_EQ(e.column, 3u);
  EXPECT_EQ(e.message, "unexpected ')'");

  e = error_of("x: \"abc");
  EXPECT_EQ(e.column, 4u);
  EXPECT_EQ(e.message, "unterminated quoted phrase");

  e = error_of("bad!name: x");
  EXPECT_EQ(e.column, 1u);
  EXPECT_NE(e.message.find("invalid field name"), std::string::npos) << e.message;

  e = error_of("destination.port >");
  EXPECT_EQ(e.column, 19u);
  EXPECT_NE(e.message.find("expected a value after '>'"), std::string::npos) << e.message;

  e = error_of("f: [1 2]");
  EXPECT_EQ(e.column, 7u);
  EXPECT_NE(e.message.find("expected 'to'"), std::string::npos) << e.message;

  e = error_of("f: [1 to 2");
  EXPECT_EQ(e.column, 11u);
  EXPECT_NE(e.message.find("expected ']' to close the range at column 4"), std::string::npos);

  e = error_of("a\\");
  EXPECT_EQ(e.column, 2u);
  EXPECT_NE(e.message.find("nothing to escape"), std::string::npos);

  e = error_of(std::string("a\x01") + "b");
  EXPECT_EQ(e.column, 2u);
  EXPECT_NE(e.message.find("control character 0x01"), std::string::npos) << e.message;

  e = error_of("f: x: y:");  // the value "x:" is fine; "y" then ":" is a field without value
  EXPECT_EQ(e.column, 9u);
}

TEST(QueryParser, EmptyQueriesAreErrors) {
  EXPECT_EQ(error_of("").describe(), "column 1: empty query");
  EXPECT_EQ(error_of("   ").column, 4u);
  EXPECT_EQ(error_of("()").column, 2u);
}

TEST(QueryParser, HostileInputIsBounded) {
  const std::string deep(10'000, '(');
  QueryError e = error_of(deep + "a" + std::string(10'000, ')'));
  // Longer than the limit is refused first; within it, nesting is bounded.
  EXPECT_NE(e.message.find("longer than"), std::string::npos) << e.message;
  e = error_of(std::string(100, '(') + "a" + std::string(100, ')'));
  EXPECT_NE(e.message.find("nested too deeply"), std::string::npos) << e.message;

  std::string nots;
  for (int i = 0; i < 200; ++i) nots += "not ";
  e = error_of(nots + "a");
  EXPECT_NE(e.message.find("nested too deeply"), std::string::npos) << e.message;

  std::string many;
  for (int i = 0; i < 300; ++i) many += "a" + std::to_string(i) + " or ";
  e = error_of(many + "z");
  EXPECT_NE(e.message.find("too many terms"), std::string::npos) << e.message;

  // A query at the limits still parses.
  std::string ok_many;
  for (std::size_t i = 0; i + 1 < kMaxTerms; ++i) ok_many += "a or ";
  EXPECT_TRUE(parse_query(ok_many + "b"));
  EXPECT_TRUE(parse_query(std::string(kMaxDepth - 1, '(') + "a" + std::string(kMaxDepth - 1, ')')));
}

TEST(QueryParser, FieldNames) {
  EXPECT_TRUE(is_valid_field_name("source.ip"));
  EXPECT_TRUE(is_valid_field_name("@timestamp"));
  EXPECT_TRUE(is_valid_field_name("cs-uri_query.x"));
  EXPECT_FALSE(is_valid_field_name(""));
  EXPECT_FALSE(is_valid_field_name("a\"b"));
  EXPECT_FALSE(is_valid_field_name("a'b"));
  EXPECT_FALSE(is_valid_field_name("a b"));
  EXPECT_FALSE(is_valid_field_name("a$b"));
  EXPECT_FALSE(is_valid_field_name(std::string(129, 'a')));
}

}  // namespace
}  // namespace soc::query
