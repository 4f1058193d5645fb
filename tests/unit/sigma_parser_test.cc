// Sigma rule parser: structure, metadata, line numbers, and specific errors for bad input.
#include <gtest/gtest.h>

#include <string>

#include "signatures/sigma/rule_parser.h"
#include "tests/unit/sigma_test_util.h"

namespace soc::sigma {
namespace {

constexpr const char* kRule = R"(title: Suspicious Thing
id: 0e95725d-7320-415d-80f7-004da920fc11
status: test
description: Detects a thing
level: High
tags:
    - attack.t1110
    - attack.credential-access
logsource:
    product: Linux
    service: sshd
detection:
    selection:
        CommandLine|contains|all:
            - 'a'
            - "b"
        Port: 22
        Empty:
        Quoted: 'null'
    selection_list:
        - Image|endswith: '/nc'
        - Image|endswith: '/ncat'
    keywords:
        - 'evil'
        - 'worse'
    condition: selection or 1 of selection_* or keywords
)";

TEST(SigmaParser, ReadsMetadataAndDetection) {
  auto rule = parse_rule(kRule, "rules/a.yml");
  ASSERT_TRUE(rule) << rule.error().reason;
  EXPECT_EQ(rule->title, "Suspicious Thing");
  EXPECT_EQ(rule->id, "0e95725d-7320-415d-80f7-004da920fc11");
  EXPECT_EQ(rule->status, "test");
  EXPECT_EQ(rule->level, "high");  // lower-cased
  EXPECT_EQ(rule->description, "Detects a thing");
  EXPECT_EQ(rule->tags, (std::vector<std::string>{"attack.t1110", "attack.credential-access"}));
  EXPECT_EQ(rule->logsource.product, "linux");
  EXPECT_EQ(rule->logsource.service, "sshd");
  EXPECT_TRUE(rule->logsource.category.empty());
  EXPECT_EQ(rule->file, "rules/a.yml");
  EXPECT_EQ(rule->line, 1);
  EXPECT_EQ(rule->conditions,
            (std::vector<std::string>{"selection or 1 of selection_* or keywords"}));
  ASSERT_EQ(rule->detection.size(), 3u);

  const SearchIdentifier& sel = rule->detection[0];
  EXPECT_EQ(sel.name, "selection");
  EXPECT_EQ(sel.line, 13);
  ASSERT_EQ(sel.alternatives.size(), 1u);
  const auto& items = sel.alternatives[0];
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].field, "CommandLine");
  EXPECT_EQ(items[0].modifiers, (std::vector<std::string>{"contains", "all"}));
  EXPECT_EQ(items[0].line, 14);
  ASSERT_EQ(items[0].values.size(), 2u);
  EXPECT_EQ(items[0].values[0].text, "a");
  EXPECT_FALSE(items[0].values[0].plain);
  EXPECT_EQ(items[0].values[1].line, 16);
  EXPECT_EQ(items[1].values[0].text, "22");
  EXPECT_TRUE(items[1].values[0].plain);
  EXPECT_TRUE(items[2].values[0].is_null);
  EXPECT_FALSE(items[3].values[0].is_null);  // quoted 'null' is text
  EXPECT_EQ(items[3].values[0].text, "null");

  const SearchIdentifier& list = rule->detection[1];
  ASSERT_EQ(list.alternatives.size(), 2u);
  EXPECT_EQ(list.alternatives[1][0].values[0].text, "/ncat");

  const SearchIdentifier& kw = rule->detection[2];
  ASSERT_EQ(kw.alternatives.size(), 1u);
  ASSERT_EQ(kw.alternatives[0].size(), 1u);
  EXPECT_TRUE(kw.alternatives[0][0].field.empty());
  EXPECT_EQ(kw.alternatives[0][0].values.size(), 2u);
}

TEST(SigmaParser, KeywordMapWithModifiers) {
  auto rule =
      parse_rule(testing::rule_yaml("    keywords:\n        '|all':\n            - 'a'\n"
                                    "            - 'b'\n    condition: keywords\n"));
  ASSERT_TRUE(rule) << rule.error().reason;
  const DetectionItem& item = rule->detection[0].alternatives[0][0];
  EXPECT_TRUE(item.field.empty());
  EXPECT_EQ(item.modifiers, (std::vector<std::string>{"all"}));
}

