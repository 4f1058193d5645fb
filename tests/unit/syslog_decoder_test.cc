// The syslog header decoder (RFC 3164, RFC 5424, ISO 8601, journald), its time zones and year
// inference, the decoder registry, and the agreement of the header fields with the CrowdSec hub
// fixtures' s00-raw assertions (program, pid, message, timestamp, machine) in SOC_SHARED_DATA.
#include "agent/decode/syslog_decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/decode/decoder_registry.h"

#ifndef SOC_SHARED_DATA
#define SOC_SHARED_DATA "/work/shared/data"
#endif

namespace soc::agent {
namespace {

constexpr TimeNs kSec = 1'000'000'000;

// 2025-06-15T12:00:00Z
TimeNs june_2025() { return 1'749'988'800LL * kSec; }
// 2025-01-01T00:30:00Z
TimeNs new_year_2025() { return 1'735'691'400LL * kSec; }
// 2024-12-31T20:00:00Z (already 2025 at +05:00)
TimeNs new_year_eve_2024() { return 1'735'675'200LL * kSec; }
// 2025-03-01T12:00:00Z
TimeNs march_2025() { return 1'740'830'400LL * kSec; }

// Seconds since the epoch of a UTC date, for expectations.
TimeNs utc(int y, int mo, int d, int h, int mi, int s) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<TimeNs>(timegm(&tm)) * kSec;
}

std::string str(const Event& e, std::string_view name) {
  const FieldValue* v = e.find(name);
  if (v == nullptr) return "<none>";
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(v)) return std::to_string(*i);
  if (const auto* ip = std::get_if<IpAddress>(v)) return ip->to_string();
  return "<other>";
}

struct Decoded {
  bool ok = false;
  Event event;
};

Decoded decode(std::string_view line, SyslogTimeZone zone = SyslogTimeZone::utc(),
               SyslogDecoder::NowFn now = &june_2025) {
  const SyslogDecoder d(zone, now);
  Decoded out;
  out.event.raw = std::string(line);
  out.ok = d.decode(out.event);
  return out;
}

TEST(SyslogDecoder, Rfc3164WithPriority) {
  const Decoded d = decode("<38>Feb 12 14:10:21 sd-126005 sshd[16378]: Invalid user pascal");
  ASSERT_TRUE(d.ok);
  const Event& e = d.event;
  EXPECT_EQ(str(e, "log.syslog.facility.code"), "4");
  EXPECT_EQ(str(e, "log.syslog.severity.code"), "6");
  EXPECT_EQ(str(e, "host.hostname"), "sd-126005");
  EXPECT_EQ(str(e, "process.name"), "sshd");
  EXPECT_EQ(str(e, "process.pid"), "16378");
  EXPECT_EQ(str(e, "log.syslog.message"), "Invalid user pascal");
  EXPECT_EQ(e.time_ns, utc(2025, 2, 12, 14, 10, 21));
}

TEST(SyslogDecoder, Rfc3164DayFormsAndMessagesKeptByteForByte) {
  EXPECT_EQ(decode("Feb 7 16:01:07 linux-m899 sshd[5106]: x").event.time_ns,
            utc(2025, 2, 7, 16, 1, 7));
  EXPECT_EQ(decode("Jun  8 14:34:33 h kernel: x").event.time_ns, utc(2025, 6, 8, 14, 34, 33));
  EXPECT_EQ(decode("Aug 03 21:39:20 h sshd[1]: x").event.time_ns, utc(2024, 8, 3, 21, 39, 20));
  const Decoded d = decode("Jun  8 10:44:36 server sshd[3204729]: a [preauth] \r\n");
  EXPECT_EQ(str(d.event, "log.syslog.message"), "a [preauth] ");
  const Decoded frac = decode("Jun  8 10:44:36.250 server app: m");
  EXPECT_EQ(frac.event.time_ns, utc(2025, 6, 8, 10, 44, 36) + kSec / 4);
  EXPECT_EQ(str(frac.event, "process.pid"), "<none>");
  EXPECT_EQ(str(frac.event, "log.syslog.facility.code"), "<none>");
}

TEST(SyslogDecoder, HostlessAndBracketedTags) {
  Decoded d = decode("Nov 23 21:50:19 sshd[8148]: Disconnecting: Too many");
  EXPECT_EQ(str(d.event, "host.hostname"), "<none>");
  EXPECT_EQ(str(d.event, "process.name"), "sshd");
  EXPECT_EQ(str(d.event, "process.pid"), "8148");
  d = decode("Mar  3 00:17:22 [sshd]: User root from 211.188.220.49 not allowed");
  EXPECT_EQ(str(d.event, "process.name"), "sshd");
  EXPECT_EQ(str(d.event, "log.syslog.message"), "User root from 211.188.220.49 not allowed");
  d = decode("Jun 25 23:53:34 [sshd] User root");
  EXPECT_EQ(str(d.event, "process.name"), "sshd");
  EXPECT_EQ(str(d.event, "log.syslog.message"), "User root");
  // A tag in the "prog[pid]" form without its colon; and no tag at all.
  d = decode("Jan 10 00:00:00 myhost proftpd[12345] myhost.domain.com (1.2.3.4[1.2.3.4]): USER x");
  EXPECT_EQ(str(d.event, "process.name"), "proftpd");
  EXPECT_EQ(str(d.event, "log.syslog.message"), "myhost.domain.com (1.2.3.4[1.2.3.4]): USER x");
  d = decode("Jul 27 14:41:57 combo syslogd 1.4.1: restart.");
  EXPECT_TRUE(d.ok);
  EXPECT_EQ(str(d.event, "host.hostname"), "combo");
  EXPECT_EQ(str(d.event, "process.name"), "<none>");
  EXPECT_EQ(str(d.event, "log.syslog.message"), "syslogd 1.4.1: restart.");
}

TEST(SyslogDecoder, TagModuleSuffixKeptAsAppname) {
  const Decoded d = decode("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure;");
  EXPECT_EQ(str(d.event, "process.name"), "sshd");
  EXPECT_EQ(str(d.event, "log.syslog.appname"), "sshd(pam_unix)");
  EXPECT_EQ(str(d.event, "process.pid"), "19939");
  const Decoded plain = decode("Jun 14 15:16:01 combo sshd[1]: x");
  EXPECT_EQ(str(plain.event, "log.syslog.appname"), "<none>");
}

TEST(SyslogDecoder, YearInference) {
  // A day ahead is still this year (clock skew); more is last year.
  EXPECT_EQ(decode("Jun 16 10:00:00 h a: b").event.time_ns, utc(2025, 6, 16, 10, 0, 0));
  EXPECT_EQ(decode("Jun 17 10:00:00 h a: b").event.time_ns, utc(2024, 6, 17, 10, 0, 0));
  EXPECT_EQ(decode("Dec 31 23:59:59 h a: b", SyslogTimeZone::utc(), &new_year_2025).event.time_ns,
            utc(2024, 12, 31, 23, 59, 59));
  EXPECT_EQ(decode("Jan  1 00:10:00 h a: b", SyslogTimeZone::utc(), &new_year_2025).event.time_ns,
            utc(2025, 1, 1, 0, 10, 0));
  // In a zone already in the new year, "this year" is the zone's.
  EXPECT_EQ(decode("Jan  1 00:59:00 h a: b", SyslogTimeZone::fixed(5 * 3600), &new_year_eve_2024)
                .event.time_ns,
            utc(2024, 12, 31, 19, 59, 0));
  // Feb 29 goes back to the last leap year.
  EXPECT_EQ(decode("Feb 29 10:00:00 h a: b", SyslogTimeZone::utc(), &march_2025).event.time_ns,
            utc(2024, 2, 29, 10, 0, 0));
}

TEST(SyslogDecoder, IsoTimestamps) {
  Decoded d = decode("2015-04-16T18:02:50.321974+00:00 host sshd[2716]: pam_unix(sshd:auth): x");
  EXPECT_EQ(d.event.time_ns, utc(2015, 4, 16, 18, 2, 50) + 321'974'000);
  EXPECT_EQ(str(d.event, "host.hostname"), "host");
  EXPECT_EQ(str(d.event, "process.pid"), "2716");
  d = decode("2020-03-23 06:47:42.801612-0700  localhost sshd[3186]: error: PAM: x");
  EXPECT_EQ(d.event.time_ns, utc(2020, 3, 23, 13, 47, 42) + 801'612'000);
  EXPECT_EQ(str(d.event, "host.hostname"), "localhost");
  // No offset: the configured zone.
  d = decode("2025-03-04T01:06:36.645577 ip-172-31-3-150 vsftpd[1658]: x",
             SyslogTimeZone::fixed(3600));
  EXPECT_EQ(d.event.time_ns, utc(2025, 3, 4, 0, 6, 36) + 645'577'000);
  // syslog-ng with the year first.
  d = decode("2015 Nov 13 13:40:01 ether rsyslogd-2177: imuxsock begins to drop messages");
  EXPECT_EQ(d.event.time_ns, utc(2015, 11, 13, 13, 40, 1));
  EXPECT_EQ(str(d.event, "process.name"), "rsyslogd-2177");
}

TEST(SyslogDecoder, Rfc5424) {
  Decoded d = decode(
      "<38>1 2019-07-08T17:40:16.954167-04:00 hostname.example.com sshd 57915 - - "
      "Failed unknown for invalid user redmond from 192.0.2.1 port 59197 ssh2");
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.event.time_ns, utc(2019, 7, 8, 21, 40, 16) + 954'167'000);
  EXPECT_EQ(str(d.event, "host.hostname"), "hostname.example.com");
  EXPECT_EQ(str(d.event, "process.name"), "sshd");
  EXPECT_EQ(str(d.event, "process.pid"), "57915");
  EXPECT_EQ(str(d.event, "log.syslog.msgid"), "<none>");
  EXPECT_EQ(str(d.event, "log.syslog.structured_data"), "<none>");
  EXPECT_EQ(str(d.event, "log.syslog.message"),
            "Failed unknown for invalid user redmond from 192.0.2.1 port 59197 ssh2");

  d = decode(
      "<38>1 2019-07-08T17:40:17.954167-04:00 h sshd 55555 - [timeQuality tzKnown=\"1\" "
      "isSynced=\"0\"][xxx@123 test=\"[brackets]\"] Failed unknown");
  EXPECT_EQ(str(d.event, "log.syslog.structured_data"),
            "[timeQuality tzKnown=\"1\" isSynced=\"0\"][xxx@123 test=\"[brackets]\"]");
  EXPECT_EQ(str(d.event, "log.syslog.message"), "Failed unknown");

  d = decode("<165>1 - mymachine su worker-1 ID47 [a b=\"x\\\"]y\"] \xEF\xBB\xBF'su root' failed");
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.event.time_ns, 0);
  EXPECT_EQ(str(d.event, "log.syslog.facility.code"), "20");
  EXPECT_EQ(str(d.event, "log.syslog.severity.code"), "5");
  EXPECT_EQ(str(d.event, "log.syslog.procid"), "worker-1");
  EXPECT_EQ(str(d.event, "process.pid"), "<none>");
  EXPECT_EQ(str(d.event, "log.syslog.msgid"), "ID47");
  EXPECT_EQ(str(d.event, "log.syslog.structured_data"), "[a b=\"x\\\"]y\"]");
  EXPECT_EQ(str(d.event, "log.syslog.message"), "'su root' failed");

  d = decode("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 -");
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(str(d.event, "log.syslog.message"), "");

  for (const char* bad : {"<38>1 ", "<38>1 2019-07-08T17:40:16Z h app", "<38>1 - h a p m [x y=\"z]",
                          "<38>1 - h a p m [x]junk", "<38>1 2019-13-08T17:40:16Z h a p m - x"}) {
    EXPECT_FALSE(decode(bad).ok) << bad;
  }
}

TEST(SyslogDecoder, JournaldExportWithoutTime) {
  const Decoded d = decode("srv sshd[13709]: error: PAM: Authentication failure for x from y");
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.event.time_ns, 0);
  EXPECT_EQ(str(d.event, "host.hostname"), "srv");
  EXPECT_EQ(str(d.event, "process.name"), "sshd");
  EXPECT_EQ(str(d.event, "log.syslog.message"), "error: PAM: Authentication failure for x from y");
}

TEST(SyslogDecoder, RejectsOtherFormatsAndLeavesEventUnchanged) {
  for (const char* bad : {
           "",
           "hello world",
           "<999>Jan  1 00:00:00 h a: b",
           "<>x",
           "Foo 12 10:00:00 h x: y",
           "Jan 32 10:00:00 h x: y",
           "Jan 1 25:00:00 h x: y",
           "Jan 1 10:00:00",
           "2024-02-30T00:00:00Z h x: y",
           "{\"a\": 1}",
           "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326",
           "type=SYSCALL msg=audit(1364481363.243:24287): arch=c000003e syscall=2",
       }) {
    Event e;
    e.raw = bad;
    e.time_ns = 7;
    const Event before = e;
    EXPECT_FALSE(SyslogDecoder(SyslogTimeZone::utc(), &june_2025).decode(e)) << bad;
    EXPECT_EQ(e, before) << bad;
  }
}

TEST(SyslogTimeZone, Parse) {
  EXPECT_TRUE(SyslogTimeZone::parse("local")->is_local());
  EXPECT_TRUE(SyslogTimeZone::parse("")->is_local());
  for (const char* u : {"UTC", "utc", "Z", "GMT", "UTC0", "Etc/UTC"}) {
    const auto z = SyslogTimeZone::parse(u);
    ASSERT_TRUE(z) << u;
    EXPECT_FALSE(z->is_local());
    EXPECT_EQ(z->offset_seconds(), 0);
  }
  EXPECT_EQ(SyslogTimeZone::parse("+02:00")->offset_seconds(), 7200);
  EXPECT_EQ(SyslogTimeZone::parse("-0530")->offset_seconds(), -19800);
  EXPECT_EQ(SyslogTimeZone::parse("+05")->offset_seconds(), 18000);
  EXPECT_EQ(SyslogTimeZone::fixed(7200).wall_to_utc(10'000), 10'000 - 7200);
  for (const char* bad : {"Europe/Paris", "+25:00", "+02:", "02:00", "+2", "UTC+3"}) {
    const auto z = SyslogTimeZone::parse(bad);
    ASSERT_FALSE(z) << bad;
    EXPECT_EQ(z.error().code, ErrorCode::kUnsupported);
    EXPECT_NE(z.error().message.find(bad), std::string::npos);
  }
}

TEST(SyslogTimeZone, LocalFollowsTheHostZoneAcrossDaylightSaving) {
  const char* old = std::getenv("TZ");
  const std::string saved = old != nullptr ? old : "";
  setenv("TZ", "EST5EDT,M3.2.0,M11.1.0", 1);
  tzset();
  const SyslogTimeZone local = SyslogTimeZone::local();
  // 2031-07-01 12:00 EDT = 16:00Z; 2031-01-15 12:00 EST = 17:00Z.
  EXPECT_EQ(local.wall_to_utc(utc(2031, 7, 1, 12, 0, 0) / kSec), utc(2031, 7, 1, 16, 0, 0) / kSec);
  EXPECT_EQ(local.wall_to_utc(utc(2031, 1, 15, 12, 0, 0) / kSec),
            utc(2031, 1, 15, 17, 0, 0) / kSec);
  if (old != nullptr) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
}

// ---------------------------------------------------------------------------------------------
// Registry

TEST(DecoderRegistry, KnownFormatsAndErrors) {
  const std::vector<std::string_view> formats = decoder_formats();
  for (const char* f : {"auto", "syslog", "sshd", "iptables", "json", "auditd", "web_access"}) {
    EXPECT_NE(std::find(formats.begin(), formats.end(), f), formats.end()) << f;
    const auto d = make_decoder(f);
    ASSERT_TRUE(d) << f;
    EXPECT_FALSE((*d)->name().empty());
  }
  EXPECT_EQ(formats.front(), "auto");
  const auto bad = make_decoder("apache2");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("apache2"), std::string::npos);
  EXPECT_NE(bad.error().message.find("web_access"), std::string::npos);
}

TEST(DecoderRegistry, AutoRecognisesEachFormat) {
  DecoderOptions options;
  options.time_zone = SyslogTimeZone::utc();
  options.now = &june_2025;
  const auto made = make_decoder("auto", options);
  ASSERT_TRUE(made);
  const Decoder& d = **made;
  auto run = [&](std::string_view line) {
    Event e;
    e.raw = std::string(line);
    EXPECT_TRUE(d.decode(e)) << line;
    return e;
  };
  Event e = run("{\"event_type\":\"alert\",\"src_ip\":\"10.0.0.1\"}");
  EXPECT_EQ(str(e, "event_type"), "alert");
  e = run("Jun 16 10:00:00 h sshd[1]: Invalid user a from 192.0.2.1");
  EXPECT_EQ(str(e, "event.action"), "invalid_user");
  e =
      run("<38>1 2019-07-08T17:40:16Z h sshd 57915 - - Accepted password for a from 192.0.2.1 "
          "port 22 ssh2");
  EXPECT_EQ(str(e, "event.outcome"), "success");
  e = run("1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /a?b=1 HTTP/1.0\" 200 2326");
  EXPECT_EQ(str(e, "http.request.method"), "GET");
  e = run("type=USER_LOGIN msg=audit(1364481363.243:24287): pid=1 uid=0 res=failed");
  EXPECT_EQ(str(e, "auditd.message_type"), "USER_LOGIN");
  // An audit record behind a syslog header goes to the auditd decoder.
  e =
      run("Jun 16 10:00:00 h audispd: node=h type=USER_LOGIN msg=audit(1364481363.243:24287): "
          "pid=1 uid=0 res=failed");
  EXPECT_EQ(str(e, "auditd.message_type"), "USER_LOGIN");
  e = run("[ 12.5] IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.2 PROTO=TCP SPT=1 DPT=2");
  EXPECT_EQ(str(e, "event.action"), "firewall_log");

  Event unknown;
  unknown.raw = "just some words";
  const Event before = unknown;
  EXPECT_FALSE(d.decode(unknown));
  EXPECT_EQ(unknown, before);
}

// ---------------------------------------------------------------------------------------------
// Golden: CrowdSec s00-raw assertions (the syslog parser's output) on every syslog fixture.

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// From `results["s00-raw"]["crowdsecurity/syslog-logs"][3].Evt.Parsed["pid"] == "28179"`:
// index 3, key "pid", value "28179" (or key "Success", value "true").
struct RawAssertion {
  int index = -1;
  std::string key;
  std::string value;
};

std::optional<RawAssertion> parse_raw_assertion(const std::string& line) {
  const std::string prefix = "results[\"s00-raw\"][\"crowdsecurity/syslog-logs\"][";
  const std::size_t at = line.find(prefix);
  if (at == std::string::npos) return std::nullopt;
  RawAssertion a;
  a.index = std::atoi(line.c_str() + at + prefix.size());
  if (line.find("].Success == ") != std::string::npos) {
    a.key = "Success";
    a.value = line.find("== true") != std::string::npos ? "true" : "false";
    return a;
  }
  const std::size_t key_at = line.find("[\"", line.find("].Evt.", at));
  const std::size_t key_end = line.find("\"]", key_at);
  const std::size_t eq = line.find("== \"", key_end);
  if (key_at == std::string::npos || key_end == std::string::npos || eq == std::string::npos ||
      line.back() != '"') {
    return std::nullopt;
  }
  a.key = line.substr(key_at + 2, key_end - key_at - 2);
  a.value = line.substr(eq + 4, line.size() - eq - 5);
  return a;
}

// Month, day and clock of a "Feb 12 14:10:21" / "Dec  7 14:53:04" timestamp against ours.
bool timestamp_agrees(TimeNs t, const std::string& text) {
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char month[4] = {};
  int day = 0;
  char clock[9] = {};
  if (std::sscanf(text.c_str(), "%3s %d %8s", month, &day, clock) != 3) return false;
  int m = 0;
  for (int k = 0; k < 12; ++k) {
    if (std::string(month) == kMonths[k]) m = k + 1;
  }
  char expected[32];
  std::snprintf(expected, sizeof expected, "-%02d-%02dT%s", m, day, clock);
  return format_rfc3339(t).compare(4, 15, expected) == 0;
}

// "2023-11-14T00:20:42.738197+01:00", converted independently with timegm.
bool iso_timestamp_agrees(TimeNs t, const std::string& text) {
  std::tm tm{};
  int frac = 0;
  int oh = 0;
  int om = 0;
  char sign = '+';
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%d%c%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &frac, &sign, &oh, &om) != 10) {
    return false;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::int64_t secs = timegm(&tm) - (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60);
  return t / kSec == secs;
}

