// Sigma correlation rules: parsing of every supported type, and specific errors otherwise.
#include "signatures/sigma/correlation_rule.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace soc::sigma {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CorrelationRule, ParsesEventCountWithRangeAndGroupBy) {
  const auto parsed = parse_correlation_rules(R"(title: Many failed logins
id: c1
name: many_failed
level: high
correlation:
  type: event_count
  rules:
    - base_a
    - 5638f7c0-ac70-491d-8465-2a65075e0d86
  group-by:
    - source.ip
    - user.name
  timespan: 90m
  condition:
    gt: 100
    lte: 200
)",
                                              "f.yml");
  ASSERT_TRUE(parsed.issues.empty()) << format_issue(parsed.issues.front());
  ASSERT_EQ(parsed.rules.size(), 1u);
  const CorrelationRule& r = parsed.rules[0];
  EXPECT_EQ(r.type, CorrelationType::kEventCount);
  EXPECT_EQ(r.id, "c1");
  EXPECT_EQ(r.name, "many_failed");
  EXPECT_EQ(r.level, "high");
  EXPECT_EQ(r.rules, (std::vector<std::string>{"base_a", "5638f7c0-ac70-491d-8465-2a65075e0d86"}));
  EXPECT_EQ(r.group_by, (std::vector<std::string>{"source.ip", "user.name"}));
  EXPECT_EQ(r.timespan_ns, 5400 * kSecond);
  EXPECT_FALSE(r.condition.holds(100));
  EXPECT_TRUE(r.condition.holds(101));
  EXPECT_TRUE(r.condition.holds(200));
  EXPECT_FALSE(r.condition.holds(201));
  EXPECT_EQ(r.condition.describe(), "gt 100 and lte 200");
}

TEST(CorrelationRule, TemporalWithoutConditionNeedsEveryRule) {
  const auto parsed = parse_correlation_rules(R"(title: t
correlation:
  type: temporal_ordered
  rules: [a, b, c]
  group-by: [host.name]
  timespan: 5m
)");
  ASSERT_EQ(parsed.rules.size(), 1u);
  EXPECT_EQ(parsed.rules[0].type, CorrelationType::kTemporalOrdered);
  EXPECT_FALSE(parsed.rules[0].condition.holds(2));
  EXPECT_TRUE(parsed.rules[0].condition.holds(3));
}

TEST(CorrelationRule, ValueCountNeedsAField) {
  auto parsed = parse_correlation_rules(R"(title: v
correlation:
  type: value_count
  rules: [a]
  group-by: [source.ip]
  timespan: 1d
  condition:
    gte: 10
)");
  ASSERT_EQ(parsed.issues.size(), 1u);
  EXPECT_EQ(parsed.issues[0].reason, "value_count: condition needs a field");
  parsed = parse_correlation_rules(R"(title: v
correlation:
  type: value_count
  rules: [a]
  group-by: [source.ip]
  timespan: 1d
  condition:
    field: user.name
    gte: 10
)");
  ASSERT_EQ(parsed.rules.size(), 1u);
  EXPECT_EQ(parsed.rules[0].value_field, "user.name");
}

TEST(CorrelationRule, AliasesAndGenerateAndMixedStream) {
  const auto parsed = parse_correlation_rules(R"(title: base rule, not a correlation
detection:
  sel: {a: 1}
  condition: sel
---
title: with aliases
generate: true
correlation:
  type: temporal
  rules: [internal_error, new_network_connection]
  group-by: [internal_ip]
  timespan: 10s
  generate: true
  aliases:
    internal_ip:
      internal_error: destination.ip
      new_network_connection: source.ip
)",
                                              "m.yml");
  ASSERT_TRUE(parsed.issues.empty());
  ASSERT_EQ(parsed.rules.size(), 1u);
  const CorrelationRule& r = parsed.rules[0];
  EXPECT_TRUE(r.generate);
  EXPECT_EQ(r.aliases.at("internal_ip").at("internal_error"), "destination.ip");
  EXPECT_EQ(r.aliases.at("internal_ip").at("new_network_connection"), "source.ip");
  EXPECT_EQ(r.line, 6);
}

