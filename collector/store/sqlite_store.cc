#include "collector/store/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

#include "collector/store/event_row.h"
#include "collector/store/fields_column.h"
#include "collector/store/phrase_functions.h"
#include "collector/store/sqlite_util.h"
#include "common/log.h"

namespace soc::collector {
namespace {

constexpr std::string_view kComponent = "store";
constexpr int kBusyTimeoutMs = 5000;
// Page size of a new database file. Against SQLite's 4 KiB, fewer and larger page writes (and
// system calls) for the same rows: ingest +15% on the dev VM (tests/bench/bench_ingest).
// Searches read whole pages too; bench_query shows their times (README).
constexpr int kNewDatabasePageSize = 16384;
// WAL bytes between two automatic checkpoints (see configure).
constexpr std::int64_t kWalCheckpointBytes = std::int64_t{64} << 20;

// Numbered schema migrations: kMigrations[i] takes a database from user_version i to i + 1.
// Append only; never edit a script that has shipped.
constexpr std::array<const char*, 8> kMigrations = {
    // 1: agents, per-stream last sequence numbers, events.
    R"sql(
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
)sql",
    // 2: per-agent event counts kept by store_batches, backfilled from the existing events.
    R"sql(
CREATE TABLE agent_event_counts(
  agent_id INTEGER PRIMARY KEY REFERENCES agents(id),
  count INTEGER NOT NULL);
INSERT INTO agent_event_counts(agent_id, count)
  SELECT agent_id, COUNT(*) FROM events GROUP BY agent_id;
)sql",
    // 3: signature packs, their publications, and each agent's active pack.
    R"sql(
CREATE TABLE packs(
  version TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes BLOB NOT NULL);
CREATE TABLE pack_publications(
  id INTEGER PRIMARY KEY,
  version TEXT NOT NULL REFERENCES packs(version),
  published_ns INTEGER NOT NULL,
  rollback INTEGER NOT NULL);
ALTER TABLE agents ADD COLUMN pack_version TEXT NOT NULL DEFAULT '';
ALTER TABLE agents ADD COLUMN pack_report TEXT NOT NULL DEFAULT '';
)sql",
    // 4: incidents (see incident_store.h), their evidence and their state changes.
    R"sql(
CREATE TABLE incidents(
  id INTEGER PRIMARY KEY,
  rule_id TEXT NOT NULL,
  title TEXT NOT NULL,
  level TEXT NOT NULL,
  origin TEXT NOT NULL,
  group_key TEXT NOT NULL,
  state TEXT NOT NULL,
  hits INTEGER NOT NULL,
  first_seen_ns INTEGER NOT NULL,
  last_seen_ns INTEGER NOT NULL,
  created_ns INTEGER NOT NULL,
  updated_ns INTEGER NOT NULL,
  agencies TEXT NOT NULL,
  hosts TEXT NOT NULL,
  state_by TEXT NOT NULL DEFAULT '',
  state_note TEXT NOT NULL DEFAULT '');
CREATE UNIQUE INDEX incidents_open_key ON incidents(rule_id, group_key) WHERE state <> 'closed';
CREATE INDEX incidents_state_updated ON incidents(state, updated_ns);
CREATE TABLE incident_evidence(
  incident_id INTEGER NOT NULL REFERENCES incidents(id),
  event_id INTEGER NOT NULL REFERENCES events(id),
  PRIMARY KEY(incident_id, event_id)) WITHOUT ROWID;
CREATE TABLE incident_changes(
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incidents(id),
  time_ns INTEGER NOT NULL,
  state TEXT NOT NULL,
  actor TEXT NOT NULL,
  note TEXT NOT NULL);
CREATE INDEX incident_changes_incident ON incident_changes(incident_id, id);
)sql",
    // 5: search (collector/query). Full-text index over the raw text, kept by triggers in the
    // inserting transaction and backfilled here; the ECS fields analysts filter by most are
    // copied into columns at insert (event_row.h; a JSON expression index parsed the fields
    // twice per index per insert and cut ingest 4x) and indexed with the event time for
    // newest-first scans. collector/query/indexed_fields.h lists them for the store and the
    // query compiler.
    R"sql(
CREATE VIRTUAL TABLE events_fts USING fts5(message, content='events', content_rowid='id');
INSERT INTO events_fts(rowid, message) SELECT id, message FROM events WHERE message <> '';
CREATE TRIGGER events_fts_insert AFTER INSERT ON events WHEN new.message <> '' BEGIN
  INSERT INTO events_fts(rowid, message) VALUES(new.id, new.message);
END;
CREATE TRIGGER events_fts_delete AFTER DELETE ON events WHEN old.message <> '' BEGIN
  INSERT INTO events_fts(events_fts, rowid, message) VALUES('delete', old.id, old.message);
END;
ALTER TABLE events ADD COLUMN source_ip TEXT;
ALTER TABLE events ADD COLUMN destination_ip TEXT;
ALTER TABLE events ADD COLUMN user_name TEXT;
ALTER TABLE events ADD COLUMN host_hostname TEXT;
ALTER TABLE events ADD COLUMN rule_id TEXT;
UPDATE events SET source_ip = json_extract(fields, '$."source.ip"'),
                  destination_ip = json_extract(fields, '$."destination.ip"'),
                  user_name = json_extract(fields, '$."user.name"'),
                  host_hostname = json_extract(fields, '$."host.hostname"'),
                  rule_id = json_extract(fields, '$."rule.id"');
CREATE INDEX events_source_ip ON events(source_ip, time_ns) WHERE source_ip IS NOT NULL;
CREATE INDEX events_destination_ip ON events(destination_ip, time_ns)
  WHERE destination_ip IS NOT NULL;
CREATE INDEX events_user_name ON events(user_name, time_ns) WHERE user_name IS NOT NULL;
CREATE INDEX events_host_hostname ON events(host_hostname, time_ns)
  WHERE host_hostname IS NOT NULL;
CREATE INDEX events_rule_id ON events(rule_id, time_ns) WHERE rule_id IS NOT NULL;
)sql",
    // 6: store_batches fills the full-text index itself. Inside a trigger every row's FTS5
    // insert is a statement of its own, and FTS5 flushes a segment at each statement savepoint:
    // ingest ran 4x slower than with one explicit insert statement after each event.
    R"sql(
DROP TRIGGER events_fts_insert;
)sql",
    // 7: for each block of 256 event ids (id >> 8), the newest event time of every id up to the
    // block's end: a search that finds its candidates newest id first (the word index) knows
    // when no older id can hold a newer event. Kept by store_batches; backfilled here.
    R"sql(
CREATE TABLE event_id_blocks(
  block INTEGER PRIMARY KEY,
  max_time_ns INTEGER NOT NULL);
INSERT INTO event_id_blocks(block, max_time_ns)
  SELECT block, max(newest) OVER (ORDER BY block)
  FROM (SELECT id >> 8 AS block, max(time_ns) AS newest FROM events GROUP BY id >> 8);
)sql",
    // 8: the full-text index records which events hold a word, not where (detail=none), nor how
    // many words each event has (columnsize=0): smaller and cheaper to keep up. Phrases are
    // found through soc_fts_terms and soc_phrase (phrase_functions.h), which split words with
    // unicode61's defaults: give events_fts a tokenize= option only together with theirs.
    // Rebuilt from the stored events, once, at the first start (minutes for tens of millions;
    // the old index's pages stay in the file as free pages until a VACUUM).
    R"sql(
DROP TRIGGER events_fts_delete;
DROP TABLE events_fts;
CREATE VIRTUAL TABLE events_fts USING fts5(message, content='events', content_rowid='id',
                                           detail=none, columnsize=0);