TEST(GoldenCrowdsec, SyslogHeaders) {
  int agree = 0;
  int total = 0;
  int unmapped = 0;
  for (const char* name : {"syslog-logs", "sshd-logs", "sshd-logs-fp", "sshd-success-logs",
                           "sshd-invalid-bf", "pam-logs", "iptables-logs", "CVE-2021-4034"}) {
    const std::string dir =
        std::string(SOC_SHARED_DATA) + "/logs/crowdsec-hub-tests/tests/" + name + "/";
    std::string file = std::string(name) + ".log";
    for (const std::string& line : read_lines(dir + "config.yaml")) {
      if (line.rfind("log_file: ", 0) == 0) file = line.substr(10);
    }
    std::vector<std::string> log;
    for (const std::string& line : read_lines(dir + file)) {
      if (!line.empty()) log.push_back(line);
    }
    ASSERT_FALSE(log.empty()) << name;
    for (const std::string& line : read_lines(dir + "parser.assert")) {
      const auto a = parse_raw_assertion(line);
      if (!a) continue;
      if (a->key == "logsource" || a->key.rfind("datasource", 0) == 0) {
        ++unmapped;
        continue;
      }
      ++total;
      if (a->index < 0 || static_cast<std::size_t>(a->index) >= log.size()) continue;
      const Decoded d = decode(log[static_cast<std::size_t>(a->index)]);
      bool ok = false;
      if (a->key == "Success") ok = d.ok == (a->value == "true");
      if (a->key == "message") ok = str(d.event, "log.syslog.message") == a->value;
      if (a->key == "program") ok = str(d.event, "process.name") == a->value;
      if (a->key == "pid") ok = str(d.event, "process.pid") == a->value;
      if (a->key == "machine") ok = str(d.event, "host.hostname") == a->value;
      if (a->key == "timestamp") ok = timestamp_agrees(d.event.time_ns, a->value);
      if (a->key == "timestamp8601") ok = iso_timestamp_agrees(d.event.time_ns, a->value);
      agree += ok ? 1 : 0;
      if (!ok) std::printf("  DISAGREE %s\n", line.c_str());
    }
  }
  const double p = total == 0 ? 0.0 : 100.0 * agree / total;
  std::printf(
      "[agreement] crowdsec syslog headers (s00-raw, 8 fixtures): %d/%d assertions agree "
      "(%.1f%%), %d not mapped (logsource, datasource)\n",
      agree, total, p, unmapped);
  EXPECT_GT(total, 100);
  EXPECT_GE(p, 100.0);
}

