// JsonDecoder: hand-written lines, hostile input, and agreement with the golden data: the
// CrowdSec Suricata eve.json parser expectations, the fail2ban cowrie JSON lines (offending host)
// and a cross-check of the SAX flattening against nlohmann's DOM (json::flatten) on every JSON
// document of ../shared/data (the JSON lines and the elements of the go-libaudit golden files).
#include "agent/decode/json_decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#ifndef SOC_SHARED_DATA
#define SOC_SHARED_DATA "/work/shared/data"
#endif

#include "tests/unit/agreement.h"

namespace soc::agent {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kData = SOC_SHARED_DATA;

std::vector<std::string> read_lines(const fs::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

Event decode(std::string_view line, bool* ok = nullptr,
             const JsonDecoder::Limits& limits = JsonDecoder::Limits()) {
  Event e;
  e.raw = std::string(line);
  const bool r = JsonDecoder(limits).decode(e);
  if (ok != nullptr) *ok = r;
  return e;
}

// The field's value as T; a default T (and a test failure) when missing or of another type.
template <typename T>
T get(const Event& e, std::string_view name) {
  const FieldValue* v = e.find(name);
  const T* t = v == nullptr ? nullptr : std::get_if<T>(v);
  EXPECT_NE(t, nullptr) << name;
  return t != nullptr ? *t : T();
}

std::optional<std::string> as_text(const Event& e, std::string_view name) {
  const FieldValue* v = e.find(name);
  if (v == nullptr) return std::nullopt;
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(v)) return std::to_string(*i);
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Hand-written lines.

TEST(JsonDecoder, FlattensAndTypes) {
  bool ok = false;
  const Event e =
      decode(R"({"a":"x","n":-5,"u":18446744073709551615,"f":1.5,"t":true,"z":null,)"
             R"("o":{"p":{"q":"deep"},"r":2},"l":["s",1,2.50,false,null],"m":[{"k":"v"},[1,"2"]],)"
             R"("e":[],"eo":{}})",
             &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(get<std::string>(e, "a"), "x");
  EXPECT_EQ(get<std::int64_t>(e, "n"), -5);
  EXPECT_EQ(get<std::string>(e, "u"), "18446744073709551615");
  EXPECT_DOUBLE_EQ(get<double>(e, "f"), 1.5);
  EXPECT_EQ(get<bool>(e, "t"), true);
  EXPECT_EQ(e.find("z"), nullptr);
  EXPECT_EQ(get<std::string>(e, "o.p.q"), "deep");
  EXPECT_EQ(get<std::int64_t>(e, "o.r"), 2);
  EXPECT_EQ(get<StringList>(e, "l"), (StringList{"s", "1", "2.50", "false", "null"}));
  EXPECT_EQ(get<StringList>(e, "m"), (StringList{R"({"k":"v"})", R"([1,"2"])"}));
  EXPECT_EQ(get<StringList>(e, "e"), StringList{});
  EXPECT_EQ(e.find("eo"), nullptr);
  EXPECT_EQ(e.fields.size(), 10u);
}

TEST(JsonDecoder, StringsKeepEscapesDecoded) {
  bool ok = false;
  const Event e = decode(R"({"s":"a\"b\\c\n\u00e9\ud83d\ude00","k.with.dot":1})", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(get<std::string>(e, "s"), "a\"b\\c\n\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_NE(e.find("k.with.dot"), nullptr);
  const Event arr = decode(R"({"a":[{"x":"q\"\u0001"}]})", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(get<StringList>(arr, "a"), StringList{R"({"x":"q\"\u0001"})"});
}

