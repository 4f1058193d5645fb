// suricata-verify: every test folder of ../shared/data/suricata-verify/tests (a folder with a
// test.yaml) runs its rules on its pcap through the real pipeline (PcapSource: decoder, flow
// table, protocol analyzers, PacketMatcher) and its alert checks are compared: a check
// `filter: {count: N, match: {event_type: alert[, alert.signature_id: S]}}` holds when we
// raise N alerts (of sid S). Other keys of a match (addresses, app_proto, pcap_cnt ...) are
// not compared, nor are non-alert checks. A folder agrees when all its alert checks hold.
// Skipped, with the reason printed: no pcap, no rules, a rule that does not load (the reason per
// rule), no alert check. The test prints the tally and fails below kMinAgree.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <iostream>
#include <map>

#include "agent/active_rules.h"
#include "agent/sources/pcap_source.h"
#include "signatures/packet/rule_loader.h"

namespace soc::agent {
namespace {

namespace fs = std::filesystem;

// What we reach (see the printed report); raise it when more folders agree.
constexpr int kMinAgree = 20;

struct AlertCheck {
  std::int64_t count = 0;
  std::optional<std::uint32_t> sid;
};

// The alert checks of a test.yaml; nullopt when a check cannot be read as one.
std::vector<AlertCheck> alert_checks(const YAML::Node& doc, std::string& unreadable) {
  std::vector<AlertCheck> out;
  const YAML::Node checks = doc["checks"];
  if (!checks || !checks.IsSequence()) return out;
  for (const YAML::Node& check : checks) {
    const YAML::Node filter = check["filter"];
    if (!filter) continue;
    const YAML::Node match = filter["match"];
    if (!match || !match["event_type"] || match["event_type"].as<std::string>() != "alert") {
      continue;
    }
    if (!filter["count"]) {
      unreadable = "an alert check without count (lt/gt)";
      continue;
    }
    AlertCheck c;
    c.count = filter["count"].as<std::int64_t>();
    if (match["alert.signature_id"]) {
      c.sid = match["alert.signature_id"].as<std::uint32_t>();
    } else if (match["alert"] && match["alert"]["signature_id"]) {
      c.sid = match["alert"]["signature_id"].as<std::uint32_t>();
    }
    out.push_back(c);
  }
  return out;
}

std::string find_pcap(const fs::path& dir, const YAML::Node& doc) {
  if (doc["pcap"]) {
    if (!doc["pcap"].IsScalar()) return "";
    const fs::path p = dir / doc["pcap"].as<std::string>();
    return fs::exists(p) ? p.string() : "";
  }
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator(dir)) {
    const auto ext = e.path().extension();
    if (ext == ".pcap" || ext == ".pcapng") found.push_back(e.path().string());
  }
  std::sort(found.begin(), found.end());
  return found.empty() ? "" : found.front();
}

TEST(SuricataVerify, AlertCountsAgree) {
  const fs::path root = fs::path(SOC_SHARED_DATA) / "suricata-verify" / "tests";
  if (!fs::exists(root)) GTEST_SKIP() << root << " not present";
  std::vector<fs::path> folders;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file() && e.path().filename() == "test.yaml") {
      folders.push_back(e.path().parent_path());
    }
  }
  std::sort(folders.begin(), folders.end());
  int agree = 0, disagree = 0, skipped = 0;
  std::map<std::string, int> skip_reasons;
  for (const fs::path& dir : folders) {
    const std::string name = fs::relative(dir, root).string();
    YAML::Node doc;
    try {
      doc = YAML::LoadFile((dir / "test.yaml").string());
    } catch (const std::exception& e) {
      std::cout << "  " << name << ": skipped: test.yaml: " << e.what() << "\n";
      ++skipped;
      ++skip_reasons["test.yaml does not parse"];
      continue;
    }
    auto skip = [&](const std::string& reason, const std::string& detail) {
      std::cout << "  " << name << ": skipped: " << reason << detail << "\n";
      ++skipped;
      ++skip_reasons[reason];
    };
    const std::string pcap = find_pcap(dir, doc);
    if (pcap.empty()) {
      skip("no pcap", "");
      continue;
    }
    std::vector<std::string> rule_files;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() == ".rules") rule_files.push_back(e.path().string());
    }
    if (rule_files.empty()) {
      skip("no rules file", "");
      continue;
    }
    auto loaded = packet::load_packet_rules(rule_files, packet::Variables::defaults());
    ASSERT_TRUE(loaded) << name << ": " << loaded.error().message;
    if (!loaded->issues.empty()) {
      std::string detail;
      for (const auto& i : loaded->issues) detail += " [sid " + i.rule_id + ": " + i.reason + "]";
      skip("a rule does not load", detail);
      continue;
    }
    std::string unreadable;
    const std::vector<AlertCheck> checks = alert_checks(doc, unreadable);
    if (!unreadable.empty()) {
      skip(unreadable, "");
      continue;
    }
    if (checks.empty()) {
      skip("no alert check", "");
      continue;
    }
    ActiveRules rules;
    auto snapshot = std::make_shared<RuleSnapshot>();
    snapshot->packet_rules = loaded->set;
    rules.set(snapshot);
    PcapSourceConfig pc;
    pc.capture.file = pcap;
    auto source = PcapSource::open(pc, &rules);
    if (!source) {
      skip("pcap does not open", ": " + source.error().message);
      continue;
    }
    std::vector<Event> all;
    for (int i = 0; i < 1000000 && !(*source)->finished(); ++i) (*source)->poll(all, 100000);
    std::map<std::uint32_t, std::int64_t> by_sid;
    std::int64_t total = 0;
    for (const Event& e : all) {
      if (e.kind != EventKind::kAlert) continue;
      ++total;
      ++by_sid[static_cast<std::uint32_t>(std::stoul(std::get<std::string>(*e.find("rule.id"))))];
    }
    std::string diff;
    for (const AlertCheck& c : checks) {
      const std::int64_t got = c.sid ? by_sid[*c.sid] : total;
      if (got != c.count) {
        diff += " [" + (c.sid ? "sid " + std::to_string(*c.sid) : std::string("all alerts")) +
                ": expected " + std::to_string(c.count) + ", got " + std::to_string(got) + "]";
      }
    }
    if (diff.empty()) {
      ++agree;
      std::cout << "  " << name << ": agrees (" << checks.size() << " alert checks)\n";
    } else {
      ++disagree;
      std::cout << "  " << name << ": disagrees:" << diff << "\n";
    }
  }
  std::cout << "suricata-verify: " << folders.size() << " folders: " << agree << " agree, "
            << disagree << " disagree, " << skipped << " skipped\n";
  for (const auto& [reason, n] : skip_reasons)
    std::cout << "  skipped " << n << ": " << reason << "\n";
  EXPECT_GE(agree, kMinAgree);
}

}  // namespace
}  // namespace soc::agent
