// The agent's own guarantees: one agent per state folder, no guessing without its state,
// read positions kept across restarts even when idle, batches bounded in bytes.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"

namespace soc::testing {
namespace {

using std::chrono::seconds;

void append(const std::string& path, const std::string& prefix, int n, std::size_t width = 0) {
  std::ofstream out(path, std::ios::app);
  for (int i = 0; i < n; ++i) {
    std::string line = prefix + " " + std::to_string(i);
    if (line.size() < width) line.append(width - line.size(), 'x');
    out << line << "\n";
  }
}

nlohmann::json agent_counters(const Deployment& d, const std::string& name) {
  const CommandResult r =
      run_command({SOCCTL_BIN, "--config", d.collector_config(), "agent", "list", "--json"});
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("name", "") == name) return j["counters"];
  }
  return nlohmann::json::object();
}

TEST(Agent, SecondAgentOnTheSameStateFolderRefusesToStart) {
  Deployment d;
  const std::string log = d.dir() + "/x.log";
  append(log, "line", 3);
  d.start_collector();
  d.add_agent("a", {log}, true);
  d.start_agent("a");
  ASSERT_TRUE(wait_until([&] { return d.stored_count("a") == 3; }, seconds(30)));
  Process second({SOC_AGENT_BIN, "--config", d.agent_dir("a") + "/agent.yaml"},
                 d.dir() + "/second.log");
  EXPECT_EQ(second.wait(seconds(30)), 1);
  EXPECT_NE(second.log().find("another soc-agent is running"), std::string::npos) << second.log();
  EXPECT_TRUE(d.agent("a").running());
}

// The agent's startup log names the allocator that really serves its heap (cmake/Allocator.cmake):
// mimalloc in builds linked with it, so a link that lost the override shows here.
TEST(Agent, StartupLogNamesTheAllocatorServingItsHeap) {
  Deployment d;
  const std::string log = d.dir() + "/x.log";
  append(log, "line", 1);
  d.start_collector();
  d.add_agent("a", {log}, true);
  d.start_agent("a");
  ASSERT_TRUE(wait_until(
      [&] { return d.agent("a").log().find("started; public key") != std::string::npos; },
      seconds(30)));
#ifdef SOC_WITH_MIMALLOC
  const std::string expected = ", allocator mimalloc ";
#else
  const std::string expected = ", allocator libc malloc";
#endif
  EXPECT_NE(d.agent("a").log().find(expected), std::string::npos) << d.agent("a").log();
}

TEST(Agent, MissingStateWithSpooledBatchesIsRefusedNotGuessed) {
  Deployment d;
  const std::string log = d.dir() + "/x.log";
  append(log, "line", 50);
  d.add_agent("a", {log}, true);
  d.start_agent("a");  // no collector: everything stays in the spool
  ASSERT_TRUE(wait_until([&] { return d.spooled_batches("a") > 0; }, seconds(30)));
  d.kill_agent("a", SIGTERM);
  std::filesystem::remove(d.agent_dir("a") + "/state/state.json");
  d.start_agent("a");
  EXPECT_EQ(d.agent("a").wait(seconds(30)), 1);
  EXPECT_NE(d.agent("a").log().find("state.json is missing but the spool holds"), std::string::npos)
      << d.agent("a").log();
}

TEST(Agent, StartAtEndKeepsItsPlaceAcrossAnIdleRestart) {
  Deployment d;
  const std::string log = d.dir() + "/x.log";
  append(log, "before the agent", 5);
  d.start_collector();
  d.add_agent("a", {log}, true);
  d.start_agent("a", {"--set", "sources.0.start=end"});
  const std::string state = d.agent_dir("a") + "/state/state.json";
  // The idle agent saves its read position although it has read nothing yet.
  ASSERT_TRUE(
      wait_until([&] { return read_file(state).find("x.log") != std::string::npos; }, seconds(30)));
  d.kill_agent("a", SIGTERM);
  append(log, "while down", 4);
  d.start_agent("a", {"--set", "sources.0.start=end"});
  ASSERT_TRUE(wait_until([&] { return d.stored_count("a") >= 4 && d.spooled_batches("a") == 0; },
                         seconds(30)));
  std::vector<std::string> stored = d.stored_messages("a");
  std::sort(stored.begin(), stored.end());
  EXPECT_EQ(stored, (std::vector<std::string>{"while down 0", "while down 1", "while down 2",
                                              "while down 3"}));
}

TEST(Agent, BatchesStayUnderTheirByteLimit) {
  Deployment d;
  const std::string log = d.dir() + "/x.log";
  append(log, "wide", 100, 8000);  // 800 kB
  d.start_collector();
  d.add_agent("a", {log}, true);
  d.start_agent("a", {"--set", "batch.max_bytes=65536", "--set", "sources.0.max_line_bytes=8192"});
  ASSERT_TRUE(wait_until([&] { return d.stored_count("a") == 100; }, seconds(30)));
  nlohmann::json counters;
  ASSERT_TRUE(wait_until(
      [&] {
        counters = agent_counters(d, "a");
        return counters.value("batches_acked", 0) >= 12;
      },
      seconds(30)))
      << counters.dump();
  // ~8.1 kB per event: a batch of at most 64 KiB plus one event holds at most 9 of them, so
  // 100 events take at least 12 batches (without the byte limit they would fit in one).
  EXPECT_GE(counters.value("batches_sealed", 0), 12);
}

}  // namespace
}  // namespace soc::testing
