// Signature packs end to end: an admin builds and signs packs with socctl, publishes them through
// the collector, and the running agent swaps them in under load without losing or half-matching
// a line; refused packs are reported, rollbacks are explicit, the active pack survives a restart.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "collector/store/sqlite_store.h"
#include "tests/integration/harness.h"

namespace soc::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kMarker = "pack-swap-probe";

// A pack source folder whose one rule raises an alert on every line holding kMarker.
void write_pack_source(const std::string& dir, const std::string& version) {
  fs::create_directories(dir + "/rules");
  std::ofstream(dir + "/pack.yaml")
      << "name: probe\nversion: " << version << "\ndescription: every probe line alerts\n";
  std::ofstream(dir + "/rules/probe.yml") << "title: Probe Line\n"
                                             "id: 0f9e4c52-8d43-4b8e-a2f5-0c1d2e3f4a5b\n"
                                             "logsource:\n  product: linux\n"
                                             "detection:\n  keywords:\n    - '"
                                          << kMarker << "'\n  condition: keywords\nlevel: low\n";
}

class PacksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keys_ = d_.dir() + "/pack-keys";
    socctl_ok({"pack", "keygen", "--out-dir", keys_});
    for (const std::string v : {"1.0.0", "2.0.0"}) {
      write_pack_source(d_.dir() + "/src-" + v, v);
      socctl_ok({"pack", "build", d_.dir() + "/src-" + v, "--key", keys_ + "/pack_signing.key",
                 "-o", pack_file(v)});
    }
  }

  std::string pack_file(const std::string& version) const {
    return d_.dir() + "/probe-" + version + ".pack";
  }

  void trust_in_collector(const std::vector<std::string>& pubkeys) {
    std::ofstream out(d_.collector_config(), std::ios::app);
    out << "packs:\n  trusted_keys:\n";
    for (const std::string& k : pubkeys) out << "    - " << k << "\n";
  }

  std::string agent_trusts(const std::string& pubkey) const {
    return "packs:\n  trusted_keys: [" + pubkey + "]\n";
  }

  // The agent's row in `socctl agent list --json`.
  nlohmann::json agent_row(const std::string& name) {
    const CommandResult r =
        run_command({SOCCTL_BIN, "--config", d_.collector_config(), "agent", "list", "--json"});
    std::istringstream in(r.output);
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.value("name", "") == name) return j;
    }
    return nlohmann::json::object();
  }

  bool agent_runs(const std::string& name, const std::string& version) {
    return agent_row(name).value("pack_version", "") == version;
  }

  Deployment d_;
  std::string keys_;
};

