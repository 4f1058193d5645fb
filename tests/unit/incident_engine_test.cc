// IncidentEngine with the project's default pack on real data: the nmap SYN scan capture makes
// one port-scan incident (from the flows, matched on the collector), SSH brute-force lines make
// one incident per attacking address, and a high alert files an incident per rule and host.
#include "collector/correlate/incident_engine.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "agent/sources/pcap_source.h"
#include "collector/store/sqlite_store.h"
#include "signatures/pack/pack_builder.h"
#include "tests/temp_dir.h"

namespace soc::collector {
namespace {

namespace fs = std::filesystem;
const std::string kShared = SOC_SHARED_DATA;

class IncidentEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.empty());
    auto events = open_sqlite_store(dir_ + "/events.db");
    ASSERT_TRUE(events) << events.error().message;
    events_ = std::move(*events);
    auto agent = events_->enroll_agent("sensor-1", std::string(40, 's'), "Finance");
    ASSERT_TRUE(agent);
    agent_id_ = agent->id;
    auto incidents = IncidentStore::open(dir_ + "/events.db");
    ASSERT_TRUE(incidents);
    incidents_ = std::move(*incidents);
    engine_ = std::make_unique<IncidentEngine>(*incidents_, IncidentEngineOptions{});

    auto key = pack::SecretKey::generate();
    ASSERT_TRUE(key);
    auto built =
        pack::build_pack(std::string(SOC_SOURCE_DIR) + "/signatures/packs/default", *key, {});
    ASSERT_TRUE(built) << built.error().message;
    auto verified = pack::read_pack(built->bytes, {key->public_key()});
    ASSERT_TRUE(verified) << verified.error().message;
    auto issues = engine_->load_pack(*verified);
    ASSERT_TRUE(issues) << issues.error().message;
    for (const auto& i : *issues) ADD_FAILURE() << sigma::format_issue(i);
    ASSERT_EQ(engine_->correlator()->rules().size(), 6u);
  }

  // Stores the events as one batch, then hands them to the engine as the ingest loop does.
  void store_and_observe(const std::vector<Event>& events) {
    IncomingBatch b{agent_id_, 1, ++seq_, 1, 5, &events};
    auto r = events_->store_batches(std::span<const IncomingBatch>(&b, 1));
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->front().outcome, BatchOutcome::kStored);
    const StoredBatchView batch{events, r->front().event_ids, "sensor-1", "Finance"};
    engine_->on_stored({&batch, 1});
    engine_->record_filed();
  }

  std::vector<Incident> incidents() {
    auto all = incidents_->list({});
    EXPECT_TRUE(all);
    return all ? *all : std::vector<Incident>{};
  }

  soc::testing::TempDir temp_{"incident_engine_test"};  // removed after the stores below are closed
  std::string dir_ = temp_.path();
  std::unique_ptr<EventStore> events_;
  std::unique_ptr<IncidentStore> incidents_;
  std::unique_ptr<IncidentEngine> engine_;
  std::int64_t agent_id_ = 0;
  std::uint64_t seq_ = 0;
};

TEST_F(IncidentEngineTest, NmapSynScanCaptureMakesOnePortScanIncident) {
  agent::PcapSourceConfig pc;
  pc.capture.file = kShared + "/pcaps/chrissanders-packets/synscan.pcapng";
  auto source = agent::PcapSource::open(pc);
  ASSERT_TRUE(source) << source.error().message;
  std::vector<Event> events;
  while (!(*source)->finished()) (*source)->poll(events, 1000);
  (*source)->poll(events, 1000);
  std::size_t flows = 0;
  for (const Event& e : events) flows += e.kind == EventKind::kFlow ? 1 : 0;
  ASSERT_GT(flows, 100u);
  for (std::size_t i = 0; i < events.size(); i += 500) {
    store_and_observe(
        {events.begin() + static_cast<std::ptrdiff_t>(i),
         events.begin() + static_cast<std::ptrdiff_t>(std::min(i + 500, events.size()))});
  }
  const auto all = incidents();
  ASSERT_EQ(all.size(), 1u);
  const Incident& scan = all[0];
  EXPECT_EQ(scan.title, "Port Scan From One Address");
  EXPECT_EQ(scan.origin, "correlation");
  EXPECT_TRUE(scan.group_key.starts_with("source.ip=")) << scan.group_key;
  EXPECT_GE(scan.hits, 1u);
  EXPECT_EQ(scan.agencies, (std::vector<std::string>{"Finance"}));
  auto evidence = incidents_->evidence(scan.id, 1000);
  ASSERT_TRUE(evidence);
  EXPECT_GE(evidence->size(), 20u);
  for (const auto& e : *evidence) EXPECT_EQ(e.kind, "flow");
  std::printf(
      "[incidents] synscan: %zu flows, port-scan incident %s with %llu hits, %zu evidence\n", flows,
      scan.group_key.c_str(), static_cast<unsigned long long>(scan.hits), evidence->size());
}