INSERT INTO events_fts(events_fts) VALUES('rebuild');
CREATE TRIGGER events_fts_delete AFTER DELETE ON events WHEN old.message <> '' BEGIN
  INSERT INTO events_fts(events_fts, rowid, message) VALUES('delete', old.id, old.message);
END;
)sql",
};

// Event ids per event_id_blocks row (migration 7), as a shift.
constexpr int kIdBlockBits = 8;

// ---------------------------------------------------------------------------------------------
// Schema migrations.

Result<int> read_user_version(sqlite3* db) {
  auto stmt = prepare(db, "PRAGMA user_version");
  if (!stmt) return tl::unexpected(stmt.error());
  StmtUse use(stmt->get());
  if (use.step() != SQLITE_ROW) return store_error(db, "read schema version");
  return static_cast<int>(use.int64(0));
}

Result<void> check_not_newer(int version) {
  if (version <= static_cast<int>(kMigrations.size())) return ok();
  return fail(ErrorCode::kUnsupported, "database schema version " + std::to_string(version) +
                                           " is newer than this build supports (" +
                                           std::to_string(kMigrations.size()) +
                                           "); upgrade the collector");
}

// Applies migration `index` (to version index + 1) in its own transaction, unless another
// connection got there first.
Result<void> apply_migration(sqlite3* db, std::size_t index) {
  Transaction txn(db);
  if (txn.begin() != SQLITE_OK) return store_error(db, "begin migration");
  auto current = read_user_version(db);
  if (!current) return tl::unexpected(current.error());
  if (auto newer = check_not_newer(*current); !newer) return newer;
  if (*current > static_cast<int>(index)) return ok();  // already applied elsewhere
  if (sqlite3_exec(db, kMigrations[index], nullptr, nullptr, nullptr) != SQLITE_OK) {
    return store_error(db, "schema migration " + std::to_string(index + 1));
  }
  const std::string set_version = "PRAGMA user_version = " + std::to_string(index + 1);
  if (auto set = exec(db, set_version.c_str()); !set) return set;
  if (txn.commit() != SQLITE_OK) return store_error(db, "commit migration");
  log(LogLevel::kInfo, kComponent, "migrated database schema to version ", index + 1);
  return ok();
}

// Brings the schema to the newest version; a read-only connection can only check it.
Result<void> migrate(sqlite3* db, StoreMode mode) {
  auto version = read_user_version(db);
  if (!version) return tl::unexpected(version.error());
  if (auto newer = check_not_newer(*version); !newer) return newer;
  const auto from = static_cast<std::size_t>(*version);
  if (from == kMigrations.size()) return ok();
  if (mode == StoreMode::kReadOnly) {
    return fail(ErrorCode::kUnsupported,
                "database schema version " + std::to_string(from) + " is older than " +
                    std::to_string(kMigrations.size()) +
                    "; open it read-write once (start the collector) to migrate it");
  }
  if (from > 0) {  // a new database migrates in no time; an old one may hold millions of events
    log(LogLevel::kInfo, kComponent, "upgrading the database schema from version ", from, " to ",
        kMigrations.size(),
        "; on a large store this rebuilds indexes and may take minutes (nothing is lost if "
        "it is interrupted: each step is one transaction)");
  }
  for (std::size_t i = from; i < kMigrations.size(); ++i) {
    if (auto applied = apply_migration(db, i); !applied) return applied;
  }
  return ok();
}

// ---------------------------------------------------------------------------------------------
// The dedup rule (see event_store.h): `last` is the stream's last stored sequence, 0 if none.

BatchResult decide(std::uint64_t last, const IncomingBatch& batch) {
  const std::uint64_t next = last + 1;
  if (batch.seq <= last) return {BatchOutcome::kDuplicate, 0, 0, {}};
  if (batch.seq == next) return {BatchOutcome::kStored, 0, 0, {}};
  if (batch.base > next) return {BatchOutcome::kStored, 0, batch.seq - next, {}};
  return {BatchOutcome::kGap, next, 0, {}};
}

// Query statements are built from fixed fragments; each filter present adds one placeholder.
enum QueryFilter : unsigned { kByAgent = 1, kByKind = 2, kBySince = 4, kByUntil = 8 };
constexpr std::size_t kFilterCombinations = 16;

unsigned filter_mask(const EventQuery& query) {
  unsigned mask = 0;
  if (query.agent) mask |= kByAgent;
  if (query.kind) mask |= kByKind;
  if (query.since) mask |= kBySince;
  if (query.until) mask |= kByUntil;
  return mask;
}

std::string where_clause(unsigned mask) {
  std::string sql = " WHERE 1 = 1";
  if (mask & kByAgent) sql += " AND e.agent_id = (SELECT id FROM agents WHERE name = ?)";
  if (mask & kByKind) sql += " AND e.kind = ?";
  if (mask & kBySince) sql += " AND e.time_ns >= ?";
  if (mask & kByUntil) sql += " AND e.time_ns < ?";
  return sql;
}

// Binds the filters in where_clause() order; returns the next free parameter index.
int bind_filters(StmtUse& use, const EventQuery& query, std::string_view kind_name) {
  int index = 1;
  if (query.agent) use.bind(index++, *query.agent);
  if (query.kind) use.bind(index++, kind_name);
  if (query.since) use.bind(index++, *query.since);
  if (query.until) use.bind(index++, *query.until);
  return index;
}

constexpr const char* kAgentColumns =
    "SELECT a.id, a.name, a.public_key, a.agency, a.enrolled_ns, a.last_seen_ns, a.counters, "
    "COALESCE(c.count, 0), a.pack_version, a.pack_report "
    "FROM agents a LEFT JOIN agent_event_counts c ON c.agent_id = a.id";

AgentRecord read_agent(const StmtUse& use) {
  AgentRecord agent;
  agent.id = use.int64(0);
  agent.name = use.text(1);
  agent.public_key = use.text(2);
  agent.agency = use.text(3);
  agent.enrolled_ns = use.int64(4);
  agent.last_seen_ns = use.int64(5);
  agent.counters_json = use.text(6);
  agent.event_count = static_cast<std::uint64_t>(use.int64(7));
  agent.pack_version = use.text(8);
  agent.pack_report = use.text(9);
  return agent;
}

// ---------------------------------------------------------------------------------------------

// How a search's rows are found (search_sql).
enum class SearchPlan { kByIndex, kByDriverIndex, kNewestFirst, kByCandidates, kCount };

// What a search by candidates (search_by_text) puts in place of its full-text driver: the ids
// of one chunk of candidates, as a JSON array.
constexpr std::string_view kCandidateIds = "e.id IN (SELECT value FROM json_each(?))";
// Candidates per chunk: the first chunk, and the most a chunk grows to (doubling).
constexpr std::size_t kFirstCandidates = 256;
constexpr std::size_t kMostCandidates = 16384;

// SQLite virtual machine steps between two looks at the clock.
constexpr int kProgressSteps = 10000;
// The longest a newest-first walk that is finding matches may take (see WalkBudget).
constexpr std::chrono::milliseconds kLongestWalk{250};

class SqliteStore final : public EventStore {
 public:
  SqliteStore(DbHandle db, SearchTuning tuning) : db_(std::move(db)), tuning_(tuning) {}

  Result<void> prepare_statements();

