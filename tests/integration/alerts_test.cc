// The agent decodes, matches the default pack and ships alerts with the events; the alerts the
// collector stores are exactly those `socctl rules test` finds on the same file.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "collector/store/sqlite_store.h"
#include "tests/integration/harness.h"

namespace soc::testing {
namespace {

const std::string kPack = std::string(SOC_SOURCE_DIR) + "/signatures/packs/default";

TEST(Alerts, AgentAlertsOnTheOpenSshSampleMatchSocctlRulesTest) {
  Deployment d;
  const std::vector<std::string> lines =
      read_lines(shared_data("logs/loghub/OpenSSH/OpenSSH_2k.log"));
  const std::string log = d.dir() + "/auth.log";
  {
    std::ofstream out(log);
    for (const std::string& l : lines) out << l << "\n";
  }
  d.start_collector();
  d.add_agent("a", {log}, true,
              "rules:\n  paths: [" + kPack + "/rules]\n  field_mappings: " + kPack +
                  "/field_mappings.yaml\n");
  d.start_agent("a", {"--set", "sources.0.format=syslog"});
  ASSERT_TRUE(
      wait_until([&] { return d.spooled_batches("a") == 0 && d.stored_count("a") >= lines.size(); },
                 std::chrono::seconds(60)));

  // What socctl finds on the same file, rule by rule.
  const CommandResult r = run_command(
      {SOCCTL_BIN, "rules", "test", kPack + "/rules", log, "--format", "syslog", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, int> expected;  // rule title -> matches
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded()) ++expected[j["title"].get<std::string>()];
  }
  ASSERT_GT(expected["SSH Authentication Failure"], 400);
  ASSERT_GT(expected["SSH Login Attempt For A Non-Existent User"], 100);

  auto store =
      collector::open_sqlite_store(d.dir() + "/store/events.db", collector::StoreMode::kReadOnly);
  ASSERT_TRUE(store);
  collector::EventQuery q;
  q.kind = EventKind::kAlert;
  q.limit = 1'000'000;
  auto alerts = (*store)->query_events(q);
  ASSERT_TRUE(alerts);
  std::map<std::string, int> stored;
  for (const auto& a : *alerts) {
    const FieldValue* name = a.event.find("rule.name");
    ASSERT_NE(name, nullptr);
    ++stored[std::get<std::string>(*name)];
    EXPECT_NE(a.event.find("event.action"), nullptr) << a.event.raw;  // the fields ride along
  }
  EXPECT_EQ(stored, expected);
  q.kind = EventKind::kLog;
  EXPECT_EQ(*(*store)->count_events(q), lines.size()) << "every line is still stored once";
}

}  // namespace
}  // namespace soc::testing
