// Searches compiled from the query language, run by the SQLite store on a real database file
// holding known events.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "collector/query/compiler.h"
#include "collector/query/indexed_fields.h"
#include "collector/store/sqlite_store.h"
#include "tests/temp_dir.h"

namespace soc::collector {
namespace {

namespace fs = std::filesystem;

constexpr TimeNs kSec = 1'000'000'000;
constexpr TimeNs kT0 = 1'795'996'800LL * kSec;  // 2026-11-30T00:00:00Z

// Runs SQL behind the store's back (migrations, plans, integrity checks).
class RawDb {
 public:
  explicit RawDb(const std::string& path) { sqlite3_open(path.c_str(), &db_); }
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
  // Every row's columns joined by '|', rows joined by '\n'.
  std::string rows(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return "";
    }
    std::string out;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      if (!out.empty()) out += '\n';
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        const unsigned char* text = sqlite3_column_text(stmt, c);
        if (c > 0) out += '|';
        out += text ? reinterpret_cast<const char*>(text) : "";
      }
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

Event make(TimeNs t, EventKind kind, std::string raw, std::vector<Field> fields) {
  Event e;
  e.time_ns = t;
  e.kind = kind;
  e.source = kind == EventKind::kFlow ? "pcap:eth0" : "/var/log/auth.log";
  e.raw = std::move(raw);
  e.fields = std::move(fields);
  return e;
}

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

class QueryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.empty());
    path_ = dir_ + "/events.db";
    auto opened = open_sqlite_store(path_);
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
    auto agent = store_->enroll_agent("web-1", std::string(40, 'A'), "health");
    ASSERT_TRUE(agent);
    agent_id_ = agent->id;
    // Event n (1-based) carries test.n = n so results are easy to name.
    events_ = {
        make(kT0, EventKind::kLog,
             "Failed password for invalid user admin from 10.1.2.3 port 22 ssh2",
             {{"source.ip", ip("10.1.2.3")},
              {"user.name", std::string("admin")},
              {"event.outcome", std::string("failure")}}),
        make(kT0 + kSec, EventKind::kLog,
             "Accepted password for alice from 192.168.1.5 port 50000 ssh2",
             {{"source.ip", ip("192.168.1.5")},
              {"user.name", std::string("alice")},
              {"event.outcome", std::string("success")}}),
        make(kT0 + 2 * kSec, EventKind::kHttp, "GET /admin/login.php HTTP/1.1 404",
             {{"source.ip", ip("2001:db8::7")},
              {"url.path", std::string("/admin/login.php")},
              {"http.response.status_code", std::int64_t{404}}}),
        make(kT0 + 3 * kSec, EventKind::kFlow, "",
             {{"source.ip", ip("172.16.5.4")},
              {"destination.ip", ip("8.8.8.8")},
              {"destination.port", std::int64_t{53}},
              {"network.transport", std::string("udp")}}),
        make(kT0 + 4 * kSec, EventKind::kAlert,
             "Failed password for invalid user admin from 10.1.2.3",
             {{"rule.id", std::string("abc-123")},
              {"rule.name", std::string("SSH failure")},
              {"tags", StringList{"attack.t1110", "ssh"}}}),
        make(kT0 + 3600 * kSec, EventKind::kLog,
             "Failed password for root from 10.200.0.1 port 22 ssh2",
             {{"source.ip", ip("10.200.0.1")},
              {"user.name", std::string("root")},
              {"event.outcome", std::string("failure")},
              {"destination.port", std::string("22")}}),
        make(kT0 + 3601 * kSec, EventKind::kLog, "session opened for user r00t by (uid=0)",
             {{"user.name", std::string("r00t")},
              {"source.ip", ip("fe80::1")},
              {"note", std::string("'); DROP TABLE events; --")}}),
    };
    for (std::size_t i = 0; i < events_.size(); ++i) {
      events_[i].fields.push_back({"test.n", static_cast<std::int64_t>(i + 1)});
    }
    ASSERT_NO_FATAL_FAILURE(store_batch(events_, 1));
  }

  // Stores the events as the agent's batch `seq` (of epoch 1).
  void store_batch(const std::vector<Event>& events, std::uint64_t seq) {
    IncomingBatch batch;
    batch.agent_id = agent_id_;
    batch.epoch = 1;
    batch.seq = seq;
    batch.received_ns = kT0;
    batch.events = &events;
    auto stored = store_->store_batches({&batch, 1});
    ASSERT_TRUE(stored) << stored.error().message;
    ASSERT_EQ(stored->at(0).outcome, BatchOutcome::kStored);
  }

  // The test.n of every event the query finds, newest first.
  std::vector<std::int64_t> find(const std::string& text, std::optional<TimeNs> since = {},
                                 std::optional<TimeNs> until = {}) {
    auto compiled = query::compile_query_text(text);
    EXPECT_TRUE(compiled) << text << ": " << compiled.error().describe();
    if (!compiled) return {};
    EventSearch search;
    search.query = *compiled;
    search.since = since;
    search.until = until;
    search.limit = 100;
    auto rows = store_->search_events(search);
    EXPECT_TRUE(rows) << text << ": " << rows.error().message;
    if (!rows) return {};
    std::vector<std::int64_t> out;
    for (const StoredEvent& e : *rows) {
      const FieldValue* n = e.event.find("test.n");
      out.push_back(n != nullptr ? std::get<std::int64_t>(*n) : -1);
    }
    auto count = store_->count_search(search);
    EXPECT_TRUE(count);
    if (count) {
      EXPECT_EQ(*count, out.size()) << text;
    }
    return out;
  }

  using Ids = std::vector<std::int64_t>;

  soc::testing::TempDir temp_{"query_store_test"};  // removed after the stores below are closed
  std::string dir_ = temp_.path();
  std::string path_;
  std::unique_ptr<EventStore> store_;
  std::int64_t agent_id_ = 0;
  std::vector<Event> events_;
};

