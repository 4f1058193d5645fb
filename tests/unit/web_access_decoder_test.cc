// WebAccessDecoder: hand-written lines, and agreement with the golden data in ../shared/data:
// the parser expectations of the CrowdSec hub fixtures (nginx/apache parser.assert), every
// access-log line of the CrowdSec nginx/apache fixtures, Filebeat's nginx module expectations for
// its test log (values copied below from filebeat/module/nginx/access/test/test.log-expected.json),
// the fail2ban access-log lines (offending host), and the real Apache log of nielsbasjes/logparser
// checked against an independent field split.
#include "agent/decode/web_access_decoder.h"

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

#ifndef SOC_SHARED_DATA
#define SOC_SHARED_DATA "/work/shared/data"
#endif

#include "tests/unit/agreement.h"

namespace soc::agent {
namespace {

namespace fs = std::filesystem;

const std::string kData = SOC_SHARED_DATA;

std::vector<std::string> read_lines(const fs::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::optional<std::string> str(const Event& e, std::string_view name) {
  const FieldValue* v = e.find(name);
  if (v == nullptr) return std::nullopt;
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(v)) return std::to_string(*i);
  if (const auto* ip = std::get_if<IpAddress>(v)) return ip->to_string();
  return std::nullopt;
}

std::optional<std::int64_t> num(const Event& e, std::string_view name) {
  const FieldValue* v = e.find(name);
  if (v == nullptr) return std::nullopt;
  if (const auto* i = std::get_if<std::int64_t>(v)) return *i;
  return std::nullopt;
}

Event decode(std::string_view line, bool* ok = nullptr) {
  Event e;
  e.raw = std::string(line);
  const bool r = WebAccessDecoder().decode(e);
  if (ok != nullptr) *ok = r;
  return e;
}

// Independent reference: "10/Oct/2000:13:55:36 -0700" with std::get_time and timegm.
std::optional<TimeNs> reference_time(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%d/%b/%Y:%H:%M:%S");
  if (in.fail()) return std::nullopt;
  std::string zone;
  in >> zone;
  long offset = 0;
  if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-')) {
    offset = std::stol(zone.substr(1, 2)) * 3600 + std::stol(zone.substr(3, 2)) * 60;
    if (zone[0] == '-') offset = -offset;
  }
  return (static_cast<TimeNs>(timegm(&tm)) - offset) * 1'000'000'000;
}

// ---------------------------------------------------------------------------------------------
// Hand-written lines.

TEST(WebAccessDecoder, Combined) {
  bool ok = false;
  const Event e = decode(
      "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif?a=1&b=%20c HTTP/1.0\" "
      "200 2326 \"http://www.example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\"",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "source.ip"), "127.0.0.1");
  EXPECT_TRUE(std::holds_alternative<IpAddress>(*e.find("source.ip")));
  EXPECT_EQ(str(e, "user.name"), "frank");
  EXPECT_EQ(str(e, "http.request.method"), "GET");
  EXPECT_EQ(str(e, "url.original"), "/apache_pb.gif?a=1&b=%20c");
  EXPECT_EQ(str(e, "url.path"), "/apache_pb.gif");
  EXPECT_EQ(str(e, "url.query"), "a=1&b= c");
  EXPECT_EQ(str(e, "http.version"), "1.0");
  EXPECT_EQ(num(e, "http.response.status_code"), 200);
  EXPECT_EQ(num(e, "http.response.body.bytes"), 2326);
  EXPECT_EQ(str(e, "http.request.referrer"), "http://www.example.com/start.html");
  EXPECT_EQ(str(e, "user_agent.original"), "Mozilla/4.08 [en] (Win98; I ;Nav)");
  EXPECT_EQ(format_rfc3339(e.time_ns), "2000-10-10T20:55:36.000000000Z");
}

