// AuditdDecoder and AuditAssembler: hand-written records, hostile input, and agreement with the
// golden data of ../shared/data:
//   - go-libaudit auparse/*.log + *.log.golden: per record the type, sequence, time and every
//     key/value the golden gives (after hex decoding); go-libaudit's own interpretations (syscall
//     and arch names, errno names, "unset" ids, SELinux context split, res -> result) are mapped
//     or checked against our raw values as described at each comparison;
//   - go-libaudit aucoalesce/*.yaml + *.json.golden: grouping of one event's records into one
//     event and its process / file / user / network fields;
//   - go-libaudit stream/*.log: number of groups;
//   - CrowdSec auditd fixtures (parser.assert where there is one), fail2ban selinux-ssh (host),
//     Filebeat's auditd test log.
#include "agent/decode/auditd_decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/decode/audit_assembler.h"

#ifndef SOC_SHARED_DATA
#define SOC_SHARED_DATA "/work/shared/data"
#endif

#include "tests/unit/agreement.h"

namespace soc::agent {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kData = SOC_SHARED_DATA;
const fs::path kLibaudit = fs::path(kData) / "logs/auditd/go-libaudit";

std::vector<std::string> read_lines(const fs::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

Event decode(std::string_view line, bool* ok = nullptr) {
  Event e;
  e.raw = std::string(line);
  const bool r = AuditdDecoder().decode(e);
  if (ok != nullptr) *ok = r;
  return e;
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

std::optional<StringList> list(const Event& e, std::string_view name) {
  const FieldValue* v = e.find(name);
  if (v == nullptr) return std::nullopt;
  if (const auto* l = std::get_if<StringList>(v)) return *l;
  return std::nullopt;
}

std::size_t count_fields(const Event& e, std::string_view name) {
  return static_cast<std::size_t>(std::count_if(e.fields.begin(), e.fields.end(),
                                                [&](const Field& f) { return f.name == name; }));
}

// "2016-12-07T02:16:32.414Z" (fraction optional) -> ns, independently of the decoders.
std::optional<TimeNs> golden_time(const std::string& s) {
  std::tm tm{};
  std::istringstream in(s.substr(0, 19));
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return std::nullopt;
  TimeNs frac = 0;
  if (s.size() > 20 && s[19] == '.') {
    std::string digits = s.substr(20);
    while (!digits.empty() && (digits.back() < '0' || digits.back() > '9')) digits.pop_back();
    digits.resize(9, '0');
    frac = std::stoll(digits);
  }
  return static_cast<TimeNs>(timegm(&tm)) * 1'000'000'000 + frac;
}

std::vector<Event> group(const std::vector<std::string>& lines) {
  AuditAssembler assembler;
  std::vector<Event> out;
  for (const std::string& line : lines) {
    Event e;
    e.raw = line;
    AuditdDecoder().decode(e);
    assembler.push(std::move(e), out);
  }
  assembler.flush(out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Single records.

TEST(AuditdDecoder, SyscallRecord) {
  bool ok = false;
  const Event e = decode(
      "type=SYSCALL msg=audit(1490801406.273:512226): arch=c000003e syscall=42 success=no "
      "exit=-115 a0=6 a1=7ffeb50e4570 a2=10 a3=fe items=0 ppid=1 pid=1170 auid=4294967295 uid=0 "
      "gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 "
      "comm=\"google_ip_forwa\" "
      "exe=2F7573722F62696E2F707974686F6E322E373B3538643163636662202864656C6574656429 "
      "subj=system_u:system_r:unconfined_service_t:s0 key=(null)",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "auditd.message_type"), "SYSCALL");
  EXPECT_EQ(num(e, "auditd.sequence"), 512226);
  EXPECT_EQ(format_rfc3339(e.time_ns), "2017-03-29T15:30:06.273000000Z");
  EXPECT_EQ(str(e, "auditd.data.syscall"), "42");
  EXPECT_EQ(str(e, "auditd.data.a1"), "7ffeb50e4570");
  EXPECT_EQ(str(e, "auditd.data.exe"), "/usr/bin/python2.7;58d1ccfb (deleted)");
  EXPECT_EQ(str(e, "auditd.data.tty"), "(none)");
  EXPECT_EQ(str(e, "auditd.data.key"), "(null)");
  EXPECT_EQ(num(e, "process.pid"), 1170);
  EXPECT_EQ(num(e, "process.ppid"), 1);
  EXPECT_EQ(str(e, "process.name"), "google_ip_forwa");
  EXPECT_EQ(str(e, "process.executable"), "/usr/bin/python2.7;58d1ccfb (deleted)");
  EXPECT_EQ(str(e, "user.id"), "0");
  EXPECT_EQ(e.find("user.audit.id"), nullptr);  // 4294967295 = unset
  EXPECT_EQ(str(e, "event.outcome"), "failure");
  EXPECT_EQ(str(e, "event.action"), "syscall");
  EXPECT_EQ(e.find("auditd.keys"), nullptr);
}

TEST(AuditdDecoder, PrefixedForms) {
  bool ok = false;
  Event e = decode("node=web01 type=CWD msg=audit(1481077231.371:479):  cwd=\"/home/a\"", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "auditd.node"), "web01");
  EXPECT_EQ(str(e, "process.working_directory"), "/home/a");
  e = decode(
      "Jan 18 13:47:16 web01 audispd: node=web01 type=EXECVE msg=audit(1610903553.686:584): "
      "argc=2 a0=\"ls\" a1=\"-l\"",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "auditd.node"), "web01");
  EXPECT_EQ(str(e, "process.command_line"), "ls -l");
  e = decode(
      "<14>Jan 18 13:47:16 web01 audisp-syslog: type=USER_CMD msg=audit(1610903553.686:585): "
      "pid=1 uid=0 auid=1000 ses=1 msg='cwd=\"/\" cmd=6C73202D6C terminal=pts/0 res=success'",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "process.command_line"), "ls -l");
  EXPECT_EQ(e.find("auditd.node"), nullptr);
  e = decode(
      "[  12.345678] audit: type=1400 audit(1524662933.080:61207): apparmor=\"DENIED\" "
      "operation=\"ptrace\" profile=\"docker-default\" pid=5571 comm=\"metricbeat\"",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "auditd.message_type"), "AVC");
  EXPECT_EQ(str(e, "auditd.data.apparmor"), "DENIED");
  e = decode("audit: type=9999 audit(1.5:7): x=1", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "auditd.message_type"), "UNKNOWN[9999]");
  EXPECT_EQ(format_rfc3339(e.time_ns), "1970-01-01T00:00:01.500000000Z");
}