TEST_F(QueryStoreTest, FieldMatch) {
  EXPECT_EQ(find("user.name: admin"), Ids{1});
  EXPECT_EQ(find("event.outcome: failure"), (Ids{6, 1}));
  EXPECT_EQ(find("rule.id: abc-123"), Ids{5});
  EXPECT_EQ(find("user.name: Admin"), Ids{});  // exact, like Kibana on keyword fields
  EXPECT_EQ(find("user.name: admin and event.outcome: failure"), Ids{1});
  EXPECT_EQ(find("user.name: (alice or root)"), (Ids{6, 2}));
  EXPECT_EQ(find("nonexistent.field: x"), Ids{});
  EXPECT_EQ(find("rule.id: *"), Ids{5});
}

TEST_F(QueryStoreTest, ANameGivenTwiceIsSearchedAndShownWithItsFirstValue) {
  // What a signature matched (Event::find: the first value) is what a search finds and shows,
  // for an indexed field and for one read from the fields column alike.
  std::vector<Event> twice = {make(kT0 + 7200 * kSec, EventKind::kLog, "twice",
                                   {{"user.name", std::string("first")},
                                    {"url.path", std::string("/one")},
                                    {"user.name", std::string("second")},
                                    {"url.path", std::string("/two")},
                                    {"test.n", std::int64_t{8}}})};
  ASSERT_NO_FATAL_FAILURE(store_batch(twice, 2));

  EXPECT_EQ(find("user.name: first"), Ids{8});
  EXPECT_EQ(find("user.name: second"), Ids{});
  EXPECT_EQ(find("url.path: \"/one\""), Ids{8});
  EXPECT_EQ(find("url.path: \"/two\""), Ids{});
  auto compiled = query::compile_query_text("test.n: 8");
  ASSERT_TRUE(compiled);
  EventSearch search;
  search.query = *compiled;
  auto rows = store_->search_events(search);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).event.fields, (std::vector<Field>{{"user.name", std::string("first")},
                                                          {"url.path", std::string("/one")},
                                                          {"test.n", std::int64_t{8}}}));
}

TEST_F(QueryStoreTest, NumbersMatchAsNumbersAndAsText) {
  EXPECT_EQ(find("destination.port: 53"), Ids{4});
  EXPECT_EQ(find("destination.port: 22"), Ids{6});  // stored as the text "22"
  EXPECT_EQ(find("http.response.status_code: 404"), Ids{3});
}