TEST(WebAccessDecoder, CommonFormatAndDashBytes) {
  bool ok = false;
  const Event e =
      decode("10.1.2.3 - - [01/Jan/2024:00:00:00 +0000] \"HEAD / HTTP/1.1\" 304 -", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(num(e, "http.response.status_code"), 304);
  EXPECT_EQ(e.find("http.response.body.bytes"), nullptr);
  EXPECT_EQ(e.find("user.name"), nullptr);
  EXPECT_EQ(e.find("http.request.referrer"), nullptr);
  EXPECT_EQ(e.find("user_agent.original"), nullptr);
  EXPECT_EQ(str(e, "url.path"), "/");
  EXPECT_EQ(e.find("url.query"), nullptr);
}

TEST(WebAccessDecoder, Ipv6Client) {
  bool ok = false;
  const Event e = decode(
      "2001:db8::1 - - [10/Oct/2000:13:55:36 +0200] \"GET /x HTTP/2.0\" 404 0 \"-\" \"curl/8\"",
      &ok);
  ASSERT_TRUE(ok);
  const auto* ip = std::get_if<IpAddress>(e.find("source.ip"));
  ASSERT_NE(ip, nullptr);
  EXPECT_FALSE(ip->is_v4);
  EXPECT_EQ(ip->to_string(), "2001:db8::1");
  EXPECT_EQ(str(e, "http.version"), "2.0");
  EXPECT_EQ(str(e, "http.request.referrer"), "-");  // kept as logged
}

TEST(WebAccessDecoder, VhostCombined) {
  bool ok = false;
  Event e = decode(
      "www.example.org:443 203.0.113.9 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5 "
      "\"-\" \"ua\"",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "url.domain"), "www.example.org");
  EXPECT_EQ(num(e, "url.port"), 443);
  EXPECT_EQ(str(e, "source.ip"), "203.0.113.9");
  e = decode("example.net 198.51.100.7 - bob [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5",
             &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "url.domain"), "example.net");
  EXPECT_EQ(e.find("url.port"), nullptr);
  EXPECT_EQ(str(e, "user.name"), "bob");
}

TEST(WebAccessDecoder, HostnameClient) {
  bool ok = false;
  const Event e = decode(
      "crawl-66-249-66-1.googlebot.com - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(e.find("source.ip"), nullptr);
  EXPECT_EQ(str(e, "source.domain"), "crawl-66-249-66-1.googlebot.com");
  EXPECT_EQ(e.find("url.domain"), nullptr);
}

TEST(WebAccessDecoder, TrailingXForwardedFor) {
  bool ok = false;
  // nginx "main": ... "$http_user_agent" "$http_x_forwarded_for"
  Event e = decode(
      "10.0.0.5 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"ua\" "
      "\"203.0.113.50, 10.0.0.4\"",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "source.ip"), "203.0.113.50");
  EXPECT_EQ(str(e, "client.ip"), "10.0.0.5");
  const auto* related = std::get_if<StringList>(e.find("related.ip"));
  ASSERT_NE(related, nullptr);
  EXPECT_EQ(*related, (StringList{"203.0.113.50", "10.0.0.4", "10.0.0.5"}));
  // "-" in the XFF slot: no XFF.
  e = decode(
      "10.0.0.5 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"ua\" \"-\"", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "source.ip"), "10.0.0.5");
  EXPECT_EQ(e.find("client.ip"), nullptr);
  // A private client behind the proxy: no public address, the first one is the source.
  e = decode(
      "10.0.0.5 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"ua\" "
      "\"192.168.1.20\" 0.005",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "source.ip"), "192.168.1.20");
  EXPECT_EQ(str(e, "client.ip"), "10.0.0.5");
  // A trailing field that is not an address list (request time, upstream) is ignored.
  e = decode(
      "10.0.0.5 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"ua\" \"0.123\" "
      "\"10.1.1.1:8080\"",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "source.ip"), "10.0.0.5");
}

TEST(WebAccessDecoder, LeadingForwardedList) {
  bool ok = false;
  Event e = decode(
      "10.0.0.2, 10.0.0.1, 85.181.35.98 - - [07/Dec/2016:11:05:07 +0100] \"GET /ocelot HTTP/1.1\" "
      "200 571 \"-\" \"ua\"",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "source.ip"), "85.181.35.98");
  e = decode(
      "\"10.5.102.222, 199.96.1.1, 204.246.1.1\" 10.2.1.185 - - [22/Jan/2016:13:18:29 +0000] "
      "\"GET /assets/xxxx?q=100 HTTP/1.1\" 200 25507 \"-\" \"Amazon CloudFront\"",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "source.ip"), "199.96.1.1");
  EXPECT_EQ(str(e, "client.ip"), "10.2.1.185");
}