  Result<std::vector<BatchResult>> store_batches(std::span<const IncomingBatch> batches) override;
  Result<AgentRecord> enroll_agent(const std::string& name, const std::string& public_key,
                                   const std::string& agency) override;
  Result<std::optional<AgentRecord>> find_agent_by_key(const std::string& public_key) override;
  Result<std::vector<AgentRecord>> list_agents() override;
  Result<std::vector<std::int64_t>> record_heartbeats(
      std::span<const AgentHeartbeat> heartbeats) override;
  Result<void> record_pack_report(std::int64_t agent_id, const std::string& version, bool accepted,
                                  const std::string& reason) override;
  Result<PackPublication> publish_pack(const StoredPack& pack, bool rollback) override;
  Result<std::optional<StoredPack>> find_pack(const std::string& version) override;
  Result<std::optional<PackPublication>> current_publication() override;
  Result<std::vector<PackPublication>> pack_history() override;
  Result<std::vector<StoredEvent>> query_events(const EventQuery& query) override;
  Result<std::uint64_t> count_events(const EventQuery& query) override;
  Result<std::size_t> for_each_event_since(
      std::span<const EventKind> kinds, TimeNs since,
      const std::function<void(const StoredEvent&)>& visit) override;
  Result<std::vector<StoredEvent>> search_events(const EventSearch& search) override;
  Result<std::uint64_t> count_search(const EventSearch& search) override;

 private:
  Result<StmtHandle> prepare_search(const EventSearch& search, SearchPlan plan);
  // search_events along the time index; nullopt when it ran past its budget.
  Result<std::optional<std::vector<StoredEvent>>> search_newest_first(const EventSearch& search);
  // Whether the query's index driver is best searched from its index: an equality always (its
  // matches come newest first), a range when it holds fewer than tuning_.few_index_entries
  // entries in the search's time window.
  Result<bool> driver_index_is_best(const EventSearch& search);
  Result<BatchResult> store_batch(const IncomingBatch& batch);
  Result<std::uint64_t> last_seq(std::int64_t agent_id, std::uint64_t epoch);
  Result<void> insert_events(const IncomingBatch& batch, std::vector<std::int64_t>& ids);
  // Adds the events' raw text, under their ids, to the full-text index.
  Result<void> index_text(std::span<const Event> events, std::span<const std::int64_t> ids);
  Result<void> save_stream(const IncomingBatch& batch, std::int64_t event_count);
  // Raises event_id_blocks for events just inserted with these ids (ascending, as assigned).
  Result<void> raise_id_blocks(std::span<const std::int64_t> ids, std::span<const Event> events);
  // No event with an id up to `id` is newer than this (event_id_blocks; the largest time when
  // its block is unknown).
  Result<TimeNs> newest_time_up_to(std::int64_t id);
  // search_events from the candidates of its full-text driver, newest id first; nullopt when
  // the query has none or the search ran past its budget.
  Result<std::optional<std::vector<StoredEvent>>> search_by_text(const EventSearch& search);
  Result<sqlite3_stmt*> cached_query(std::array<StmtHandle, kFilterCombinations>& cache,
                                     unsigned mask, bool count);
  Result<StoredEvent> read_event(const StmtUse& use);
  // Steps `use` while it returns rows, appending each as an event to `events` and calling
  // `after_row` (when set) after each; returns the last step's code (SQLITE_DONE at the end,
  // SQLITE_INTERRUPT when a progress handler stopped it), or the error of an unreadable row.
  Result<int> append_rows(StmtUse& use, std::vector<StoredEvent>& events,
                          const std::function<void()>& after_row);
  // Steps `use` to its end, reading each row as an event; `what` names it in errors.
  Result<std::vector<StoredEvent>> read_events(StmtUse& use, const char* what);
  Result<std::vector<PackPublication>> read_publications(std::int64_t limit);

  DbHandle db_;  // declared first: destroyed after the statements below
  SearchTuning tuning_;
  StmtHandle select_stream_;
  StmtHandle upsert_stream_;
  StmtHandle insert_event_;
  StmtHandle insert_fulltext_;
  StmtHandle raise_id_block_;
  StmtHandle id_block_time_;
  StmtHandle raise_later_id_blocks_;
  StmtHandle add_event_count_;
  StmtHandle insert_agent_;
  StmtHandle find_agent_;
  StmtHandle list_agents_;
  StmtHandle heartbeat_;
  StmtHandle pack_accepted_;
  StmtHandle pack_refused_;
  StmtHandle insert_pack_;
  StmtHandle find_pack_;
  StmtHandle insert_publication_;
  StmtHandle publications_;
  std::array<StmtHandle, kFilterCombinations> query_cache_;
  std::array<StmtHandle, kFilterCombinations> count_cache_;
};

Result<void> SqliteStore::prepare_statements() {
  const std::string agent_columns = kAgentColumns;
  const std::pair<StmtHandle*, std::string> statements[] = {
      {&select_stream_, "SELECT last_seq FROM streams WHERE agent_id = ? AND epoch = ?"},
      {&upsert_stream_,
       "INSERT INTO streams(agent_id, epoch, last_seq) VALUES(?, ?, ?) "
       "ON CONFLICT(agent_id, epoch) DO UPDATE SET last_seq = excluded.last_seq"},
      {&insert_event_,
       "INSERT INTO events(time_ns, received_ns, agent_id, kind, source, message, fields, "
       "source_ip, destination_ip, user_name, host_hostname, rule_id) "
       "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"},
      {&insert_fulltext_, "INSERT INTO events_fts(rowid, message) VALUES(?, ?)"},
      {&raise_id_block_,
       "INSERT INTO event_id_blocks(block, max_time_ns) VALUES(?1, max(?2, IFNULL((SELECT "
       "max_time_ns FROM event_id_blocks WHERE block < ?1 ORDER BY block DESC LIMIT 1), ?2))) "
       "ON CONFLICT(block) DO UPDATE SET max_time_ns = max(max_time_ns, excluded.max_time_ns)"},
      {&id_block_time_, "SELECT max_time_ns FROM event_id_blocks WHERE block = ?"},
      // Blocks past the one just raised exist only when the newest events were deleted and
      // their ids are used again: they must stay at least as new.
      {&raise_later_id_blocks_,
       "UPDATE event_id_blocks SET max_time_ns = ?2 WHERE block > ?1 AND max_time_ns < ?2"},
      {&add_event_count_,
       "INSERT INTO agent_event_counts(agent_id, count) VALUES(?, ?) "
       "ON CONFLICT(agent_id) DO UPDATE SET count = count + excluded.count"},
      {&insert_agent_,
       "INSERT INTO agents(name, public_key, agency, enrolled_ns) VALUES(?, ?, ?, ?)"},
      {&find_agent_, agent_columns + " WHERE a.public_key = ?"},
      {&list_agents_, agent_columns + " ORDER BY a.name"},
      {&heartbeat_,
       "UPDATE agents SET last_seen_ns = ?, counters = ?, pack_version = ? WHERE id = ?"},
      {&pack_accepted_, "UPDATE agents SET pack_version = ?, pack_report = '' WHERE id = ?"},
      {&pack_refused_, "UPDATE agents SET pack_report = ? WHERE id = ?"},
      {&insert_pack_,
       "INSERT INTO packs(version, name, sha256, bytes) VALUES(?, ?, ?, ?) "
       "ON CONFLICT(version) DO NOTHING"},
      {&find_pack_, "SELECT name, version, sha256, bytes FROM packs WHERE version = ?"},
      {&insert_publication_,
       "INSERT INTO pack_publications(version, published_ns, rollback) VALUES(?, ?, ?)"},
      {&publications_,
       "SELECT p.id, k.name, p.version, p.published_ns, p.rollback FROM pack_publications p "
       "JOIN packs k ON k.version = p.version ORDER BY p.id DESC LIMIT ?"},
  };
  return prepare_all(db_.get(), statements);
}