TEST(AuditdDecoder, UserRecordWithQuotedMsg) {
  bool ok = false;
  const Event e = decode(
      "type=USER_LOGIN msg=audit(1492896301.818:19955): pid=12635 uid=0 auid=4294967295 "
      "ses=4294967295 msg='op=login acct=28696E76616C6964207573657229 exe=\"/usr/sbin/sshd\" "
      "hostname=? addr=179.38.151.221 terminal=sshd res=failed'",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "auditd.data.op"), "login");
  EXPECT_EQ(str(e, "auditd.data.acct"), "(invalid user)");
  EXPECT_EQ(str(e, "auditd.data.hostname"), "?");
  EXPECT_EQ(e.find("auditd.data.msg"), nullptr);
  EXPECT_EQ(str(e, "user.name"), "(invalid user)");
  EXPECT_EQ(str(e, "source.ip"), "179.38.151.221");
  EXPECT_TRUE(std::holds_alternative<IpAddress>(*e.find("source.ip")));
  EXPECT_EQ(str(e, "event.outcome"), "failure");
  EXPECT_EQ(str(e, "event.action"), "login");
  EXPECT_EQ(str(e, "process.executable"), "/usr/sbin/sshd");
}

TEST(AuditdDecoder, InnerKeyRepeatingOuterKey) {
  bool ok = false;
  const Event e = decode(
      "type=USER_ACCT msg=audit(1610903553.814:593): pid=2948 uid=0 auid=1000 ses=14 "
      "msg='pam_tally2 uid=1004 reset=0 exe=\"/sbin/pam_tally2\" hostname=localhost "
      "addr=127.0.0.1 terminal=/dev/pts/2 res=success'",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "auditd.data.uid"), "0");
  EXPECT_EQ(str(e, "auditd.data.msg.uid"), "1004");
  EXPECT_EQ(str(e, "user.id"), "0");
  EXPECT_EQ(count_fields(e, "auditd.data.uid"), 1u);
  EXPECT_EQ(str(e, "event.action"), "user_acct");
}

TEST(AuditdDecoder, ProctitleExecvePath) {
  bool ok = false;
  Event e = decode(
      "type=PROCTITLE msg=audit(1.0:1): proctitle=2F7573722F62696E2F7375002D2D68656C7000", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "auditd.data.proctitle"), "/usr/bin/su --help");
  EXPECT_EQ(str(e, "process.title"), "/usr/bin/su --help");
  e = decode(
      "type=EXECVE msg=audit(1.0:2): argc=4 a0=\"sh\" a1=\"-c\" a2=6563686F2022686922 "
      "a3_len=6 a3[0]=616263 a3[1]=\"def\"",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "auditd.data.a2"), "echo \"hi\"");
  EXPECT_EQ(str(e, "auditd.data.a3[0]"), "abc");
  EXPECT_EQ(str(e, "process.command_line"), "sh -c echo \"hi\" abcdef");
  EXPECT_EQ(list(e, "process.args"), (StringList{"sh", "-c", "echo \"hi\"", "abcdef"}));
  EXPECT_EQ(num(e, "process.args_count"), 4);
  e = decode(
      "type=PATH msg=audit(1.0:3): item=0 name=2F746D702F612062 inode=1 dev=08:01 "
      "mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=CREATE",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "file.path"), "/tmp/a b");
  // Hex-looking values of keys that are never hex-encoded stay as they are.
  e = decode("type=CONFIG_CHANGE msg=audit(1.0:4): audit_backlog_limit=64 old=8192 res=1", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "auditd.data.old"), "8192");
  EXPECT_EQ(str(e, "event.outcome"), "success");
}

