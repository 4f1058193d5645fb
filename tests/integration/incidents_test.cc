// Incidents through the real programs on loopback: the default pack is built, signed and
// published; an agent tails the SSH brute-force fixtures of the CrowdSec hub tests and the
// collector correlates its alerts into one brute-force incident per attacking address, not one
// per line; an analyst acknowledges and closes one with socctl.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"

namespace soc::testing {
namespace {

namespace fs = std::filesystem;

const std::string kFixtures = std::string(SOC_SHARED_DATA) + "/logs/crowdsec-hub-tests/tests/";
constexpr const char* kBruteForce = "SSH Brute Force From One Address";
constexpr const char* kWebScanning = "Web Scanning From One Address";
const std::vector<std::string> kSshFixtures = {"ssh-bf", "ssh-slow-bf", "sshd-invalid-bf"};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text;
}

class IncidentsTest : public ::testing::Test {
 protected:
  void SetUp() override { d_.start_collector_with_default_pack(); }

  // Starts agent "bastion" tailing one (empty) log file per name, all read as `format`, and
  // waits until it runs the published pack (lines are matched by the pack the agent runs).
  void start_agent(const std::vector<std::string>& names, const std::string& format) {
    std::vector<std::string> logs;
    for (const std::string& name : names) {
      logs.push_back(log_of(name));
      std::ofstream(logs.back()).close();
    }
    const std::string keys = d_.dir() + "/pack-keys";
    d_.add_agent("bastion", logs, true,
                 "packs:\n  trusted_keys: [" + keys + "/pack_signing.pub]\n");
    d_.start_agent("bastion", {"--set", "sources.0.format=" + format});
    ASSERT_TRUE(wait_until(
        [&] {
          return socctl_ok({"--config", d_.collector_config(), "agent", "list", "--json"})
                     .find("\"pack_version\":\"1.1.0\"") != std::string::npos;
        },
        std::chrono::seconds(30)));
  }

  // Appends `text` to the log of `name`; returns its number of lines.
  std::size_t append(const std::string& name, const std::string& text) {
    std::ofstream(log_of(name), std::ios::app) << text;
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  }

  // Waits until `lines` events are stored and `title` has at least `count` incidents.
  void wait_for(std::size_t lines, const std::string& title, std::size_t count) {
    ASSERT_TRUE(
        wait_until([&] { return d_.stored_count("bastion") >= lines; }, std::chrono::seconds(60)));
    // Incidents are filed right after the batch that completes them is stored.
    ASSERT_TRUE(
        wait_until([&] { return incidents()[title].size() >= count; }, std::chrono::seconds(30)))
        << socctl_ok({"--config", d_.collector_config(), "incidents"});
  }

  // The incidents as socctl --json prints them, by title, then by group key.
  std::map<std::string, std::map<std::string, nlohmann::json>> incidents() {
    std::map<std::string, std::map<std::string, nlohmann::json>> out;
    std::istringstream in(socctl_ok({"--config", d_.collector_config(), "incidents", "--json"}));
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded()) out[j["title"]][j["group_key"]] = j;
    }
    return out;
  }

  std::string log_of(const std::string& fixture) const { return d_.dir() + "/" + fixture + ".log"; }

  Deployment d_;
};

TEST_F(IncidentsTest, SshBruteForceFixturesMakeOneIncidentPerAttackingAddress) {
  // Each fixture is one attacker (its scenario.assert expects one overflow per source address).
  const std::map<std::string, std::string> fixtures = {
      {"ssh-bf", "35.188.49.176"},
      {"ssh-slow-bf", "103.100.210.198"},
      {"sshd-invalid-bf", "179.43.183.98"},
  };
  ASSERT_NO_FATAL_FAILURE(start_agent(kSshFixtures, "syslog"));
  std::size_t lines = 0;
  for (const auto& [fixture, ip] : fixtures) {
    lines += append(fixture, read_file(kFixtures + fixture + "/" + fixture + ".log"));
  }
  ASSERT_NO_FATAL_FAILURE(wait_for(lines, kBruteForce, fixtures.size()));
  const auto all = incidents();
  const auto& brute = all.at(kBruteForce);
  EXPECT_EQ(brute.size(), fixtures.size()) << "one incident per attacking address";
  for (const auto& [fixture, ip] : fixtures) {
    ASSERT_TRUE(brute.contains("source.ip=" + ip)) << fixture;
    const nlohmann::json& i = brute.at("source.ip=" + ip);
    EXPECT_EQ(i["state"], "open");
    EXPECT_EQ(i["level"], "high");
    EXPECT_EQ(i["agencies"], nlohmann::json::array({"test-agency"}));
    EXPECT_GE(i["hits"].get<int>(), 1);
    EXPECT_LT(i["hits"].get<std::size_t>(), lines) << "hits count windows, not lines";
  }

  // An analyst acknowledges then closes one; the history keeps who and why.
  const std::string id = std::to_string(brute.at("source.ip=35.188.49.176")["id"].get<int>());
  socctl_ok({"--config", d_.collector_config(), "incident", "ack", id, "--as", "alice", "--note",
             "on it"});
  socctl_ok({"--config", d_.collector_config(), "incident", "close", id, "--as", "bob", "--note",
             "blocked"});
  const CommandResult again = run_command(
      {SOCCTL_BIN, "--config", d_.collector_config(), "incident", "close", id, "--as", "bob"});
  EXPECT_EQ(again.exit_code, 1) << again.output;
  auto shown = nlohmann::json::parse(
      socctl_ok({"--config", d_.collector_config(), "incident", "show", id, "--json"}));
  EXPECT_EQ(shown["state"], "closed");
  EXPECT_EQ(shown["state_by"], "bob");
  ASSERT_EQ(shown["changes"].size(), 3u);
  EXPECT_EQ(shown["changes"][1]["actor"], "alice");
  EXPECT_GE(shown["evidence"].size(), 5u);
  for (const auto& e : shown["evidence"]) {
    EXPECT_NE(e["message"].get<std::string>().find("35.188.49.176"), std::string::npos);
  }
  const CommandResult missing =
      run_command({SOCCTL_BIN, "--config", d_.collector_config(), "incident", "show", "99999"});
  EXPECT_EQ(missing.exit_code, 3);
}

