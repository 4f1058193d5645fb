#include "collector/store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "collector/store/event_row.h"
#include "collector/store/fields_column.h"
#include "tests/temp_dir.h"

namespace soc::collector {
namespace {

namespace fs = std::filesystem;

// Migration 1's schema exactly as shipped, to build a version-1 database by hand.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE agents(
  id INTEGER PRIMARY KEY,
  name TEXT UNIQUE NOT NULL,
  public_key TEXT UNIQUE NOT NULL,
  agency TEXT NOT NULL,
  enrolled_ns INTEGER NOT NULL,
  last_seen_ns INTEGER NOT NULL DEFAULT 0,
  counters TEXT NOT NULL DEFAULT '{}');
CREATE TABLE streams(
  agent_id INTEGER NOT NULL REFERENCES agents(id),
  epoch INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  PRIMARY KEY(agent_id, epoch));
CREATE TABLE events(
  id INTEGER PRIMARY KEY,
  time_ns INTEGER NOT NULL,
  received_ns INTEGER NOT NULL,
  agent_id INTEGER NOT NULL REFERENCES agents(id),
  kind TEXT NOT NULL,
  source TEXT NOT NULL,
  message TEXT NOT NULL,
  fields TEXT NOT NULL);
CREATE INDEX events_time ON events(time_ns);
CREATE INDEX events_agent_time ON events(agent_id, time_ns);
CREATE INDEX events_kind_time ON events(kind, time_ns);
)sql";

const std::string kKeyA(40, 'A');
const std::string kKeyB(40, 'B');
const std::string kKeyC(40, 'C');

// A raw connection for building and inspecting database files behind the store's back.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) ADD_FAILURE() << "open " << path;
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (error ? error : "?");
    }
    sqlite3_free(error);
  }
  // First column of the first row as text ("" when there is no row).
  std::string scalar(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return out;
    }
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

Event make_event(TimeNs time_ns, EventKind kind, std::string raw, std::vector<Field> fields = {}) {
  Event event;
  event.time_ns = time_ns;
  event.source = "/var/log/auth.log";
  event.kind = kind;
  event.raw = std::move(raw);
  event.fields = std::move(fields);
  return event;
}

std::vector<Event> make_events(std::size_t n, TimeNs first_time) {
  std::vector<Event> events;
  for (std::size_t i = 0; i < n; ++i) {
    events.push_back(make_event(first_time + static_cast<TimeNs>(i), EventKind::kLog,
                                "line " + std::to_string(i)));
  }
  return events;
}

IncomingBatch make_batch(std::int64_t agent_id, std::uint64_t epoch, std::uint64_t seq,
                         std::uint64_t base, const std::vector<Event>& events) {
  IncomingBatch batch;
  batch.agent_id = agent_id;
  batch.epoch = epoch;
  batch.seq = seq;
  batch.base = base;
  batch.received_ns = 5'000;
  batch.events = &events;
  return batch;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.empty());
    path_ = dir_ + "/data/collector.db";  // the parent folder does not exist yet
  }

  std::unique_ptr<EventStore> open(StoreMode mode = StoreMode::kReadWrite) {
    auto store = open_sqlite_store(path_, mode);
    EXPECT_TRUE(store.has_value()) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  AgentRecord enroll(EventStore& store, const std::string& name, const std::string& key) {
    auto agent = store.enroll_agent(name, key, "Health Dept");
    EXPECT_TRUE(agent.has_value()) << agent.error().message;
    return agent ? *agent : AgentRecord{};
  }

  // Stores one batch and returns its outcome (fails the test on a store error).
  BatchResult store_one(EventStore& store, const IncomingBatch& batch) {
    auto results = store.store_batches(std::span<const IncomingBatch>(&batch, 1));
    EXPECT_TRUE(results.has_value()) << results.error().message;
    if (!results || results->size() != 1) return {BatchOutcome::kGap, 9999, 9999, {}};
    return results->front();
  }

  std::uint64_t count(EventStore& store, EventQuery query = {}) {
    auto n = store.count_events(query);
    EXPECT_TRUE(n.has_value()) << n.error().message;
    return n ? *n : 9999;
  }

  std::uint64_t event_count_of(EventStore& store, const std::string& name) {
    auto agents = store.list_agents();
    EXPECT_TRUE(agents.has_value());
    if (!agents) return 9999;
    for (const AgentRecord& agent : *agents) {
      if (agent.name == name) return agent.event_count;
    }
    ADD_FAILURE() << "no agent " << name;
    return 9999;
  }

  soc::testing::TempDir temp_{"sqlite_store_test"};  // removed after the stores below are closed
  std::string dir_ = temp_.path();
  std::string path_;
};