TEST_F(QueryStoreTest, Wildcards) {
  EXPECT_EQ(find("user.name: a*"), (Ids{2, 1}));
  EXPECT_EQ(find("user.name: ?lice"), Ids{2});
  EXPECT_EQ(find("user.name: r??t"), (Ids{7, 6}));
  EXPECT_EQ(find("url.path: /admin/*"), Ids{3});
  EXPECT_EQ(find("url.path: *login*"), Ids{3});
  EXPECT_EQ(find("user.name: \"a*\""), Ids{});  // quoted: no wildcard
}

TEST_F(QueryStoreTest, FullText) {
  EXPECT_EQ(find("failed"), (Ids{6, 5, 1}));  // case-insensitive, by words
  EXPECT_EQ(find("\"failed password for root\""), Ids{6});
  EXPECT_EQ(find("\"password failed\""), Ids{});  // a phrase keeps its order
  EXPECT_EQ(find("passw*"), (Ids{6, 5, 2, 1}));
  EXPECT_EQ(find("admin"), (Ids{5, 3, 1}));
  EXPECT_EQ(find("message: admin"), (Ids{5, 3, 1}));
  EXPECT_EQ(find("failed root"), Ids{6});
  EXPECT_EQ(find("\"(uid=0)\""), Ids{7});
  EXPECT_EQ(find("*pass?ord*"), (Ids{6, 5, 2, 1}));
  EXPECT_EQ(find("\"uid=0\""), Ids{7});  // by words: "uid" then "0"
  EXPECT_EQ(find("\"(\""), Ids{7});      // no word characters: a plain text search
}

TEST_F(QueryStoreTest, Negation) {
  // Events without the field are "not failure" too.
  EXPECT_EQ(find("not event.outcome: failure"), (Ids{7, 5, 4, 3, 2}));
  EXPECT_EQ(find("event.outcome: failure and not user.name: root"), Ids{1});
  EXPECT_EQ(find("failed and not admin"), Ids{6});
  EXPECT_EQ(find("not (user.name: a* or not source.ip: *)"), (Ids{7, 6, 4, 3}));
}

