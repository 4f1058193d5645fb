// socctl events QUERY: the search language through the real agent, collector and socctl.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"

namespace soc::testing {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(QueryCli, SocctlSearchesWithTheQueryLanguage) {
  Deployment d;
  const std::string log = d.dir() + "/auth.log";
  std::ofstream(log)
      << "Nov 30 03:00:00 srv sshd[10]: Failed password for invalid user admin from 10.1.2.3 "
         "port 40000 ssh2\n"
         "Nov 30 03:00:01 srv sshd[11]: Accepted password for alice from 192.168.1.5 port 40001 "
         "ssh2\n"
         "Nov 30 03:00:02 srv sshd[12]: Failed password for root from 2001:db8::9 port 40002 ssh2\n"
         "Nov 30 03:00:03 srv app[13]: said \"hi\", then =1+1\n";
  d.add_agent("a", {log}, true);
  d.start_collector();
  d.start_agent("a");
  ASSERT_TRUE(wait_until([&] { return d.stored_count("a") == 4; }, std::chrono::seconds(30)));
  const std::string cfg = d.collector_config();
  auto socctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {SOCCTL_BIN, "--config", cfg, "events"});
    return run_command(args);
  };

  CommandResult r = socctl({"source.ip: 10.0.0.0/8", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<nlohmann::json> rows;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(rows.size(), 1u) << r.output;
  EXPECT_EQ(rows[0]["user"]["name"], "admin");
  EXPECT_EQ(rows[0]["source"]["ip"], "10.1.2.3");

  r = socctl({"failed and not user.name: admin", "--count"});
  EXPECT_EQ(r.output, "1\n");
  r = socctl({"failed", "--count", "--agent", "a"});
  EXPECT_EQ(r.output, "2\n");
  r = socctl({"failed", "--count", "--agent", "nobody"});
  EXPECT_EQ(r.output, "0\n");
  r = socctl({"user.name: a*", "--count", "--kind", "log", "--since", "2000-01-01T00:00:00Z"});
  EXPECT_EQ(r.output, "2\n");

  r = socctl({"source.ip: 2001:db8::/32"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "TIME")) << r.output;
  EXPECT_TRUE(contains(r.output, "Failed password for root from 2001:db8::9")) << r.output;
  EXPECT_FALSE(contains(r.output, "alice")) << r.output;

  r = socctl({"said", "--csv"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("@timestamp,agent.name,organization.name,event.dataset,", 0), 0u)
      << r.output;
  EXPECT_TRUE(contains(r.output, "said \"\"hi\"\", then =1+1\",")) << r.output;

  // A value is only ever a value.
  r = socctl({"user.name: \"'); DROP TABLE events; --\"", "--count"});
  EXPECT_EQ(r.output, "0\n");
  r = socctl({"--count"});
  EXPECT_EQ(r.output, "4\n");

  // An invalid query: exit 2, the column, and a caret under it.
  r = socctl({"user.name: "});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.output, "invalid query: column 12: expected a value after ':'"))
      << r.output;
  EXPECT_TRUE(contains(r.output, "\n  user.name: \n" + std::string(13, ' ') + "^\n")) << r.output;
  r = socctl({"(failed or"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.output, "column 11")) << r.output;
  r = socctl({"@timestamp > yesterday"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.output, "column 14: expected a UTC time")) << r.output;
  r = socctl({"failed", "--json", "--csv"});
  EXPECT_NE(r.exit_code, 0);
}

}  // namespace
}  // namespace soc::testing