TEST_F(SqliteStoreTest, EnrollsFindsAndRefusesDuplicateNameOrKey) {
  auto store = open();
  ASSERT_TRUE(store);
  AgentRecord web = enroll(*store, "web-01", kKeyA);
  EXPECT_GT(web.id, 0);
  EXPECT_GT(web.enrolled_ns, 0);
  EXPECT_EQ(web.last_seen_ns, 0);
  EXPECT_EQ(web.counters_json, "{}");

  auto found = store->find_agent_by_key(kKeyA);
  ASSERT_TRUE(found.has_value());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, web.id);
  EXPECT_EQ((*found)->name, "web-01");
  EXPECT_EQ((*found)->agency, "Health Dept");
  EXPECT_EQ((*found)->enrolled_ns, web.enrolled_ns);
  EXPECT_EQ((*found)->event_count, 0u);

  auto missing = store->find_agent_by_key(kKeyB);
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->has_value());

  auto same_name = store->enroll_agent("web-01", kKeyB, "Other");
  ASSERT_FALSE(same_name.has_value());
  EXPECT_EQ(same_name.error().code, ErrorCode::kConflict);
  EXPECT_NE(same_name.error().message.find("web-01"), std::string::npos);

  auto same_key = store->enroll_agent("web-02", kKeyA, "Other");
  ASSERT_FALSE(same_key.has_value());
  EXPECT_EQ(same_key.error().code, ErrorCode::kConflict);
  EXPECT_NE(same_key.error().message.find("key"), std::string::npos);

  auto agents = store->list_agents();
  ASSERT_TRUE(agents.has_value());
  EXPECT_EQ(agents->size(), 1u);  // neither conflicting enrollment left a row
}

TEST_F(SqliteStoreTest, ListsAgentsByNameWithEventCounts) {
  auto store = open();
  ASSERT_TRUE(store);
  AgentRecord zeta = enroll(*store, "zeta", kKeyA);
  enroll(*store, "alpha", kKeyB);
  AgentRecord mid = enroll(*store, "mid", kKeyC);
  const auto three = make_events(3, 100);
  const auto two = make_events(2, 200);
  const IncomingBatch batches[] = {make_batch(zeta.id, 1, 1, 1, three),
                                   make_batch(mid.id, 1, 1, 1, two)};
  ASSERT_TRUE(store->store_batches(batches).has_value());

  auto agents = store->list_agents();
  ASSERT_TRUE(agents.has_value());
  ASSERT_EQ(agents->size(), 3u);
  EXPECT_EQ((*agents)[0].name, "alpha");
  EXPECT_EQ((*agents)[0].event_count, 0u);
  EXPECT_EQ((*agents)[1].name, "mid");
  EXPECT_EQ((*agents)[1].event_count, 2u);
  EXPECT_EQ((*agents)[2].name, "zeta");
  EXPECT_EQ((*agents)[2].event_count, 3u);
}