TEST_F(QueryStoreTest, Ranges) {
  EXPECT_EQ(find("destination.port > 50"), Ids{4});  // "22" is text, not a number
  EXPECT_EQ(find("destination.port: [50 to 60]"), Ids{4});
  EXPECT_EQ(find("http.response.status_code >= 400"), Ids{3});
  EXPECT_EQ(find("http.response.status_code < 400"), Ids{});
  EXPECT_EQ(find("user.name >= b"), (Ids{7, 6}));
  EXPECT_EQ(find("@timestamp >= 2026-11-30T01:00:00Z"), (Ids{7, 6}));
  EXPECT_EQ(find("@timestamp < 2026-11-30T00:00:01Z"), Ids{1});
  EXPECT_EQ(find("@timestamp <= 2026-11-30T00:00:01Z"), (Ids{2, 1}));
  EXPECT_EQ(find("@timestamp: [2026-11-30T00:00:02Z to 2026-11-30T00:00:03Z]"), (Ids{4, 3}));
  EXPECT_EQ(find("@timestamp: 2026-11-30"), (Ids{7, 6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(find("@timestamp: 2026-12-01"), Ids{});
}

TEST_F(QueryStoreTest, Cidr) {
  EXPECT_EQ(find("source.ip: 10.0.0.0/8"), (Ids{6, 1}));
  EXPECT_EQ(find("source.ip: 10.1.0.0/16"), Ids{1});
  EXPECT_EQ(find("source.ip: 172.16.0.0/12"), Ids{4});
  EXPECT_EQ(find("source.ip: 172.32.0.0/12"), Ids{});
  EXPECT_EQ(find("source.ip: 0.0.0.0/0"), (Ids{6, 4, 2, 1}));
  EXPECT_EQ(find("source.ip: 10.1.2.3/32"), Ids{1});
  EXPECT_EQ(find("source.ip: 10.1.2.3"), Ids{1});
  EXPECT_EQ(find("source.ip: 2001:db8::/32"), Ids{3});
  EXPECT_EQ(find("source.ip: 2001:db9::/32"), Ids{});
  EXPECT_EQ(find("source.ip: fe80::/10"), Ids{7});
  EXPECT_EQ(find("source.ip: ::/0"), (Ids{7, 3}));
  EXPECT_EQ(find("destination.ip: 8.8.0.0/16"), Ids{4});
  EXPECT_EQ(find("not source.ip: 10.0.0.0/8"), (Ids{7, 5, 4, 3, 2}));
}

TEST_F(QueryStoreTest, ColumnsOfTheEventAndItsAgent) {
  EXPECT_EQ(find("event.dataset: flow"), Ids{4});
  EXPECT_EQ(find("event.dataset: (http or alert)"), (Ids{5, 3}));
  EXPECT_EQ(find("agent.name: web-1 and event.provider: pcap*"), Ids{4});
  EXPECT_EQ(find("organization.name: health and user.name: alice"), Ids{2});
  EXPECT_EQ(find("agent.name: other"), Ids{});
}

TEST_F(QueryStoreTest, HostileValuesAreJustValues) {
  EXPECT_EQ(find("note: \"'); DROP TABLE events; --\""), Ids{7});
  EXPECT_EQ(find("user.name: \"x' OR '1'='1\""), Ids{});
  EXPECT_EQ(find("\"'); DROP TABLE events; --\""), Ids{});  // no such words in the text
  EXPECT_EQ(find("\"\\\" OR x\""), Ids{});                  // a quote inside an FTS phrase
  EXPECT_EQ(find("NEAR"), Ids{});                           // FTS5 syntax stays a word
  EXPECT_EQ(find("user.name: *"), (Ids{7, 6, 2, 1}));       // the table is still there
}

TEST_F(QueryStoreTest, TimeWindowLimitAndOrder) {
  EXPECT_EQ(find("failed", kT0 + kSec), (Ids{6, 5}));
  EXPECT_EQ(find("failed", {}, kT0 + 4 * kSec), Ids{1});
  auto compiled = query::compile_query_text("user.name: *");
  ASSERT_TRUE(compiled);
  EventSearch search;
  search.query = *compiled;
  search.limit = 2;
  auto rows = store_->search_events(search);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ(rows->at(0).event.raw, events_[6].raw);
  EXPECT_EQ(rows->at(0).agent, "web-1");
  EXPECT_EQ(rows->at(0).agency, "health");
  EXPECT_EQ(*store_->count_search(search), 4u);
  EventSearch all;  // an empty query: every event
  EXPECT_EQ(*store_->count_search(all), events_.size());
}

TEST_F(QueryStoreTest, IndexedFieldsAreSearchedThroughTheirIndex) {
  RawDb raw(path_);
  for (const query::IndexedField& field : query::kIndexedFields) {
    auto compiled = query::compile_query_text(std::string(field.name) + ": x");
    ASSERT_TRUE(compiled);
    std::string index = "events_" + std::string(field.name);
    std::replace(index.begin(), index.end(), '.', '_');
    EXPECT_EQ(index, field.index);
    const std::string plan =
        raw.rows("EXPLAIN QUERY PLAN SELECT e.id FROM events e WHERE " + compiled->where +
                 " ORDER BY e.time_ns DESC, e.id DESC LIMIT 10");
    EXPECT_NE(plan.find("INDEX " + index + " ("), std::string::npos) << field.name << ":\n" << plan;
    EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << field.name << ":\n" << plan;
  }
}

TEST_F(QueryStoreTest, FullTextIndexFollowsInsertsDeletesAndMigration) {
  RawDb raw(path_);
  raw.exec("DELETE FROM events WHERE json_extract(fields, '$.\"test.n\"') = 6");
  EXPECT_EQ(find("failed"), (Ids{5, 1}));
  raw.exec("INSERT INTO events_fts(events_fts) VALUES('integrity-check')");

  // A database from before migration 5: the index is built from the stored events.
  store_.reset();
  raw.exec(
      "DROP TABLE events_fts; DROP TRIGGER events_fts_delete; "
      "DROP INDEX events_source_ip; DROP INDEX events_destination_ip; DROP INDEX "
      "events_user_name; DROP INDEX events_host_hostname; DROP INDEX events_rule_id; "
      "ALTER TABLE events DROP COLUMN source_ip; ALTER TABLE events DROP COLUMN destination_ip; "
      "ALTER TABLE events DROP COLUMN user_name; ALTER TABLE events DROP COLUMN host_hostname; "
      "ALTER TABLE events DROP COLUMN rule_id; DROP TABLE event_id_blocks; "
      "PRAGMA user_version = 4;");
  auto reopened = open_sqlite_store(path_);
  ASSERT_TRUE(reopened) << reopened.error().message;
  store_ = std::move(*reopened);
  EXPECT_EQ(raw.rows("PRAGMA user_version"), std::to_string(sqlite_schema_version()));
  EXPECT_EQ(find("failed"), (Ids{5, 1}));
  EXPECT_EQ(find("source.ip: 10.0.0.0/8"), Ids{1});
  raw.exec("INSERT INTO events_fts(events_fts) VALUES('integrity-check')");
}

// Searches walk the events newest first within a budget, else use their index, or start from
// the field index every match is in (an equality; a range with few entries): with no budget
// every search takes SQLite's index plan, and every plan finds the same events in the same
// order.
TEST_F(QueryStoreTest, NewestFirstWalkAndIndexFindTheSame) {
  const std::vector<std::string> queries = {
      "failed",
      "\"invalid user admin\"",
      "source.ip: 10.0.0.0/8",
      "source.ip: 10.0.0.0/8 and failed",
      "user.name: a* or destination.port: 53",
      "not event.outcome: success",
      "rule.id: abc-123 or r00t",
      "failed and not user.name: root",
      "http.response.status_code >= 400",
      // Searched from the index every match is in: an equality, or a range with few entries.
      "rule.id: abc-123",
      "user.name: root and event.outcome: failure",
      "source.ip: 10.0.0.0/8 and user.name: admin",
      "source.ip: 2001:db8::/32 or user.name: alice",
      "user.name: r*",
      "source.ip: 10.0.0.0/8 and not user.name: root",
      "destination.ip: 8.8.8.8",
  };
  // Each query's events, then those within a time window.
  auto run_all = [&] {
    std::vector<std::pair<Ids, Ids>> out;
    out.reserve(std::size(queries));
    for (const std::string& q : queries) {
      out.emplace_back(find(q), find(q, kT0 + kSec, kT0 + 3601 * kSec));
    }
    return out;
  };
  const auto walked = run_all();
  // The index has no word positions: a phrase in the wrong order finds the events holding its
  // words, and the order test refuses them, whichever plan runs (here the word candidates,
  // below the index).
  const std::string wrong_order = "\"password failed\"";
  EXPECT_EQ(find(wrong_order), Ids{});
  EXPECT_EQ(find(wrong_order + " or \"for root\""), Ids{6});
  store_.reset();
  // Every range counts as one with many entries: walked newest first.
  auto ranges_walked = open_sqlite_store(path_, StoreMode::kReadOnly,
                                         SearchTuning{std::chrono::milliseconds(30), 1});
  ASSERT_TRUE(ranges_walked) << ranges_walked.error().message;
  store_ = std::move(*ranges_walked);
  const auto walked_ranges = run_all();
  store_.reset();
  auto by_index =
      open_sqlite_store(path_, StoreMode::kReadOnly, SearchTuning{std::chrono::milliseconds(0)});
  ASSERT_TRUE(by_index) << by_index.error().message;
  store_ = std::move(*by_index);
  const auto indexed = run_all();
  for (std::size_t i = 0; i < queries.size(); ++i) {
    EXPECT_FALSE(walked[i].first.empty()) << queries[i];
    EXPECT_EQ(indexed[i], walked[i]) << queries[i];
    EXPECT_EQ(walked_ranges[i], walked[i]) << queries[i];
  }
  EXPECT_EQ(walked[0].first, (Ids{6, 5, 1}));
  EXPECT_EQ(walked[0].second, (Ids{6, 5}));
  EXPECT_EQ(find(wrong_order), Ids{});
  EXPECT_EQ(find(wrong_order + " or \"for root\""), Ids{6});
}

// A search with a word or phrase every match has takes its candidates newest id first from the
// word index, chunk by chunk, and stops once no older id can hold a newer event. Here ids and
// event times disagree (agents whose clocks run ahead or behind, replays): the searches must find
// what the index plan finds, for small and large limits and within time windows.
TEST_F(QueryStoreTest, WordCandidatesFindWhatTheIndexFindsWhenIdsAndTimesDisagree) {
  auto agent = store_->find_agent_by_key(std::string(40, 'A'));
  ASSERT_TRUE(agent && *agent);
  std::vector<std::vector<Event>> batches(6);
  std::int64_t n = 100;
  for (std::vector<Event>& events : batches) {
    for (int i = 0; i < 500; ++i, ++n) {
      TimeNs t = kT0 + (10'000 + n) * kSec;            // mostly in arrival order
      if (n % 97 == 0) t = kT0 + (50'000 + n) * kSec;  // a clock ahead
      if (n % 89 == 0) t = kT0 + n * kSec;             // a replay of old lines
      if (n % 101 == 0) t = kT0 + 12'000 * kSec;       // ties on time
      const bool failed = n % 3 != 0;
      events.push_back(
          make(t, EventKind::kLog,
               (failed ? "Failed password for user u" : "Accepted password for u") +
                   std::to_string(n % 50) + " port 22",
               {{"user.name", "u" + std::to_string(n % 50)}, {"test.n", std::int64_t{n}}}));
    }
  }
  for (std::size_t b = 0; b < batches.size(); ++b) {
    IncomingBatch batch;
    batch.agent_id = (*agent)->id;
    batch.epoch = 1;
    batch.seq = 2 + b;
    batch.received_ns = kT0;
    batch.events = &batches[b];
    ASSERT_TRUE(store_->store_batches({&batch, 1}));
  }
  const std::vector<std::string> queries = {"failed",
                                            "\"password for user\"",
                                            "failed and user.name: u7",
                                            "password and not u1*",
                                            "(failed or accepted) and u3",
                                            "accepted and user.name: u4*"};
  struct Window {
    std::optional<TimeNs> since, until;
  };
  const std::vector<Window> windows = {{},
                                       {kT0 + 10'500 * kSec, {}},
                                       {{}, kT0 + 12'000 * kSec},
                                       {kT0 + 12'000 * kSec, kT0 + 60'000 * kSec}};
  auto run_all = [&](EventStore& store) {
    std::vector<Ids> out;
    for (const std::string& q : queries) {
      auto compiled = query::compile_query_text(q);
      EXPECT_TRUE(compiled) << q;
      if (!compiled) continue;
      for (const Window& w : windows) {
        for (std::size_t limit : {1, 10, 100, 1000}) {
          EventSearch search;
          search.query = *compiled;
          search.since = w.since;
          search.until = w.until;
          search.limit = limit;
          auto rows = store.search_events(search);
          EXPECT_TRUE(rows) << q;
          Ids ids;
          if (rows) {
            for (const StoredEvent& e : *rows) ids.push_back(e.id);
          }
          out.push_back(std::move(ids));
        }
      }
    }
    return out;
  };
  store_.reset();
  // A generous budget: the candidate search never gives up here.
  auto by_words =
      open_sqlite_store(path_, StoreMode::kReadOnly, SearchTuning{std::chrono::seconds(60)});
  ASSERT_TRUE(by_words) << by_words.error().message;
  const auto found = run_all(**by_words);
  auto by_index =
      open_sqlite_store(path_, StoreMode::kReadOnly, SearchTuning{std::chrono::milliseconds(0)});
  ASSERT_TRUE(by_index) << by_index.error().message;
  const auto expected = run_all(**by_index);
  ASSERT_EQ(found.size(), expected.size());
  std::size_t non_empty = 0;
  for (std::size_t i = 0; i < found.size(); ++i) {
    EXPECT_EQ(found[i], expected[i])
        << queries[i / 16] << " window " << (i / 4) % 4 << " limit #" << i % 4;
    non_empty += found[i].empty() ? 0 : 1;
  }
  EXPECT_GT(non_empty, found.size() * 3 / 4);
}

TEST_F(QueryStoreTest, ReadOnlyStoresSearch) {
  store_.reset();
  auto ro = open_sqlite_store(path_, StoreMode::kReadOnly);
  ASSERT_TRUE(ro) << ro.error().message;
  store_ = std::move(*ro);
  EXPECT_EQ(find("source.ip: 10.0.0.0/8 and failed"), (Ids{6, 1}));
}

}  // namespace
}  // namespace soc::collector
