// Exactly-once delivery through the real agent and collector on loopback, including kill -9 of
// either side mid-stream.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "tests/integration/harness.h"

namespace soc::testing {
namespace {

using std::chrono::seconds;

constexpr const char* kOpenSsh = "logs/loghub/OpenSSH/OpenSSH_2k.log";

void append_lines(const std::string& path, const std::vector<std::string>& lines, std::size_t from,
                  std::size_t to) {
  std::ofstream out(path, std::ios::app);
  for (std::size_t i = from; i < to; ++i) out << lines[i] << "\n";
}

// Every expected line is stored exactly once: the stored multiset equals the expected one.
void expect_exactly_once(const Deployment& d, std::vector<std::string> expected,
                         const std::string& agent) {
  std::vector<std::string> stored = d.stored_messages(agent);
  std::sort(stored.begin(), stored.end());
  std::sort(expected.begin(), expected.end());
  ASSERT_EQ(stored.size(), expected.size());
  const auto diff = std::mismatch(stored.begin(), stored.end(), expected.begin());
  EXPECT_TRUE(diff.first == stored.end()) << "stored lines differ from the file's lines, first: '"
                                          << *diff.first << "' vs '" << *diff.second << "'";
}

// Waits until the agent has nothing unacknowledged and the store holds `n` events.
bool settled(Deployment& d, const std::string& agent, std::size_t n) {
  return wait_until([&] { return d.stored_count(agent) >= n && d.spooled_batches(agent) == 0; },
                    seconds(60));
}

TEST(Delivery, AllLinesOfTheOpenSshSampleArriveExactlyOnce) {
  Deployment d;
  const std::vector<std::string> lines = read_lines(shared_data(kOpenSsh));
  ASSERT_EQ(lines.size(), 2000u);
  const std::string log = d.dir() + "/auth.log";
  append_lines(log, lines, 0, lines.size());
  d.start_collector();
  d.add_agent("web-1", {log}, true);
  d.start_agent("web-1");
  ASSERT_TRUE(settled(d, "web-1", lines.size())) << d.agent("web-1").log() << d.collector().log();
  expect_exactly_once(d, lines, "web-1");
  // Lines appended later are followed, too.
  append_lines(log, lines, 0, 10);
  ASSERT_TRUE(settled(d, "web-1", lines.size() + 10));
  EXPECT_EQ(d.stored_count("web-1"), lines.size() + 10);
}

TEST(Delivery, CollectorKilledMidStreamAndRestartedStillExactlyOnce) {
  Deployment d;
  const std::vector<std::string> lines = read_lines(shared_data(kOpenSsh));
  const std::string log = d.dir() + "/auth.log";
  append_lines(log, lines, 0, 1000);
  d.start_collector();
  d.add_agent("a", {log}, true, "");
  d.start_agent("a");
  ASSERT_TRUE(wait_until([&] { return d.stored_count("a") > 0; }, seconds(30)));
  d.kill_collector(SIGKILL);
  append_lines(log, lines, 1000, 2000);  // the agent keeps reading and spooling meanwhile
  ASSERT_TRUE(wait_until([&] { return d.spooled_batches("a") > 0; }, seconds(30)))
      << "the agent should spool while the collector is down";
  d.start_collector();
  ASSERT_TRUE(settled(d, "a", lines.size())) << d.agent("a").log();
  expect_exactly_once(d, lines, "a");
}

TEST(Delivery, AgentKilledMidStreamAndRestartedStillExactlyOnce) {
  Deployment d;
  const std::vector<std::string> lines = read_lines(shared_data(kOpenSsh));
  const std::string log = d.dir() + "/auth.log";
  append_lines(log, lines, 0, 1000);
  d.start_collector();
  // Small batches so the kill lands between many fsync'd batches.
  d.add_agent("a", {log}, true, "");
  d.start_agent("a");
  ASSERT_TRUE(wait_until([&] { return d.stored_count("a") > 0; }, seconds(30)));
  d.kill_agent("a", SIGKILL);
  append_lines(log, lines, 1000, 2000);
  d.start_agent("a");
  ASSERT_TRUE(settled(d, "a", lines.size())) << d.agent("a").log();
  expect_exactly_once(d, lines, "a");
}

TEST(Delivery, BothKilledRepeatedlyStillExactlyOnce) {
  Deployment d;
  const std::vector<std::string> lines = read_lines(shared_data(kOpenSsh));
  const std::string log = d.dir() + "/auth.log";
  d.start_collector();
  d.add_agent("a", {log}, true, "");
  d.start_agent("a");
  for (std::size_t round = 0; round < 4; ++round) {
    const std::size_t from = round * 500;
    append_lines(log, lines, from, from + 500);
    ASSERT_TRUE(wait_until([&] { return d.stored_count("a") > from; }, seconds(30)));
    if (round % 2 == 0) {
      d.kill_agent("a", SIGKILL);
      d.start_agent("a");
    } else {
      d.kill_collector(SIGKILL);
      d.start_collector();
    }
  }
  ASSERT_TRUE(settled(d, "a", lines.size())) << d.agent("a").log();
  expect_exactly_once(d, lines, "a");
}

// A store that cannot write (here: a file size limit, failing writes as a full disk does) stops
// the collector with an error instead of acking what it could not keep; once it can write again,
// the agent's spooled batches make the store whole.
TEST(Delivery, CollectorStoppedByAStoreWriteFailureLosesNothing) {
  Deployment d;
  const std::vector<std::string> lines = read_lines(shared_data(kOpenSsh));
  const std::string log = d.dir() + "/auth.log";
  const std::string wal = d.dir() + "/store/events.db-wal";
  constexpr std::size_t kFirst = 200;  // stored before the store fails
  append_lines(log, lines, 0, kFirst);
  d.start_collector();
  d.add_agent("a", {log}, true, "");
  d.start_agent("a");
  ASSERT_TRUE(settled(d, "a", kFirst)) << d.agent("a").log() << d.collector().log();
  // A clean stop folds the write-ahead log into the database and removes it, so the limit below
  // counts only what is written after the restart: each commit of a batch appends its changed
  // pages (about half a MiB), and the other 1800 lines take at least four commits.
  d.kill_collector(SIGTERM);
  ASSERT_FALSE(std::filesystem::exists(wal));
  d.start_collector_with_file_size_limit(std::uint64_t{1} << 20);
  ASSERT_TRUE(d.collector().running()) << d.collector().log();
  append_lines(log, lines, kFirst, lines.size());
  ASSERT_TRUE(wait_until([&] { return !d.collector().running(); }, seconds(60)))
      << "the collector should stop when its store cannot write";
  EXPECT_EQ(d.collector().wait(), 1);
  EXPECT_NE(d.collector().log().find("stopping: "), std::string::npos) << d.collector().log();
  const std::uint64_t stored = d.stored_count("a");
  EXPECT_GE(stored, kFirst);
  ASSERT_LT(stored, lines.size()) << "the limit should stop the store mid-stream; the log holds "
                                  << std::filesystem::file_size(wal) << " bytes";
  EXPECT_GT(d.spooled_batches("a"), 0u) << "what was not stored must still be in the spool";
  d.start_collector();
  ASSERT_TRUE(settled(d, "a", lines.size())) << d.agent("a").log() << d.collector().log();
  expect_exactly_once(d, lines, "a");
}

TEST(Delivery, RenameRotationLosesNothing) {
  Deployment d;
  const std::vector<std::string> lines = read_lines(shared_data(kOpenSsh));
  const std::string log = d.dir() + "/auth.log";
  append_lines(log, lines, 0, 700);
  d.start_collector();
  d.add_agent("a", {log}, true);
  d.start_agent("a");
  ASSERT_TRUE(wait_until([&] { return d.stored_count("a") > 0; }, seconds(30)));
  std::filesystem::rename(log, log + ".1");
  append_lines(log + ".1", lines, 700, 1000);  // a writer still holding the old file
  append_lines(log, lines, 1000, 2000);
  ASSERT_TRUE(settled(d, "a", lines.size())) << d.agent("a").log();
  expect_exactly_once(d, lines, "a");
}

}  // namespace
}  // namespace soc::testing