TEST_F(SqliteStoreTest, ResentBatchIsDuplicateAndStoresNothing) {
  auto store = open();
  ASSERT_TRUE(store);
  AgentRecord agent = enroll(*store, "web-01", kKeyA);
  const auto events = make_events(4, 1'000);

  BatchResult first = store_one(*store, make_batch(agent.id, 7, 1, 1, events));
  EXPECT_EQ(first.outcome, BatchOutcome::kStored);
  EXPECT_EQ(first.skipped, 0u);
  EXPECT_EQ(count(*store), 4u);

  BatchResult again = store_one(*store, make_batch(agent.id, 7, 1, 1, events));
  EXPECT_EQ(again.outcome, BatchOutcome::kDuplicate);
  EXPECT_EQ(count(*store), 4u);
  EXPECT_EQ(event_count_of(*store, "web-01"), 4u);

  EXPECT_EQ(store_one(*store, make_batch(agent.id, 7, 2, 1, events)).outcome,
            BatchOutcome::kStored);
  // An older batch than the last one is a duplicate too.
  EXPECT_EQ(store_one(*store, make_batch(agent.id, 7, 1, 1, events)).outcome,
            BatchOutcome::kDuplicate);
  EXPECT_EQ(count(*store), 8u);
  EXPECT_EQ(event_count_of(*store, "web-01"), 8u);
}

TEST_F(SqliteStoreTest, GapWithMissingBatchStillHeldIsRefused) {
  auto store = open();
  ASSERT_TRUE(store);
  AgentRecord agent = enroll(*store, "web-01", kKeyA);
  const auto events = make_events(2, 1'000);
  ASSERT_EQ(store_one(*store, make_batch(agent.id, 1, 1, 1, events)).outcome,
            BatchOutcome::kStored);

  // Batch 4 arrives, the agent still holds 2 (base 2 = last + 1): resend from 2.
  BatchResult gap = store_one(*store, make_batch(agent.id, 1, 4, 2, events));
  EXPECT_EQ(gap.outcome, BatchOutcome::kGap);
  EXPECT_EQ(gap.expected_seq, 2u);
  EXPECT_EQ(count(*store), 2u);

  // The stream did not move: 2 is still the next one wanted.
  EXPECT_EQ(store_one(*store, make_batch(agent.id, 1, 3, 1, events)).expected_seq, 2u);
  EXPECT_EQ(store_one(*store, make_batch(agent.id, 1, 2, 2, events)).outcome,
            BatchOutcome::kStored);
  EXPECT_EQ(count(*store), 4u);

  // A new stream whose first batch is not 1 while the agent still holds 1.
  BatchResult fresh = store_one(*store, make_batch(agent.id, 2, 3, 1, events));
  EXPECT_EQ(fresh.outcome, BatchOutcome::kGap);
  EXPECT_EQ(fresh.expected_seq, 1u);
  EXPECT_EQ(count(*store), 4u);
}

TEST_F(SqliteStoreTest, GapDeclaredLostByAgentIsStoredWithSkipped) {
  auto store = open();
  ASSERT_TRUE(store);
  AgentRecord agent = enroll(*store, "web-01", kKeyA);
  const auto events = make_events(3, 1'000);
  ASSERT_EQ(store_one(*store, make_batch(agent.id, 1, 1, 1, events)).outcome,
            BatchOutcome::kStored);

  // Batches 2..4 are gone at the agent (its lowest held batch is 5).
  BatchResult result = store_one(*store, make_batch(agent.id, 1, 5, 5, events));
  EXPECT_EQ(result.outcome, BatchOutcome::kStored);
  EXPECT_EQ(result.skipped, 3u);
  EXPECT_EQ(count(*store), 6u);
  EXPECT_EQ(store_one(*store, make_batch(agent.id, 1, 5, 5, events)).outcome,
            BatchOutcome::kDuplicate);
  EXPECT_EQ(store_one(*store, make_batch(agent.id, 1, 6, 5, events)).outcome,
            BatchOutcome::kStored);
  EXPECT_EQ(count(*store), 9u);
}

TEST_F(SqliteStoreTest, EpochsAreSeparateStreams) {
  auto store = open();
  ASSERT_TRUE(store);
  AgentRecord agent = enroll(*store, "web-01", kKeyA);
  AgentRecord other = enroll(*store, "web-02", kKeyB);
  const auto events = make_events(1, 1'000);
  EXPECT_EQ(store_one(*store, make_batch(agent.id, 1, 1, 1, events)).outcome,
            BatchOutcome::kStored);
  EXPECT_EQ(store_one(*store, make_batch(agent.id, 1, 2, 1, events)).outcome,
            BatchOutcome::kStored);
  // A reinstalled agent (new epoch) starts again at 1: not a duplicate of the old stream.
  EXPECT_EQ(store_one(*store, make_batch(agent.id, 2, 1, 1, events)).outcome,
            BatchOutcome::kStored);
  // Another agent's stream with the same epoch is separate as well.
  EXPECT_EQ(store_one(*store, make_batch(other.id, 1, 1, 1, events)).outcome,
            BatchOutcome::kStored);
  EXPECT_EQ(store_one(*store, make_batch(agent.id, 2, 1, 1, events)).outcome,
            BatchOutcome::kDuplicate);
  EXPECT_EQ(store_one(*store, make_batch(agent.id, 1, 3, 1, events)).outcome,
            BatchOutcome::kStored);
  EXPECT_EQ(count(*store), 5u);
}

TEST_F(SqliteStoreTest, LaterBatchesInOneCallSeeEarlierOnes) {
  auto store = open();
  ASSERT_TRUE(store);
  AgentRecord agent = enroll(*store, "web-01", kKeyA);
  const auto one = make_events(1, 1'000);
  const auto two = make_events(2, 2'000);
  const auto three = make_events(3, 3'000);
  const IncomingBatch batches[] = {
      make_batch(agent.id, 1, 1, 1, one),   make_batch(agent.id, 1, 2, 1, two),
      make_batch(agent.id, 1, 1, 1, one),    // resent within the same call
      make_batch(agent.id, 1, 4, 3, three),  // gap: 3 still held
      make_batch(agent.id, 1, 3, 3, three),
  };
  auto results = store->store_batches(batches);
  ASSERT_TRUE(results.has_value()) << results.error().message;
  ASSERT_EQ(results->size(), 5u);
  EXPECT_EQ((*results)[0].outcome, BatchOutcome::kStored);
  EXPECT_EQ((*results)[1].outcome, BatchOutcome::kStored);
  EXPECT_EQ((*results)[2].outcome, BatchOutcome::kDuplicate);
  EXPECT_EQ((*results)[3].outcome, BatchOutcome::kGap);
  EXPECT_EQ((*results)[3].expected_seq, 3u);
  EXPECT_EQ((*results)[4].outcome, BatchOutcome::kStored);
  EXPECT_EQ(count(*store), 6u);
  EXPECT_EQ(event_count_of(*store, "web-01"), 6u);
}

TEST_F(SqliteStoreTest, EventsSinceAreVisitedOldestFirstWithTheKindsMerged) {
  auto store = open();
  ASSERT_TRUE(store);
  AgentRecord agent = enroll(*store, "web-01", kKeyA);
  // Stored out of time order, kinds interleaved, two alerts and a flow at the same time 300,
  // one log (not asked for) and events before `since` (200).
  const std::vector<Event> first = {make_event(500, EventKind::kFlow, "flow 500"),
                                    make_event(300, EventKind::kAlert, "alert 300a"),
                                    make_event(100, EventKind::kAlert, "alert 100"),
                                    make_event(250, EventKind::kLog, "log 250"),
                                    make_event(300, EventKind::kFlow, "flow 300")};
  const std::vector<Event> second = {make_event(200, EventKind::kFlow, "flow 200"),
                                     make_event(300, EventKind::kAlert, "alert 300b"),
                                     make_event(150, EventKind::kFlow, "flow 150"),
                                     make_event(400, EventKind::kAlert, "alert 400")};
  ASSERT_EQ(store_one(*store, make_batch(agent.id, 1, 1, 1, first)).outcome, BatchOutcome::kStored);
  ASSERT_EQ(store_one(*store, make_batch(agent.id, 1, 2, 1, second)).outcome,
            BatchOutcome::kStored);

  const EventKind kinds[] = {EventKind::kAlert, EventKind::kFlow};
  std::vector<std::string> seen;
  std::int64_t last_id = 0;
  TimeNs last_time = 0;
  auto visited = store->for_each_event_since(kinds, 200, [&](const StoredEvent& e) {
    EXPECT_EQ(e.agent, "web-01");
    EXPECT_TRUE(e.event.time_ns > last_time || (e.event.time_ns == last_time && e.id > last_id))
        << e.event.raw;
    last_time = e.event.time_ns;
    last_id = e.id;
    seen.push_back(e.event.raw);
  });
  ASSERT_TRUE(visited.has_value()) << visited.error().message;
  EXPECT_EQ(*visited, seen.size());
  // Same time: by id, that is in the order stored.
  EXPECT_EQ(seen, (std::vector<std::string>{"flow 200", "alert 300a", "flow 300", "alert 300b",
                                            "alert 400", "flow 500"}));
}

TEST_F(SqliteStoreTest, FailedBatchRollsBackTheWholeCall) {
  auto store = open();
  ASSERT_TRUE(store);
  AgentRecord agent = enroll(*store, "web-01", kKeyA);
  const auto events = make_events(2, 1'000);
  const IncomingBatch batches[] = {
      make_batch(agent.id, 1, 1, 1, events),
      make_batch(agent.id + 100, 1, 1, 1, events),  // not enrolled: foreign key violation
  };
  auto results = store->store_batches(batches);
  ASSERT_FALSE(results.has_value());
  EXPECT_EQ(results.error().code, ErrorCode::kStore);

  // Nothing of the first batch remains: events, count and stream position rolled back.
  EXPECT_EQ(count(*store), 0u);
  EXPECT_EQ(event_count_of(*store, "web-01"), 0u);
  EXPECT_EQ(store_one(*store, make_batch(agent.id, 1, 1, 1, events)).outcome,
            BatchOutcome::kStored);
  EXPECT_EQ(count(*store), 2u);
}

TEST_F(SqliteStoreTest, FieldsRoundTripAllValueTypes) {
  auto store = open();
  ASSERT_TRUE(store);
  AgentRecord agent = enroll(*store, "web-01", kKeyA);
  const std::vector<Field> fields = {
      {"user.name", std::string("root")},
      {"destination.port", std::int64_t{22}},
      {"big", std::numeric_limits<std::int64_t>::min()},
      {"huge", std::numeric_limits<std::int64_t>::max()},
      {"score", 0.1},
      {"whole", 2.0},
      {"event.success", true},
      {"flag", false},
      {"source.ip", *IpAddress::parse("192.0.2.10")},
      {"destination.ip", *IpAddress::parse("2001:db8::1")},
      {"tags", StringList{"ssh", "brute \"force\"", ""}},
      {"empty", StringList{}},
      {"empty.text", std::string()},
  };
  const std::vector<Event> events = {
      make_event(42, EventKind::kAlert, "sshd: ok \xc3\xa9", fields)};
  ASSERT_EQ(store_one(*store, make_batch(agent.id, 1, 1, 1, events)).outcome,
            BatchOutcome::kStored);

  auto stored = store->query_events({});
  ASSERT_TRUE(stored.has_value()) << stored.error().message;
  ASSERT_EQ(stored->size(), 1u);
  const StoredEvent& got = stored->front();
  EXPECT_GT(got.id, 0);
  EXPECT_EQ(got.received_ns, 5'000);
  EXPECT_EQ(got.agent, "web-01");
  EXPECT_EQ(got.agency, "Health Dept");

  Event expected = events.front();
  expected.fields[8].value = std::string("192.0.2.10");  // IP addresses come back as text
  expected.fields[9].value = std::string("2001:db8::1");
  EXPECT_EQ(got.event, expected);
  EXPECT_TRUE(std::holds_alternative<double>(*got.event.find("whole")));
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(*got.event.find("destination.port")));

  // The column is a JSON object keyed by field name.
  store.reset();
  RawDb raw(path_);
  EXPECT_EQ(raw.scalar("SELECT json_extract(fields, '$.\"source.ip\"') FROM events"), "192.0.2.10");
  EXPECT_EQ(raw.scalar("SELECT json_extract(fields, '$.tags[0]') FROM events"), "ssh");
  EXPECT_EQ(raw.scalar("SELECT kind || '|' || message || '|' || source FROM events"),
            "alert|sshd: ok \xc3\xa9|/var/log/auth.log");
}

TEST_F(SqliteStoreTest, RowsEncodedAheadAreWrittenAsGivenAndMissingOnesEncodedHere) {
  auto store = open();
  ASSERT_TRUE(store);
  AgentRecord agent = enroll(*store, "web-01", kKeyA);
  const std::vector<Field> fields = {{"source.ip", *IpAddress::parse("192.0.2.10")},
                                     {"user.name", std::string("root")},
                                     {"rule.id", std::int64_t{5710}}};
  const std::vector<Event> events = {make_event(1, EventKind::kLog, "first", fields),
                                     make_event(2, EventKind::kLog, "second", fields)};
  // Encoded ahead: the store writes these rows, not its own encoding of the events.
  std::vector<EventRow> rows = encode_event_rows(events);
  rows[1].fields = R"({"written":"as given"})";
  rows[1].indexed[0] = "198.51.100.7";
  IncomingBatch ahead = make_batch(agent.id, 1, 1, 1, events);
  ahead.rows = &rows;
  ASSERT_EQ(store_one(*store, ahead).outcome, BatchOutcome::kStored);
  // Rows that do not match the events one for one are ignored: the store encodes the events.
  const std::vector<EventRow> too_few(1);
  IncomingBatch mismatched = make_batch(agent.id, 1, 2, 1, events);
  mismatched.rows = &too_few;
  ASSERT_EQ(store_one(*store, mismatched).outcome, BatchOutcome::kStored);

  store.reset();
  RawDb raw(path_);
  const std::string columns =
      "SELECT fields || '|' || source_ip || '|' || user_name || '|' || rule_id || '|' || "
      "IFNULL(destination_ip, 'NULL') FROM events WHERE id = ";
  const std::string encoded = encode_fields_column(fields);
  EXPECT_EQ(raw.scalar(columns + "1"), encoded + "|192.0.2.10|root|5710|NULL");
  EXPECT_EQ(raw.scalar(columns + "2"), R"({"written":"as given"}|198.51.100.7|root|5710|NULL)");
  EXPECT_EQ(raw.scalar(columns + "3"), encoded + "|192.0.2.10|root|5710|NULL");
  EXPECT_EQ(raw.scalar(columns + "4"), encoded + "|192.0.2.10|root|5710|NULL");
}

TEST_F(SqliteStoreTest, OddFieldValuesDoNotFailTheBatch) {
  auto store = open();
  ASSERT_TRUE(store);
  AgentRecord agent = enroll(*store, "web-01", kKeyA);
  const std::vector<Event> events = {
      make_event(1, EventKind::kLog, "raw",
                 {{"bad.utf8", std::string("a\xff"
                                           "b")},
                  {"nan", std::numeric_limits<double>::quiet_NaN()}})};
  ASSERT_EQ(store_one(*store, make_batch(agent.id, 1, 1, 1, events)).outcome,
            BatchOutcome::kStored);
  auto stored = store->query_events({});
  ASSERT_TRUE(stored.has_value()) << stored.error().message;
  ASSERT_EQ(stored->size(), 1u);
  const FieldValue* bad = stored->front().event.find("bad.utf8");
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(std::get<std::string>(*bad),
            "a\xef\xbf\xbd"
            "b");  // replaced by U+FFFD
  const FieldValue* nan = stored->front().event.find("nan");
  ASSERT_NE(nan, nullptr);
  EXPECT_TRUE(std::isnan(std::get<double>(*nan)));
}

class SqliteStoreQueryTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    store_ = open();
    ASSERT_TRUE(store_);
    const std::int64_t web = enroll(*store_, "web-01", kKeyA).id;
    const std::int64_t db = enroll(*store_, "db-01", kKeyB).id;
    web_events_ = {
        make_event(100, EventKind::kLog, "w100"), make_event(200, EventKind::kDns, "w200"),
        make_event(300, EventKind::kLog, "w300"), make_event(300, EventKind::kLog, "w300b")};
    db_events_ = {make_event(150, EventKind::kLog, "d150"),
                  make_event(250, EventKind::kDns, "d250")};
    const IncomingBatch batches[] = {make_batch(web, 1, 1, 1, web_events_),
                                     make_batch(db, 1, 1, 1, db_events_)};
    ASSERT_TRUE(store_->store_batches(batches).has_value());
  }

  std::vector<std::string> raws(const EventQuery& query) {
    auto events = store_->query_events(query);
    EXPECT_TRUE(events.has_value()) << events.error().message;
    std::vector<std::string> out;
    if (events) {
      for (const StoredEvent& e : *events) out.push_back(e.event.raw);
    }
    return out;
  }

  std::unique_ptr<EventStore> store_;
  std::vector<Event> web_events_;
  std::vector<Event> db_events_;
};

using Raws = std::vector<std::string>;

TEST_F(SqliteStoreQueryTest, NewestFirstWithTiesByInsertionOrder) {
  EXPECT_EQ(raws({}), (Raws{"w300b", "w300", "d250", "w200", "d150", "w100"}));
  auto events = store_->query_events({});
  ASSERT_TRUE(events.has_value());
  EXPECT_EQ(events->front().agent, "web-01");
  EXPECT_EQ(events->at(2).agent, "db-01");
  EXPECT_EQ(events->at(2).event.kind, EventKind::kDns);
}

TEST_F(SqliteStoreQueryTest, FiltersByAgentKindSinceUntilAndLimit) {
  EventQuery by_agent;
  by_agent.agent = "db-01";
  EXPECT_EQ(raws(by_agent), (Raws{"d250", "d150"}));

  EventQuery by_kind;
  by_kind.kind = EventKind::kDns;
  EXPECT_EQ(raws(by_kind), (Raws{"d250", "w200"}));

  EventQuery window;  // since inclusive, until exclusive
  window.since = 150;
  window.until = 300;
  EXPECT_EQ(raws(window), (Raws{"d250", "w200", "d150"}));

  EventQuery all_filters;
  all_filters.agent = "web-01";
  all_filters.kind = EventKind::kLog;
  all_filters.since = 100;
  all_filters.until = 301;
  EXPECT_EQ(raws(all_filters), (Raws{"w300b", "w300", "w100"}));

  EventQuery limited;
  limited.limit = 2;
  EXPECT_EQ(raws(limited), (Raws{"w300b", "w300"}));
  limited.limit = 0;
  EXPECT_TRUE(raws(limited).empty());

  EventQuery unknown_agent;
  unknown_agent.agent = "nobody";
  EXPECT_TRUE(raws(unknown_agent).empty());

  // The same filter shape again (cached statement) with other values.
  by_agent.agent = "web-01";
  EXPECT_EQ(raws(by_agent), (Raws{"w300b", "w300", "w200", "w100"}));
}

TEST_F(SqliteStoreQueryTest, CountsWithFiltersIgnoringLimit) {
  EXPECT_EQ(count(*store_), 6u);
  EventQuery query;
  query.limit = 1;
  EXPECT_EQ(count(*store_, query), 6u);
  query.agent = "web-01";
  EXPECT_EQ(count(*store_, query), 4u);
  query.kind = EventKind::kLog;
  EXPECT_EQ(count(*store_, query), 3u);
  query.since = 200;
  EXPECT_EQ(count(*store_, query), 2u);
  query.until = 300;
  EXPECT_EQ(count(*store_, query), 0u);
  EventQuery db_only;
  db_only.agent = "db-01";
  db_only.until = 200;
  EXPECT_EQ(count(*store_, db_only), 1u);
}

TEST_F(SqliteStoreQueryTest, AgentNameIsDataNotSql) {
  EventQuery query;
  query.agent = "x' OR '1'='1";
  EXPECT_TRUE(raws(query).empty());
  EXPECT_EQ(count(*store_, query), 0u);
  query.agent = "web-01'; DROP TABLE events; --";
  EXPECT_TRUE(raws(query).empty());
  EXPECT_EQ(count(*store_), 6u);
}

TEST_F(SqliteStoreTest, HeartbeatUpdatesLastSeenAndCounters) {
  auto store = open();
  ASSERT_TRUE(store);
  AgentRecord agent = enroll(*store, "web-01", kKeyA);
  AgentRecord other = enroll(*store, "web-02", kKeyB);
  // Two agents and one that is not enrolled, in one call: the unknown one is named, the others
  // are recorded.
  const std::vector<AgentHeartbeat> beats = {
      {agent.id, 123'456, R"({"read":10,"sent":9})", "1.2.0"},
      {other.id + 100, 1, "{}", ""},
      {other.id, 654'321, "{}", ""},
  };
  auto unknown = store->record_heartbeats(beats);
  ASSERT_TRUE(unknown) << unknown.error().message;
  EXPECT_EQ(*unknown, std::vector<std::int64_t>{other.id + 100});
  auto found = store->find_agent_by_key(kKeyA);
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->last_seen_ns, 123'456);
  EXPECT_EQ((*found)->counters_json, R"({"read":10,"sent":9})");
  EXPECT_EQ((*found)->pack_version, "1.2.0");
  found = store->find_agent_by_key(kKeyB);
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->last_seen_ns, 654'321);
  auto none = store->record_heartbeats({});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(SqliteStoreTest, PacksArePublishedRolledBackAndReported) {
  auto store = open();
  ASSERT_TRUE(store);
  auto none = store->current_publication();
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());

  const StoredPack v1{"default", "1.0.0", "aa", std::string("pack\0one", 8)};
  const StoredPack v2{"default", "2.0.0", "bb", "pack two"};
  auto p1 = store->publish_pack(v1, false);
  ASSERT_TRUE(p1) << p1.error().message;
  auto p2 = store->publish_pack(v2, false);
  ASSERT_TRUE(p2) << p2.error().message;
  EXPECT_GT(p2->id, p1->id);
  // Same version, other bytes: refused; same bytes again: a new publication of the same pack.
  auto clash = store->publish_pack(StoredPack{"default", "2.0.0", "cc", "other"}, false);
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().code, ErrorCode::kConflict);
  auto back = store->publish_pack(v1, true);
  ASSERT_TRUE(back) << back.error().message;

  auto current = store->current_publication();
  ASSERT_TRUE(current.has_value() && current->has_value());
  EXPECT_EQ((*current)->version, "1.0.0");
  EXPECT_TRUE((*current)->rollback);
  EXPECT_EQ((*current)->id, back->id);
  auto history = store->pack_history();
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[1].version, "2.0.0");
  EXPECT_FALSE((*history)[1].rollback);
  auto found = store->find_pack("1.0.0");
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->bytes, v1.bytes);  // binary-safe
  auto missing = store->find_pack("9");
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->has_value());

  AgentRecord agent = enroll(*store, "web-01", kKeyA);
  ASSERT_TRUE(store->record_pack_report(agent.id, "2.0.0", false, "bad signature"));
  auto listed = store->list_agents();
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->front().pack_report, "2.0.0: bad signature");
  EXPECT_EQ(listed->front().pack_version, "");
  ASSERT_TRUE(store->record_pack_report(agent.id, "1.0.0", true, ""));
  listed = store->list_agents();
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->front().pack_version, "1.0.0");
  EXPECT_EQ(listed->front().pack_report, "");
}

TEST_F(SqliteStoreTest, CreatesWalDatabaseAtNewestSchema) {
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_TRUE(fs::exists(path_));
  store.reset();
  RawDb raw(path_);
  EXPECT_EQ(raw.scalar("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.scalar("PRAGMA page_size"), "16384");
  EXPECT_EQ(raw.scalar("PRAGMA user_version"), std::to_string(sqlite_schema_version()));
  EXPECT_GE(sqlite_schema_version(), 2);
}

TEST_F(SqliteStoreTest, DataSurvivesCloseAndReopen) {
  std::int64_t agent_id = 0;
  const auto events = make_events(3, 1'000);
  {
    auto store = open();
    ASSERT_TRUE(store);
    agent_id = enroll(*store, "web-01", kKeyA).id;
    ASSERT_EQ(store_one(*store, make_batch(agent_id, 1, 1, 1, events)).outcome,
              BatchOutcome::kStored);
    const AgentHeartbeat beat{agent_id, 77, R"({"sent":3})", ""};
    ASSERT_TRUE(store->record_heartbeats({&beat, 1}).has_value());
  }
  auto store = open();
  ASSERT_TRUE(store);
  auto found = store->find_agent_by_key(kKeyA);
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->id, agent_id);
  EXPECT_EQ((*found)->last_seen_ns, 77);
  EXPECT_EQ((*found)->counters_json, R"({"sent":3})");
  EXPECT_EQ((*found)->event_count, 3u);
  EXPECT_EQ(count(*store), 3u);
  auto stored = store->query_events({});
  ASSERT_TRUE(stored.has_value());
  ASSERT_EQ(stored->size(), 3u);
  EXPECT_EQ(stored->front().event, events.back());
  // The stream position survived too: the resent batch is still a duplicate.
  EXPECT_EQ(store_one(*store, make_batch(agent_id, 1, 1, 1, events)).outcome,
            BatchOutcome::kDuplicate);
  EXPECT_EQ(store_one(*store, make_batch(agent_id, 1, 2, 1, events)).outcome,
            BatchOutcome::kStored);
}

TEST_F(SqliteStoreTest, MigratesVersionOneDatabaseKeepingRowsAndCountingEvents) {
  fs::create_directories(fs::path(path_).parent_path());
  {
    RawDb raw(path_);
    raw.exec(kSchemaV1);
    raw.exec(
        "INSERT INTO agents(id, name, public_key, agency, enrolled_ns) VALUES"
        " (1, 'web-01', '" +
        kKeyA +
        "', 'Health', 10),"
        " (2, 'db-01', '" +
        kKeyB +
        "', 'Schools', 20),"
        " (3, 'idle', '" +
        kKeyC +
        "', 'Schools', 30);"
        "INSERT INTO streams(agent_id, epoch, last_seq) VALUES (1, 1, 2), (2, 1, 1);"
        "INSERT INTO events(time_ns, received_ns, agent_id, kind, source, message, fields) VALUES"
        " (100, 1, 1, 'log', 's', 'old1', '{\"user.name\":\"root\"}'),"
        " (200, 1, 1, 'log', 's', 'old2', '{}'),"
        " (300, 1, 1, 'dns', 's', 'old3', '{\"n\":5}'),"
        " (150, 1, 2, 'log', 's', 'old4', '{}');"
        "PRAGMA user_version = 1;");
  }
  auto store = open();
  ASSERT_TRUE(store);

  auto agents = store->list_agents();
  ASSERT_TRUE(agents.has_value()) << agents.error().message;
  ASSERT_EQ(agents->size(), 3u);
  EXPECT_EQ((*agents)[0].name, "db-01");
  EXPECT_EQ((*agents)[0].event_count, 1u);
  EXPECT_EQ((*agents)[1].name, "idle");
  EXPECT_EQ((*agents)[1].event_count, 0u);
  EXPECT_EQ((*agents)[2].name, "web-01");
  EXPECT_EQ((*agents)[2].event_count, 3u);

  auto old = store->query_events({});
  ASSERT_TRUE(old.has_value()) << old.error().message;
  ASSERT_EQ(old->size(), 4u);
  EXPECT_EQ(old->front().event.raw, "old3");
  EXPECT_EQ(std::get<std::int64_t>(*old->front().event.find("n")), 5);
  EXPECT_EQ(old->back().event.raw, "old1");
  EXPECT_EQ(std::get<std::string>(*old->back().event.find("user.name")), "root");

  // Old stream positions still drive dedup; new batches keep the counts up to date.
  const auto events = make_events(2, 1'000);
  EXPECT_EQ(store_one(*store, make_batch(1, 1, 2, 1, events)).outcome, BatchOutcome::kDuplicate);
  EXPECT_EQ(store_one(*store, make_batch(1, 1, 3, 1, events)).outcome, BatchOutcome::kStored);
  EXPECT_EQ(event_count_of(*store, "web-01"), 5u);
  auto found = store->find_agent_by_key(kKeyA);
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->event_count, 5u);

  store.reset();
  RawDb raw(path_);
  EXPECT_EQ(raw.scalar("PRAGMA user_version"), std::to_string(sqlite_schema_version()));
  EXPECT_EQ(raw.scalar("SELECT count FROM agent_event_counts WHERE agent_id = 2"), "1");
  EXPECT_EQ(raw.scalar("PRAGMA page_size"), "4096");  // an existing file keeps its page size

  // Reopening an up-to-date database changes nothing.
  auto again = open();
  ASSERT_TRUE(again);
  EXPECT_EQ(event_count_of(*again, "web-01"), 5u);
  EXPECT_EQ(count(*again), 6u);
}

TEST_F(SqliteStoreTest, RefusesDatabaseFromNewerBuild) {
  fs::create_directories(fs::path(path_).parent_path());
  {
    RawDb raw(path_);
    raw.exec("CREATE TABLE future(x); PRAGMA user_version = 99;");
  }
  for (StoreMode mode : {StoreMode::kReadWrite, StoreMode::kReadOnly}) {
    auto store = open_sqlite_store(path_, mode);
    ASSERT_FALSE(store.has_value());
    EXPECT_EQ(store.error().code, ErrorCode::kUnsupported);
    EXPECT_NE(store.error().message.find("99"), std::string::npos) << store.error().message;
  }
  RawDb raw(path_);
  EXPECT_EQ(raw.scalar("PRAGMA user_version"), "99");  // left untouched
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'agents'"), "0");
}

TEST_F(SqliteStoreTest, ReadOnlyOpenOfMissingFileIsNotFoundAndCreatesNothing) {
  auto store = open_sqlite_store(path_, StoreMode::kReadOnly);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(fs::exists(path_));
  EXPECT_FALSE(fs::exists(fs::path(path_).parent_path()));

  const std::string in_existing_dir = dir_ + "/missing.db";
  auto second = open_sqlite_store(in_existing_dir, StoreMode::kReadOnly);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(fs::exists(in_existing_dir));
}

TEST_F(SqliteStoreTest, ReadOnlyOpenWorksBesideOpenWriter) {
  auto writer = open();
  ASSERT_TRUE(writer);
  AgentRecord agent = enroll(*writer, "web-01", kKeyA);
  const auto events = make_events(2, 1'000);
  ASSERT_EQ(store_one(*writer, make_batch(agent.id, 1, 1, 1, events)).outcome,
            BatchOutcome::kStored);

  auto reader = open(StoreMode::kReadOnly);
  ASSERT_TRUE(reader);
  EXPECT_EQ(count(*reader), 2u);
  auto query = reader->query_events({});
  ASSERT_TRUE(query.has_value()) << query.error().message;
  EXPECT_EQ(query->size(), 2u);

  // The writer keeps committing while the reader is open; the reader sees the new data.
  ASSERT_EQ(store_one(*writer, make_batch(agent.id, 1, 2, 1, events)).outcome,
            BatchOutcome::kStored);
  EXPECT_EQ(count(*reader), 4u);
  EXPECT_EQ(event_count_of(*reader, "web-01"), 4u);

  // The read-only store refuses writes.
  auto enrolled = reader->enroll_agent("web-02", kKeyB, "x");
  ASSERT_FALSE(enrolled.has_value());
  EXPECT_EQ(enrolled.error().code, ErrorCode::kStore);
  auto stored =
      reader->store_batches(std::vector<IncomingBatch>{make_batch(agent.id, 1, 3, 1, events)});
  ASSERT_FALSE(stored.has_value());
  EXPECT_EQ(stored.error().code, ErrorCode::kStore);
  EXPECT_EQ(count(*writer), 4u);

  // And a reader opened after the writer closed still works.
  writer.reset();
  reader.reset();
  auto late_reader = open(StoreMode::kReadOnly);
  ASSERT_TRUE(late_reader);
  EXPECT_EQ(count(*late_reader), 4u);
}

}  // namespace
}  // namespace soc::collector