Result<std::vector<BatchResult>> SqliteStore::store_batches(
    std::span<const IncomingBatch> batches) {
  Transaction txn(db_.get());
  if (txn.begin() != SQLITE_OK) return store_error(db_.get(), "begin");
  std::vector<BatchResult> results;
  results.reserve(batches.size());
  for (const IncomingBatch& batch : batches) {
    auto result = store_batch(batch);
    if (!result) return tl::unexpected(result.error());  // txn rolls back
    results.push_back(*result);
  }
  // The full-text rows go last. FTS5 writes out the terms it holds at every later statement
  // that opens a statement journal (the streams' upsert, the id blocks' update), so indexing
  // each batch before those wrote 2 small segments per batch to merge later; indexing every
  // batch here writes one per transaction, at the commit.
  for (std::size_t i = 0; i < batches.size(); ++i) {
    if (results[i].outcome != BatchOutcome::kStored || batches[i].events == nullptr) continue;
    if (auto indexed = index_text(*batches[i].events, results[i].event_ids); !indexed) {
      return tl::unexpected(indexed.error());
    }
  }
  if (txn.commit() != SQLITE_OK) return store_error(db_.get(), "commit");
  for (std::size_t i = 0; i < batches.size(); ++i) {
    if (results[i].skipped == 0) continue;
    log(LogLevel::kWarn, kComponent, "agent ", batches[i].agent_id, " epoch ", batches[i].epoch,
        ": ", results[i].skipped, " batch(es) before seq ", batches[i].seq,
        " were declared lost by the agent");
  }
  return results;
}

Result<BatchResult> SqliteStore::store_batch(const IncomingBatch& batch) {
  auto last = last_seq(batch.agent_id, batch.epoch);
  if (!last) return tl::unexpected(last.error());
  BatchResult result = decide(*last, batch);
  if (result.outcome != BatchOutcome::kStored) return result;
  if (auto inserted = insert_events(batch, result.event_ids); !inserted) {
    return tl::unexpected(inserted.error());
  }
  const auto count = batch.events ? static_cast<std::int64_t>(batch.events->size()) : 0;
  if (auto saved = save_stream(batch, count); !saved) return tl::unexpected(saved.error());
  return result;
}

Result<std::uint64_t> SqliteStore::last_seq(std::int64_t agent_id, std::uint64_t epoch) {
  StmtUse use(select_stream_.get());
  use.bind(1, agent_id).bind(2, static_cast<std::int64_t>(epoch));
  const int rc = use.step();
  if (rc == SQLITE_DONE) return std::uint64_t{0};
  if (rc != SQLITE_ROW) return store_error(db_.get(), "read stream");
  return static_cast<std::uint64_t>(use.int64(0));
}

Result<void> SqliteStore::insert_events(const IncomingBatch& batch,
                                        std::vector<std::int64_t>& ids) {
  if (batch.events == nullptr) return ok();
  const std::vector<Event>& events = *batch.events;
  const bool encoded = batch.rows != nullptr && batch.rows->size() == events.size();
  ids.reserve(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& event = events[i];
    EventRow encoded_here;
    if (!encoded) encoded_here = encode_event_row(event);
    const EventRow& row = encoded ? (*batch.rows)[i] : encoded_here;
    StmtUse use(insert_event_.get());
    use.bind(1, event.time_ns).bind(2, batch.received_ns).bind(3, batch.agent_id);
    use.bind(4, event_kind_name(event.kind)).bind(5, event.source).bind(6, event.raw);
    use.bind(7, row.fields);
    for (std::size_t c = 0; c < row.indexed.size(); ++c) {
      // Unbound parameters are NULL: an event without the field is not in that index.
      if (row.indexed[c]) use.bind(static_cast<int>(8 + c), *row.indexed[c]);
    }
    if (use.step() != SQLITE_DONE) return store_error(db_.get(), "insert event");
    ids.push_back(sqlite3_last_insert_rowid(db_.get()));
  }
  return raise_id_blocks(ids, *batch.events);
}

Result<void> SqliteStore::index_text(std::span<const Event> events,
                                     std::span<const std::int64_t> ids) {
  const std::size_t n = std::min(ids.size(), events.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (events[i].raw.empty()) continue;  // nothing to search (the delete trigger skips these)
    StmtUse fulltext(insert_fulltext_.get());
    fulltext.bind(1, ids[i]).bind(2, events[i].raw);
    if (fulltext.step() != SQLITE_DONE) return store_error(db_.get(), "index event text");
  }
  return ok();
}

Result<void> SqliteStore::raise_id_blocks(std::span<const std::int64_t> ids,
                                          std::span<const Event> events) {
  const std::size_t n = std::min(ids.size(), events.size());
  if (n == 0) return ok();
  TimeNs newest_of_all = events[0].time_ns;
  for (std::size_t i = 0; i < n;) {
    const std::int64_t block = ids[i] >> kIdBlockBits;
    TimeNs newest = events[i].time_ns;
    for (++i; i < n && (ids[i] >> kIdBlockBits) == block; ++i) {
      newest = std::max(newest, events[i].time_ns);
    }
    newest_of_all = std::max(newest_of_all, newest);
    StmtUse use(raise_id_block_.get());
    use.bind(1, block).bind(2, newest);
    if (use.step() != SQLITE_DONE) return store_error(db_.get(), "update event id blocks");
  }
  StmtUse later(raise_later_id_blocks_.get());
  later.bind(1, ids[n - 1] >> kIdBlockBits).bind(2, newest_of_all);
  if (later.step() != SQLITE_DONE) return store_error(db_.get(), "update event id blocks");
  return ok();
}

Result<TimeNs> SqliteStore::newest_time_up_to(std::int64_t id) {
  StmtUse use(id_block_time_.get());
  use.bind(1, id >> kIdBlockBits);
  const int rc = use.step();
  if (rc == SQLITE_DONE) return std::numeric_limits<TimeNs>::max();  // unknown: no bound
  if (rc != SQLITE_ROW) return store_error(db_.get(), "read event id blocks");
  return use.int64(0);
}

Result<void> SqliteStore::save_stream(const IncomingBatch& batch, std::int64_t event_count) {
  {
    StmtUse use(upsert_stream_.get());
    use.bind(1, batch.agent_id).bind(2, static_cast<std::int64_t>(batch.epoch));
    use.bind(3, static_cast<std::int64_t>(batch.seq));
    if (use.step() != SQLITE_DONE) return store_error(db_.get(), "update stream");
  }
  if (event_count == 0) return ok();
  StmtUse use(add_event_count_.get());
  use.bind(1, batch.agent_id).bind(2, event_count);
  if (use.step() != SQLITE_DONE) return store_error(db_.get(), "update event count");
  return ok();
}

Result<AgentRecord> SqliteStore::enroll_agent(const std::string& name,
                                              const std::string& public_key,
                                              const std::string& agency) {
  AgentRecord agent;
  agent.name = name;
  agent.public_key = public_key;
  agent.agency = agency;
  agent.enrolled_ns = now_ns();
  agent.counters_json = "{}";
  StmtUse use(insert_agent_.get());
  use.bind(1, name).bind(2, public_key).bind(3, agency).bind(4, agent.enrolled_ns);
  if (use.step() != SQLITE_DONE) {
    if (sqlite3_extended_errcode(db_.get()) != SQLITE_CONSTRAINT_UNIQUE) {
      return store_error(db_.get(), "enroll agent");
    }
    if (std::strstr(sqlite3_errmsg(db_.get()), "agents.name") != nullptr) {
      return fail(ErrorCode::kConflict, "an agent named '" + name + "' is already enrolled");
    }
    return fail(ErrorCode::kConflict, "this public key is already enrolled for another agent");
  }
  agent.id = sqlite3_last_insert_rowid(db_.get());
  return agent;
}

Result<std::optional<AgentRecord>> SqliteStore::find_agent_by_key(const std::string& public_key) {
  StmtUse use(find_agent_.get());
  use.bind(1, public_key);
  const int rc = use.step();
  if (rc == SQLITE_DONE) return std::optional<AgentRecord>();
  if (rc != SQLITE_ROW) return store_error(db_.get(), "find agent");
  return std::optional<AgentRecord>(read_agent(use));
}