TEST_F(PacksTest, PublishedPackIsSwappedInUnderLoadWithEveryLineMatchedOnce) {
  const std::string log = d_.dir() + "/app.log";
  std::ofstream(log).close();
  trust_in_collector({keys_ + "/pack_signing.pub"});
  d_.start_collector();
  socctl_ok({"--config", d_.collector_config(), "pack", "publish", pack_file("1.0.0")});
  d_.add_agent("a", {log}, true, agent_trusts(keys_ + "/pack_signing.pub"));
  d_.start_agent("a", {"--set", "sources.0.format=syslog", "--set", "batch.max_events=4000"});
  ASSERT_TRUE(wait_until([&] { return agent_runs("a", "1.0.0"); }, std::chrono::seconds(20)));

  // Write at >= 50,000 lines/s for 2.4 s; publish 2.0.0 0.6 s in. A watcher notes
  // when the collector's agent list first shows 2.0.0 (it is read from the collector's store).
  constexpr int kChunk = 5'000;
  constexpr int kChunks = 24;  // 120,000 lines, one chunk per 100 ms
  std::ofstream out(log, std::ios::app);
  int written = 0;
  std::chrono::steady_clock::time_point published_at;
  std::chrono::steady_clock::time_point reported_at;
  bool reported = false;
  std::thread watcher;
  const auto start = std::chrono::steady_clock::now();
  for (int c = 0; c < kChunks; ++c) {
    std::string chunk;
    for (int i = 0; i < kChunk; ++i, ++written) {
      chunk += "Nov 30 12:00:00 host app[42]: " + std::string(kMarker) + " line " +
               std::to_string(written) + "\n";
    }
    out << chunk << std::flush;
    if (c == 6) {
      socctl_ok({"--config", d_.collector_config(), "pack", "publish", pack_file("2.0.0")});
      published_at = std::chrono::steady_clock::now();
      watcher = std::thread([&] {
        reported = wait_until([&] { return agent_runs("a", "2.0.0"); }, std::chrono::seconds(60));
        reported_at = std::chrono::steady_clock::now();
      });
    }
    std::this_thread::sleep_until(start + std::chrono::milliseconds(100 * (c + 1)));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(written / seconds, 45'000.0) << "the writer fell behind the intended load";
  ASSERT_TRUE(watcher.joinable()) << "2.0.0 was never published";
  watcher.join();
  // No timing threshold here (the machine running the tests may be slow and busy): the latency
  // is printed, and must only be finite. It comes from the control connection, which does not
  // queue behind batches; measured in the release build it is well under the 5 s of issue 4.
  ASSERT_TRUE(reported) << "the agent did not report 2.0.0 within 60 s of the publication";
  std::printf("[packs] agent reported 2.0.0 %lld ms after the publication, under %.0f lines/s\n",
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(reported_at - published_at)
                      .count()),
              written / seconds);

  ASSERT_TRUE(
      wait_until([&] { return d_.stored_count("a") >= 2u * written; }, std::chrono::seconds(120)));
  auto store =
      collector::open_sqlite_store(d_.dir() + "/store/events.db", collector::StoreMode::kReadOnly);
  ASSERT_TRUE(store);
  collector::EventQuery q;
  q.kind = EventKind::kAlert;
  q.limit = 10'000'000;
  auto alerts = (*store)->query_events(q);
  ASSERT_TRUE(alerts);
  // Each line: exactly one alert, from exactly one pack version; versions change once, in order.
  std::vector<int> version_of_line(written, 0);
  for (const auto& a : *alerts) {
    const std::string& raw = a.event.raw;
    const int line = std::stoi(raw.substr(raw.rfind(' ') + 1));
    ASSERT_GE(line, 0);
    ASSERT_LT(line, written);
    const FieldValue* v = a.event.find("pack.version");
    ASSERT_NE(v, nullptr) << raw;
    const std::string version = std::get<std::string>(*v);
    ASSERT_TRUE(version == "1.0.0" || version == "2.0.0") << version;
    ASSERT_EQ(version_of_line[line], 0) << "line " << line << " was matched twice";
    version_of_line[line] = version == "1.0.0" ? 1 : 2;
  }
  int first_v2 = written;
  for (int i = 0; i < written; ++i) {
    ASSERT_NE(version_of_line[i], 0) << "line " << i << " was not matched";
    if (version_of_line[i] == 2 && first_v2 == written) first_v2 = i;
    if (i > first_v2) {
      ASSERT_EQ(version_of_line[i], 2) << "line " << i << " went back to 1.0.0";
    }
  }
  EXPECT_GT(first_v2, 0);
  EXPECT_LT(first_v2, written) << "2.0.0 never matched";
  q.kind = EventKind::kLog;
  EXPECT_EQ(*(*store)->count_events(q), static_cast<std::uint64_t>(written));
}

TEST_F(PacksTest, RefusalsAreReportedRollbackIsExplicitAndThePackSurvivesRestart) {
  // A second admin key that the collector trusts but the agent does not.
  const std::string other = d_.dir() + "/other-keys";
  socctl_ok({"pack", "keygen", "--out-dir", other});
  write_pack_source(d_.dir() + "/src-3", "3.0.0");
  socctl_ok({"pack", "build", d_.dir() + "/src-3", "--key", other + "/pack_signing.key", "-o",
             d_.dir() + "/probe-3.pack"});
  const std::string log = d_.dir() + "/app.log";
  std::ofstream(log) << "Nov 30 12:00:00 host app[1]: hello\n";
  trust_in_collector({keys_ + "/pack_signing.pub", other + "/pack_signing.pub"});
  d_.start_collector();
  d_.add_agent("a", {log}, true, agent_trusts(keys_ + "/pack_signing.pub"));
  d_.start_agent("a");
  const std::string config = d_.collector_config();
  socctl_ok({"--config", config, "pack", "publish", pack_file("1.0.0")});
  ASSERT_TRUE(wait_until([&] { return agent_runs("a", "1.0.0"); }, std::chrono::seconds(20)));
  socctl_ok({"--config", config, "pack", "publish", pack_file("2.0.0")});
  ASSERT_TRUE(wait_until([&] { return agent_runs("a", "2.0.0"); }, std::chrono::seconds(20)));

  // Older than the current: the collector refuses to publish it as an update.
  CommandResult r =
      run_command({SOCCTL_BIN, "--config", config, "pack", "publish", pack_file("1.0.0")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("not newer"), std::string::npos) << r.output;
  r = run_command({SOCCTL_BIN, "--config", config, "pack", "rollback", "0.5"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("was ever published"), std::string::npos) << r.output;

  // Signed by a key the agent does not hold: refused by the agent, reported with the reason.
  socctl_ok({"--config", config, "pack", "publish", d_.dir() + "/probe-3.pack"});
  ASSERT_TRUE(wait_until([&] { return !agent_row("a").value("pack_report", "").empty(); },
                         std::chrono::seconds(20)));
  const nlohmann::json row = agent_row("a");
  EXPECT_EQ(row.value("pack_version", ""), "2.0.0") << "the active pack keeps running";
  EXPECT_NE(row.value("pack_report", "").find("3.0.0: "), std::string::npos) << row.dump();
  EXPECT_NE(row.value("pack_report", "").find("not trusted"), std::string::npos) << row.dump();

  // An explicit rollback to 1.0.0 is accepted although it is older.
  socctl_ok({"--config", config, "pack", "rollback", "1.0.0"});
  ASSERT_TRUE(wait_until([&] { return agent_runs("a", "1.0.0"); }, std::chrono::seconds(20)));
  const std::string list = socctl_ok({"--config", config, "pack", "list"});
  EXPECT_NE(list.find("rollback"), std::string::npos) << list;

  // After a restart the agent runs the saved pack before anything is pushed.
  d_.kill_agent("a", SIGTERM);
  d_.kill_collector(SIGTERM);
  d_.start_agent("a");
  ASSERT_TRUE(wait_until(
      [&] { return d_.agent("a").log().find("active pack probe 1.0.0") != std::string::npos; },
      std::chrono::seconds(20)))
      << d_.agent("a").log();
}

}  // namespace
}  // namespace soc::testing
