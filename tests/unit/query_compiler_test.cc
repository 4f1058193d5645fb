#include "collector/query/compiler.h"
#include "collector/query/indexed_fields.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <string>
#include <variant>

namespace soc::query {
namespace {

CompiledQuery compile(const std::string& text) {
  auto compiled = compile_query_text(text);
  EXPECT_TRUE(compiled.has_value()) << text << ": " << compiled.error().describe();
  return compiled ? *compiled : CompiledQuery{};
}

std::string text_param(const CompiledQuery& q, std::size_t i) {
  if (i >= q.params.size()) return "<missing>";
  const auto* s = std::get_if<std::string>(&q.params[i]);
  return s != nullptr ? *s : "<not text>";
}

std::size_t placeholders(const std::string& sql) {
  std::size_t n = 0;
  for (const char c : sql) n += c == '?' ? 1 : 0;
  return n;
}

// The SQL text may hold only the compiler's own fragments: no user value, and never a quote
// that a value could have opened.
void expect_only_in_params(const std::string& query, const std::string& user_text) {
  const CompiledQuery q = compile(query);
  EXPECT_EQ(q.where.find(user_text), std::string::npos) << q.where;
  EXPECT_EQ(placeholders(q.where), q.params.size()) << q.where;
  bool found = false;
  for (const SqlParam& p : q.params) {
    if (const auto* s = std::get_if<std::string>(&p))
      found |= s->find(user_text) != std::string::npos;
  }
  EXPECT_TRUE(found) << query;
}

TEST(QueryCompiler, UserStringsOnlyEverBecomeParameters) {
  const std::string evil = "'); DROP TABLE events; --";
  expect_only_in_params("user.name: \"" + evil + "\"", evil);
  expect_only_in_params("\"" + evil + "\"", "DROP TABLE events");
  expect_only_in_params("message: \"" + evil + "\"", "DROP TABLE events");
  expect_only_in_params("url.path > \"" + evil + "\"", evil);
  expect_only_in_params("agent.name: \"" + evil + "\"", evil);
  expect_only_in_params("user.name: \"x' OR '1'='1\"", "x' OR '1'='1");
  expect_only_in_params("user.name: \"a\\\"b\"", "a\"b");
  expect_only_in_params(R"(process.command_line: *'*)", "'");
}

TEST(QueryCompiler, FieldNamesAreBoundJsonPaths) {
  CompiledQuery q = compile("event.outcome: failure");
  EXPECT_EQ(q.where, "json_extract(e.fields, ?) = ?");
  EXPECT_EQ(text_param(q, 0), "$.\"event.outcome\"");
  EXPECT_EQ(text_param(q, 1), "failure");

  q = compile("cs-uri_query.x@y: 1");
  EXPECT_EQ(q.where.find("cs-uri"), std::string::npos);
  EXPECT_EQ(text_param(q, 0), "$.\"cs-uri_query.x@y\"");
}

TEST(QueryCompiler, IndexedFieldsUseTheIndexedExpression) {
  for (const IndexedField& field : kIndexedFields) {
    const CompiledQuery q = compile(std::string(field.name) + ": x");
    std::string column = "e." + std::string(field.name);
    std::replace(column.begin() + 2, column.end(), '.', '_');
    EXPECT_EQ(column, field.column);
    EXPECT_EQ(q.where, column + " = ?");
    ASSERT_EQ(q.params.size(), 1u);
  }
}

TEST(QueryCompiler, NumbersMatchTheirTextToo) {
  const CompiledQuery q = compile("destination.port: 22");
  EXPECT_EQ(q.where, "json_extract(e.fields, ?) IN (?, ?)");
  ASSERT_EQ(q.params.size(), 3u);
  EXPECT_EQ(std::get<std::int64_t>(q.params[1]), 22);
  EXPECT_EQ(text_param(q, 2), "22");
  EXPECT_EQ(std::get<double>(compile("x: 1.5").params[1]), 1.5);
  EXPECT_EQ(std::get<std::int64_t>(compile("x: true").params[1]), 1);
  // Quoted: exactly that text.
  EXPECT_EQ(compile("destination.port: \"22\"").where, "json_extract(e.fields, ?) = ?");
}

TEST(QueryCompiler, Wildcards) {
  CompiledQuery q = compile(R"(x: a*b?\[c)");
  EXPECT_EQ(q.where, "json_extract(e.fields, ?) GLOB ?");
  EXPECT_EQ(text_param(q, 1), "a*b?[[]c");
  q = compile(R"(x: a\*b)");  // escaped: literal star, no wildcard
  EXPECT_EQ(q.where, "json_extract(e.fields, ?) = ?");
  EXPECT_EQ(text_param(q, 1), "a*b");
  // On an indexed field the literal prefix narrows the search through the index.
  q = compile("user.name: adm*");
  EXPECT_NE(q.where.find(" >= ? AND "), std::string::npos) << q.where;
  EXPECT_EQ(text_param(q, 0), "adm");
  EXPECT_EQ(text_param(q, 1), "adn");
  EXPECT_EQ(text_param(q, 2), "adm*");
  EXPECT_EQ(compile("x: *").where, "json_extract(e.fields, ?) IS NOT NULL");
}

TEST(QueryCompiler, FullText) {
  CompiledQuery q = compile("failed");
  EXPECT_EQ(q.where,
            "e.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH soc_fts_terms(?))");
  EXPECT_EQ(text_param(q, 0), "\"failed\"");
  EXPECT_EQ(compile("fail*").where, q.where);
  // More than one word (as the index splits words): the index finds the events holding them
  // all, and each is then tested for the words in order.
  for (const char* phrase : {"\"invalid user\"", "10.0.0.1", "uid=0", "caf\xC3\xA9"}) {
    q = compile(phrase);
    EXPECT_EQ(q.where,
              "(e.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH soc_fts_terms(?)) "
              "AND soc_phrase(e.message, ?))")
        << phrase;
    ASSERT_EQ(q.params.size(), 2u);
    EXPECT_EQ(text_param(q, 0), text_param(q, 1));
  }
  EXPECT_EQ(text_param(compile(R"("say \"hi\"")"), 0), R"("say ""hi""")");
  EXPECT_EQ(text_param(compile("passw*"), 0), "\"passw\" *");
  EXPECT_EQ(text_param(compile("message: root"), 0), "\"root\"");
  // Other wildcards, or no word characters: the raw text is scanned.
  q = compile("*ass?ord");
  EXPECT_EQ(q.where, "e.message LIKE ? ESCAPE '\\'");
  EXPECT_EQ(text_param(q, 0), "%%ass_ord%");
  q = compile("\"');\"");
  EXPECT_EQ(q.where, "instr(e.message, ?) > 0");
  EXPECT_EQ(text_param(q, 0), "');");
  EXPECT_EQ(text_param(compile("\"50%_off\\\\*\""), 0), "\"50%_off\\*\"");
}

// The full-text driver is the first word or phrase that every match must have: under `and`,
// never under `or` or `not`; it points at its fragment and its parameter.
TEST(QueryCompiler, FullTextDriverIsAWordEveryMatchHas) {
  auto driver_words = [](const std::string& text) -> std::string {
    const CompiledQuery q = compile(text);
    if (!q.full_text_driver) return "<none>";
    EXPECT_EQ(
        q.where.compare(q.full_text_driver->where_offset, kFullTextAsSet.size(), kFullTextAsSet), 0)
        << text << ": " << q.where;
    return text_param(q, q.full_text_driver->param_index);
  };
  EXPECT_EQ(driver_words("failed"), "\"failed\"");
  EXPECT_EQ(driver_words("user.name: root and \"invalid user\" and oracle"), "\"invalid user\"");
  EXPECT_EQ(driver_words("source.ip: 10.0.0.0/8 and (passw* and (ssh2 or port))"), "\"passw\" *");
  EXPECT_EQ(driver_words("source.ip: 10.0.0.0/8 and (port or (passw* and ssh2))"), "<none>");
  EXPECT_EQ(driver_words("(failed)"), "\"failed\"");
  EXPECT_EQ(driver_words("failed or accepted"), "<none>");
  EXPECT_EQ(driver_words("not failed"), "<none>");
  EXPECT_EQ(driver_words("not (failed and root)"), "<none>");
  EXPECT_EQ(driver_words("user.name: root"), "<none>");
  EXPECT_EQ(driver_words("*ass?ord and user.name: root"), "<none>");  // scanned, no index
  EXPECT_EQ(driver_words("(failed or accepted) and root"), "\"root\"");
}

// The index driver is the first indexed-field condition every match meets, an equality before
// any range; it names the fixed index and column and its parameters.
TEST(QueryCompiler, IndexDriverIsAnIndexedConditionEveryMatchMeets) {
  auto driver = [](const std::string& text) -> std::string {
    const CompiledQuery q = compile(text);
    if (!q.index_driver) return "<none>";
    std::string out = std::string(q.index_driver->index) + " " + q.index_driver->column + " " +
                      text_param(q, q.index_driver->value_param);
    if (q.index_driver->upper_param) out += ".." + text_param(q, *q.index_driver->upper_param);
    return out;
  };
  EXPECT_EQ(driver("rule.id: abc-123"), "events_rule_id e.rule_id abc-123");
  EXPECT_EQ(driver("source.ip: 10.0.0.0/8"), "events_source_ip e.source_ip 10...10/");
  EXPECT_EQ(driver("source.ip: 10.1.2.3/32"), "events_source_ip e.source_ip 10.1.2.3");
  EXPECT_EQ(driver("user.name: adm*"), "events_user_name e.user_name adm..adn");
  EXPECT_EQ(driver("source.ip: 10.0.0.0/8 and host.hostname: \"web 1\""),
            "events_host_hostname e.host_hostname web 1");  // the equality wins
  EXPECT_EQ(driver("user.name: root and destination.ip: 8.8.8.8"),
            "events_user_name e.user_name root");  // the first equality
  EXPECT_EQ(driver("failed and (user.name: root and event.outcome: failure)"),
            "events_user_name e.user_name root");
  EXPECT_EQ(driver("user.name: root or user.name: admin"), "<none>");
  EXPECT_EQ(driver("not rule.id: abc-123"), "<none>");
  EXPECT_EQ(driver("event.outcome: failure"), "<none>");  // not an indexed field
  EXPECT_EQ(driver("user.name: *dmin"), "<none>");        // no prefix to range over
  EXPECT_EQ(driver("source.ip: fe80::/10"), "<none>");    // no whole hextet: no range
  EXPECT_EQ(driver("user.name: *"), "<none>");
}

TEST(QueryCompiler, Cidr) {
  CompiledQuery q = compile("source.ip: 10.1.2.3/8");
  EXPECT_NE(q.where.find("soc_cidr_match(e.source_ip, ?, ?)"), std::string::npos) << q.where;
  ASSERT_EQ(q.params.size(), 4u);
  EXPECT_EQ(text_param(q, 0), "10.");  // the text prefix every address of 10/8 starts with
  EXPECT_EQ(text_param(q, 1), "10/");
  EXPECT_EQ(text_param(q, 2), "10.0.0.0");  // host bits cleared
  EXPECT_EQ(std::get<std::int64_t>(q.params[3]), 8);

  q = compile("source.ip: 2001:db8::/32");
  EXPECT_EQ(text_param(q, 0), "2001:db8:");
  EXPECT_EQ(text_param(q, 2), "2001:db8::");
  q = compile("source.ip: fe80::/10");  // no whole hextet: no prefix, the function decides
  EXPECT_EQ(text_param(q, 0), "fe80::");
  EXPECT_EQ(std::get<std::int64_t>(q.params[1]), 10);
  q = compile("source.ip: 10.1.2.3/32");
  EXPECT_EQ(q.where, "e.source_ip = ?");
  // Not a CIDR: an ordinary value.
  EXPECT_EQ(compile("url.path: /admin/x").where, "json_extract(e.fields, ?) = ?");
  EXPECT_EQ(compile("source.ip: 10.0.0.0/33").where, "e.source_ip = ?");
}

TEST(QueryCompiler, Times) {
  // 2026-11-30T00:00:00Z = 1795996800 s since the epoch.
  constexpr std::int64_t kDay = 1'795'996'800LL * 1'000'000'000LL;
  constexpr std::int64_t kNsPerDay = 86'400LL * 1'000'000'000LL;
  CompiledQuery q = compile("@timestamp >= 2026-11-30T00:00:00Z");
  EXPECT_EQ(q.where, "e.time_ns >= ?");
  EXPECT_EQ(std::get<std::int64_t>(q.params[0]), kDay);
  q = compile("@timestamp <= 2026-11-30");  // the whole day
  EXPECT_EQ(q.where, "e.time_ns < ?");
  EXPECT_EQ(std::get<std::int64_t>(q.params[0]), kDay + kNsPerDay);
  q = compile("@timestamp > 2026-11-30T00:00:01.5Z");
  EXPECT_EQ(q.where, "e.time_ns >= ?");
  EXPECT_EQ(std::get<std::int64_t>(q.params[0]), kDay + 1'600'000'000);
  q = compile("@timestamp < 2026-11-30T02:00:00+02:00");
  EXPECT_EQ(std::get<std::int64_t>(q.params[0]), kDay);
  q = compile("@timestamp: 2026-11-30");
  EXPECT_EQ(q.where, "(e.time_ns >= ? AND e.time_ns < ?)");

  auto bad = compile_query_text("@timestamp > yesterday");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().column, 14u);
  EXPECT_NE(bad.error().message.find("expected a UTC time"), std::string::npos);
  EXPECT_FALSE(compile_query_text("@timestamp: 2026-13-01"));
  EXPECT_FALSE(compile_query_text("@timestamp: 2026-11-30T25:00:00Z"));
}

TEST(QueryCompiler, RangesCompareNumbersAsNumbers) {
  CompiledQuery q = compile("destination.port > 1024");
  EXPECT_EQ(q.where,
            "(json_extract(e.fields, ?) > ? AND typeof(json_extract(e.fields, ?)) IN ('integer', "
            "'real'))");
  EXPECT_EQ(std::get<std::int64_t>(q.params[1]), 1024);
  q = compile("user.name >= m");
  EXPECT_NE(q.where.find("= 'text'"), std::string::npos);
  EXPECT_FALSE(compile_query_text("x > a*"));
  EXPECT_FALSE(compile_query_text("message > 5"));
}

TEST(QueryCompiler, BooleanStructure) {
  CompiledQuery q = compile("a or not b and c");
  EXPECT_EQ(q.where.substr(0, 1), "(");
  EXPECT_NE(q.where.find(" OR "), std::string::npos);
  EXPECT_NE(q.where.find("NOT IFNULL("), std::string::npos);
  EXPECT_EQ(placeholders(q.where), q.params.size());
  EXPECT_FALSE(q.uses_agents);
  EXPECT_TRUE(compile("agent.name: web-1").uses_agents);
  EXPECT_EQ(compile("event.dataset: flow").where, "e.kind = ?");
}

TEST(QueryCompiler, SyntheticTreesAreCheckedToo) {
  Node bad = Node::match("a'b", Value::literal("x"));
  EXPECT_FALSE(compile_query(bad));
  Node empty;
  empty.type = Node::Type::kAnd;
  EXPECT_FALSE(compile_query(empty));
}

}  // namespace
}  // namespace soc::query