Result<std::vector<AgentRecord>> SqliteStore::list_agents() {
  StmtUse use(list_agents_.get());
  std::vector<AgentRecord> agents;
  int rc;
  while ((rc = use.step()) == SQLITE_ROW) agents.push_back(read_agent(use));
  if (rc != SQLITE_DONE) return store_error(db_.get(), "list agents");
  return agents;
}

Result<std::vector<std::int64_t>> SqliteStore::record_heartbeats(
    std::span<const AgentHeartbeat> heartbeats) {
  std::vector<std::int64_t> unknown;
  if (heartbeats.empty()) return unknown;
  Transaction txn(db_.get());
  if (txn.begin() != SQLITE_OK) return store_error(db_.get(), "begin heartbeats");
  for (const AgentHeartbeat& h : heartbeats) {
    StmtUse use(heartbeat_.get());
    use.bind(1, h.seen_ns).bind(2, h.counters_json).bind(3, h.pack_version).bind(4, h.agent_id);
    if (use.step() != SQLITE_DONE) return store_error(db_.get(), "record heartbeat");
    if (sqlite3_changes(db_.get()) == 0) unknown.push_back(h.agent_id);
  }
  if (txn.commit() != SQLITE_OK) return store_error(db_.get(), "commit heartbeats");
  return unknown;
}

Result<void> SqliteStore::record_pack_report(std::int64_t agent_id, const std::string& version,
                                             bool accepted, const std::string& reason) {
  // Bound without a copy: the text must outlive step().
  const std::string text = accepted ? version : version + ": " + reason;
  StmtUse use(accepted ? pack_accepted_.get() : pack_refused_.get());
  use.bind(1, text).bind(2, agent_id);
  if (use.step() != SQLITE_DONE) return store_error(db_.get(), "record pack report");
  return ok();
}

Result<PackPublication> SqliteStore::publish_pack(const StoredPack& pack, bool rollback) {
  Transaction txn(db_.get());
  if (txn.begin() != SQLITE_OK) return store_error(db_.get(), "begin");
  auto existing = find_pack(pack.version);
  if (!existing) return tl::unexpected(existing.error());
  if (existing->has_value() && (*existing)->sha256 != pack.sha256) {
    return fail(ErrorCode::kConflict, "another pack with version " + pack.version +
                                          " was published before; give this one a new version");
  }
  if (!existing->has_value()) {
    StmtUse use(insert_pack_.get());
    use.bind(1, pack.version).bind(2, pack.name).bind(3, pack.sha256).bind_blob(4, pack.bytes);
    if (use.step() != SQLITE_DONE) return store_error(db_.get(), "insert pack");
  }
  PackPublication publication;
  publication.name = pack.name;
  publication.version = pack.version;
  publication.published_ns = now_ns();
  publication.rollback = rollback;
  {
    StmtUse use(insert_publication_.get());
    use.bind(1, pack.version).bind(2, publication.published_ns).bind(3, rollback ? 1 : 0);
    if (use.step() != SQLITE_DONE) return store_error(db_.get(), "insert publication");
  }
  publication.id = sqlite3_last_insert_rowid(db_.get());
  if (txn.commit() != SQLITE_OK) return store_error(db_.get(), "commit");
  return publication;
}

Result<std::optional<StoredPack>> SqliteStore::find_pack(const std::string& version) {
  StmtUse use(find_pack_.get());
  use.bind(1, version);
  const int rc = use.step();
  if (rc == SQLITE_DONE) return std::optional<StoredPack>();
  if (rc != SQLITE_ROW) return store_error(db_.get(), "find pack");
  return std::optional<StoredPack>(StoredPack{use.text(0), use.text(1), use.text(2), use.blob(3)});
}

Result<std::optional<PackPublication>> SqliteStore::current_publication() {
  auto newest = read_publications(1);
  if (!newest) return tl::unexpected(newest.error());
  if (newest->empty()) return std::optional<PackPublication>();
  return std::optional<PackPublication>(newest->front());
}

Result<std::vector<PackPublication>> SqliteStore::pack_history() {
  return read_publications(std::numeric_limits<std::int64_t>::max());
}

Result<std::vector<PackPublication>> SqliteStore::read_publications(std::int64_t limit) {
  StmtUse use(publications_.get());
  use.bind(1, limit);
  std::vector<PackPublication> out;
  int rc;
  while ((rc = use.step()) == SQLITE_ROW) {
    out.push_back(
        PackPublication{use.int64(0), use.text(1), use.text(2), use.int64(3), use.int64(4) != 0});
  }
  if (rc != SQLITE_DONE) return store_error(db_.get(), "read publications");
  return out;
}

Result<sqlite3_stmt*> SqliteStore::cached_query(std::array<StmtHandle, kFilterCombinations>& cache,
                                                unsigned mask, bool count) {
  StmtHandle& slot = cache[mask];
  if (slot) return slot.get();
  const std::string sql =
      count ? "SELECT COUNT(*) FROM events e" + where_clause(mask)
            : "SELECT e.id, e.time_ns, e.received_ns, a.name, a.agency, e.kind, e.source, "
              "e.message, e.fields FROM events e JOIN agents a ON a.id = e.agent_id" +
                  where_clause(mask) + " ORDER BY e.time_ns DESC, e.id DESC LIMIT ?";
  auto stmt = prepare(db_.get(), sql);
  if (!stmt) return tl::unexpected(stmt.error());
  slot = std::move(*stmt);
  return slot.get();
}

Result<StoredEvent> SqliteStore::read_event(const StmtUse& use) {
  StoredEvent stored;
  stored.id = use.int64(0);
  stored.event.time_ns = use.int64(1);
  stored.received_ns = use.int64(2);
  stored.agent = use.text(3);
  stored.agency = use.text(4);
  const std::string kind = use.text(5);
  const auto parsed_kind = parse_event_kind(kind);
  if (!parsed_kind) {
    return fail(ErrorCode::kStore,
                "event " + std::to_string(stored.id) + " has unknown kind '" + kind + "'");
  }
  stored.event.kind = *parsed_kind;
  stored.event.source = use.text(6);
  stored.event.raw = use.text(7);
  auto fields = decode_fields_column(use.text(8));
  if (!fields) {
    return fail(ErrorCode::kStore,
                "event " + std::to_string(stored.id) + ": " + fields.error().message);
  }
  stored.event.fields = std::move(*fields);
  return stored;
}

Result<int> SqliteStore::append_rows(StmtUse& use, std::vector<StoredEvent>& events,
                                     const std::function<void()>& after_row) {
  int rc;
  while ((rc = use.step()) == SQLITE_ROW) {
    auto event = read_event(use);
    if (!event) return tl::unexpected(event.error());
    events.push_back(std::move(*event));
    if (after_row) after_row();
  }
  return rc;
}

Result<std::vector<StoredEvent>> SqliteStore::read_events(StmtUse& use, const char* what) {
  std::vector<StoredEvent> events;
  auto rc = append_rows(use, events, nullptr);
  if (!rc) return tl::unexpected(rc.error());
  if (*rc != SQLITE_DONE) return store_error(db_.get(), what);
  return events;
}

Result<std::vector<StoredEvent>> SqliteStore::query_events(const EventQuery& query) {
  auto stmt = cached_query(query_cache_, filter_mask(query), false);
  if (!stmt) return tl::unexpected(stmt.error());
  const std::string_view kind_name = query.kind ? event_kind_name(*query.kind) : "";
  constexpr auto kMaxLimit = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  StmtUse use(*stmt);
  const int limit_index = bind_filters(use, query, kind_name);
  use.bind(limit_index, static_cast<std::int64_t>(std::min(query.limit, kMaxLimit)));
  return read_events(use, "query events");
}

