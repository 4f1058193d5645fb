// IncidentStore on a real SQLite file: filing, merging repeated hits, evidence, state changes.
#include "collector/store/incident_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "collector/store/sqlite_store.h"
#include "tests/temp_dir.h"

namespace soc::collector {
namespace {

namespace fs = std::filesystem;

class IncidentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.empty());
    path_ = dir_ + "/events.db";
    auto events = open_sqlite_store(path_);
    ASSERT_TRUE(events) << events.error().message;
    events_ = std::move(*events);
    auto agent = events_->enroll_agent("web-1", std::string(40, 'k'), "Health");
    ASSERT_TRUE(agent);
    // Three stored events to use as evidence.
    std::vector<Event> batch_events(3);
    for (int i = 0; i < 3; ++i) {
      batch_events[i].time_ns = 1000 + i;
      batch_events[i].raw = "line " + std::to_string(i);
      batch_events[i].kind = EventKind::kAlert;
    }
    store_batch(batch_events, agent->id);
    auto store = IncidentStore::open(path_);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }

  void store_batch(const std::vector<Event>& events, std::int64_t agent_id) {
    IncomingBatch b{agent_id, 1, 1, 1, 5, &events};
    auto r = events_->store_batches(std::span<const IncomingBatch>(&b, 1));
    ASSERT_TRUE(r);
    event_ids_ = r->front().event_ids;
    ASSERT_EQ(event_ids_.size(), 3u);
  }

  IncidentHit hit(const std::string& group, TimeNs first, TimeNs last,
                  std::vector<std::int64_t> evidence, const std::string& host = "web-1") {
    IncidentHit h;
    h.rule_id = "bf";
    h.title = "SSH brute force";
    h.level = "high";
    h.origin = "correlation";
    h.group_key = group;
    h.first_ns = first;
    h.last_ns = last;
    h.agencies = {"Health"};
    h.hosts = {host};
    h.evidence = std::move(evidence);
    return h;
  }

  soc::testing::TempDir temp_{"incident_store_test"};  // removed after the stores below are closed
  std::string dir_ = temp_.path();
  std::string path_;
  std::unique_ptr<EventStore> events_;
  std::unique_ptr<IncidentStore> store_;
  std::vector<std::int64_t> event_ids_;
};

TEST_F(IncidentStoreTest, RepeatedHitsGoIntoTheOpenIncident) {
  bool created = false;
  auto first = store_->record_hit(hit("source.ip=10.0.0.1", 100, 200, {event_ids_[0]}), &created);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(created);
  EXPECT_EQ(first->state, IncidentState::kOpen);
  EXPECT_EQ(first->hits, 1u);
  auto second = store_->record_hit(
      hit("source.ip=10.0.0.1", 50, 300, {event_ids_[0], event_ids_[1]}, "db-1"), &created);
  ASSERT_TRUE(second);
  EXPECT_FALSE(created);
  EXPECT_EQ(second->id, first->id);
  EXPECT_EQ(second->hits, 2u);
  EXPECT_EQ(second->first_seen_ns, 50);
  EXPECT_EQ(second->last_seen_ns, 300);
  EXPECT_EQ(second->hosts, (std::vector<std::string>{"db-1", "web-1"}));
  auto other = store_->record_hit(hit("source.ip=10.0.0.2", 1, 2, {}), &created);
  ASSERT_TRUE(other);
  EXPECT_TRUE(created);
  EXPECT_NE(other->id, first->id);

  auto evidence = store_->evidence(first->id, 100);
  ASSERT_TRUE(evidence);
  ASSERT_EQ(evidence->size(), 2u);  // the same event twice is linked once
  EXPECT_EQ(evidence->at(0).message, "line 0");
  EXPECT_EQ(evidence->at(0).agent, "web-1");
  EXPECT_EQ(evidence->at(1).message, "line 1");
}