// Golden: Wazuh ruleset tests whose decoder is named after the program (sshd, sudo, su, kernel,
// proftpd, doas, dropbear, systemd, named): the syslog header must give that program name.
TEST(GoldenWazuh, ProgramNames) {
  int agree = 0;
  int total = 0;
  for (const char* file : {"sshd.ini", "sudo.ini", "su.ini", "iptables.ini", "kernel_usb.ini",
                           "proftpd.ini", "doas.ini", "dropbear.ini", "systemd.ini", "named.ini"}) {
    std::vector<std::string> pending;
    auto flush = [&](const std::string& program) {
      for (const std::string& line : pending) {
        ++total;
        const Decoded d = decode(line);
        const bool ok = d.ok && str(d.event, "process.name") == program;
        agree += ok ? 1 : 0;
        if (!ok) std::printf("  DISAGREE (%s) %s\n", program.c_str(), line.c_str());
      }
      pending.clear();
    };
    for (const std::string& line :
         read_lines(std::string(SOC_SHARED_DATA) + "/wazuh-tests/tests/" + file)) {
      const std::size_t eq = line.find(" pass = ");
      if (line.rfind("log ", 0) == 0 && eq != std::string::npos) {
        pending.push_back(line.substr(eq + 8));
      } else if (line.rfind("decoder = ", 0) == 0) {
        std::string program = line.substr(10);
        while (!program.empty() && program.back() == ' ') program.pop_back();
        flush(program);
      } else if (!line.empty() && line[0] == '[') {
        pending.clear();
      }
    }
  }
  const double p = total == 0 ? 0.0 : 100.0 * agree / total;
  std::printf("[agreement] wazuh program names (10 ini files): %d/%d pass lines (%.1f%%)\n", agree,
              total, p);
  EXPECT_GT(total, 100);
  EXPECT_GE(p, 100.0);
}