// Alerts as the agent sends them (the default pack's rule ids).
Event ssh_failure(TimeNs t, const std::string& ip, const std::string& user) {
  Event e;
  e.kind = EventKind::kAlert;
  e.time_ns = t;
  e.raw = "Failed password for " + user + " from " + ip;
  e.fields = {{"rule.id", std::string("f9a5606c-204b-5231-94aa-1072037edd15")},
              {"rule.name", std::string("SSH Authentication Failure")},
              {"rule.level", std::string("low")},
              {"source.ip", ip},
              {"user.name", user},
              {"host.hostname", std::string("bastion")}};
  return e;
}

TEST_F(IncidentEngineTest, BruteForceMakesOneIncidentPerSourceAndALoginAfterItIsCritical) {
  constexpr TimeNs kSecond = 1'000'000'000;
  const TimeNs t0 = 1'764'000'000LL * kSecond;
  std::vector<Event> batch;
  for (int i = 0; i < 40; ++i) {
    batch.push_back(ssh_failure(t0 + i * kSecond, "203.0.113.7", "root"));
    batch.push_back(ssh_failure(t0 + i * kSecond, "198.51.100.9", "user" + std::to_string(i % 4)));
  }
  store_and_observe(batch);
  auto all = incidents();
  ASSERT_EQ(all.size(), 2u);
  for (const Incident& i : all) {
    EXPECT_EQ(i.title, "SSH Brute Force From One Address");
    EXPECT_EQ(i.hits, 8u);  // 40 failures, one hit per 5
    EXPECT_EQ(i.hosts, (std::vector<std::string>{"bastion"}));
  }
  Event login;
  login.kind = EventKind::kAlert;
  login.time_ns = t0 + 100 * kSecond;
  login.fields = {{"rule.id", std::string("6b1f3c2e-9d4a-4f7e-8c15-2a7e9b0d4c61")},
                  {"rule.level", std::string("informational")},
                  {"source.ip", std::string("203.0.113.7")},
                  {"user.name", std::string("root")}};
  store_and_observe({login});
  all = incidents();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].title, "SSH Login Right After A Brute Force From The Same Address");
  EXPECT_EQ(all[0].level, "critical");
  EXPECT_EQ(all[0].group_key, "source.ip=203.0.113.7");
}

TEST_F(IncidentEngineTest, HighAlertFilesAnIncidentPerRuleAndHost) {
  Event alert;
  alert.kind = EventKind::kAlert;
  alert.time_ns = 1'764'000'000'000'000'000;
  alert.fields = {{"rule.id", std::string("a490df4b-16f6-535f-9517-74ab6c423c6a")},
                  {"rule.name", std::string("SQL Injection Attempt In A Web Request")},
                  {"rule.level", std::string("high")}};
  store_and_observe({alert, alert, alert});
  const auto all = incidents();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].origin, "alert");
  EXPECT_EQ(all[0].hits, 3u);
  EXPECT_EQ(all[0].group_key, "host.name=sensor-1");
}

TEST_F(IncidentEngineTest, ReplayRebuildsWindowsWithoutFilingIncidents) {
  constexpr TimeNs kSecond = 1'000'000'000;
  const TimeNs now = 1'764'000'000LL * kSecond;
  std::vector<Event> batch;
  for (int i = 0; i < 4; ++i)
    batch.push_back(ssh_failure(now - 60 * kSecond + i, "192.0.2.50", "x"));
  store_and_observe(batch);
  EXPECT_TRUE(incidents().empty());
  // A "restarted" collector: a new engine and store connection, windows rebuilt from the store.
  auto again = IncidentStore::open(dir_ + "/events.db");
  ASSERT_TRUE(again);
  incidents_ = std::move(*again);
  auto key = pack::SecretKey::generate();
  auto built =
      pack::build_pack(std::string(SOC_SOURCE_DIR) + "/signatures/packs/default", *key, {});
  auto verified = pack::read_pack(built->bytes, {key->public_key()});
  engine_ = std::make_unique<IncidentEngine>(*incidents_, IncidentEngineOptions{});
  ASSERT_TRUE(engine_->load_pack(*verified));
  auto replayed = engine_->replay(*events_, now);
  ASSERT_TRUE(replayed) << replayed.error().message;
  EXPECT_EQ(*replayed, 4u);
  EXPECT_TRUE(incidents().empty());
  // The fifth failure completes the window that was open before the restart.
  store_and_observe({ssh_failure(now, "192.0.2.50", "x")});
  ASSERT_EQ(incidents().size(), 1u);
}

}  // namespace
}  // namespace soc::collector
