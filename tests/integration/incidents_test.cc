// Incidents through the real programs on loopback: the default pack is built, signed and
// published; an agent tails the SSH brute-force fixtures of the CrowdSec hub tests and the
// collector correlates its alerts into one brute-force incident per attacking address, not one
// per line; an analyst acknowledges and closes one with socctl.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"

namespace soc::testing {
namespace {

namespace fs = std::filesystem;

const std::string kFixtures = std::string(SOC_SHARED_DATA) + "/logs/crowdsec-hub-tests/tests/";
constexpr const char* kBruteForce = "SSH Brute Force From One Address";
const std::vector<std::string> kSshFixtures = {"ssh-bf", "ssh-slow-bf", "sshd-invalid-bf"};

std::string socctl_ok(const std::vector<std::string>& args) {
  std::vector<std::string> argv{SOCCTL_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandResult r = run_command(argv);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

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
  void SetUp() override {
    const std::string keys = d_.dir() + "/pack-keys";
    socctl_ok({"pack", "keygen", "--out-dir", keys});
    socctl_ok({"pack", "build", std::string(SOC_SOURCE_DIR) + "/signatures/packs/default", "--key",
               keys + "/pack_signing.key", "-o", d_.dir() + "/default.pack"});
    std::ofstream(d_.collector_config(), std::ios::app)
        << "packs:\n  trusted_keys:\n    - " << keys << "/pack_signing.pub\n";
    d_.start_collector();
    socctl_ok({"--config", d_.collector_config(), "pack", "publish", d_.dir() + "/default.pack"});
    // One log file per fixture: their clocks are months apart, and each file is its own stream.
    std::vector<std::string> logs;
    for (const std::string& fixture : kSshFixtures) {
      logs.push_back(log_of(fixture));
      std::ofstream(logs.back()).close();
    }
    d_.add_agent("bastion", logs, true,
                 "packs:\n  trusted_keys: [" + keys + "/pack_signing.pub]\n");
    d_.start_agent("bastion", {"--set", "sources.0.format=syslog"});
    // Lines are matched by the pack the agent runs: wait until it runs the published one.
    ASSERT_TRUE(wait_until(
        [&] {
          return socctl_ok({"--config", d_.collector_config(), "agent", "list", "--json"})
                     .find("\"pack_version\":\"1.1.0\"") != std::string::npos;
        },
        std::chrono::seconds(30)));
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
  std::size_t lines = 0;
  for (const auto& [fixture, ip] : fixtures) {
    const std::string text = read_file(kFixtures + fixture + "/" + fixture + ".log");
    lines += static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    std::ofstream(log_of(fixture), std::ios::app) << text;
  }
  ASSERT_TRUE(
      wait_until([&] { return d_.stored_count("bastion") >= lines; }, std::chrono::seconds(60)));
  // Incidents are filed right after the batch that completes them is stored.
  ASSERT_TRUE(wait_until([&] { return incidents()[kBruteForce].size() >= fixtures.size(); },
                         std::chrono::seconds(30)))
      << socctl_ok({"--config", d_.collector_config(), "incidents"});
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

}  // namespace
}  // namespace soc::testing