TEST(AuditdDecoder, SockaddrAvcLoginTty) {
  bool ok = false;
  Event e = decode("type=SOCKADDR msg=audit(1.0:1): saddr=02000050A9FEA9FE0000000000000000", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "auditd.data.socket.family"), "ipv4");
  EXPECT_EQ(str(e, "auditd.data.socket.addr"), "169.254.169.254");
  EXPECT_EQ(str(e, "auditd.data.socket.port"), "80");
  EXPECT_EQ(e.find("source.ip"), nullptr);
  e = decode(
      "type=SOCKADDR msg=audit(1.0:1): "
      "saddr=0A0000160000000020010DB8000000000000000000000001000000000000",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "auditd.data.socket.addr"), "2001:db8::1");
  EXPECT_EQ(str(e, "auditd.data.socket.port"), "22");
  e = decode("type=SOCKADDR msg=audit(1.0:1): saddr=01002F746D702F73006162", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "auditd.data.socket.path"), "/tmp/s");
  e = decode(
      "type=AVC msg=audit(1170021493.977:293): avc:  denied  { read write } for  pid=13010 "
      "comm=\"pickup\" name=\"maildrop\" tclass=dir",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "auditd.data.seresult"), "denied");
  EXPECT_EQ(str(e, "auditd.data.seperms"), "read,write");
  EXPECT_EQ(str(e, "auditd.data.name"), "maildrop");
  EXPECT_EQ(e.find("file.path"), nullptr);  // PATH records only
  e = decode(
      "type=LOGIN msg=audit(1170021601.343:296): login pid=13015 uid=0 old auid=4294967295 "
      "new auid=0",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "auditd.data.old_auid"), "4294967295");
  EXPECT_EQ(str(e, "auditd.data.new_auid"), "0");
  e = decode("type=TTY msg=audit(1.0:5): tty pid=1 uid=0 data=6C730D", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "auditd.data.data"), "ls\r");
}

TEST(AuditdDecoder, EnrichedFormat) {
  bool ok = false;
  Event e = decode(
      "type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=59 success=yes uid=1000 auid=1000 "
      "comm=\"id\" exe=\"/usr/bin/id\" key=6578656301363462697400\x1d"
      "ARCH=x86_64 "
      "SYSCALL=execve AUID=\"bob\" UID=\"bob\"",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "auditd.data.ARCH"), "x86_64");
  EXPECT_EQ(str(e, "auditd.data.key"), "exec,64bit");
  EXPECT_EQ(list(e, "auditd.keys"), (StringList{"exec", "64bit"}));
  EXPECT_EQ(str(e, "user.name"), "bob");
  EXPECT_EQ(str(e, "user.audit.name"), "bob");
  // The same with the \x1d lost in a copy.
  e = decode(
      "type=PATH msg=audit(1.0:2): item=0 name=\"/bin/su\" cap_frootid=0OUID=\"root\" "
      "OGID=\"root\"",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "auditd.data.cap_frootid"), "0");
  EXPECT_EQ(str(e, "auditd.data.OUID"), "root");
  e = decode(
      "type=USER_AUTH msg=audit(1668381071.000:373474): pid=1 uid=0 auid=4294967295 "
      "msg='op=PAM:authentication acct=\"root\" addr=192.0.2.111 res=failed'UID=\"root\" "
      "AUID=\"unset\"",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str(e, "auditd.data.UID"), "root");
  EXPECT_EQ(e.find("user.audit.name"), nullptr);
  EXPECT_EQ(str(e, "source.ip"), "192.0.2.111");
}

TEST(AuditdDecoder, NotAuditLeavesEventUnchanged) {
  const std::vector<std::string> lines = {
      "",
      "type=UNKNOWN[1329] msg=?",
      "type=SYSCALL msg=audit(abc:1): x=1",
      "type=SYSCALL msg=audit(1.0): x=1",
      "type=SYSCALL msg=audit(1.0:1 x=1",
      "type=SYSCALL msg=audit(99999999999999.0:1): x=1",  // beyond TimeNs
      "type= msg=audit(1.0:1): x=1",
      "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user type=admin from 1.2.3.4",
      "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET /?type=x HTTP/1.0\" 200 1",
      "{\"type\":\"SYSCALL\"}",
      std::string(600, 'x') + " type=SYSCALL msg=audit(1.0:1): x=1",
  };
  for (const std::string& line : lines) {
    Event e;
    e.raw = line;
    e.time_ns = 5;
    const Event before = e;
    EXPECT_FALSE(AuditdDecoder().decode(e)) << line;
    EXPECT_EQ(e, before) << line;
  }
}

TEST(AuditdDecoder, HostileBytesNeverCrash) {
  const std::string base =
      "node=h type=USER_LOGIN msg=audit(1.5:9): pid=1 uid=0 auid=4294967295 msg='op=login "
      "acct=28696E76616C6964207573657229 exe=\"/x\" addr=1.2.3.4 res=failed'\x1dUID=\"root\" "
      "a0=41 a1[0]=42 saddr=0200 proctitle=41004200";
  std::uint32_t seed = 7;
  AuditAssembler assembler;
  std::vector<Event> out;
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
    for (const char* type : {"", "EXECVE", "SOCKADDR", "PATH", "AVC", "LOGIN"}) {
      std::string t = s;
      if (*type != '\0') {
        const std::size_t p = t.find("USER_LOGIN");
        if (p != std::string::npos) t.replace(p, 10, type);
      }
      Event e;
      e.raw = t;
      AuditdDecoder().decode(e);
      assembler.push(std::move(e), out);
    }
    if (out.size() > 1000) out.clear();
  }
  assembler.flush(out);
  // Many keys, many args.
  std::string big = "type=EXECVE msg=audit(1.0:1): argc=100000";
  for (int i = 0; i < 20000; ++i) big += " a" + std::to_string(i) + "=41";
  Event e = decode(big);                        // at most 2048 key=values are kept per record
  EXPECT_EQ(str(e, "auditd.data.a2046"), "A");  // argc=... is the first
  EXPECT_EQ(e.find("auditd.data.a2047"), nullptr);
  EXPECT_EQ(list(e, "process.args")->size(), 2047u);
}