Result<std::uint64_t> SqliteStore::count_events(const EventQuery& query) {
  auto stmt = cached_query(count_cache_, filter_mask(query), true);
  if (!stmt) return tl::unexpected(stmt.error());
  const std::string_view kind_name = query.kind ? event_kind_name(*query.kind) : "";
  StmtUse use(*stmt);
  bind_filters(use, query, kind_name);
  if (use.step() != SQLITE_ROW) return store_error(db_.get(), "count events");
  return static_cast<std::uint64_t>(use.int64(0));
}

Result<std::size_t> SqliteStore::for_each_event_since(
    std::span<const EventKind> kinds, TimeNs since,
    const std::function<void(const StoredEvent&)>& visit) {
  // One cursor per kind along events_kind_time (kind, time_ns, id): each returns its rows in
  // order without a sort, and the cursors are merged here.
  struct Cursor {
    StmtHandle stmt;
    std::unique_ptr<StmtUse> use;
    std::optional<StoredEvent> head;  // the cursor's next event; none when it is done
  };
  std::vector<Cursor> cursors(kinds.size());
  auto advance = [&](Cursor& c) -> Result<void> {
    const int rc = c.use->step();
    if (rc == SQLITE_DONE) {
      c.head.reset();
      return {};
    }
    if (rc != SQLITE_ROW) return store_error(db_.get(), "read stored events oldest first");
    auto event = read_event(*c.use);
    if (!event) return tl::unexpected(event.error());
    c.head = std::move(*event);
    return {};
  };
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    auto stmt =
        prepare(db_.get(),
                "SELECT e.id, e.time_ns, e.received_ns, a.name, a.agency, e.kind, e.source, "
                "e.message, e.fields FROM events e JOIN agents a ON a.id = e.agent_id "
                "WHERE e.kind = ? AND e.time_ns >= ? ORDER BY e.time_ns, e.id");
    if (!stmt) return tl::unexpected(stmt.error());
    cursors[i].stmt = std::move(*stmt);
    cursors[i].use = std::make_unique<StmtUse>(cursors[i].stmt.get());
    cursors[i].use->bind(1, event_kind_name(kinds[i])).bind(2, static_cast<std::int64_t>(since));
    if (auto ok = advance(cursors[i]); !ok) return tl::unexpected(ok.error());
  }
  std::size_t visited = 0;
  for (;;) {
    Cursor* next = nullptr;
    for (Cursor& c : cursors) {
      if (!c.head) continue;
      if (next == nullptr || c.head->event.time_ns < next->head->event.time_ns ||
          (c.head->event.time_ns == next->head->event.time_ns && c.head->id < next->head->id)) {
        next = &c;
      }
    }
    if (next == nullptr) return visited;
    visit(*next->head);
    ++visited;
    if (auto ok = advance(*next); !ok) return tl::unexpected(ok.error());
  }
}

// The SQL of a search: the compiled expression (whose parameters come first), then the time
// window and the limit. Only fixed fragments and the compiler's fixed fragments are spliced.
// kNewestFirst walks the time index from the newest event and tests each one (full-text tests
// included, per event); kByCandidates looks up the ids a kCandidateIds fragment lists and tests
// each one the same way; kByIndex lets SQLite start from the best field or word index and sort.
std::string search_sql(const EventSearch& search, SearchPlan plan) {
  const bool count = plan == SearchPlan::kCount;
  std::string sql = count ? "SELECT COUNT(*) FROM events e"
                          : "SELECT e.id, e.time_ns, e.received_ns, a.name, a.agency, e.kind, "
                            "e.source, e.message, e.fields FROM events e";
  if (plan == SearchPlan::kNewestFirst) sql += " INDEXED BY events_time";
  if (plan == SearchPlan::kByDriverIndex) {
    sql += " INDEXED BY ";
    sql += search.query.index_driver->index;  // fixed text from the compiler's table
  }
  if (plan == SearchPlan::kByCandidates) sql += " NOT INDEXED";  // by id: the rowid only
  if (!count || search.query.uses_agents) sql += " JOIN agents a ON a.id = e.agent_id";
  std::string where = search.query.where;
  if (plan == SearchPlan::kNewestFirst || plan == SearchPlan::kByCandidates) {
    for (std::size_t at = where.find(query::kFullTextAsSet); at != std::string::npos;
         at = where.find(query::kFullTextAsSet, at)) {
      where.replace(at, query::kFullTextAsSet.size(), query::kFullTextPerEvent);
      at += query::kFullTextPerEvent.size();
    }
  }
  sql += where.empty() ? " WHERE 1" : " WHERE (" + where + ")";
  if (search.since) sql += " AND e.time_ns >= ?";
  if (search.until) sql += " AND e.time_ns < ?";
  if (!count) sql += " ORDER BY e.time_ns DESC, e.id DESC LIMIT ?";
  return sql;
}

// Binds one compiled-query parameter; a text must outlive the statement's steps.
int bind_param(sqlite3_stmt* stmt, int index, const query::SqlParam& param) {
  if (const auto* i = std::get_if<std::int64_t>(&param)) {
    return sqlite3_bind_int64(stmt, index, *i);
  }
  if (const auto* d = std::get_if<double>(&param)) return sqlite3_bind_double(stmt, index, *d);
  const auto& text = std::get<std::string>(param);
  return sqlite3_bind_text64(stmt, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
}

Result<StmtHandle> SqliteStore::prepare_search(const EventSearch& search, SearchPlan plan) {
  const bool count = plan == SearchPlan::kCount;
  const std::string sql = search_sql(search, plan);
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql.c_str(), static_cast<int>(sql.size()), &raw, &tail) !=
      SQLITE_OK) {
    return store_error(db_.get(), "prepare search");
  }
  StmtHandle stmt(raw);
  const int expected = static_cast<int>(search.query.params.size()) + (search.since ? 1 : 0) +
                       (search.until ? 1 : 0) + (count ? 0 : 1);
  if (tail == nullptr || *tail != '\0' || sqlite3_bind_parameter_count(raw) != expected) {
    return fail(ErrorCode::kInternal, "compiled search does not fit its parameters");
  }
  int index = 1;
  int rc = SQLITE_OK;
  for (const query::SqlParam& param : search.query.params) {
    if (bind_param(raw, index++, param) != SQLITE_OK) return store_error(db_.get(), "bind search");
  }
  constexpr auto kMaxLimit = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  if (search.since) rc = sqlite3_bind_int64(raw, index++, *search.since);
  if (rc == SQLITE_OK && search.until) rc = sqlite3_bind_int64(raw, index++, *search.until);
  if (rc == SQLITE_OK && !count) {
    rc = sqlite3_bind_int64(raw, index++,
                            static_cast<std::int64_t>(std::min(search.limit, kMaxLimit)));
  }
  if (rc != SQLITE_OK) return store_error(db_.get(), "bind search");
  return stmt;
}