TEST(SigmaParser, MultiDocumentFileAndCorrelation) {
  const std::string text = std::string(
                               "title: Count\nid: c1\ncorrelation:\n    type: event_count\n"
                               "    rules: [base]\n---\n") +
                           "title: Base\nid: b1\nname: base\nlogsource:\n    product: linux\n"
                           "detection:\n    sel:\n        a: b\n    condition: sel\n";
  ParsedRules parsed = parse_rules(text, "multi.yml");
  ASSERT_EQ(parsed.rules.size(), 1u);
  EXPECT_EQ(parsed.rules[0].title, "Base");
  EXPECT_EQ(parsed.rules[0].line, 7);
  ASSERT_EQ(parsed.issues.size(), 1u);
  EXPECT_EQ(parsed.issues[0].reason, "correlation rule: runs on the collector");
  EXPECT_EQ(parsed.issues[0].rule_id, "c1");
  EXPECT_EQ(parsed.issues[0].file, "multi.yml");
  EXPECT_EQ(parsed.issues[0].line, 1);
}

TEST(SigmaParser, EachDocumentStandsAlone) {
  // A broken document does not take the others with it; lines count from the file's start;
  // `...` ends a document.
  const std::string text =
      "title: One\nlogsource: {product: linux}\ndetection: {s: {a: b}, condition: s}\n"
      "...\n"
      "--- # second\ntitle: Two\nlogsource: {product: linux}\ndetection:\n  s: [a, b\n"
      "---\ntitle: Three\nlogsource: {product: linux}\ndetection: {s: {a: b}, condition: s}\n";
  ParsedRules parsed = parse_rules(text, "f.yml");
  ASSERT_EQ(parsed.rules.size(), 2u);
  EXPECT_EQ(parsed.rules[0].title, "One");
  EXPECT_EQ(parsed.rules[0].line, 1);
  EXPECT_EQ(parsed.rules[0].end_line, 3);  // the `...` line is no part of it
  EXPECT_EQ(parsed.rules[1].title, "Three");
  EXPECT_EQ(parsed.rules[1].line, 11);
  EXPECT_EQ(parsed.rules[1].detection[0].line, 13);
  ASSERT_EQ(parsed.issues.size(), 1u);
  EXPECT_GE(parsed.issues[0].line, 9);
  EXPECT_LE(parsed.issues[0].line, 10);
  EXPECT_NE(parsed.issues[0].reason.find("YAML syntax"), std::string::npos);
}

TEST(SigmaParser, StrayCommaIsReportedNotHung) {
  // yaml-cpp's LoadAll loops forever on this (found by fuzz_sigma); it must give an issue.
  for (const char* text : {",", ",title: x\nlogsource: {product: linux}\n", "# c\n---\n,"}) {
    ParsedRules parsed = parse_rules(text, "c.yml");
    ASSERT_EQ(parsed.issues.size(), 1u) << text;
    EXPECT_EQ(parsed.issues[0].reason, "YAML syntax: the document holds text but no YAML value")
        << text;
  }
  EXPECT_TRUE(parse_rules("# only a comment\n---\n...\n", "c.yml").issues.empty());
}

TEST(SigmaParser, YamlSyntaxErrorHasLine) {
  auto rule = parse_rule(
      "title: x\nlogsource:\n  product: linux\ndetection:\n  sel: [a, b\n"
      "  condition: sel\n",
      "bad.yml");
  ASSERT_FALSE(rule);
  EXPECT_EQ(rule.error().file, "bad.yml");
  EXPECT_GT(rule.error().line, 0);
  EXPECT_NE(rule.error().reason.find("YAML syntax"), std::string::npos) << rule.error().reason;
}

struct BadCase {
  const char* yaml;
  const char* reason;
  int line;
};