// ---------------------------------------------------------------------------------------------
// Grouping.

TEST(AuditAssembler, GroupsOneEvent) {
  const std::vector<std::string> lines = {
      "type=SYSCALL msg=audit(1696431282.553:8282): arch=c000003e syscall=59 success=yes exit=0 "
      "a0=7ffe4e9f666e a1=7ffe4e9f38f8 items=3 ppid=192010 pid=192019 auid=1000 uid=1000 euid=0 "
      "comm=\"su\" exe=\"/usr/bin/su\" key=\"priv_esc\"",
      "type=EXECVE msg=audit(1696431282.553:8282): argc=2 a0=\"/usr/bin/su\" a1=\"--help\"",
      "type=CWD msg=audit(1696431282.553:8282): cwd=\"/root\"",
      "type=PATH msg=audit(1696431282.553:8282): item=0 name=\"/usr/bin/\" nametype=PARENT",
      "type=PATH msg=audit(1696431282.553:8282): item=1 name=\"/usr/bin/su\" nametype=NORMAL",
      "type=PATH msg=audit(1696431282.553:8282): item=2 name=\"/lib64/ld-linux-x86-64.so.2\" "
      "nametype=NORMAL",
      "type=PROCTITLE msg=audit(1696431282.553:8282): "
      "proctitle=2F7573722F62696E2F7375002D2D68656C70",
      "type=EOE msg=audit(1696431282.553:8282):",
  };
  const std::vector<Event> out = group(lines);
  ASSERT_EQ(out.size(), 1u);
  const Event& e = out[0];
  std::string raw;
  for (const std::string& l : lines) raw += (raw.empty() ? "" : "\n") + l;
  EXPECT_EQ(e.raw, raw);
  EXPECT_EQ(str(e, "auditd.message_type"), "SYSCALL");
  EXPECT_EQ(num(e, "auditd.sequence"), 8282);
  EXPECT_EQ(list(e, "auditd.message_types"),
            (StringList{"SYSCALL", "EXECVE", "CWD", "PATH", "PATH", "PATH", "PROCTITLE"}));
  EXPECT_EQ(num(e, "process.pid"), 192019);
  EXPECT_EQ(num(e, "process.ppid"), 192010);
  EXPECT_EQ(str(e, "process.executable"), "/usr/bin/su");
  EXPECT_EQ(str(e, "process.name"), "su");
  EXPECT_EQ(str(e, "process.title"), "/usr/bin/su --help");
  EXPECT_EQ(str(e, "process.command_line"), "/usr/bin/su --help");
  EXPECT_EQ(str(e, "process.working_directory"), "/root");
  EXPECT_EQ(str(e, "file.path"), "/usr/bin/su");  // the first non-PARENT PATH
  EXPECT_EQ(str(e, "user.id"), "1000");
  EXPECT_EQ(str(e, "user.effective.id"), "0");
  EXPECT_EQ(str(e, "event.outcome"), "success");
  EXPECT_EQ(str(e, "event.action"), "syscall");
  // Colliding keys: prefixed by the record type.
  EXPECT_EQ(str(e, "auditd.data.a0"), "7ffe4e9f666e");
  EXPECT_EQ(str(e, "auditd.execve.a0"), "/usr/bin/su");
  EXPECT_EQ(str(e, "auditd.data.name"), "/usr/bin/");
  EXPECT_EQ(str(e, "auditd.path.name"), "/usr/bin/su");
  EXPECT_EQ(str(e, "auditd.path.2.name"), "/lib64/ld-linux-x86-64.so.2");
  EXPECT_EQ(str(e, "auditd.data.argc"), "2");
  EXPECT_EQ(str(e, "auditd.data.proctitle"), "/usr/bin/su --help");
  for (const Field& f : e.fields) EXPECT_EQ(count_fields(e, f.name), 1u) << f.name;
}