Result<std::vector<StoredEvent>> SqliteStore::search_events(const EventSearch& search) {
  // The budgeted plans below give up (nullopt) when the index plan is the faster one.
  const bool budgeted = search.limit > 0 && tuning_.newest_first_budget.count() > 0;
  SearchPlan plan = SearchPlan::kByIndex;
  if (budgeted && search.query.full_text_driver) {
    // A word or phrase every match has: its index lists the candidates newest id first, and
    // those are tested by id. Walking the time index instead would test each event's text
    // against the word index, which costs much more per event.
    auto found = search_by_text(search);
    if (!found) return tl::unexpected(found.error());
    if (*found) return std::move(**found);
  } else if (budgeted && !search.query.where.empty()) {
    // A field index that every match is in answers at once when it lists the matches newest
    // first (an equality) or holds few entries (a rare range).
    auto from_driver = driver_index_is_best(search);
    if (!from_driver) return tl::unexpected(from_driver.error());
    if (*from_driver) {
      plan = SearchPlan::kByDriverIndex;
    } else {
      // A search that many events match finds its newest ones at once by walking the time
      // index; one that few match would read the whole store that way, and is answered
      // fastest from its field or word index, then sorted. The walk gets a short budget (it
      // bounds what a rare value costs extra) to tell which.
      auto walked = search_newest_first(search);
      if (!walked) return tl::unexpected(walked.error());
      if (*walked) return std::move(**walked);
    }
  }
  auto stmt = prepare_search(search, plan);
  if (!stmt) return tl::unexpected(stmt.error());
  StmtUse use(stmt->get());
  return read_events(use, "search events");
}

Result<bool> SqliteStore::driver_index_is_best(const EventSearch& search) {
  const auto& driver = search.query.index_driver;
  if (!driver) return false;
  if (!driver->upper_param) return true;
  const auto& params = search.query.params;
  if (driver->value_param >= params.size() || *driver->upper_param >= params.size()) {
    return fail(ErrorCode::kInternal, "compiled search: index driver out of its parameters");
  }
  // Fixed fragments only: the index and column come from the compiler's table.
  std::string sql = std::string("SELECT count(*) FROM (SELECT 1 FROM events e INDEXED BY ") +
                    driver->index + " WHERE " + driver->column + " >= ? AND " + driver->column +
                    " < ?";
  if (search.since) sql += " AND e.time_ns >= ?";
  if (search.until) sql += " AND e.time_ns < ?";
  sql += " LIMIT " + std::to_string(tuning_.few_index_entries) + ")";
  auto stmt = prepare(db_.get(), sql.c_str());
  if (!stmt) return tl::unexpected(stmt.error());
  int index = 1;
  int rc = bind_param(stmt->get(), index++, params[driver->value_param]);
  if (rc == SQLITE_OK) rc = bind_param(stmt->get(), index++, params[*driver->upper_param]);
  if (rc == SQLITE_OK && search.since) rc = sqlite3_bind_int64(stmt->get(), index++, *search.since);
  if (rc == SQLITE_OK && search.until) rc = sqlite3_bind_int64(stmt->get(), index++, *search.until);
  if (rc != SQLITE_OK) return store_error(db_.get(), "bind index count");
  StmtUse use(stmt->get());
  if (use.step() != SQLITE_ROW) return store_error(db_.get(), "count index entries");
  return use.int64(0) < tuning_.few_index_entries;
}

namespace {

// When the newest-first walk stops: after its budget with nothing found (a rare value: its
// index is faster), or when the matches found so far say the limit is further away than
// kLongestWalk (a value whose index plan is cheap enough), or at twice that in any case.
struct WalkBudget {
  std::chrono::steady_clock::time_point start;
  std::chrono::steady_clock::duration budget;
  std::size_t limit = 0;
  std::size_t found = 0;

  bool over() const {
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (elapsed <= budget) return false;
    if (found == 0 || elapsed > 2 * kLongestWalk) return true;
    const auto projected = elapsed * static_cast<std::int64_t>(limit) /
                           static_cast<std::int64_t>(std::min(found, limit));
    return projected > kLongestWalk;
  }
};

}  // namespace

Result<std::optional<std::vector<StoredEvent>>> SqliteStore::search_newest_first(
    const EventSearch& search) {
  auto stmt = prepare_search(search, SearchPlan::kNewestFirst);
  if (!stmt) return tl::unexpected(stmt.error());
  WalkBudget budget{std::chrono::steady_clock::now(), tuning_.newest_first_budget, search.limit};
  // The walk's budget watches it while it runs, and only then.
  struct Watch {
    sqlite3* db;
    ~Watch() { sqlite3_progress_handler(db, 0, nullptr, nullptr); }
  } watch{db_.get()};
  auto stop = [](void* arg) { return static_cast<const WalkBudget*>(arg)->over() ? 1 : 0; };
  sqlite3_progress_handler(watch.db, kProgressSteps, stop, &budget);
  StmtUse use(stmt->get());
  std::vector<StoredEvent> events;
  auto rc = append_rows(use, events, [&] { budget.found = events.size(); });
  if (!rc) return tl::unexpected(rc.error());
  if (*rc == SQLITE_INTERRUPT) return std::nullopt;
  if (*rc != SQLITE_DONE) return store_error(db_.get(), "search events");
  return std::optional(std::move(events));
}

Result<std::optional<std::vector<StoredEvent>>> SqliteStore::search_by_text(
    const EventSearch& search) {
  const query::CompiledQuery& q = search.query;
  const query::FullTextDriver driver = *q.full_text_driver;
  const std::string* words = driver.param_index < q.params.size()
                                 ? std::get_if<std::string>(&q.params[driver.param_index])
                                 : nullptr;
  if (words == nullptr || driver.where_offset > q.where.size() ||
      q.where.compare(driver.where_offset, query::kFullTextAsSet.size(), query::kFullTextAsSet) !=
          0) {
    return std::optional<std::vector<StoredEvent>>();  // not a driver this store knows
  }
  auto candidates = prepare(
      db_.get(),
      "SELECT rowid FROM events_fts WHERE events_fts MATCH soc_fts_terms(?) ORDER BY rowid DESC");
  if (!candidates) return tl::unexpected(candidates.error());
  StmtUse next_candidate(candidates->get());
  next_candidate.bind(1, *words);

  EventSearch by_ids = search;
  by_ids.query.where.replace(driver.where_offset, query::kFullTextAsSet.size(), kCandidateIds);
  auto newer = [](const StoredEvent& a, const StoredEvent& b) {
    return a.event.time_ns != b.event.time_ns ? a.event.time_ns > b.event.time_ns : a.id > b.id;
  };
  WalkBudget budget{std::chrono::steady_clock::now(), tuning_.newest_first_budget, search.limit};
  std::vector<StoredEvent> best;  // the newest `limit` matches so far, newest first
  std::size_t chunk_size = std::clamp(2 * search.limit, kFirstCandidates, kMostCandidates);
  for (bool more = true; more;) {
    std::string ids = "[";
    std::size_t n = 0;
    std::int64_t first = 0;
    while (n < chunk_size) {
      const int rc = next_candidate.step();
      if (rc == SQLITE_DONE) {
        more = false;
        break;
      }
      if (rc != SQLITE_ROW) return store_error(db_.get(), "read full-text candidates");
      const std::int64_t id = next_candidate.int64(0);
      if (n++ == 0) {
        first = id;
      } else {
        ids += ',';
      }
      ids += std::to_string(id);
    }
    if (n == 0) break;
    // Every candidate left has an id up to `first`: none can be newer than `bound`.
    auto bound = newest_time_up_to(first);
    if (!bound) return tl::unexpected(bound.error());
    if (search.since && *bound < *search.since) break;
    if (best.size() >= search.limit && *bound <= best[search.limit - 1].event.time_ns) break;
    ids += ']';
    by_ids.query.params[driver.param_index] = std::move(ids);
    auto stmt = prepare_search(by_ids, SearchPlan::kByCandidates);
    if (!stmt) return tl::unexpected(stmt.error());
    StmtUse use(stmt->get());
    auto rc = append_rows(use, best, nullptr);
    if (!rc) return tl::unexpected(rc.error());
    if (*rc != SQLITE_DONE) return store_error(db_.get(), "search events by id");
    std::sort(best.begin(), best.end(), newer);
    if (best.size() > search.limit) best.resize(search.limit);
    budget.found = best.size();
    if (more && budget.over()) return std::optional<std::vector<StoredEvent>>();
    chunk_size = std::min(2 * chunk_size, kMostCandidates);
  }
  return std::optional(std::move(best));
}

