// EventStore: the collector's durable storage of agents, events, per-agent batch sequence
// numbers and the published signature packs. SQLite today (sqlite_store.h); PostgreSQL later behind
// the same interface.
//
// Contract: one EventStore object is used by one thread at a time; open a second object (a
// second connection) for another thread. Every method returns an Error instead of throwing.
// store_batches() commits the events and the new last sequence of each stream in one
// transaction; it is durable when it returns, except on a connection that defers its syncs
// (StoreMode::kReadWriteDeferredSync), whose owner syncs the commit (WalSync) before it acks.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "collector/query/compiled_query.h"
#include "collector/store/event_row.h"
#include "common/clock.h"
#include "common/event.h"
#include "common/result.h"

namespace soc::collector {

struct AgentRecord {
  std::int64_t id = 0;
  std::string name;
  std::string public_key;  // Z85, 40 characters: the agent's identity
  std::string agency;
  TimeNs enrolled_ns = 0;
  TimeNs last_seen_ns = 0;    // 0 = never connected
  std::string counters_json;  // the agent's last reported counters, "{}" if none
  std::uint64_t event_count = 0;
  std::string pack_version;  // the active pack the agent last reported, "" for none
  std::string pack_report;   // the agent's last refusal of a pack ("1.2.0: reason"), "" if none
};

// An agent's latest heartbeat.
struct AgentHeartbeat {
  std::int64_t agent_id = 0;
  TimeNs seen_ns = 0;
  std::string counters_json;  // its counters, a JSON object as text
  std::string pack_version;   // its active pack's version, "" for none
};

// A signature pack file as kept by the collector (its bytes are signed; the collector keeps them
// as they are and pushes them to agents).
struct StoredPack {
  std::string name;
  std::string version;
  std::string sha256;  // of the pack file
  std::string bytes;
};

// One publication: which pack became the current one, when, and whether an admin asked for an
// older one on purpose. The current pack is the newest publication's.
struct PackPublication {
  std::int64_t id = 0;
  std::string name;
  std::string version;
  TimeNs published_ns = 0;
  bool rollback = false;
};

// One batch as received from an enrolled agent. A stream is one agent installation (epoch):
// sequence numbers start at 1 for each new epoch and grow by one per batch.
struct IncomingBatch {
  std::int64_t agent_id = 0;
  std::uint64_t epoch = 0;
  std::uint64_t seq = 0;
  // The lowest sequence number the agent still holds; batches below it are gone for good.
  std::uint64_t base = 0;
  TimeNs received_ns = 0;
  const std::vector<Event>* events = nullptr;
  // The events encoded ahead (encode_event_rows), to spare the store's writer the work; null,
  // or not one per event, and store_batches encodes them itself.
  const std::vector<EventRow>* rows = nullptr;
};

enum class BatchOutcome {
  kStored,     // seq was the next expected one (or the gap below it is gone at the agent)
  kDuplicate,  // seq was stored before: ack it, store nothing
  kGap,        // an earlier batch the agent still holds is missing: resend from expected_seq
};

struct BatchResult {
  BatchOutcome outcome = BatchOutcome::kStored;
  std::uint64_t expected_seq = 0;       // with kGap: the next sequence the store wants
  std::uint64_t skipped = 0;            // with kStored: batches declared lost by the agent (gap)
  std::vector<std::int64_t> event_ids;  // with kStored: the stored events' ids, in batch order
};

struct EventQuery {
  std::optional<std::string> agent;  // agent name
  std::optional<EventKind> kind;
  std::optional<TimeNs> since;  // inclusive, on event time
  std::optional<TimeNs> until;  // exclusive
  std::size_t limit = 100;      // newest first
};

// A search in the query language (collector/query): the compiled query, the event-time window
// and how many events to return, newest first (by event time, then by id).
struct EventSearch {
  query::CompiledQuery query;   // query.where == "": every event
  std::optional<TimeNs> since;  // inclusive, on event time
  std::optional<TimeNs> until;  // exclusive
  std::size_t limit = 100;
};

struct StoredEvent {
  std::int64_t id = 0;
  TimeNs received_ns = 0;
  std::string agent;
  std::string agency;
  Event event;  // IP fields come back as strings
};

class EventStore {
 public:
  virtual ~EventStore() = default;

  // Applies the dedup rule to each batch in order and stores the new ones, all in one
  // transaction. results[i] answers batches[i].
  virtual Result<std::vector<BatchResult>> store_batches(
      std::span<const IncomingBatch> batches) = 0;

  // Enrolls an agent. kConflict when the name or key is already enrolled.
  virtual Result<AgentRecord> enroll_agent(const std::string& name, const std::string& public_key,
                                           const std::string& agency) = 0;
  virtual Result<std::optional<AgentRecord>> find_agent_by_key(const std::string& public_key) = 0;
  virtual Result<std::vector<AgentRecord>> list_agents() = 0;  // with event_count, by name

  // Records that each agent was seen, with its latest counters and active pack, all in one
  // transaction (one sync for every agent's, however many). Returns the ids of the agents that
  // are not enrolled (nothing is recorded for them); fails, recording nothing, only when the
  // store cannot write.
  virtual Result<std::vector<std::int64_t>> record_heartbeats(
      std::span<const AgentHeartbeat> heartbeats) = 0;

  // Records an agent's verdict on a pushed pack: accepted sets its pack version and clears the
  // last refusal; refused keeps the version and records "VERSION: reason".
  virtual Result<void> record_pack_report(std::int64_t agent_id, const std::string& version,
                                          bool accepted, const std::string& reason) = 0;

  // Keeps the pack (once per version: the same version with other bytes is kConflict) and makes
  // it the current one, in one transaction. rollback marks a publication of an older pack.
  virtual Result<PackPublication> publish_pack(const StoredPack& pack, bool rollback) = 0;
  // The stored pack of a version; nullopt when there is none.
  virtual Result<std::optional<StoredPack>> find_pack(const std::string& version) = 0;
  // The newest publication; nullopt when nothing was ever published.
  virtual Result<std::optional<PackPublication>> current_publication() = 0;
  // Every publication, newest first.
  virtual Result<std::vector<PackPublication>> pack_history() = 0;

  virtual Result<std::vector<StoredEvent>> query_events(const EventQuery& query) = 0;
  virtual Result<std::uint64_t> count_events(const EventQuery& query) = 0;  // ignores limit

  // Calls visit(e) for every stored event of one of `kinds` whose event time is at least
  // `since`, oldest first (by event time, then id, the kinds merged), holding one event per kind
  // at a time: memory stays flat however many there are. Returns how many were visited; kStore
  // for a database failure (the events visited before it stay visited).
  virtual Result<std::size_t> for_each_event_since(
      std::span<const EventKind> kinds, TimeNs since,
      const std::function<void(const StoredEvent&)>& visit) = 0;

  // Events matching a compiled search, newest first. The query's parameters are bound, never
  // spliced into SQL. kStore for a database failure.
  virtual Result<std::vector<StoredEvent>> search_events(const EventSearch& search) = 0;
  virtual Result<std::uint64_t> count_search(const EventSearch& search) = 0;  // ignores limit
};

}  // namespace soc::collector