TEST(AuditAssembler, NewSerialEoeFlushAndPassThrough) {
  AuditAssembler a;
  std::vector<Event> out;
  auto push = [&](const std::string& line) {
    Event e;
    e.raw = line;
    AuditdDecoder().decode(e);
    a.push(std::move(e), out);
  };
  push("type=SYSCALL msg=audit(1.0:10): pid=1 success=yes");
  push("type=CWD msg=audit(1.0:10): cwd=\"/\"");
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(a.pending(), 2u);
  push("type=USER_LOGIN msg=audit(1.0:11): pid=2 msg='op=login addr=10.0.0.1 res=failed'");
  ASSERT_EQ(out.size(), 1u);  // serial 10 emitted when 11 arrived
  EXPECT_EQ(num(out[0], "auditd.sequence"), 10);
  push("Dec 10 06:55:46 LabSZ sshd[24200]: not audit");
  ASSERT_EQ(out.size(), 3u);  // 11 flushed, then the non-audit line, order kept
  EXPECT_EQ(num(out[1], "auditd.sequence"), 11);
  EXPECT_EQ(out[2].raw, "Dec 10 06:55:46 LabSZ sshd[24200]: not audit");
  EXPECT_EQ(out[2].find("auditd.message_type"), nullptr);
  push("type=SYSCALL msg=audit(2.0:12): pid=3");
  push("type=EOE msg=audit(2.0:12):");
  ASSERT_EQ(out.size(), 4u);  // EOE emits at once
  EXPECT_EQ(a.pending(), 0u);
  push("type=EOE msg=audit(2.0:13):");  // an EOE alone passes through
  ASSERT_EQ(out.size(), 5u);
  push("type=SYSCALL msg=audit(3.0:14): pid=4");
  push("type=SYSCALL msg=audit(3.5:14): pid=5");  // same serial, other time: another event
  a.flush(out);
  ASSERT_EQ(out.size(), 7u);
  a.flush(out);
  EXPECT_EQ(out.size(), 7u);
}

TEST(AuditAssembler, SockaddrDirection) {
  auto one = [](const std::string& syscall) {
    const std::vector<Event> out = group({
        "type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=" + syscall +
            " success=yes pid=1 comm=\"x\"",
        "type=SOCKADDR msg=audit(1.0:1): saddr=02000050A9FEA9FE0000000000000000",
    });
    EXPECT_EQ(out.size(), 1u);
    return out.empty() ? Event() : out[0];
  };
  Event e = one("42");  // connect
  EXPECT_EQ(str(e, "destination.ip"), "169.254.169.254");
  EXPECT_EQ(num(e, "destination.port"), 80);
  e = one("43");  // accept
  EXPECT_EQ(str(e, "source.ip"), "169.254.169.254");
  EXPECT_EQ(num(e, "source.port"), 80);
  e = one("49");  // bind: no mapping
  EXPECT_EQ(e.find("source.ip"), nullptr);
  EXPECT_EQ(e.find("destination.ip"), nullptr);
}

TEST(AuditAssembler, CapsGroupSize) {
  AuditAssembler a;
  std::vector<Event> out;
  for (std::size_t i = 0; i < AuditAssembler::kMaxRecords + 10; ++i) {
    Event e;
    e.raw = "type=PATH msg=audit(1.0:1): item=" + std::to_string(i) + " name=\"/x\"";
    AuditdDecoder().decode(e);
    a.push(std::move(e), out);
  }
  a.flush(out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(list(out[0], "auditd.message_types")->size(), AuditAssembler::kMaxRecords);
}

// ---------------------------------------------------------------------------------------------
// Golden: go-libaudit auparse (per record).

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_number(const std::string& s) {
  return !s.empty() && std::all_of(s.begin() + (s[0] == '-' ? 1 : 0), s.end(),
                                   [](char c) { return c >= '0' && c <= '9'; });
}

// SELinux context part as go-libaudit splits it (user:role:domain:level:category).
std::optional<std::string> context_part(const std::optional<std::string>& ctx, int part) {
  if (!ctx) return std::nullopt;
  std::size_t start = 0;
  for (int i = 0; i < part; ++i) {
    start = ctx->find(':', start);
    if (start == std::string::npos) return std::nullopt;
    ++start;
  }
  const std::size_t end = part == 4 ? std::string::npos : ctx->find(':', start);
  return ctx->substr(start, end == std::string::npos ? std::string::npos : end - start);
}

struct RecordStats {
  std::size_t records = 0, records_agreeing = 0;
  std::size_t lines = 0, rejected_like_golden = 0;
  std::size_t interpreted = 0;  // golden values that are go-libaudit names/interpretations
  Agreement kv;
};

void compare_record(const std::string& where, const Event& e, const json& g, RecordStats& st) {
  Agreement local;
  local.check(lower(str(e, "auditd.message_type").value_or("")) == g["record_type"],
              where + " type");
  local.check(num(e, "auditd.sequence") == g["sequence"].get<std::int64_t>(), where + " sequence");
  local.check(golden_time(g["@timestamp"]) == e.time_ns, where + " @timestamp");
  const std::string type = g["record_type"];
  for (auto it = g["data"].begin(); it != g["data"].end(); ++it) {
    const std::string k = it.key();
    const std::string v = it.value().get<std::string>();
    const std::string at = where + " " + k + "=" + v;
    const auto ours = str(e, "auditd.data." + k);
    if (k == "result") {
      local.check(str(e, "event.outcome") == (v == "success" ? "success" : "failure"), at);
    } else if (k.rfind("subj_", 0) == 0 || k.rfind("obj_", 0) == 0) {
      // go-libaudit splits the SELinux context; check that our raw context has that part.
      const bool subj = k[0] == 's';
      static const std::map<std::string, int> kPart = {
          {"user", 0}, {"role", 1}, {"domain", 2}, {"level", 3}, {"category", 4}};
      const std::string part = k.substr(subj ? 5 : 4);
      local.check(
          context_part(str(e, subj ? "auditd.data.subj" : "auditd.data.obj"), kPart.at(part)) == v,
          at);
    } else if ((k == "arch" || k == "syscall" || k == "sig" || k == "exit") && !is_number(v)) {
      ++st.interpreted;  // a name from go-libaudit's tables (x86_64, execve, SIGSYS, EACCES)
    } else if (type == "sockaddr" && (k == "family" || k == "addr" || k == "port" || k == "path")) {
      local.check(str(e, "auditd.data.socket." + k) == v, at);
    } else if (v == "unset" && (k == "auid" || k == "ses" || k == "old-auid")) {
      local.check(ours == "4294967295" || ours == "-1", at + " (unset)");
    } else {
      local.check(ours == v, at + " got '" + ours.value_or("<none>") + "'");
    }
  }
  if (g.contains("keys")) {
    local.check(list(e, "auditd.keys") == g["keys"].get<StringList>(), where + " keys");
  }
  ++st.records;
  if (local.agreed == local.compared) ++st.records_agreeing;
  st.kv.compared += local.compared;
  st.kv.agreed += local.agreed;
  for (const std::string& m : local.misses) {
    if (st.kv.misses.size() < Agreement::kMissesKept) st.kv.misses.push_back(m);
  }
}

TEST(AuditdDecoderGolden, GoLibauditAuparse) {
  const fs::path dir = kLibaudit / "auparse";
  if (!fs::exists(dir)) GTEST_SKIP() << "missing " << dir;
  RecordStats st;
  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(dir)) {
    if (f.path().extension() == ".log") files.push_back(f.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& log : files) {
    std::ifstream gin(log.string() + ".golden");
    const json golden = json::parse(gin, nullptr, false);
    ASSERT_TRUE(golden.is_array()) << log;
    std::vector<std::string> lines;
    for (const std::string& l : read_lines(log)) {
      if (!l.empty()) lines.push_back(l);
    }
    ASSERT_EQ(lines.size(), golden.size()) << log;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      ++st.lines;
      bool ok = false;
      const Event e = decode(lines[i], &ok);
      const std::string where = log.filename().string() + ":" + std::to_string(i + 1);
      if (golden[i].is_null()) {
        if (!ok) ++st.rejected_like_golden;
        continue;
      }
      EXPECT_TRUE(ok) << where;
      compare_record(where, e, golden[i], st);
    }
  }
  std::printf(
      "[agreement] auditd / go-libaudit auparse records fully agreeing: %zu/%zu; lines "
      "the golden does not parse, refused too: %zu; go-libaudit name tables not "
      "compared: %zu values\n",
      st.records_agreeing, st.records, st.rejected_like_golden, st.interpreted);
  st.kv.print("auditd / go-libaudit auparse type+sequence+time+key/values");
  EXPECT_GE(st.records, 83u);
  EXPECT_GE(st.kv.percent(), 99.0);
  EXPECT_GE(st.records_agreeing * 100, st.records * 95);
}