Result<std::uint64_t> SqliteStore::count_search(const EventSearch& search) {
  auto stmt = prepare_search(search, SearchPlan::kCount);
  if (!stmt) return tl::unexpected(stmt.error());
  StmtUse use(stmt->get());
  if (use.step() != SQLITE_ROW) return store_error(db_.get(), "count search");
  return static_cast<std::uint64_t>(use.int64(0));
}

// soc_cidr_match(address, network, prefix) for compiled searches: 1 when the address text is an
// IP address inside network/prefix (same family), else 0.
void cidr_match_function(sqlite3_context* context, int, sqlite3_value** argv) {
  auto text = [&](int i) {
    const unsigned char* data = sqlite3_value_text(argv[i]);
    return data == nullptr
               ? std::string_view()
               : std::string_view(reinterpret_cast<const char*>(data),
                                  static_cast<std::size_t>(sqlite3_value_bytes(argv[i])));
  };
  if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) return sqlite3_result_int(context, 0);
  const auto address = IpAddress::parse(text(0));
  const auto network = IpAddress::parse(text(1));
  const std::int64_t prefix = sqlite3_value_int64(argv[2]);
  if (!address || !network || address->is_v4 != network->is_v4 || prefix < 0 ||
      prefix > (network->is_v4 ? 32 : 128)) {
    return sqlite3_result_int(context, 0);
  }
  const auto full = static_cast<std::size_t>(prefix / 8);
  if (std::memcmp(address->bytes.data(), network->bytes.data(), full) != 0) {
    return sqlite3_result_int(context, 0);
  }
  const auto rest = static_cast<unsigned>(prefix % 8);
  if (rest != 0) {
    const auto mask = static_cast<std::uint8_t>(0xffu << (8 - rest));
    if ((address->bytes[full] & mask) != (network->bytes[full] & mask)) {
      return sqlite3_result_int(context, 0);
    }
  }
  sqlite3_result_int(context, 1);
}

Result<void> register_functions(sqlite3* db) {
  if (sqlite3_create_function_v2(db, "soc_cidr_match", 3,
                                 SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                                 cidr_match_function, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return store_error(db, "register soc_cidr_match");
  }
  return register_phrase_functions(db);
}

// ---------------------------------------------------------------------------------------------
// Opening.

Result<void> create_parent_directory(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return ok();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) return fail(ErrorCode::kIo, "create " + parent.string() + ": " + ec.message());
  return ok();
}

// SQLite keeps allocation statistics under one process-wide mutex by default; nothing here reads
// them, and every connection's writer paid the lock on each of its allocations. Set before
// SQLite's first use in the process (sqlite3_config refuses later calls, which changes nothing).
void configure_sqlite_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK) {
      log(LogLevel::kDebug, kComponent,
          "SQLite was initialized before the store: its allocation statistics stay on");
    }
  });
}

Result<DbHandle> open_connection(const std::string& path, StoreMode mode) {
  configure_sqlite_once();
  if (mode == StoreMode::kReadOnly) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      return fail(ErrorCode::kNotFound, "database " + path + " does not exist");
    }
  } else if (auto created = create_parent_directory(path); !created) {
    return tl::unexpected(created.error());
  }
  const int flags = (mode == StoreMode::kReadOnly ? SQLITE_OPEN_READONLY
                                                  : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DbHandle db(raw);  // sqlite3_open_v2 may allocate a handle even when it fails
  if (rc != SQLITE_OK) {
    const ErrorCode code = rc == SQLITE_CANTOPEN && mode == StoreMode::kReadOnly
                               ? ErrorCode::kNotFound
                               : ErrorCode::kStore;
    return fail(code, "open " + path + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

// WAL so readers (socctl) never block the writer; synchronous=FULL so a commit survives a power
// loss once it returns (NORMAL for kReadWriteDeferredSync: a WalSync syncs the log). A 256 MiB
// page cache keeps the indexes' hot pages; a checkpoint every 64 MiB of WAL (the WAL file's usual
// size) rather than every 1,000 pages writes each often-changed index page back once instead of
// many times: ingest +20%. A new database gets 16 KiB pages (kNewDatabasePageSize); an existing
// one keeps the size it has.
Result<void> configure(sqlite3* db, StoreMode mode) {
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  if (mode != StoreMode::kReadOnly) {
    // Takes effect only on a file with no page yet: before journal_mode writes the header.
    const std::string page_size = "PRAGMA page_size = " + std::to_string(kNewDatabasePageSize);
    if (auto set = exec(db, page_size.c_str()); !set) return set;
    auto stmt = prepare(db, "PRAGMA journal_mode = WAL");
    if (!stmt) return tl::unexpected(stmt.error());
    StmtUse use(stmt->get());
    if (use.step() != SQLITE_ROW) return store_error(db, "set journal_mode");
    if (use.text(0) != "wal") {
      // A deferred sync syncs the write-ahead log: without one, commits would not be synced.
      if (mode == StoreMode::kReadWriteDeferredSync) {
        return fail(ErrorCode::kStore,
                    "journal_mode is " + use.text(0) + ", not wal: commits cannot be synced later");
      }
      log(LogLevel::kWarn, kComponent, "journal_mode is ", use.text(0), ", not wal");
    }
  }
  const char* synchronous = mode == StoreMode::kReadWriteDeferredSync
                                ? "PRAGMA synchronous = NORMAL"
                                : "PRAGMA synchronous = FULL";
  if (auto sync = exec(db, synchronous); !sync) return sync;
  if (auto cache = exec(db, "PRAGMA cache_size = -262144"); !cache) return cache;
  if (mode == StoreMode::kReadOnly) return exec(db, "PRAGMA foreign_keys = ON");
  auto page_size = prepare(db, "PRAGMA page_size");
  if (!page_size) return tl::unexpected(page_size.error());
  std::int64_t page_bytes = 0;
  {
    StmtUse use(page_size->get());
    if (use.step() != SQLITE_ROW) return store_error(db, "read page_size");
    page_bytes = std::max<std::int64_t>(use.int64(0), 512);
  }
  const std::string checkpoint =
      "PRAGMA wal_autocheckpoint = " + std::to_string(kWalCheckpointBytes / page_bytes);
  if (auto wal = exec(db, checkpoint.c_str()); !wal) return wal;
  return exec(db, "PRAGMA foreign_keys = ON");
}

}  // namespace

int sqlite_schema_version() { return static_cast<int>(kMigrations.size()); }

Result<DbHandle> open_sqlite_database(const std::string& path, StoreMode mode) {
  auto db = open_connection(path, mode);
  if (!db) return tl::unexpected(db.error());
  if (auto configured = configure(db->get(), mode); !configured) {
    return tl::unexpected(configured.error());
  }
  if (auto registered = register_functions(db->get()); !registered) {
    return tl::unexpected(registered.error());
  }
  if (auto migrated = migrate(db->get(), mode); !migrated) {
    return tl::unexpected(migrated.error());
  }
  return db;
}

Result<std::unique_ptr<EventStore>> open_sqlite_store(const std::string& path, StoreMode mode,
                                                      SearchTuning tuning) {
  auto db = open_sqlite_database(path, mode);
  if (!db) return tl::unexpected(db.error());
  auto store = std::make_unique<SqliteStore>(std::move(*db), tuning);
  if (auto prepared = store->prepare_statements(); !prepared) {
    return tl::unexpected(prepared.error());
  }
  return std::unique_ptr<EventStore>(std::move(store));
}

}  // namespace soc::collector