// ---------------------------------------------------------------------------------------------
// Robustness: real lines, every prefix of them, and byte flips, through every format. Nothing
// may crash, and a refused line must leave the event unchanged.

TEST(DecoderRobustness, TruncatedAndMutatedRealLines) {
  std::vector<std::string> lines;
  for (const char* file : {"logs/loghub/OpenSSH/OpenSSH_2k.log", "logs/loghub/Linux/Linux_2k.log",
                           "logs/fail2ban/sshd.log", "logs/fail2ban/pam-generic.log",
                           "logs/elastic-beats/system-auth-test.log",
                           "logs/crowdsec-hub-tests/tests/iptables-logs/iptables-logs.log"}) {
    std::vector<std::string> all = read_lines(std::string(SOC_SHARED_DATA) + "/" + file);
    for (std::size_t i = 0; i < all.size(); i += 7) lines.push_back(all[i]);
  }
  ASSERT_GT(lines.size(), 300u);
  std::vector<std::unique_ptr<Decoder>> decoders;
  for (const char* f : {"auto", "syslog", "sshd", "iptables"}) decoders.push_back(*make_decoder(f));
  std::size_t runs = 0;
  unsigned seed = 12345;
  auto check = [&](const std::string& text) {
    for (const auto& d : decoders) {
      Event e;
      e.raw = text;
      const Event before = e;
      if (!d->decode(e)) {
        EXPECT_EQ(e, before) << d->name() << ": " << text;
      }
      ++runs;
    }
  };
  for (const std::string& line : lines) {
    for (std::size_t n = 0; n <= line.size(); n += 3) check(line.substr(0, n));
    for (int k = 0; k < 8 && !line.empty(); ++k) {
      std::string mutated = line;
      seed = seed * 1103515245u + 12345u;
      mutated[(seed >> 8) % mutated.size()] = static_cast<char>((seed >> 16) & 0xff);
      check(mutated);
    }
  }
  std::printf("[robustness] %zu decodes of truncated and mutated lines\n", runs);
}

}  // namespace
}  // namespace soc::agent