// ---------------------------------------------------------------------------------------------
// Golden: go-libaudit aucoalesce (grouping).

// tests:\n  name: |\n    line\n    line\n
std::vector<std::pair<std::string, std::vector<std::string>>> read_yaml_tests(const fs::path& p) {
  std::vector<std::pair<std::string, std::vector<std::string>>> tests;
  for (const std::string& line : read_lines(p)) {
    if (line.rfind("    ", 0) == 0) {
      if (!tests.empty() && line.find_first_not_of(' ') != std::string::npos) {
        tests.back().second.push_back(line.substr(4));
      }
    } else if (line.rfind("  ", 0) == 0 && line.size() > 2 && line[2] != ' ' && line[2] != '#') {
      const std::size_t colon = line.rfind(": ");
      if (colon != std::string::npos)
        tests.emplace_back(line.substr(2, colon - 2), std::vector<std::string>{});
    }
  }
  return tests;
}

TEST(AuditdDecoderGolden, GoLibauditAucoalesceGrouping) {
  const fs::path dir = kLibaudit / "aucoalesce";
  if (!fs::exists(dir)) GTEST_SKIP() << "missing " << dir;
  Agreement agree;
  std::size_t tests_total = 0, single_event = 0;
  for (const auto& f : fs::directory_iterator(dir)) {
    if (f.path().extension() != ".yaml") continue;
    std::string golden_path = f.path().string();
    golden_path.replace(golden_path.size() - 5, 5, ".json.golden");
    std::ifstream gin(golden_path);
    const json golden = json::parse(gin, nullptr, false);
    if (!golden.is_array()) continue;
    std::map<std::string, json> by_name;
    for (const json& t : golden) by_name[t["test_name"].get<std::string>()] = t["event"];
    for (const auto& [name, lines] : read_yaml_tests(f.path())) {
      const auto g = by_name.find(name);
      if (g == by_name.end()) continue;
      ++tests_total;
      const std::vector<Event> out = group(lines);
      const std::string where = f.path().filename().string() + " '" + name + "'";
      agree.check(out.size() == 1, where + " groups: " + std::to_string(out.size()));
      if (out.size() != 1) continue;
      ++single_event;
      const Event& e = out[0];
      const json& x = g->second;
      std::string raw;
      for (const std::string& l : lines) raw += (raw.empty() ? "" : "\n") + l;
      agree.check(e.raw == raw, where + " raw");
      agree.check(num(e, "auditd.sequence") == x["sequence"].get<std::int64_t>(), where + " seq");
      agree.check(golden_time(x["@timestamp"]) == e.time_ns, where + " time");
      agree.check(lower(str(e, "auditd.message_type").value_or("")) == x["record_type"],
                  where + " record_type " + str(e, "auditd.message_type").value_or(""));
      auto check_str = [&](const json& obj, const char* key, const char* ours) {
        if (!obj.is_object() || !obj.contains(key)) return;
        const std::string want = obj[key].get<std::string>();
        const auto got = str(e, ours);
        agree.check(got == want, where + " " + ours + " want '" + want + "' got '" +
                                     got.value_or("<none>") + "'");
      };
      if (x.contains("process")) {
        const json& p = x["process"];
        check_str(p, "pid", "process.pid");
        check_str(p, "ppid", "process.ppid");
        check_str(p, "name", "process.name");
        check_str(p, "exe", "process.executable");
        check_str(p, "title", "process.title");
        check_str(p, "cwd", "process.working_directory");
        if (p.contains("args")) {
          agree.check(list(e, "process.args") == p["args"].get<StringList>(), where + " args");
        }
      }
      if (x.contains("file")) check_str(x["file"], "path", "file.path");
      if (x.contains("source")) {
        check_str(x["source"], "ip", "source.ip");
        check_str(x["source"], "port", "source.port");
      }
      if (x.contains("destination")) {
        check_str(x["destination"], "ip", "destination.ip");
        check_str(x["destination"], "port", "destination.port");
      }
      if (x.contains("user") && x["user"].contains("ids")) {
        const json& ids = x["user"]["ids"];
        check_str(ids, "uid", "user.id");
        check_str(ids, "euid", "user.effective.id");
        check_str(ids, "gid", "user.group.id");
        if (ids.contains("auid")) {
          if (ids["auid"] == "unset") {
            agree.check(e.find("user.audit.id") == nullptr, where + " auid unset");
          } else {
            check_str(ids, "auid", "user.audit.id");
          }
        }
      }
      if (x.contains("result") && x["result"] != "unknown") {
        agree.check(str(e, "event.outcome") == (x["result"] == "success" ? "success" : "failure"),
                    where + " result");
      }
      if (x.contains("tags")) {
        agree.check(list(e, "auditd.keys") == x["tags"].get<StringList>(), where + " tags");
      }
    }
  }
  std::printf("[agreement] auditd / go-libaudit aucoalesce: %zu/%zu events grouped into one\n",
              single_event, tests_total);
  agree.print("auditd / go-libaudit aucoalesce grouped-event fields");
  EXPECT_EQ(tests_total, 48u);
  EXPECT_EQ(single_event, tests_total);
  EXPECT_GE(agree.percent(), 97.0);
}