TEST_F(IncidentStoreTest, HitsOnOneKeyInOneCallAreRecordedAsTheyWouldBeOneByOne) {
  std::vector<IncidentHit> hits = {
      hit("source.ip=10.0.0.1", 100, 200, {event_ids_[0]}),
      hit("source.ip=10.0.0.2", 5, 6, {event_ids_[2]}),
      hit("source.ip=10.0.0.1", 50, 150, {event_ids_[1], event_ids_[0]}, "db-1"),
      hit("source.ip=10.0.0.1", 120, 300, {}, "app-1"),
  };
  hits[3].title = "SSH brute force (renamed)";
  std::vector<bool> created;
  auto recorded = store_->record_hits(hits, &created);
  ASSERT_TRUE(recorded) << recorded.error().message;
  ASSERT_EQ(recorded->size(), 4u);
  EXPECT_EQ(created, (std::vector<bool>{true, true, false, false}));
  const Incident& one = recorded->at(0);
  EXPECT_EQ(recorded->at(2).id, one.id);
  EXPECT_EQ(recorded->at(3).id, one.id);
  EXPECT_NE(recorded->at(1).id, one.id);
  EXPECT_EQ(one.hits, 3u);
  EXPECT_EQ(one.first_seen_ns, 50);
  EXPECT_EQ(one.last_seen_ns, 300);
  EXPECT_EQ(one.hosts, (std::vector<std::string>{"app-1", "db-1", "web-1"}));
  EXPECT_EQ(one.title, "SSH brute force (renamed)");  // the last hit's
  EXPECT_EQ(recorded->at(1).hits, 1u);
  auto evidence = store_->evidence(one.id, 100);
  ASSERT_TRUE(evidence);
  ASSERT_EQ(evidence->size(), 2u);

  // The next call goes into the same open incident.
  auto again = store_->record_hits(std::vector<IncidentHit>{hits[0], hits[0]}, &created);
  ASSERT_TRUE(again);
  EXPECT_EQ(created, (std::vector<bool>{false, false}));
  EXPECT_EQ(again->at(1).id, one.id);
  EXPECT_EQ(again->at(1).hits, 5u);
}

TEST_F(IncidentStoreTest, EvidenceOfUnknownEventsIsIgnored) {
  auto i = store_->record_hit(hit("g", 1, 2, {987654, event_ids_[2]}));
  ASSERT_TRUE(i) << i.error().message;
  auto evidence = store_->evidence(i->id, 100);
  ASSERT_TRUE(evidence);
  ASSERT_EQ(evidence->size(), 1u);
  EXPECT_EQ(evidence->at(0).event_id, event_ids_[2]);
}

TEST_F(IncidentStoreTest, StatesChangeWithWhoAndWhenAndAClosedIncidentIsNotReused) {
  auto i = store_->record_hit(hit("g", 1, 2, {}));
  ASSERT_TRUE(i);
  auto acked = store_->change_state(i->id, IncidentState::kAcknowledged, "alice", "looking");
  ASSERT_TRUE(acked) << acked.error().message;
  EXPECT_EQ(acked->state, IncidentState::kAcknowledged);
  EXPECT_EQ(acked->state_by, "alice");
  // Still collecting hits while acknowledged.
  auto more = store_->record_hit(hit("g", 3, 4, {}));
  ASSERT_TRUE(more);
  EXPECT_EQ(more->id, i->id);
  EXPECT_EQ(more->hits, 2u);

  auto again = store_->change_state(i->id, IncidentState::kAcknowledged, "bob", "");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  auto closed = store_->change_state(i->id, IncidentState::kClosed, "bob", "blocked at the edge");
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->state_note, "blocked at the edge");
  auto reopen = store_->change_state(i->id, IncidentState::kAcknowledged, "bob", "");
  ASSERT_FALSE(reopen);
  EXPECT_EQ(reopen.error().code, ErrorCode::kConflict);
  auto missing = store_->change_state(424242, IncidentState::kClosed, "bob", "");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

  auto changes = store_->changes(i->id);
  ASSERT_TRUE(changes);
  ASSERT_EQ(changes->size(), 3u);
  EXPECT_EQ(changes->at(0).state, IncidentState::kOpen);
  EXPECT_EQ(changes->at(1).actor, "alice");
  EXPECT_EQ(changes->at(2).state, IncidentState::kClosed);

  bool created = false;
  auto fresh = store_->record_hit(hit("g", 5, 6, {}), &created);
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(created);
  EXPECT_NE(fresh->id, i->id);

  IncidentFilter open_only;
  open_only.state = IncidentState::kOpen;
  auto open = store_->list(open_only);
  ASSERT_TRUE(open);
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ(open->at(0).id, fresh->id);
  auto all = store_->list({});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2u);
}

TEST_F(IncidentStoreTest, StateNames) {
  EXPECT_EQ(parse_incident_state("open"), IncidentState::kOpen);
  EXPECT_EQ(parse_incident_state("acknowledged"), IncidentState::kAcknowledged);
  EXPECT_EQ(parse_incident_state("ack"), IncidentState::kAcknowledged);
  EXPECT_EQ(parse_incident_state("closed"), IncidentState::kClosed);
  EXPECT_FALSE(parse_incident_state("OPEN"));
  EXPECT_EQ(incident_state_name(IncidentState::kAcknowledged), "acknowledged");
}

}  // namespace
}  // namespace soc::collector