// Seconds since the start of the year of a syslog "Mmm dd hh:mm:ss" prefix (windows only need
// differences; the sample spans days of one month).
std::int64_t syslog_seconds(const std::string& line) {
  static const std::string kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  const auto month = static_cast<std::int64_t>(kMonths.find(line.substr(0, 3)) / 3);
  return ((month * 31 + std::stoll(line.substr(4, 2))) * 24 + std::stoll(line.substr(7, 2))) *
             3600 +
         std::stoll(line.substr(10, 2)) * 60 + std::stoll(line.substr(13, 2));
}

TEST_F(IncidentsTest, LoghubOpenSshSampleMakesOneBruteForceIncidentPerAttacker) {
  ASSERT_NO_FATAL_FAILURE(start_agent({"openssh"}, "syslog"));
  const std::string text = read_file(shared_data("logs/loghub/OpenSSH/OpenSSH_2k.log"));
  const std::size_t lines = append("openssh", text);

  // The expectation, worked out from the text alone (no decoder, no correlator): an attacker
  // has 5 or more failed passwords or invalid-user attempts within 5 minutes.
  const std::regex failure(R"((?:Failed password for (?:invalid user )?\S+|Invalid user .*?) from )"
                           R"((\d+\.\d+\.\d+\.\d+))");
  std::map<std::string, std::vector<std::int64_t>> failures;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, failure)) failures[m[1]].push_back(syslog_seconds(line));
  }
  std::set<std::string> attackers;
  for (const auto& [ip, times] : failures) {
    for (std::size_t first = 0, last = 0; last < times.size(); ++last) {
      while (times[last] - times[first] > 300) ++first;
      if (last - first + 1 >= 5) attackers.insert(ip);
    }
  }
  ASSERT_GE(attackers.size(), 10u) << "the sample has changed";

  ASSERT_NO_FATAL_FAILURE(wait_for(lines, kBruteForce, attackers.size()));
  ASSERT_TRUE(wait_until(
      [&] {
        const auto brute = incidents()[kBruteForce];
        return std::all_of(attackers.begin(), attackers.end(), [&](const std::string& ip) {
          return brute.contains("source.ip=" + ip);
        });
      },
      std::chrono::seconds(30)));
  const auto brute = incidents()[kBruteForce];
  std::set<std::string> filed;
  for (const auto& [key, incident] : brute) {
    const std::string ip = key.substr(key.find('=') + 1);
    filed.insert(ip);
    EXPECT_LE(incident["hits"].get<std::size_t>(), failures[ip].size())
        << key << ": hits count windows, not lines";
  }
  // On this sample the drop-outs the rule also counts add no address: exactly the attackers.
  EXPECT_EQ(filed, attackers);
  std::printf("%zu attackers by the text, %zu brute-force incidents\n", attackers.size(),
              brute.size());
}

TEST_F(IncidentsTest, WebProbingFixturesMakeOneWebScanningIncidentPerScanner) {
  // apache-http-probing and apache2-http-sensitive-files: one scanner (172.17.0.1) asks for 65
  // and 12 distinct missing paths, a day apart. http-wordpress-scan: two clients ask for 4
  // each, under the rule's 10 distinct paths in 5 minutes.
  const std::vector<std::string> fixtures = {"apache-http-probing", "apache2-http-sensitive-files",
                                             "http-wordpress-scan"};
  ASSERT_NO_FATAL_FAILURE(start_agent(fixtures, "web_access"));
  std::size_t lines = 0;
  for (const std::string& fixture : fixtures) {
    lines += append(fixture, read_file(kFixtures + fixture + "/" + fixture + ".log"));
  }
  ASSERT_NO_FATAL_FAILURE(wait_for(lines, kWebScanning, 1));
  // Both fixtures' windows are in (the later day's too) before the incident is examined.
  ASSERT_TRUE(wait_until(
      [&] {
        const auto scans = incidents()[kWebScanning];
        return scans.contains("source.ip=172.17.0.1") &&
               scans.at("source.ip=172.17.0.1")["first_seen"] !=
                   scans.at("source.ip=172.17.0.1")["last_seen"];
      },
      std::chrono::seconds(30)))
      << socctl_ok({"--config", d_.collector_config(), "incidents"});
  const auto scans = incidents()[kWebScanning];
  ASSERT_EQ(scans.size(), 1u) << "only 172.17.0.1 scanned";
  const nlohmann::json& scan = scans.at("source.ip=172.17.0.1");
  EXPECT_EQ(scan["level"], "medium");
  EXPECT_GE(scan["hits"].get<int>(), 2) << "the second day joins the open incident";
  EXPECT_LT(scan["hits"].get<std::size_t>(), lines) << "hits count windows, not requests";
  std::printf("web scanning: %d hits from %s to %s\n", scan["hits"].get<int>(),
              scan["first_seen"].get<std::string>().c_str(),
              scan["last_seen"].get<std::string>().c_str());
}

}  // namespace
}  // namespace soc::testing