TEST(CorrelationRule, SpecificErrorsWithLines) {
  const struct {
    const char* yaml;
    const char* reason;
    int line;
  } cases[] = {
      {"title: x\ncorrelation:\n  type: value_sum\n  rules: [a]\n  timespan: 1h\n",
       "unsupported correlation type value_sum", 3},
      {"title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  condition: {gte: 1}\n",
       "correlation: timespan is missing", 3},
      {"title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5x\n"
       "  condition: {gte: 1}\n",
       "timespan '5x': expected e.g. 30s, 5m, 1h, 2d", 5},
      {"title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5m\n"
       "  condition: {gte: many}\n",
       "condition gte: expected a whole number, got 'many'", 6},
      {"title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5m\n"
       "  condition: {about: 3}\n",
       "condition: unknown operator 'about'", 6},
      {"title: x\ncorrelation:\n  type: event_count\n  timespan: 5m\n  condition: {gte: 1}\n",
       "correlation: rules is missing", 3},
      {"correlation:\n  type: event_count\n", "missing title", 1},
      {"title: x\nlevel: severe\ncorrelation: {}\n", "unknown level 'severe'", 2},
      {"title: x\ncorrelation: [1]\n", "correlation: expected a map", 2},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_correlation_rules(c.yaml, "bad.yml");
    ASSERT_EQ(parsed.issues.size(), 1u) << c.yaml;
    EXPECT_EQ(parsed.issues[0].reason, c.reason) << c.yaml;
    EXPECT_EQ(parsed.issues[0].line, c.line) << c.yaml;
    EXPECT_TRUE(parsed.rules.empty());
  }
}

TEST(CorrelationRule, HostileInputNeverThrows) {
  for (const char* yaml : {"correlation: {type: [", "{correlation: {rules: {a: b}}}", "\t\t\x01",
                           "title: x\ncorrelation: {type: event_count, rules: [[]]}",
                           "title: x\ncorrelation: {type: event_count, rules: [a], timespan: "
                           "99999999999999999999d, condition: {gte: 1}}"}) {
    const auto parsed = parse_correlation_rules(yaml);
    EXPECT_TRUE(parsed.rules.empty()) << yaml;
  }
}

TEST(CorrelationRule, Timespans) {
  EXPECT_EQ(parse_timespan("30s"), 30 * kSecond);
  EXPECT_EQ(parse_timespan("2d"), 2 * 86400 * kSecond);
  for (const char* bad : {"", "s", "0m", "-1m", "1.5h", "1w", "m5", "400d"}) {
    EXPECT_FALSE(parse_timespan(bad)) << bad;
  }
}

// The spec's own schema test files: the four supported types parse; value_sum, value_avg and
// value_percentile are refused with that reason.
TEST(CorrelationRule, SpecSchemaExamples) {
  const std::string dir =
      std::string(SOC_SHARED_DATA) + "/spec/sigma-specification/tests/schema/correlation";
  int parsed_ok = 0;
  int refused = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const auto parsed = parse_correlation_rules(read(entry.path().string()), name);
    if (name.starts_with("value_sum") || name.starts_with("value_avg") ||
        name.starts_with("value_percentile")) {
      ASSERT_EQ(parsed.issues.size(), 1u) << name;
      EXPECT_TRUE(parsed.issues[0].reason.starts_with("unsupported correlation type")) << name;
      ++refused;
    } else {
      EXPECT_TRUE(parsed.issues.empty()) << name << ": " << format_issue(parsed.issues.front());
      EXPECT_EQ(parsed.rules.size(), 1u) << name;
      ++parsed_ok;
    }
  }
  EXPECT_EQ(parsed_ok, 5);
  EXPECT_EQ(refused, 3);
}

}  // namespace
}  // namespace soc::sigma