TEST(WebAccessDecoder, PercentDecoding) {
  bool ok = false;
  const Event e = decode(
      "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET /a%2Fb/%252E%252E/c%zz?q=%3Cscript%3E+x&y=%"
      " HTTP/1.1\" 404 1",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "url.original"), "/a%2Fb/%252E%252E/c%zz?q=%3Cscript%3E+x&y=%");
  EXPECT_EQ(str(e, "url.path"), "/a/b/%2E%2E/c%zz");   // decoded once, invalid escapes kept
  EXPECT_EQ(str(e, "url.query"), "q=<script>+x&y=%");  // '+' kept
}

TEST(WebAccessDecoder, AbsoluteFormTarget) {
  bool ok = false;
  const Event e = decode(
      "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET http://evil.example:8080/p?x=1 HTTP/1.1\" "
      "200 1",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "url.scheme"), "http");
  EXPECT_EQ(str(e, "url.domain"), "evil.example");
  EXPECT_EQ(num(e, "url.port"), 8080);
  EXPECT_EQ(str(e, "url.path"), "/p");
  EXPECT_EQ(str(e, "url.query"), "x=1");
}

TEST(WebAccessDecoder, MalformedRequestLines) {
  bool ok = false;
  Event e = decode(
      "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"\\x16\\x03\\x01\\x00\\xA5\\x01\" 400 157 \"-\" "
      "\"-\"",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "url.original"), "\\x16\\x03\\x01\\x00\\xA5\\x01");
  EXPECT_EQ(e.find("http.request.method"), nullptr);
  EXPECT_EQ(e.find("url.path"), nullptr);
  EXPECT_EQ(num(e, "http.response.status_code"), 400);
  EXPECT_EQ(str(e, "source.ip"), "1.2.3.4");
  e = decode("1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"-\" 408 0 \"-\" \"-\"", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(e.find("url.original"), nullptr);
  EXPECT_EQ(num(e, "http.response.status_code"), 408);
  e = decode("1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"\" 400 0 \"-\" \"-\"", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(e.find("url.original"), nullptr);
  // HTTP/0.9 style: no version.
  e = decode("1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET /\" 200 10", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "http.request.method"), "GET");
  EXPECT_EQ(e.find("http.version"), nullptr);
}

TEST(WebAccessDecoder, EscapedQuotesInFields) {
  bool ok = false;
  const Event e = decode(
      "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET /q?x=\\\"a\\\" HTTP/1.1\" 200 1 \"-\" "
      "\"agent \\\"quoted\\\"\"",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "url.original"), "/q?x=\\\"a\\\"");
  EXPECT_EQ(str(e, "user_agent.original"), "agent \\\"quoted\\\"");
}

TEST(WebAccessDecoder, FractionalTimeAndServerNameAfterTime) {
  bool ok = false;
  Event e = decode("1.2.3.4 - - [10/Oct/2000:13:55:36.250 +0000] \"GET / HTTP/1.1\" 200 1", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(format_rfc3339(e.time_ns), "2000-10-10T13:55:36.250000000Z");
  e = decode(
      "66.249.66.1 - - - [31/Jan/2015:14:29:44 ] fail2ban.org \"GET / HTTP/1.1\" 200 814 \"-\" "
      "\"Googlebot\" + 293 1149 546",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "source.ip"), "66.249.66.1");
  EXPECT_EQ(str(e, "url.domain"), "fail2ban.org");
  EXPECT_EQ(e.find("user.name"), nullptr);
}

TEST(WebAccessDecoder, NotAccessLogsLeaveEventUnchanged) {
  const std::vector<std::string> others = {
      "",
      "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186",
      "{\"timestamp\":\"2021-01-01T00:00:00Z\",\"src_ip\":\"1.2.3.4\"}",
      "type=SYSCALL msg=audit(1234567890.123:1): arch=c000003e syscall=59",
      "2021/12/01 13:53:33 [error] 31#31: *46 open() failed, client: 1.2.3.4, request: \"GET / "
      "HTTP/1.1\"",
      "[Thu Oct 13 12:24:49.880562 2022] [auth_basic:error] [pid 10] [client 31.33.58.75:50229] x",
      "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] GET / HTTP/1.1 200 1",
      "1.2.3.4 - - [99/Foo/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1",
      "1.2.3.4 - - [10/Oct/9999:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1",  // beyond TimeNs
      "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" abc 1",
      "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1",
  };
  for (const std::string& line : others) {
    Event e;
    e.raw = line;
    e.time_ns = 42;
    const Event before = e;
    EXPECT_FALSE(WebAccessDecoder().decode(e)) << line;
    EXPECT_EQ(e, before) << line;
  }
}

