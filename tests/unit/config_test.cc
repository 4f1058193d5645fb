#include "common/config.h"

#include <gtest/gtest.h>

namespace soc {
namespace {

Config parse(const std::string& text) {
  auto c = Config::parse(text, "test.yaml");
  EXPECT_TRUE(c) << (c ? "" : c.error().message);
  return *c;
}

TEST(Config, ReadsTypedValuesWithDefaults) {
  Config c = parse("collector:\n  endpoint: tcp://h:1\nbatch:\n  max_events: 5\nflag: true\n");
  EXPECT_EQ(*c.get_string("collector.endpoint", "x"), "tcp://h:1");
  EXPECT_EQ(*c.get_string("absent", "fallback"), "fallback");
  EXPECT_EQ(*c.get_int("batch.max_events", 1, 1, 10), 5);
  EXPECT_TRUE(*c.get_bool("flag", false));
  EXPECT_TRUE(c.check_unknown_keys());
}

TEST(Config, ErrorsNameFileKeyAndExpectation) {
  Config c = parse("batch:\n  max_events: many\nlist: [1, 2]\n");
  auto n = c.get_int("batch.max_events", 1, 1, 10);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().message,
            "test.yaml: key 'batch.max_events': expected an integer between 1 and 10");
  auto s = c.get_string("list", "");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("key 'list': expected a string, got a list"), std::string::npos);
  auto range = Config::parse("x: 11\n", "f.yaml")->get_int("x", 1, 1, 10);
  ASSERT_FALSE(range);
  EXPECT_NE(range.error().message.find("got 11"), std::string::npos);
  auto missing = c.require_string("collector.endpoint");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("is required"), std::string::npos);
  auto choice =
      Config::parse("start: middle\n", "f.yaml")->get_choice("start", "end", {"beginning", "end"});
  ASSERT_FALSE(choice);
  EXPECT_NE(choice.error().message.find("expected one of beginning | end, got 'middle'"),
            std::string::npos);
}

TEST(Config, SyntaxErrorNamesLine) {
  auto c = Config::parse("a: 1\nb: [unclosed\n", "bad.yaml");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("bad.yaml: YAML syntax error at line"), std::string::npos);
}

TEST(Config, OverridesSetNestedKeysListsAndIndexes) {
  Config c = parse("collector:\n  endpoint: tcp://a:1\nsources:\n  - type: file\n    paths: [a]\n");
  ASSERT_TRUE(c.apply_overrides({"collector.endpoint=tcp://127.0.0.1:7600", "new.deep.key=3",
                                 "sources.0.paths=[x, y]", "sources.0.start=beginning"}));
  EXPECT_EQ(*c.get_string("collector.endpoint", ""), "tcp://127.0.0.1:7600");
  EXPECT_EQ(*c.get_int("new.deep.key", 0, 0, 10), 3);
  EXPECT_EQ(*c.get_string_list("sources.0.paths"), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(*c.get_string("sources.0.start", ""), "beginning");
  // Values are text: a Z85 key full of YAML-special characters arrives as it is.
  ASSERT_TRUE(c.apply_override("collector.public_key=|x&y*z!{a]%#:b"));
  EXPECT_EQ(*c.get_string("collector.public_key", ""), "|x&y*z!{a]%#:b");
  ASSERT_TRUE(c.apply_override("collector.endpoint=[not a list"));
  EXPECT_EQ(*c.get_string("collector.endpoint", ""), "[not a list");
  EXPECT_FALSE(c.apply_override("no-equals-sign"));
  EXPECT_FALSE(c.apply_override("sources.5.type=file"));
}

TEST(Config, UnknownKeysAreReported) {
  Config c =
      parse("listen: x\nstore:\n  path: p\n  pth: typo\nsources:\n  - type: file\n    bogus: 1\n");
  (void)c.get_string("listen", "");
  (void)c.get_string("store.path", "");
  (void)c.sequence_size("sources");
  (void)c.get_string("sources.0.type", "");
  auto r = c.check_unknown_keys();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("store.pth"), std::string::npos);
  EXPECT_NE(r.error().message.find("sources.0.bogus"), std::string::npos);
  EXPECT_EQ(r.error().message.find("store.path"), std::string::npos);
}

TEST(Config, MissingFileIsAnError) {
  auto c = Config::load("/nonexistent/agent.yaml");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("/nonexistent/agent.yaml"), std::string::npos);
}

}  // namespace
}  // namespace soc