TEST(JsonDecoder, Timestamps) {
  bool ok = false;
  Event e = decode(
      R"({"time":"2020-01-01T00:00:00Z","@timestamp":"2021-11-24T21:27:09.534255+01:00"})", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(format_rfc3339(e.time_ns), "2021-11-24T20:27:09.534255000Z");  // @timestamp first
  e = decode(R"({"timestamp":"2022-07-10T23:50:05.533101+0000"})", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(format_rfc3339(e.time_ns), "2022-07-10T23:50:05.533101000Z");
  e = decode(R"({"time":"2022-07-10 23:50:05","msg":"x"})", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(format_rfc3339(e.time_ns), "2022-07-10T23:50:05.000000000Z");
  e = decode(R"({"timestamp":"yesterday","time":"2000-02-29T12:00:00-05:30"})", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(format_rfc3339(e.time_ns), "2000-02-29T17:30:00.000000000Z");
  e = decode(R"({"time":"9999-12-31T23:59:59Z"})", &ok);  // beyond TimeNs: no time
  ASSERT_TRUE(ok);
  EXPECT_EQ(e.time_ns, 0);
  // Not at the top level, or not a string: no time.
  e.time_ns = 7;
  e.raw = R"({"x":{"time":"2020-01-01T00:00:00Z"},"timestamp":1600000000})";
  e.fields.clear();
  ASSERT_TRUE(JsonDecoder().decode(e));
  EXPECT_EQ(e.time_ns, 7);
}

TEST(JsonDecoder, RefusesWhatIsNotOneObject) {
  const std::vector<std::string> lines = {
      "",
      "   ",
      "[1,2]",
      "\"s\"",
      "42",
      "{",
      "{\"a\":1}}",
      "{\"a\":1} {\"b\":2}",
      "{\"a\":1,}",
      "{'a':1}",
      "{\"a\":\"\xff\xfe\"}",      // invalid UTF-8
      "{\"a\":\"\xc0\xaf\"}",      // overlong encoding
      "{\"a\":\"\xed\xa0\x80\"}",  // surrogate half in UTF-8
      "{\"a\":\"\\ud800\"}",       // lone surrogate escape
      "{\"a\":1e999}",             // overflow
      "{\"a\":\"x\" /* c */}",     // comments
      "Dec 10 06:55:46 LabSZ sshd[24200]: {\"not\":\"json line\"}",
      "{\"a\":\"b\"}\x01",
  };
  for (const std::string& line : lines) {
    Event e;
    e.raw = line;
    e.time_ns = 3;
    const Event before = e;
    EXPECT_FALSE(JsonDecoder().decode(e)) << line;
    EXPECT_EQ(e, before) << line;
  }
}

TEST(JsonDecoder, Limits) {
  JsonDecoder::Limits limits;
  limits.max_depth = 4;
  limits.max_fields = 3;
  limits.max_list_items = 2;
  limits.max_bytes = 100;
  bool ok = false;
  decode(R"({"a":{"b":{"c":1}}})", &ok, limits);
  EXPECT_TRUE(ok);
  decode(R"({"a":{"b":{"c":{"d":{"e":1}}}}})", &ok, limits);
  EXPECT_FALSE(ok);
  decode(R"({"a":[[[[1]]]]})", &ok, limits);
  EXPECT_FALSE(ok);
  decode(R"({"a":1,"b":2,"c":3})", &ok, limits);
  EXPECT_TRUE(ok);
  decode(R"({"a":1,"b":2,"c":3,"d":4})", &ok, limits);
  EXPECT_FALSE(ok);
  const Event e = decode(R"({"l":[1,2,3,4]})", &ok, limits);
  ASSERT_TRUE(ok);
  EXPECT_EQ(get<StringList>(e, "l"), (StringList{"1", "2"}));
  decode("{\"a\":\"" + std::string(200, 'x') + "\"}", &ok, limits);
  EXPECT_FALSE(ok);
}

TEST(JsonDecoder, DeepNestingDoesNotRecurse) {
  // A million nested arrays: refused at max_depth, no stack overflow.
  std::string deep = "{\"a\":" + std::string(1'000'000, '[');
  bool ok = true;
  JsonDecoder::Limits limits;
  limits.max_bytes = 4 << 20;
  decode(deep, &ok, limits);
  EXPECT_FALSE(ok);
  std::string deep_objects;
  for (int i = 0; i < 100000; ++i) deep_objects += "{\"a\":";
  decode(deep_objects, &ok, limits);
  EXPECT_FALSE(ok);
}

TEST(JsonDecoder, AppendsToExistingFields) {
  Event e;
  e.raw = R"({"a":1})";
  e.fields.push_back(Field{"log.syslog.appname", std::string("app")});
  ASSERT_TRUE(JsonDecoder().decode(e));
  ASSERT_EQ(e.fields.size(), 2u);
  EXPECT_EQ(e.fields[0].name, "log.syslog.appname");
  EXPECT_EQ(e.fields[1].name, "a");
}

TEST(JsonDecoder, HostileBytesNeverCrash) {
  const std::string base = R"({"a":"x","b":[1,{"c":[true,null,"\u00e9"]}],"d":{"e":-1.5e3},)"
                           R"("@timestamp":"2020-01-01T00:00:00Z"})";
  std::uint32_t seed = 99;
  for (int round = 0; round < 20000; ++round) {
    std::string s = base;
    const int edits = 1 + round % 5;
    for (int i = 0; i < edits; ++i) {
      seed = seed * 1103515245u + 12345u;
      const std::size_t pos = (seed >> 8) % (s.size() + 1);
      const char c = static_cast<char>(seed >> 24);
      switch ((seed >> 4) % 3) {
        case 0:
          s.insert(pos, 1, c);
          break;
        case 1:
          if (pos < s.size()) s.erase(pos, 1);
          break;
        default:
          if (pos < s.size()) s[pos] = c;
          break;
      }
    }
    Event e;
    e.raw = s;
    JsonDecoder().decode(e);
  }
}

// ---------------------------------------------------------------------------------------------
// Golden data.

// Our flattening, computed independently from nlohmann's DOM: json::flatten() gives
// "/a/b/0" pointers; objects nest with '.', arrays become lists.
void dom_expected(const json& j, const std::string& prefix,
                  std::map<std::string, std::string>& out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string name = prefix.empty() ? it.key() : prefix + "." + it.key();
    const json& v = it.value();
    if (v.is_object()) {
      dom_expected(v, name, out);
    } else if (v.is_array()) {
      std::string list = "[";
      for (const json& item : v) {
        list += (item.is_string() ? item.get<std::string>() : item.dump()) + "|";
      }
      out[name] = list + "]";
    } else if (v.is_string()) {
      out[name] = "s:" + v.get<std::string>();
    } else if (v.is_boolean()) {
      out[name] = v.get<bool>() ? "b:1" : "b:0";
    } else if (v.is_number_integer()) {
      out[name] = v.is_number_unsigned() && v.get<std::uint64_t>() > 9223372036854775807ULL
                      ? "s:" + v.dump()
                      : "i:" + v.dump();
    } else if (v.is_number_float()) {
      out[name] = "f";
    }
  }
}

std::map<std::string, std::string> ours(const Event& e) {
  std::map<std::string, std::string> out;
  for (const Field& f : e.fields) {
    if (const auto* s = std::get_if<std::string>(&f.value)) {
      out[f.name] = "s:" + *s;
    } else if (const auto* b = std::get_if<bool>(&f.value)) {
      out[f.name] = *b ? "b:1" : "b:0";
    } else if (const auto* i = std::get_if<std::int64_t>(&f.value)) {
      out[f.name] = "i:" + std::to_string(*i);
    } else if (std::holds_alternative<double>(f.value)) {
      out[f.name] = "f";
    } else if (const auto* l = std::get_if<StringList>(&f.value)) {
      std::string list = "[";
      for (const std::string& item : *l) {
        // Numbers in lists are kept as written; compare them through the DOM's rendering.
        const json parsed = json::parse(item, nullptr, false);
        list += (parsed.is_discarded() || parsed.is_string() ? item : parsed.dump()) + "|";
      }
      out[f.name] = list + "]";
    }
  }
  return out;
}

TEST(JsonDecoderGolden, FlattenAgreesWithDom) {
  std::vector<std::string> docs;
  for (const char* rel :
       {"logs/crowdsec-hub-tests/tests/suricata-logs-evelog/suricata-logs-evelog.log",
        "logs/fail2ban/cowrie.log"}) {
    for (const std::string& l : read_lines(fs::path(kData) / rel)) {
      if (!l.empty() && l[0] == '{') docs.push_back(l);
    }
  }
  for (const char* dir :
       {"logs/auditd/go-libaudit/auparse", "logs/auditd/go-libaudit/aucoalesce"}) {
    const fs::path p = fs::path(kData) / dir;
    if (!fs::exists(p)) continue;
    for (const auto& f : fs::directory_iterator(p)) {
      if (f.path().extension() != ".golden") continue;
      std::ifstream in(f.path());
      const json arr = json::parse(in, nullptr, false);
      if (!arr.is_array()) continue;
      for (const json& el : arr) {
        if (el.is_object()) docs.push_back(el.dump());
      }
    }
  }
  if (docs.empty()) GTEST_SKIP() << "no JSON documents under " << kData;
  Agreement agree;
  std::size_t fields = 0;
  for (const std::string& doc : docs) {
    bool ok = false;
    const Event e = decode(doc, &ok);
    agree.check(ok, "not decoded: " + doc.substr(0, 120));
    if (!ok) continue;
    std::map<std::string, std::string> want;
    dom_expected(json::parse(doc), "", want);
    const auto got = ours(e);
    fields += want.size();
    agree.check(got == want, "fields differ: " + doc.substr(0, 120));
  }
  agree.print("json / SAX flattening vs nlohmann DOM (" + std::to_string(docs.size()) +
              " documents, " + std::to_string(fields) + " fields)");
  EXPECT_GE(docs.size(), 100u);
  EXPECT_EQ(agree.agreed, agree.compared);
}

TEST(JsonDecoderGolden, CrowdsecSuricataEve) {
  const fs::path dir = fs::path(kData) / "logs/crowdsec-hub-tests/tests/suricata-logs-evelog";
  if (!fs::exists(dir)) GTEST_SKIP() << "missing " << dir;
  const std::map<std::string, std::string> mapping = {
      {"source_ip", "src_ip"},
      {"dest_ip", "dest_ip"},
      {"dest_port", "dest_port"},
      {"proto", "proto"},
      {"suricata_alert_signature", "alert.signature"},
      {"suricata_alert_signature_rev", "alert.rev"},
      {"suricata_alert_signature_id", "alert.signature_id"},
      {"suricata_flow_id", "flow_id"},
      {"suricata_rule_severity", "alert.severity"},
      {"time", "@time"}};
  const std::vector<std::string> lines = read_lines(dir / "suricata-logs-evelog.log");
  Agreement agree;
  std::size_t skipped = 0;
  const std::string head = "results[\"s01-parse\"][\"crowdsecurity/suricata-evelogs\"][";
  for (const std::string& a : read_lines(dir / "parser.assert")) {
    if (a.rfind(head, 0) != 0) continue;
    const std::size_t close = a.find(']', head.size());
    const std::size_t index = std::stoul(a.substr(head.size(), close - head.size()));
    const std::size_t k1 = a.find("[\"", close);
    const std::size_t k2 = a.find("\"]", k1 == std::string::npos ? close : k1);
    const std::size_t v1 = a.find(" == \"");
    if (k1 == std::string::npos || k2 == std::string::npos || v1 == std::string::npos) continue;
    const std::string key = a.substr(k1 + 2, k2 - k1 - 2);
    const std::string value = a.substr(v1 + 5, a.size() - v1 - 6);
    const auto m = mapping.find(key);
    if (m == mapping.end() || index >= lines.size()) {
      ++skipped;
      continue;
    }
    bool ok = false;
    const Event e = decode(lines[index], &ok);
    const std::string where = "[" + std::to_string(index) + "] " + key + " = " + value;
    if (m->second == "@time") {
      // "2022-07-10T23:50:05.533101" (the line carries +0000 / -0000).
      std::tm tm{};
      std::istringstream in(value.substr(0, 19));
      in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
      const TimeNs want =
          static_cast<TimeNs>(timegm(&tm)) * 1'000'000'000 + std::stol(value.substr(20)) * 1000;
      agree.check(ok && e.time_ns == want, where);
    } else {
      agree.check(ok && as_text(e, m->second) == value, where);
    }
  }
  agree.print("json / crowdsec suricata eve.json parser.assert (" + std::to_string(skipped) +
              " non-decoder assertions skipped)");
  EXPECT_GE(agree.compared, 30u);
  EXPECT_EQ(agree.agreed, agree.compared);
}

TEST(JsonDecoderGolden, Fail2banCowrieHost) {
  const fs::path file = fs::path(kData) / "logs/fail2ban/cowrie.log";
  if (!fs::exists(file)) GTEST_SKIP() << "missing " << file;
  Agreement agree;
  std::string host;
  for (const std::string& line : read_lines(file)) {
    if (line.rfind("# failJSON:", 0) == 0) {
      const json j = json::parse(line.substr(11), nullptr, false);
      host = j.is_object() && j.contains("host") ? j["host"].get<std::string>() : "";
      continue;
    }
    if (line.empty() || line[0] != '{') continue;
    bool ok = false;
    const Event e = decode(line, &ok);
    agree.check(ok, "not decoded: " + line);
    const json j = json::parse(line);
    agree.check(as_text(e, "src_ip") == j["src_ip"].get<std::string>(), "src_ip: " + line);
    if (!host.empty()) agree.check(as_text(e, "src_ip") == host, "host " + host + ": " + line);
    agree.check(
        format_rfc3339(e.time_ns).substr(0, 26) == j["timestamp"].get<std::string>().substr(0, 26),
        "timestamp: " + line);
  }
  agree.print("json / fail2ban cowrie.log (src_ip, host, timestamp)");
  EXPECT_GE(agree.compared, 18u);
  EXPECT_EQ(agree.agreed, agree.compared);
}

}  // namespace
}  // namespace soc::agent