TEST(WebAccessDecoder, HostileBytesNeverCrash) {
  std::string base =
      "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET /a?b HTTP/1.1\" 200 1 \"r\" \"u\" "
      "\"1.1.1.1\"";
  std::uint32_t seed = 12345;
  for (int round = 0; round < 20000; ++round) {
    std::string s = base;
    const int edits = 1 + round % 6;
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
    WebAccessDecoder().decode(e);
  }
  Event big;
  big.raw = "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET /" + std::string(1 << 20, 'a') +
            " HTTP/1.1\" 200 1";
  EXPECT_TRUE(WebAccessDecoder().decode(big));
  Event commas;
  commas.raw =
      std::string(5000, ',') + " - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1";
  WebAccessDecoder().decode(commas);
}

// ---------------------------------------------------------------------------------------------
// Golden data.

bool is_error_log_line(const std::string& line) {
  if (!line.empty() && line[0] == '[') return true;             // Apache error log
  return line.size() > 10 && line[4] == '/' && line[7] == '/';  // nginx error log
}

std::vector<fs::path> crowdsec_web_dirs() {
  std::vector<fs::path> dirs;
  const fs::path root = fs::path(kData) / "logs/crowdsec-hub-tests/tests";
  if (!fs::exists(root)) return dirs;
  for (const auto& d : fs::directory_iterator(root)) {
    std::ifstream cfg(d.path() / "config.yaml");
    std::stringstream text;
    text << cfg.rdbuf();
    const std::string c = text.str();
    if (c.find("type: nginx") != std::string::npos ||
        c.find("type: apache2") != std::string::npos) {
      dirs.push_back(d.path());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

std::vector<std::string> fixture_lines(const fs::path& dir) {
  std::vector<std::string> lines;
  for (const auto& f : fs::directory_iterator(dir)) {
    if (f.path().extension() != ".log") continue;
    for (std::string& l : read_lines(f.path())) {
      if (!l.empty()) lines.push_back(std::move(l));
    }
  }
  return lines;
}

struct Assertion {
  std::size_t index = 0;
  std::string scope;  // Meta or Parsed
  std::string key;
  std::string value;
};

// results["s01-parse"]["crowdsecurity/<parser>"][i].Evt.<Meta|Parsed>["key"] == "value"
std::vector<Assertion> parse_asserts(const fs::path& file) {
  std::vector<Assertion> out;
  for (const std::string& line : read_lines(file)) {
    const std::string head = "results[\"s01-parse\"][\"crowdsecurity/";
    if (line.rfind(head, 0) != 0) continue;
    std::size_t p = line.find("\"][", head.size());
    if (p == std::string::npos) continue;
    p += 3;
    const std::size_t close = line.find(']', p);
    if (close == std::string::npos) continue;
    Assertion a;
    a.index = std::stoul(line.substr(p, close - p));
    const std::string evt = "].Evt.";
    if (line.compare(close, evt.size(), evt) != 0) continue;
    p = close + evt.size();
    const std::size_t br = line.find("[\"", p);
    if (br == std::string::npos) continue;
    a.scope = line.substr(p, br - p);
    const std::size_t key_end = line.find("\"]", br + 2);
    if (key_end == std::string::npos) continue;
    a.key = line.substr(br + 2, key_end - br - 2);
    const std::string eq = " == \"";
    p = line.find(eq, key_end);
    if (p == std::string::npos) continue;
    p += eq.size();
    for (; p < line.size(); ++p) {
      if (line[p] == '\\' && p + 1 < line.size()) {
        a.value.push_back(line[++p]);
      } else if (line[p] == '"') {
        break;
      } else {
        a.value.push_back(line[p]);
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

TEST(WebAccessDecoderGolden, CrowdsecParserAsserts) {
  const auto dirs = crowdsec_web_dirs();
  if (dirs.empty()) GTEST_SKIP() << "no CrowdSec fixtures under " << kData;
  // CrowdSec field -> our field ("" = not a decoder output: pipeline metadata).
  const std::map<std::string, std::string> mapping = {
      {"source_ip", "source.ip"},
      {"remote_addr", "source.ip"},
      {"clientip", "source.ip"},
      {"http_verb", "http.request.method"},
      {"verb", "http.request.method"},
      {"http_path", "url.original"},
      {"request", "url.original"},
      {"http_status", "http.response.status_code"},
      {"status", "http.response.status_code"},
      {"response", "http.response.status_code"},
      {"http_user_agent", "user_agent.original"},
      {"http_referer", "http.request.referrer"},
      {"referrer", "http.request.referrer"},
      {"body_bytes_sent", "http.response.body.bytes"},
      {"bytes", "http.response.body.bytes"},
      {"http_version", "http.version"},
      {"httpversion", "http.version"},
      {"remote_user", "user.name"},
      {"auth", "user.name"},
      {"target_fqdn", "url.domain"},
      {"port", "url.port"},
      {"time_local", "@time"},
      {"timestamp", "@time"}};
  Agreement agree;
  std::size_t access_lines = 0, unmapped = 0;
  for (const fs::path& dir : dirs) {
    const fs::path assert_file = dir / "parser.assert";
    if (!fs::exists(assert_file)) continue;
    const auto asserts = parse_asserts(assert_file);
    if (asserts.empty()) continue;
    const std::vector<std::string> lines = fixture_lines(dir);
    std::map<std::size_t, bool> is_access;
    for (const Assertion& a : asserts) {
      if (a.scope == "Meta" && a.key == "log_type")
        is_access[a.index] = a.value == "http_access-log";
    }
    for (const auto& [index, access] : is_access) {
      if (!access || index >= lines.size()) continue;
      ++access_lines;
      bool ok = false;
      const Event e = decode(lines[index], &ok);
      agree.check(ok, "not decoded: " + lines[index]);
      for (const Assertion& a : asserts) {
        if (a.index != index) continue;
        const auto m = mapping.find(a.key);
        if (m == mapping.end()) {
          ++unmapped;  // program, message, datasource_*, log_type, service, ident ...
          continue;
        }
        const std::string where = dir.filename().string() + "[" + std::to_string(index) + "] " +
                                  a.key + " expected '" + a.value + "'";
        if (m->second == "@time") {
          const auto want = reference_time(a.value);
          if (a.scope == "Meta") {
            ++unmapped;  // the dateparse enricher's rendering
            continue;
          }
          agree.check(want && *want == e.time_ns, where);
          continue;
        }
        const auto got = str(e, m->second);
        if (a.value == "-" &&
            (m->second == "user.name" || m->second == "http.response.body.bytes")) {
          agree.check(!got.has_value(), where + " (\"-\" = absent)");
        } else {
          agree.check(got == a.value, where + " got '" + got.value_or("<none>") + "'");
        }
      }
    }
  }
  agree.print("web / crowdsec parser.assert (" + std::to_string(access_lines) +
              " access-log lines; " + std::to_string(unmapped) +
              " non-decoder assertions skipped)");
  EXPECT_GE(access_lines, 15u);
  EXPECT_EQ(agree.agreed, agree.compared);
}

// An independent, naive split of a combined/common line: the request is the first quoted field
// after the time (backslash escapes skipped), its target what lies between the method and an
// optional trailing "HTTP/x.y"; status and bytes are the next two words.
struct Naive {
  std::string method, target, status, bytes;
  bool ok = false;
};
Naive naive_split(const std::string& line) {
  Naive n;
  const std::size_t q = line.find("] \"");
  if (q == std::string::npos) return n;
  std::size_t e = q + 3;
  while (e < line.size() && line[e] != '"') e += line[e] == '\\' ? 2 : 1;
  if (e >= line.size()) return n;
  const std::string request = line.substr(q + 3, e - q - 3);
  const std::size_t sp = request.find(' ');
  n.method = request.substr(0, sp);
  if (sp != std::string::npos) {
    n.target = request.substr(sp + 1);
    const std::size_t v = n.target.rfind(" HTTP/");
    if (v != std::string::npos) n.target.resize(v);
  }
  std::istringstream rest(line.substr(e + 1));
  rest >> n.status >> n.bytes;
  n.ok = true;
  return n;
}

TEST(WebAccessDecoderGolden, CrowdsecAllAccessLines) {
  const auto dirs = crowdsec_web_dirs();
  if (dirs.empty()) GTEST_SKIP() << "no CrowdSec fixtures under " << kData;
  Agreement agree;
  std::size_t error_lines = 0, error_refused = 0;
  for (const fs::path& dir : dirs) {
    for (const std::string& line : fixture_lines(dir)) {
      bool ok = false;
      const Event e = decode(line, &ok);
      if (is_error_log_line(line)) {
        ++error_lines;
        if (!ok) ++error_refused;
        continue;
      }
      const Naive n = naive_split(line);
      agree.check(ok && n.ok, "not decoded: " + line);
      if (!ok || !n.ok) continue;
      agree.check(str(e, "http.request.method") == n.method, "method: " + line);
      agree.check(str(e, "url.original") == n.target, "url.original: " + line);
      agree.check(str(e, "http.response.status_code") == n.status, "status: " + line);
      if (n.bytes != "-") {
        agree.check(str(e, "http.response.body.bytes") == n.bytes, "bytes: " + line);
      }
      agree.check(e.find("source.ip") != nullptr, "source.ip: " + line);
    }
  }
  agree.print("web / crowdsec nginx+apache fixtures, all access-log lines");
  std::printf("[agreement] web / crowdsec error-log lines refused (not access logs): %zu/%zu\n",
              error_refused, error_lines);
  EXPECT_EQ(agree.agreed, agree.compared);
  EXPECT_EQ(error_refused, error_lines);
}

TEST(WebAccessDecoderGolden, FilebeatNginxExpected) {
  const fs::path file = fs::path(kData) / "logs/elastic-beats/nginx-access-test.log";
  if (!fs::exists(file)) GTEST_SKIP() << "missing " << file;
  struct Expected {
    const char* time;
    const char* source_ip;
    const char* method;  // "" = none
    const char* url;
    const char* version;
    std::int64_t status;
    std::int64_t bytes;
    const char* agent;
  };
  // From filebeat/module/nginx/access/test/test.log-expected.json (elastic/beats).
  const std::vector<Expected> expected = {
      {"2016-12-07T10:05:07.000000000Z", "10.0.0.2", "GET", "/ocelot", "1.1", 200, 571,
       "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.12; rv:49.0) Gecko/20100101 Firefox/49.0"},
      {"2017-05-29T19:02:48.000000000Z", "172.17.0.1", "GET", "/stringpatch", "1.1", 404, 612,
       "Mozilla/5.0 (Windows NT 6.1; rv:15.0) Gecko/20120716 Firefox/15.0a2"},
      {"2016-12-07T10:05:07.000000000Z", "85.181.35.98", "GET", "/ocelot", "1.1", 200, 571,
       "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.12; rv:49.0) Gecko/20100101 Firefox/49.0"},
      {"2016-12-07T10:05:07.000000000Z", "85.181.35.98", "GET", "/ocelot", "1.1", 200, 571,
       "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_0) AppleWebKit/537.36 (KHTML, like Gecko) "
       "Chrome/70.0.3538.102 Safari/537.36"},
      {"2016-01-22T13:18:29.000000000Z", "199.96.1.1", "GET", "/assets/xxxx?q=100", "1.1", 200,
       25507, "Amazon CloudFront"},
      {"2016-12-30T06:47:09.000000000Z", "2a03:0:10ff:f00f::8000", "GET", "/test.html", "1.1", 404,
       8571,
       "Mozilla/5.0 (compatible; Facebot 1.0; https://developers.facebook.com/docs/sharing/"
       "webmasters/crawler)"},
      {"2018-04-12T07:48:40.000000000Z", "127.0.0.1", "", "", "", 400, 0, "-"},
  };
  const auto lines = read_lines(file);
  ASSERT_EQ(lines.size(), expected.size());
  Agreement agree;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const Expected& x = expected[i];
    bool ok = false;
    const Event e = decode(lines[i], &ok);
    const std::string at = "line " + std::to_string(i + 1) + " ";
    agree.check(ok, at + "decoded");
    agree.check(format_rfc3339(e.time_ns) == x.time, at + "@timestamp");
    agree.check(str(e, "source.ip") == x.source_ip,
                at + "source.ip got " + str(e, "source.ip").value_or("<none>"));
    auto same_or_absent = [&](const char* field, const char* want) {
      const auto got = str(e, field);
      return *want == '\0' ? !got.has_value() : got == want;
    };
    agree.check(same_or_absent("http.request.method", x.method), at + "method");
    agree.check(same_or_absent("url.original", x.url), at + "url.original");
    agree.check(same_or_absent("http.version", x.version), at + "http.version");
    agree.check(num(e, "http.response.status_code") == x.status, at + "status");
    agree.check(num(e, "http.response.body.bytes") == x.bytes, at + "bytes");
    agree.check(str(e, "user_agent.original") == x.agent, at + "user_agent");
    agree.check(str(e, "http.request.referrer") == "-", at + "referrer");
  }
  agree.print("web / elastic-beats nginx access (Filebeat expected values)");
  EXPECT_EQ(agree.agreed, agree.compared);
}

TEST(WebAccessDecoderGolden, Fail2banAccessLinesHost) {
  const fs::path root = fs::path(kData) / "logs/fail2ban";
  if (!fs::exists(root)) GTEST_SKIP() << "missing " << root;
  Agreement agree;
  for (const auto& f : fs::directory_iterator(root)) {
    const std::string name = f.path().filename().string();
    if (name.rfind("apache-", 0) != 0 && name.rfind("nginx-", 0) != 0 &&
        name.rfind("php-", 0) != 0) {
      continue;
    }
    std::string host;
    for (const std::string& line : read_lines(f.path())) {
      if (line.rfind("# failJSON:", 0) == 0) {
        const std::size_t h = line.find("\"host\":");
        host.clear();
        if (h != std::string::npos) {
          const std::size_t q1 = line.find('"', h + 7);
          const std::size_t q2 = line.find('"', q1 + 1);
          if (q1 != std::string::npos && q2 != std::string::npos) {
            host = line.substr(q1 + 1, q2 - q1 - 1);
          }
        }
        continue;
      }
      if (line.empty() || line[0] == '#' || is_error_log_line(line)) continue;
      if (line.find("/20") == std::string::npos || line.find(" [") == std::string::npos) continue;
      bool ok = false;
      const Event e = decode(line, &ok);
      agree.check(ok, name + " not decoded: " + line);
      if (ok && !host.empty()) {
        agree.check(str(e, "source.ip") == host, name + " host " + host + ": " + line);
      }
    }
  }
  agree.print("web / fail2ban apache+nginx access-log lines (decoded, source.ip == host)");
  EXPECT_GE(agree.compared, 40u);
  EXPECT_EQ(agree.agreed, agree.compared);
}

TEST(WebAccessDecoderGolden, NielsbasjesHackersAccessLog) {
  const fs::path file = fs::path(kData) / "logs/nielsbasjes-logparser/hackers-access.log";
  if (!fs::exists(file)) GTEST_SKIP() << "missing " << file;
  Agreement agree;
  std::size_t n = 0;
  for (const std::string& line : read_lines(file)) {
    if (line.empty()) continue;
    ++n;
    bool ok = false;
    const Event e = decode(line, &ok);
    agree.check(ok, "not decoded: " + line);
    if (!ok) continue;
    const Naive x = naive_split(line);
    agree.check(str(e, "source.ip") == line.substr(0, line.find(' ')), "source.ip: " + line);
    agree.check(str(e, "http.request.method") == x.method, "method: " + line);
    agree.check(str(e, "url.original") == x.target, "url.original: " + line);
    agree.check(str(e, "http.response.status_code") == x.status, "status: " + line);
    if (x.bytes != "-")
      agree.check(str(e, "http.response.body.bytes") == x.bytes, "bytes: " + line);
    const std::size_t t = line.find('[');
    const auto want = reference_time(line.substr(t + 1, line.find(']') - t - 1));
    agree.check(want && *want == e.time_ns, "time: " + line);
    // The last two quoted fields are the referrer and the user agent.
    const std::size_t ua_end = line.rfind('"');
    const std::size_t ua_start = line.rfind('"', ua_end - 1);
    agree.check(str(e, "user_agent.original") == line.substr(ua_start + 1, ua_end - ua_start - 1),
                "user agent: " + line);
  }
  agree.print("web / nielsbasjes hackers-access.log (" + std::to_string(n) + " lines)");
  EXPECT_EQ(n, 3456u);
  EXPECT_EQ(agree.agreed, agree.compared);
}

}  // namespace
}  // namespace soc::agent