TEST(SigmaParser, SpecificReasons) {
  const BadCase cases[] = {
      {"id: x\nlogsource: {product: linux}\ndetection: {s: {a: b}, condition: s}\n",
       "missing title", 1},
      {"title: t\ndetection: {s: {a: b}, condition: s}\n", "missing logsource", 1},
      {"title: t\nlogsource: linux\ndetection: {s: {a: b}, condition: s}\n",
       "logsource: expected a map", 2},
      {"title: t\nlogsource: {product: linux}\n", "missing detection", 1},
      {"title: t\nlogsource: {product: linux}\ndetection:\n  s: {a: b}\n", "missing condition", 4},
      {"title: t\nlogsource: {product: linux}\nlevel: severe\ndetection: {s: {a: b}, "
       "condition: s}\n",
       "unknown level 'severe'", 3},
      {"title: t\nlogsource: {product: linux}\ndetection:\n  s:\n    - a\n    - {b: c}\n"
       "  condition: s\n",
       "search identifier s mixes maps and plain values", 4},
      {"title: t\nlogsource: {product: linux}\ndetection:\n  s:\n    f: {x: y}\n  condition: s\n",
       "search identifier s: value of f is a map", 5},
      {"title: t\nlogsource: {product: linux}\ndetection:\n  s:\n    f: []\n  condition: s\n",
       "search identifier s: f has no values", 5},
      {"title: t\nlogsource: {product: linux}\ndetection:\n  s:\n    f:\n      - [a]\n"
       "  condition: s\n",
       "search identifier s: value list of f holds a list or map", 6},
      {"title: t\nlogsource: {product: linux}\ndetection:\n  s: {a: b}\n  timeframe: 5m\n"
       "  condition: s | count() > 5\n",
       "timeframe (aggregation) is not supported: write a correlation rule", 5},
      {"title: t\naction: global\nlogsource: {product: linux}\n",
       "rule collection action 'global' is not supported (one rule per document)", 2},
      {"- just\n- a list\n", "a rule must be a YAML map", 1},
  };
  for (const BadCase& c : cases) {
    auto rule = parse_rule(c.yaml, "r.yml");
    ASSERT_FALSE(rule) << c.yaml;
    EXPECT_EQ(rule.error().reason, c.reason) << c.yaml;
    EXPECT_EQ(rule.error().line, c.line) << c.yaml;
  }
}

TEST(SigmaParser, EmptyTagsAndExtraKeysAreFine) {
  auto rule = parse_rule(
      "title: t\ntags:\nreferences: https://x\nfields: [a]\nfalsepositives: [none]\n"
      "custom: {any: thing}\nlogsource: {product: linux}\ndetection: {s: {a: b}, condition: s}\n");
  ASSERT_TRUE(rule) << rule.error().reason;
  EXPECT_TRUE(rule->tags.empty());
}

TEST(SigmaParser, HostileInputIsRefusedNotCrashed) {
  // Deep flow nesting (yaml-cpp's depth guard), an alias bomb, a huge file, binary junk.
  const std::string deep = "title: t\nx: " + std::string(5000, '[') + std::string(5000, ']');
  EXPECT_FALSE(parse_rule(deep));

  // Aliases: 100 references to a map of 100 fields each holding the same 100 values.
  std::string bomb = "title: t\nv: &v [";
  for (int i = 0; i < 100; ++i) bomb += i ? ", x" : "x";
  bomb += "]\nm: &m {";
  for (int i = 0; i < 100; ++i) bomb += (i ? ", f" : "f") + std::to_string(i) + ": *v";
  bomb += "}\nlogsource: {product: linux}\ndetection:\n  s: [";
  for (int i = 0; i < 100; ++i) bomb += i ? ", *m" : "*m";
  bomb += "]\n  condition: s\n";
  auto bombed = parse_rule(bomb);
  ASSERT_FALSE(bombed);
  EXPECT_NE(bombed.error().reason.find("too large"), std::string::npos) << bombed.error().reason;

  EXPECT_FALSE(parse_rule(std::string(kMaxRuleFileBytes + 1, 'a')));
  EXPECT_FALSE(parse_rule(std::string("\0\xff\xfe title: [", 12)));
  EXPECT_FALSE(parse_rule(""));
}

}  // namespace
}  // namespace soc::sigma