TEST(AuditdDecoderGolden, GoLibauditStreams) {
  const fs::path dir = kLibaudit / "stream";
  if (!fs::exists(dir)) GTEST_SKIP() << "missing " << dir;
  for (const char* name : {"normal.log", "rollover.log", "out_of_order.log", "lost_messages.log"}) {
    std::vector<std::string> lines;
    for (const std::string& l : read_lines(dir / name)) {
      if (!l.empty()) lines.push_back(l);
    }
    std::set<std::string> serials;
    std::size_t runs = 0;
    std::string last;
    for (const std::string& l : lines) {
      const std::size_t a = l.find("audit(");
      const std::string s = l.substr(a, l.find(')', a) - a);
      serials.insert(s);
      if (s != last) ++runs;
      last = s;
    }
    const std::vector<Event> out = group(lines);
    std::size_t records = 0;
    for (const Event& e : out)
      records += list(e, "auditd.message_types").value_or(StringList{}).size();
    std::printf(
        "[agreement] auditd / go-libaudit stream/%s: %zu records -> %zu events; %zu "
        "audit events (time:serial), %zu contiguous runs\n",
        name, lines.size(), out.size(), serials.size(), runs);
    EXPECT_EQ(records, lines.size()) << name;  // no record lost
    EXPECT_EQ(out.size(), runs) << name;       // one event per contiguous run
    if (std::string(name) == "normal.log" || std::string(name) == "rollover.log") {
      EXPECT_EQ(out.size(), serials.size()) << name;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Golden: CrowdSec, fail2ban, Filebeat.

TEST(AuditdDecoderGolden, CrowdsecAuditdLogs) {
  const fs::path root = fs::path(kData) / "logs/crowdsec-hub-tests/tests";
  if (!fs::exists(root / "auditd-logs")) GTEST_SKIP() << "missing CrowdSec auditd fixtures";
  Agreement agree;
  std::size_t skipped = 0;
  // parser.assert of auditd-logs.
  const std::vector<std::string> lines = read_lines(root / "auditd-logs/auditd-logs.log");
  const std::string head = "results[\"s01-parse\"][\"crowdsecurity/auditd-logs\"][";
  for (const std::string& a : read_lines(root / "auditd-logs/parser.assert")) {
    if (a.rfind(head, 0) != 0) continue;
    const std::size_t close = a.find(']', head.size());
    const std::size_t index = std::stoul(a.substr(head.size(), close - head.size()));
    const std::size_t v1 = a.find(" == \"");
    if (v1 == std::string::npos || index >= lines.size()) continue;
    std::string value = a.substr(v1 + 5, a.size() - v1 - 6);
    const std::size_t k2 = a.rfind("\"]", v1);
    const std::size_t k1 = a.rfind("[\"", k2);
    const std::string key = a.substr(k1 + 2, k2 - k1 - 2);
    const bool unmarshaled = a.find("Unmarshaled[\"auditd\"]") != std::string::npos;
    const Event e = decode(lines[index]);
    const std::string where = "[" + std::to_string(index) + "] " + key + "=" + value;
    std::optional<std::string> got;
    if (unmarshaled && key == "type") {
      got = str(e, "auditd.message_type");
    } else if (unmarshaled && key == "msg") {
      got = "audit(" +
            lines[index].substr(lines[index].find('(') + 1,
                                lines[index].find(')') - lines[index].find('(')) +
            ":";
      agree.check(got == value, where + " (header text)");
      continue;
    } else if (unmarshaled) {
      got = str(e, "auditd.data." + key);
    } else if (key == "auditd_eventid" || key == "event_inc_id") {
      got = str(e, "auditd.sequence");
    } else if (key == "timestamp") {
      const TimeNs t = e.time_ns;
      char buf[64];
      std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(t / 1'000'000'000),
                    static_cast<long long>(t % 1'000'000'000 / 1'000'000));
      got = buf;
    } else if (key == "exe" || key == "tty" || key == "uid" || key == "auid" || key == "ppid") {
      got = str(e, "auditd.data." + key);
    } else {
      ++skipped;  // program, message, msg_type, log_type, datasource_*
      continue;
    }
    agree.check(got == value, where + " got '" + got.value_or("<none>") + "'");
  }
  agree.print("auditd / crowdsec auditd-logs parser.assert (" + std::to_string(skipped) +
              " non-decoder assertions skipped)");
  EXPECT_GE(agree.compared, 100u);
  EXPECT_EQ(agree.agreed, agree.compared);

  // Every line of every auditd fixture decodes; records group per serial.
  Agreement all;
  for (const auto& d : fs::directory_iterator(root)) {
    if (d.path().filename().string().rfind("auditd-", 0) != 0) continue;
    for (const auto& f : fs::directory_iterator(d.path())) {
      if (f.path().extension() != ".log") continue;
      std::vector<std::string> ls;
      std::set<std::string> serials;
      for (const std::string& l : read_lines(f.path())) {
        if (l.empty()) continue;
        ls.push_back(l);
        bool ok = false;
        const Event e = decode(l, &ok);
        all.check(ok, "not decoded: " + l);
        if (str(e, "auditd.message_type") == "SYSCALL") {
          all.check(e.find("process.pid") != nullptr && e.find("process.executable") != nullptr,
                    "process fields: " + l);
        }
        serials.insert(l.substr(l.find("audit("), l.find(')') - l.find("audit(")));
      }
      all.check(group(ls).size() == serials.size(), f.path().filename().string() + " groups");
    }
  }
  all.print("auditd / crowdsec auditd fixtures: lines decoded and grouping");
  EXPECT_EQ(all.agreed, all.compared);
}

TEST(AuditdDecoderGolden, Fail2banSelinuxSshHost) {
  const fs::path file = fs::path(kData) / "logs/fail2ban/selinux-ssh.log";
  if (!fs::exists(file)) GTEST_SKIP() << "missing " << file;
  Agreement agree;
  std::string host;
  for (const std::string& line : read_lines(file)) {
    if (line.rfind("# failJSON:", 0) == 0) {
      const json j = json::parse(line.substr(11), nullptr, false);
      host = j.is_object() && j.contains("host") ? j["host"].get<std::string>() : "";
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    bool ok = false;
    const Event e = decode(line, &ok);
    agree.check(ok, "not decoded: " + line);
    if (!host.empty()) agree.check(str(e, "source.ip") == host, "host " + host + ": " + line);
    agree.check(str(e, "event.outcome") == "failure", "outcome: " + line);
  }
  agree.print("auditd / fail2ban selinux-ssh.log (source.ip == host, outcome)");
  EXPECT_GE(agree.compared, 30u);
  EXPECT_EQ(agree.agreed, agree.compared);
}

TEST(AuditdDecoderGolden, FilebeatAuditdUseradd) {
  const fs::path file = fs::path(kData) / "logs/elastic-beats/auditd-useradd.log";
  if (!fs::exists(file)) GTEST_SKIP() << "missing " << file;
  Agreement agree;
  for (const std::string& line : read_lines(file)) {
    if (line.empty()) continue;
    bool ok = false;
    const Event e = decode(line, &ok);
    agree.check(ok, "not decoded: " + line);
    agree.check(str(e, "source.ip") == "127.0.0.1", "source.ip: " + line);
    agree.check(str(e, "event.outcome") == "success", "outcome: " + line);
    agree.check(str(e, "user.audit.id") == "1000", "auid: " + line);
    const std::size_t acct = line.find("acct=\"");
    if (acct != std::string::npos) {
      const std::string want = line.substr(acct + 6, line.find('"', acct + 6) - acct - 6);
      agree.check(str(e, "user.name") == want, "user.name: " + line);
    }
  }
  agree.print("auditd / elastic-beats auditd-useradd.log (source.ip, outcome, auid, acct)");
  EXPECT_EQ(agree.agreed, agree.compared);
}

}  // namespace
}  // namespace soc::agent
