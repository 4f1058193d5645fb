// The command-line contract of soc-collector, soc-agent and socctl.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"

namespace soc::testing {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(Cli, KeygenWritesZ85KeysWithPrivateSecret) {
  TempDir tmp;
  for (const char* program : {SOC_COLLECTOR_BIN, SOC_AGENT_BIN}) {
    const std::string dir = tmp.path() + "/" + std::to_string(std::hash<std::string>{}(program));
    const CommandResult r = run_command({program, "keygen", "--out-dir", dir});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    struct stat st {};
    ASSERT_EQ(stat((dir + "/secret.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(read_lines(dir + "/public.key").at(0).size(), 40u);
    const CommandResult again = run_command({program, "keygen", "--out-dir", dir});
    EXPECT_NE(again.exit_code, 0);
    EXPECT_TRUE(contains(again.output, "already exists")) << again.output;
  }
}

TEST(Cli, CheckConfigAcceptsValidAndNamesFileKeyAndExpectation) {
  Deployment d;
  d.add_agent("a", {d.dir() + "/x.log"}, false);
  const std::string agent_yaml = d.agent_dir("a") + "/agent.yaml";
  EXPECT_EQ(run_command({SOC_AGENT_BIN, "--config", agent_yaml, "--check-config"}).exit_code, 0);
  EXPECT_EQ(run_command({SOC_COLLECTOR_BIN, "--config", d.collector_config(), "--check-config"})
                .exit_code,
            0);

  CommandResult r = run_command(
      {SOC_AGENT_BIN, "--config", agent_yaml, "--set", "batch.max_events=lots", "--check-config"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.output, agent_yaml + ": key 'batch.max_events': expected an integer"))
      << r.output;

  // Packet-rule variables: address or port groups over the stock ones.
  EXPECT_EQ(run_command({SOC_AGENT_BIN, "--config", agent_yaml, "--set",
                         "packet_rules.variables={HOME_NET: '[192.0.2.0/24, 10.0.0.0/8]', "
                         "SSH_PORTS: '[22, 2222]'}",
                         "--check-config"})
                .exit_code,
            0);
  r = run_command({SOC_AGENT_BIN, "--config", agent_yaml, "--set",
                   "packet_rules.variables={HOME_NET: '[10.0.0.0/33'}", "--check-config"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(
      contains(r.output, "key 'packet_rules.variables.HOME_NET': '[10.0.0.0/33' is neither"))
      << r.output;
  r = run_command({SOC_AGENT_BIN, "--config", agent_yaml, "--set",
                   "packet_rules.variables={HOME_NET: '[192.0.2.0/24, $HOME_NET]'}",
                   "--check-config"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.output, "refers to itself")) << r.output;
  r = run_command({SOC_AGENT_BIN, "--config", agent_yaml, "--set",
                   "packet_rules.variables={$HOME_NET: any}", "--check-config"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.output, "'$HOME_NET': expected a name")) << r.output;

  r = run_command(
      {SOC_AGENT_BIN, "--config", agent_yaml, "--set", "sources.0.start=middle", "--check-config"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.output, "key 'sources.0.start': expected one of beginning | end"))
      << r.output;

  r = run_command({SOC_COLLECTOR_BIN, "--config", d.collector_config(), "--set",
                   "incidents.alert_level=severe", "--check-config"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.output, "key 'incidents.alert_level': expected one of")) << r.output;
  r = run_command({SOC_COLLECTOR_BIN, "--config", d.collector_config(), "--set",
                   "correlation.lateness_s=60", "--set", "incidents.alert_level=none",
                   "--check-config"});
  EXPECT_EQ(r.exit_code, 0) << r.output;

  r = run_command(
      {SOC_AGENT_BIN, "--config", agent_yaml, "--set", "colector.endpoint=x", "--check-config"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.output, "unknown key(s): colector.endpoint")) << r.output;

  r = run_command({SOC_AGENT_BIN, "--config", agent_yaml, "--set", "collector.public_key=nonsense",
                   "--check-config"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.output, "key 'collector.public_key'")) << r.output;

  r = run_command({SOC_COLLECTOR_BIN, "--config", d.collector_config(), "--set", "listen=udp://x",
                   "--check-config"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.output, "key 'listen'")) << r.output;

  r = run_command({SOC_COLLECTOR_BIN, "--config", d.dir() + "/missing.yaml", "--check-config"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.output, "missing.yaml")) << r.output;
}

TEST(Cli, SetOverridesTakeEffect) {
  Deployment d;
  // The config's endpoint is wrong; --set fixes it, as an admin would on the command line.
  const std::string log = d.dir() + "/x.log";
  std::ofstream(log) << "one\ntwo\n";
  d.add_agent("a", {d.dir() + "/nothing-here.log"}, true);
  d.start_collector();
  Process agent({SOC_AGENT_BIN, "--config", d.agent_dir("a") + "/agent.yaml", "--set",
                 "sources.0.paths=[" + log + "]"},
                d.dir() + "/agent-set.log");
  ASSERT_TRUE(wait_until([&] { return d.stored_count("a") == 2; }, std::chrono::seconds(30)))
      << agent.log();
}

TEST(Cli, SocctlEnrollsListsAndQueries) {
  Deployment d;
  const std::string log = d.dir() + "/x.log";
  std::ofstream(log) << "first line\nsecond line\nthird line\n";
  d.add_agent("web-1", {log}, true);
  d.start_collector();
  d.start_agent("web-1");
  ASSERT_TRUE(wait_until([&] { return d.stored_count("web-1") == 3; }, std::chrono::seconds(30)));

  const std::string cfg = d.collector_config();
  CommandResult r = run_command({SOCCTL_BIN, "--config", cfg, "agent", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "web-1")) << r.output;
  EXPECT_TRUE(contains(r.output, "test-agency")) << r.output;

  r = run_command({SOCCTL_BIN, "--config", cfg, "events", "--agent", "web-1", "--count"});
  EXPECT_EQ(r.output, "3\n");
  r = run_command({SOCCTL_BIN, "--config", cfg, "events", "--agent", "nobody", "--count"});
  EXPECT_EQ(r.output, "0\n");
  r = run_command(
      {SOCCTL_BIN, "--config", cfg, "events", "--kind", "log", "--since", "1h", "--count"});
  EXPECT_EQ(r.output, "3\n");
  r = run_command({SOCCTL_BIN, "--config", cfg, "events", "--since", "2000-01-01T00:00:00Z",
                   "--until", "2000-01-02T00:00:00Z", "--count"});
  EXPECT_EQ(r.output, "0\n");

  r = run_command({SOCCTL_BIN, "--config", cfg, "events", "--json", "--limit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<nlohmann::json> rows;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["agent"]["name"], "web-1");
  EXPECT_EQ(rows[0]["organization"]["name"], "test-agency");
  EXPECT_EQ(rows[0]["log"]["file"]["path"], log);
  EXPECT_TRUE(rows[0]["message"] == "third line" || rows[0]["message"] == "second line");

  // Bad input gets a clear error and a non-zero exit.
  r = run_command({SOCCTL_BIN, "--config", cfg, "events", "--kind", "bogus"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "--kind 'bogus'")) << r.output;
  r = run_command({SOCCTL_BIN, "--config", cfg, "events", "--since", "yesterday"});
  EXPECT_NE(r.exit_code, 0);
  r = run_command({SOCCTL_BIN, "--config", cfg, "agent", "add", "web-1", "--key",
                   read_lines(d.agent_dir("web-1") + "/keys/public.key").at(0)});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "already")) << r.output;
  r = run_command({SOCCTL_BIN, "--config", cfg, "agent", "add", "x", "--key", "not-a-key"});
  EXPECT_NE(r.exit_code, 0);
  r = run_command({SOCCTL_BIN, "--config", cfg, "agent", "add", "bad name!", "--key",
                   read_lines(d.agent_dir("web-1") + "/keys/public.key").at(0)});
  EXPECT_NE(r.exit_code, 0);
}

}  // namespace
}  // namespace soc::testing
