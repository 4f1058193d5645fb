// Packet rules end to end: the default pack's packet_rules/ are built into the signed pack,
// compiled by compile_pack, published in the ActiveRules snapshot and matched by a PcapSource
// replaying a capture (alerts with sid, msg, classtype and the flow); a pack with a bad packet
// rule fails to build unless --skip-invalid, like Sigma rules.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "agent/active_rules.h"
#include "agent/sources/pcap_source.h"
#include "signatures/pack/compiled_pack.h"
#include "signatures/pack/pack_builder.h"
#include "signatures/pack/signing_key.h"
#include "signatures/packet/rule_parser.h"
#include "tests/temp_dir.h"

namespace soc::agent {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<const pack::CompiledPack> default_pack() {
  auto key = pack::SecretKey::generate();
  EXPECT_TRUE(key);
  auto built = pack::build_pack(std::string(SOC_SOURCE_DIR) + "/signatures/packs/default", *key,
                                pack::BuildOptions{});
  EXPECT_TRUE(built) << (built ? "" : built.error().message);
  if (!built) return nullptr;
  EXPECT_EQ(built->packet_rules_compiled, 6u);
  auto verified = pack::read_pack(built->bytes, {key->public_key()});
  EXPECT_TRUE(verified);
  auto compiled = pack::compile_pack(*verified);
  EXPECT_TRUE(compiled) << (compiled ? "" : compiled.error().message);
  return compiled ? *compiled : nullptr;
}

// Replays `file` with the pack's rules; alerts by rule.id.
std::map<std::string, int> replay(const std::string& file, const pack::CompiledPack& pack,
                                  std::vector<Event>* alerts = nullptr) {
  ActiveRules rules;
  auto snapshot = std::make_shared<RuleSnapshot>();
  snapshot->rules = pack.rules;
  snapshot->packet_rules = pack.packet_rules;
  snapshot->pack_name = pack.manifest.name;
  snapshot->pack_version = pack.manifest.version.to_string();
  rules.set(snapshot);
  PcapSourceConfig pc;
  pc.capture.file = file;
  pc.processor.flows.source = file;
  auto source = PcapSource::open(pc, &rules);
  EXPECT_TRUE(source) << (source ? "" : source.error().message);
  std::map<std::string, int> out;
  if (!source) return out;
  std::vector<Event> events;
  for (int i = 0; i < 100000 && !(*source)->finished(); ++i) (*source)->poll(events, 1000);
  (*source)->flush(events);
  for (Event& e : events) {
    if (e.kind != EventKind::kAlert) continue;
    ++out[std::get<std::string>(*e.find("rule.id"))];
    if (alerts != nullptr) alerts->push_back(e);
  }
  std::uint64_t total = 0;
  for (const auto& [sid, n] : out) total += static_cast<std::uint64_t>(n);
  EXPECT_EQ((*source)->counters().at("packet_alerts"), total);
  return out;
}

const std::string kPcaps = std::string(SOC_SHARED_DATA) + "/pcaps/chrissanders-packets/";
const std::string kZeekTraces = std::string(SOC_SHARED_DATA) + "/pcaps/zeek-traces/";

TEST(PacketRulesPcap, DefaultPackAlertsOnSqlInjectionCapture) {
  auto pack = default_pack();
  ASSERT_NE(pack, nullptr);
  ASSERT_NE(pack->packet_rules, nullptr);
  EXPECT_EQ(pack->packet_rules->rules().size(), 6u);
  std::vector<Event> alerts;
  const auto by_sid = replay(kPcaps + "http_dvwa_sqlinjection.pcapng", *pack, &alerts);
  EXPECT_GE(by_sid.count("9900001") ? by_sid.at("9900001") : 0, 2);  // two UNION SELECT requests
  EXPECT_GE(by_sid.count("9900002") ? by_sid.at("9900002") : 0, 1);  // ' or '0'='0
  EXPECT_EQ(by_sid.count("9900003"), 0u);
  EXPECT_EQ(by_sid.count("9900005"), 0u);
  ASSERT_FALSE(alerts.empty());
  const Event& a = alerts.front();
  EXPECT_EQ(std::get<std::string>(*a.find("pack.name")), "default");
  EXPECT_EQ(std::get<std::string>(*a.find("rule.category")), "web-application-attack");
  EXPECT_EQ(std::get<std::string>(*a.find("network.transport")), "tcp");
  EXPECT_NE(a.find("source.ip"), nullptr);
  EXPECT_NE(a.find("destination.port"), nullptr);
  EXPECT_EQ(std::get<std::string>(*a.find("network.community_id")).rfind("1:", 0), 0u);
}

TEST(PacketRulesPcap, PayloadRuleOnDirectoryTraversal) {
  auto pack = default_pack();
  ASSERT_NE(pack, nullptr);
  const auto by_sid = replay(kPcaps + "http_dvwa_directorytraversal.pcapng", *pack);
  EXPECT_GE(by_sid.count("9900004") ? by_sid.at("9900004") : 0, 1);
  EXPECT_EQ(by_sid.count("9900001"), 0u);
}

// Every event a PcapSource emits replaying `file` with packet rules `rules_text` (all must load).
std::vector<Event> replay_with_rules(const std::string& file, const std::string& rules_text) {
  auto parsed = packet::parse_packet_rules(rules_text, "test.rules", packet::Variables::defaults());
  EXPECT_TRUE(parsed.issues.empty()) << parsed.issues.front().reason;
  std::vector<packet::CompileIssue> issues;
  auto set = packet::PacketRuleSet::compile(std::move(parsed.rules), issues);
  EXPECT_TRUE(set && issues.empty());
  if (!set) return {};
  ActiveRules rules;
  auto snapshot = std::make_shared<RuleSnapshot>();
  snapshot->packet_rules = *set;
  rules.set(snapshot);
  PcapSourceConfig pc;
  pc.capture.file = file;
  auto source = PcapSource::open(pc, &rules);
  EXPECT_TRUE(source);
  if (!source) return {};
  std::vector<Event> events;
  for (int i = 0; i < 100000 && !(*source)->finished(); ++i) (*source)->poll(events, 1000);
  (*source)->flush(events);
  return events;
}

// A rule mixing payload content with http buffers matches the request head on the HTTP summary,
// credentials included; the summary that leaves the source has them redacted.
TEST(PacketRulesPcap, RulesSeeTheCookieThatTheSummaryDoesNotShip) {
  const auto events = replay_with_rules(
      std::string(SOC_SHARED_DATA) +
          "/suricata-verify/tests/uricontent/detect-uricontent-03/input.pcap",
      "alert tcp any any -> any any (msg:\"cookie\"; content:\"Cookie|3a 20|hellocatch\"; "
      "http.uri; content:\"/three/\"; sid:77;)\n"
      "alert http any any -> any any (msg:\"cookie buffer\"; http.cookie; "
      "content:\"hellocatch\"; startswith; sid:78;)\n"
      "alert http any any -> any any (msg:\"header buffer\"; http.header; "
      "content:\"User-Agent|3a 20|Mozilla/1.0|0d 0a|\"; content:!\"Cookie\"; sid:79;)\n");
  int alerts = 0, http = 0;
  for (const Event& e : events) {
    if (e.kind == EventKind::kAlert) ++alerts;
    if (e.kind != EventKind::kHttp) continue;
    ++http;
    EXPECT_EQ(e.raw,
              "POST /one/two/three/six HTTP/1.0\r\nUser-Agent: Mozilla/1.0\r\nCookie: "
              "<redacted>\r\n");
  }
  EXPECT_EQ(alerts, 3);  // one per rule: the head, the cookie and the header buffers
  EXPECT_EQ(http, 1);
}

// Response rules on a real capture: one alert per HTTP summary whose response has the status
// (as the summary itself reports it), from the server to the client; the response head never
// leaves the source.
TEST(PacketRulesPcap, ResponseRulesAlertFromTheServer) {
  const auto events = replay_with_rules(
      std::string(SOC_SHARED_DATA) +
          "/zeek-baselines/wikipedia-conn-dns-http/traces/wikipedia.pcap",
      "alert http any any -> any any (msg:\"not modified\"; http.stat_code; content:\"304\"; "
      "bsize:3; sid:90;)\n"
      "alert http any any -> any any (msg:\"varnish\"; flow:established,to_client; http.header; "
      "content:\"Via|3a 20|1.1 varnish|0d 0a|\"; sid:91;)\n");
  std::set<std::string> servers;  // of the responses with status 304
  int ok = 0, ok_alerts = 0;
  for (const Event& e : events) {
    EXPECT_EQ(e.find("http.response.head"), nullptr);
    if (e.kind == EventKind::kHttp) {
      const FieldValue* status = e.find("http.response.status_code");
      if (status == nullptr || std::get<std::int64_t>(*status) != 304) continue;
      ++ok;
      servers.insert(std::get<IpAddress>(*e.find("destination.ip")).to_string());
    } else if (e.kind == EventKind::kAlert && std::get<std::string>(*e.find("rule.id")) == "90") {
      ++ok_alerts;
      EXPECT_TRUE(servers.contains(std::get<IpAddress>(*e.find("source.ip")).to_string()));
    }
  }
  EXPECT_GT(ok, 0);
  EXPECT_EQ(ok_alerts, ok);
  int server_alerts = 0;
  for (const Event& e : events) {
    server_alerts +=
        e.kind == EventKind::kAlert && std::get<std::string>(*e.find("rule.id")) == "91";
  }
  EXPECT_GT(server_alerts, 0);
}

// file_data sees response bodies inflated: DVWA's answers go out gzip-encoded, so their text is
// never in a packet, but is in the decoded body.
TEST(PacketRulesPcap, FileDataSeesInflatedBodies) {
  const auto events = replay_with_rules(
      kPcaps + "http_dvwa_sqlinjection.pcapng",
      "alert http any any -> any any (msg:\"page\"; flow:established,to_client; file_data; "
      "content:\"<!DOCTYPE html\"; nocase; content:\"<head>\"; distance:0; sid:92;)\n"
      "alert tcp any any -> any any (msg:\"raw\"; content:\"<!DOCTYPE html\"; nocase; sid:93;)\n"
      "alert http any any -> any any (msg:\"sql error\"; file_data; content:\"error in your SQL "
      "syntax\"; sid:94;)\n");
  std::set<std::string> servers;
  for (const Event& e : events) {
    if (e.kind == EventKind::kHttp) {
      servers.insert(std::get<IpAddress>(*e.find("destination.ip")).to_string());
      EXPECT_EQ(e.find("http.response.body.content"), nullptr);
    }
  }
  int pages = 0, raw = 0, sql_errors = 0;
  for (const Event& e : events) {
    if (e.kind != EventKind::kAlert) continue;
    const std::string sid = std::get<std::string>(*e.find("rule.id"));
    pages += sid == "92";
    raw += sid == "93";
    sql_errors += sid == "94";
    if (sid == "92") {
      EXPECT_TRUE(servers.contains(std::get<IpAddress>(*e.find("source.ip")).to_string()));
    }
  }
  EXPECT_EQ(pages, 2);       // the two full pages; the third answer is an error fragment
  EXPECT_EQ(sql_errors, 1);  // that fragment: MySQL's syntax error, as the injection caused
  EXPECT_EQ(raw, 0);
}

// TLS rules on a real handshake (Chrome 34 to google.de, TLS 1.2): ja3.hash on the client's
// side; ja3s.hash and tls.certs on the server's, from the server. tls.certs inspects each
// certificate on its own: the leaf (*.google.de, issued by Google Internet Authority G2) and the
// intermediate (G2, issued by GeoTrust Global CA) each match one of sid 31's contents, never
// both. The certificates never leave the source.
TEST(PacketRulesPcap, TlsRulesSeeFingerprintsAndCertificates) {
  const auto events = replay_with_rules(
      kZeekTraces + "tls_chrome-34-google.pcap",
      "alert tls any any -> any any (msg:\"ja3\"; ja3.hash; "
      "content:\"a607f3a5c94c2ee592af1456f36c8367\"; sid:28;)\n"
      "alert tls any any -> any any (msg:\"ja3s\"; ja3s.hash; "
      "content:\"9f5e2e0d84076af5475bbe44debdb03e\"; ja3_hash; content:\"a607f3a5\"; "
      "startswith; sid:29;)\n"
      "alert tls any any -> any any (msg:\"cert\"; flow:established,to_client; tls.certs; "
      "content:\"|06 03 55 04 03|\"; content:\"*.google.de\"; distance:0; sid:30;)\n"
      "alert tls any any -> any any (msg:\"one cert\"; tls.certs; content:\"GeoTrust Global "
      "CA\"; content:\"*.google.de\"; sid:31;)\n"
      "alert tls any any -> any any (msg:\"subject\"; tls.cert_subject; content:\"C=US, "
      "ST=California, L=Mountain View, O=Google Inc, CN=*.google.de\"; bsize:66; sid:32;)\n"
      "alert tls any any -> any any (msg:\"issuer\"; tls_cert_issuer; content:\"C=US, O=Google "
      "Inc, CN=Google Internet Authority G2\"; bsize:51; sid:33;)\n"
      "alert tls any any -> any any (msg:\"serial\"; tls.cert_serial; "
      "pcre:\"/^[0-9A-F]{2}(:[0-9A-F]{2}){7,19}$/\"; sid:34;)\n"
      "alert tls any any -> any any (msg:\"not the subject\"; tls.cert_subject; "
      "content:\"GeoTrust\"; sid:35;)\n");
  std::map<std::string, std::string> alert_sources;  // rule.id -> source.ip
  int tls = 0;
  for (const Event& e : events) {
    if (e.kind == EventKind::kTls) {
      ++tls;
      EXPECT_EQ(e.find("tls.server.certificates.der"), nullptr);
    }
    if (e.kind != EventKind::kAlert) continue;
    const std::string sid = std::get<std::string>(*e.find("rule.id"));
    EXPECT_FALSE(alert_sources.contains(sid)) << sid;
    alert_sources[sid] = std::get<IpAddress>(*e.find("source.ip")).to_string();
  }
  EXPECT_EQ(tls, 1);
  EXPECT_EQ(alert_sources, (std::map<std::string, std::string>{{"28", "192.168.4.149"},
                                                               {"29", "74.125.239.152"},
                                                               {"30", "74.125.239.152"},
                                                               {"32", "74.125.239.152"},
                                                               {"33", "74.125.239.152"},
                                                               {"34", "74.125.239.152"}}));
}

// Flowbits between packets and summaries, in the order they happened: a request packet's bit
// is seen by the summary's response rule (sid 41), and a summary's bit by the packets after it:
// each GET of a keep-alive connection but its first follows a finished transaction (sid 42).
// A bit nobody sets holds nothing back (sid 45 never alerts), and noalert rules never alert.
TEST(PacketRulesPcap, FlowbitsLinkPacketsAndSummaries) {
  const auto events = replay_with_rules(
      std::string(SOC_SHARED_DATA) +
          "/zeek-baselines/wikipedia-conn-dns-http/traces/wikipedia.pcap",
      "alert tcp any any -> any any (msg:\"get packet\"; flow:to_server; content:\"GET \"; "
      "depth:4; flowbits:set,get; noalert; sid:40;)\n"
      "alert http any any -> any any (msg:\"answer after get\"; http.stat_code; bsize:3; "
      "flowbits:isset,get; sid:41;)\n"
      "alert tcp any any -> any any (msg:\"get after a transaction\"; flow:to_server; "
      "content:\"GET \"; depth:4; flowbits:isset,req; sid:42;)\n"
      "alert http any any -> any any (msg:\"request\"; flow:to_server; http.method; "
      "content:\"GET\"; flowbits:set,req; noalert; sid:43;)\n"
      "alert tcp any any -> any any (msg:\"never\"; content:\"HTTP/1.1 200\"; depth:12; "
      "flowbits:isset,never; sid:45;)\n");
  std::map<std::string, int> alerts;
  int answered_after_get = 0;
  std::map<std::string, int> gets;  // by client ip:port
  for (const Event& e : events) {
    if (e.kind == EventKind::kAlert) ++alerts[std::get<std::string>(*e.find("rule.id"))];
    if (e.kind != EventKind::kHttp) continue;
    const FieldValue* ip = e.find("source.ip");
    const FieldValue* port = e.find("source.port");
    const FieldValue* method = e.find("http.request.method");
    ASSERT_TRUE(ip != nullptr && port != nullptr && method != nullptr);
    const std::string client =
        std::get<IpAddress>(*ip).to_string() + ":" + std::to_string(std::get<std::int64_t>(*port));
    if (std::get<std::string>(*method) == "GET") ++gets[client];
    const FieldValue* status = e.find("http.response.status_code");
    if (status != nullptr && gets.contains(client)) {
      ++answered_after_get;
    }
  }
  EXPECT_GT(answered_after_get, 0);
  EXPECT_EQ(alerts["41"], answered_after_get);
  int later_gets = 0;
  for (const auto& [client, n] : gets) later_gets += n - 1;
  EXPECT_GT(later_gets, 0);
  EXPECT_EQ(alerts["42"], later_gets);
  EXPECT_EQ(alerts.count("40") + alerts.count("43") + alerts.count("45"), 0u);
}

TEST(PacketRulesPcap, NoRulesNoAlerts) {
  PcapSourceConfig pc;
  pc.capture.file = kPcaps + "http_dvwa_sqlinjection.pcapng";
  ActiveRules empty;
  auto source = PcapSource::open(pc, &empty);
  ASSERT_TRUE(source);
  std::vector<Event> events;
  for (int i = 0; i < 100000 && !(*source)->finished(); ++i) (*source)->poll(events, 1000);
  for (const Event& e : events) EXPECT_NE(e.kind, EventKind::kAlert);
  EXPECT_FALSE(events.empty());
}

TEST(PacketRulesPcap, BadPacketRuleFailsTheBuildUnlessSkipped) {
  const soc::testing::TempDir temp{"soc-packet-pack"};
  const fs::path dir = temp.path();
  std::ofstream(dir / "pack.yaml") << "name: t\nversion: 1\n";
  fs::create_directories(dir / "packet_rules");
  std::ofstream(dir / "packet_rules" / "a.rules")
      << "alert tcp any any -> any any (msg:\"good\"; content:\"x\"; sid:1;)\n"
         "alert tcp any any -> any any (msg:\"bad\"; xbits:set,x,track ip_src; sid:2;)\n";
  auto key = pack::SecretKey::generate();
  ASSERT_TRUE(key);
  auto failed = pack::build_pack(dir.string(), *key, {});
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("packet_rules/a.rules:2: [2] bad: unsupported keyword "
                                        "xbits"),
            std::string::npos)
      << failed.error().message;
  pack::BuildOptions skip;
  skip.skip_invalid = true;
  auto built = pack::build_pack(dir.string(), *key, skip);
  ASSERT_TRUE(built) << built.error().message;
  EXPECT_EQ(built->packet_rules_compiled, 1u);
  ASSERT_EQ(built->skipped.size(), 1u);
  auto verified = pack::read_pack(built->bytes, {key->public_key()});
  ASSERT_TRUE(verified);
  auto compiled = pack::compile_pack(*verified);
  ASSERT_TRUE(compiled) << compiled.error().message;  // the skipped rule is expected to fail
  EXPECT_EQ((*compiled)->packet_rules->rules().size(), 1u);
  EXPECT_EQ((*compiled)->issues.size(), 1u);
}

}  // namespace
}  // namespace soc::agent
