#include "collector/ingest.h"

#include <zmq.h>

#include <array>
#include <cstring>
#include <deque>
#include <iterator>
#include <optional>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "collector/batch_writer.h"
#include "collector/correlate/incident_engine.h"
#include "collector/pack_distributor.h"
#include "collector/pack_trust.h"
#include "collector/store/event_row.h"
#include "collector/store/sqlite_store.h"
#include "collector/store/wal_sync.h"
#include "collector/zap_handler.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/wire.h"

namespace soc::collector {

namespace {
constexpr const char* kMonitorEndpoint = "inproc://collector-router-monitor";
constexpr int kMonitorEvents = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
constexpr int kPollTimeoutMs = 200;
constexpr std::int64_t kHeartbeatFlushMs = 1000;
// Messages read per round at most (heartbeats and refused ones included), so the batches of
// one round are committed and acked promptly whatever else arrives.
constexpr std::size_t kMaxMessagesPerRound = 1024;
// Events per group (one transaction) at most, whatever the agents' batch sizes. Under sustained
// load a control message (pack report, heartbeat) waits for up to kMaintenanceMs and the group
// being stored then (about 0.3 s for a full group here); a new publication waits for the groups
// in flight to be stored and synced.
constexpr std::size_t kMaxEventsPerGroup = 32768;
// While groups follow each other without a pause, the pack distributor and the heartbeats are
// served between two of them once this much time has passed since the last time.
constexpr std::int64_t kMaintenanceMs = kPollTimeoutMs;

// A batch received in this round, waiting for the commit.
struct PendingBatch {
  std::string routing_id;
  wire::Batch batch;
  const AgentRecord* agent = nullptr;  // in agents_by_key, which only grows
  std::vector<EventRow> rows;          // batch.events encoded for the store, here, not there
};
}  // namespace

struct Ingest::Impl {
  CollectorConfig config;
  zmq::context_t context{1};
  std::unique_ptr<ZapHandler> zap;  // destroyed before the context (declared after it)
  zmq::socket_t router{context, zmq::socket_type::router};
  zmq::socket_t monitor{context, zmq::socket_type::pair};
  // This thread's connections (agents, heartbeats, packs; incidents) defer their syncs to the
  // writer's sync thread (sync_soon): nothing they write is promised to an agent.
  std::unique_ptr<EventStore> store;
  // Stores the groups of batches on its own thread and connection and syncs them on another;
  // `in_flight` are the groups it holds, oldest first (their events and rows are what the
  // writer reads until take(); declared first, so the writer, which finishes its groups when
  // destroyed, goes before them).
  std::deque<std::vector<PendingBatch>> in_flight;
  std::unique_ptr<BatchWriter> writer;
  std::int64_t last_maintenance_ms = 0;
  std::unordered_map<std::string, AgentRecord> agents_by_key;  // cache of enrolled agents
  IngestCounters counters;
  std::int64_t last_stats_ms = 0;
  // Latest heartbeat per agent, written to the store at most once per kHeartbeatFlushMs, all in
  // one commit, so neither a chatty agent nor thousands of agents cost a commit per message.
  std::map<std::int64_t, AgentHeartbeat> pending_heartbeats;
  // Pack reports received, recorded by the next maintenance.
  std::vector<std::pair<const AgentRecord*, wire::PackReport>> pending_reports;
  std::int64_t last_heartbeat_flush_ms = 0;
  std::unique_ptr<PackDistributor> packs;  // uses store and router
  // A new current pack found by packs->poll(), loaded (load_waiting_pack) once every committed
  // group has been correlated and none is in flight: its windows are rebuilt from what is
  // committed. Not loaded once stopping.
  std::optional<std::string> waiting_pack;
  std::unique_ptr<IncidentStore> incidents;
  std::unique_ptr<IncidentEngine> engine;  // uses incidents

  void refuse(const std::string& reason, const std::string& detail);
  const AgentRecord* agent_for(const std::string& key);
  void load_pack(const std::string& bytes);
  void load_waiting_pack();
  void receive_one(std::vector<PendingBatch>& batches);
  Result<void> advance(std::vector<PendingBatch>& gathered, bool stopping);
  void submit(std::vector<PendingBatch>& gathered);
  void acknowledge(const std::vector<PendingBatch>& group, const std::vector<BatchResult>& results);
  void correlate(const std::vector<PendingBatch>& batches, const std::vector<BatchResult>& results);
  bool maintain_writes(bool stopping);
  void maintain_reads(bool stopping);
  void maintain(bool stopping);  // both
  bool reply(const std::string& routing_id, const wire::Message& message);
  void drain_monitor();
  void log_stats();
  bool flush_heartbeats(bool force);
};

void Ingest::Impl::refuse(const std::string& reason, const std::string& detail) {
  const std::uint64_t n = ++counters.refused[reason];
  // Log the first few of each kind, then every 1000th, so a noisy peer cannot flood the log.
  if (n <= 10 || n % 1000 == 0) {
    log(LogLevel::kWarn, "ingest", "refused a message (", reason, ", total ", n, "): ", detail);
  }
}

const AgentRecord* Ingest::Impl::agent_for(const std::string& key) {
  if (auto it = agents_by_key.find(key); it != agents_by_key.end()) return &it->second;
  auto found = store->find_agent_by_key(key);
  if (!found || !found->has_value()) return nullptr;
  return &agents_by_key.emplace(key, **found).first->second;
}

// A new current pack: its correlation rules replace the old ones, and their windows are rebuilt
// from the store. A pack that does not verify here keeps the old rules (agents refuse it too).
void Ingest::Impl::load_pack(const std::string& bytes) {
  auto keys = load_trusted_keys(config);
  if (!keys) {
    log(LogLevel::kWarn, "incidents", "correlation rules not loaded: ", keys.error().message);
    return;
  }
  auto verified = pack::read_pack(bytes, *keys);
  if (!verified) {
    log(LogLevel::kWarn, "incidents", "correlation rules not loaded: ", verified.error().message);
    return;
  }
  if (auto loaded = engine->load_pack(*verified); !loaded) {
    log(LogLevel::kWarn, "incidents", "correlation rules not loaded: ", loaded.error().message);
    return;
  }
  if (auto replayed = engine->replay(*store, now_ns()); !replayed) {
    log(LogLevel::kWarn, "incidents",
        "correlation windows not rebuilt: ", replayed.error().message);
  }
}

void Ingest::Impl::load_waiting_pack() {
  if (!waiting_pack) return;
  load_pack(*waiting_pack);
  waiting_pack.reset();
}

void Ingest::Impl::receive_one(std::vector<PendingBatch>& batches) {
  std::vector<zmq::message_t> frames;
  bool more = true;
  while (more) {
    zmq::message_t frame;
    if (!router.recv(frame, zmq::recv_flags::dontwait)) break;
    more = frame.more();
    frames.push_back(std::move(frame));
  }
  ++counters.messages;
  if (frames.size() != 2) {
    refuse("multipart", std::to_string(frames.size()) + " frames");
    return;
  }
  // The ZAP handler set User-Id to the agent's Z85 key: the only identity we trust.
  const char* user_id = frames[1].gets("User-Id");
  const std::string key = user_id != nullptr ? user_id : "";
  auto agent = agent_for(key);
  if (!agent) {
    refuse("unknown_agent", "key " + key);
    return;
  }
  auto message = wire::decode(frames[1].to_string_view(), config.limits);
  if (!message) {
    refuse(error_code_name(message.error().code),
           "agent " + agent->name + ": " + message.error().message);
    return;
  }
  const auto* hb = std::get_if<wire::Heartbeat>(&*message);
  if (!std::holds_alternative<wire::Batch>(*message)) {
    // Heartbeats and reports come over the agent's control connection: packs are pushed there.
    packs->seen(*agent, frames[0].to_string(),
                hb != nullptr ? std::optional<std::string>(hb->pack_version) : std::nullopt,
                monotonic_ms());
  }
  if (auto* batch = std::get_if<wire::Batch>(&*message)) {
    std::vector<EventRow> rows = encode_event_rows(batch->events);
    batches.push_back(
        PendingBatch{frames[0].to_string(), std::move(*batch), agent, std::move(rows)});
  } else if (hb != nullptr) {
    ++counters.heartbeats;
    // Counter names come from the agent: invalid UTF-8 is replaced, never a reason to throw.
    pending_heartbeats[agent->id] = {
        agent->id, now_ns(),
        nlohmann::json(hb->counters).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
        hb->pack_version};
  } else if (const auto* report = std::get_if<wire::PackReport>(&*message)) {
    ++counters.pack_reports;
    pending_reports.emplace_back(agent, *report);  // recorded between groups
  } else {
    refuse("unexpected_type", "agent " + agent->name + " sent a message only collectors send");
  }
}

bool Ingest::Impl::reply(const std::string& routing_id, const wire::Message& message) {
  try {
    if (!router.send(zmq::buffer(routing_id),
                     zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
      return false;
    }
    return router.send(zmq::buffer(wire::encode(message)), zmq::send_flags::dontwait).has_value();
  } catch (const zmq::error_t& e) {
    // The agent went away; it resends after reconnecting and gets its ack then.
    log(LogLevel::kDebug, "ingest", "reply not sent: ", e.what());
    return false;
  }
}

// Moves the gathered batches into the writer (nothing when there are none). Precondition: no
// group is storing.
void Ingest::Impl::submit(std::vector<PendingBatch>& gathered) {
  if (gathered.empty()) return;
  const std::vector<PendingBatch>& group = in_flight.emplace_back(std::move(gathered));
  gathered.clear();
  std::vector<IncomingBatch> incoming;
  incoming.reserve(group.size());
  const TimeNs received = now_ns();
  for (const PendingBatch& p : group) {
    incoming.push_back(IncomingBatch{p.agent->id, p.batch.epoch, p.batch.seq, p.batch.base,
                                     received, &p.batch.events, &p.rows});
  }
  writer->submit(std::move(incoming));
}

// Answers each batch of a group made durable: ack (stored or duplicate) or nack (gap).
void Ingest::Impl::acknowledge(const std::vector<PendingBatch>& group,
                               const std::vector<BatchResult>& results) {
  for (std::size_t i = 0; i < group.size(); ++i) {
    const PendingBatch& p = group[i];
    const BatchResult& r = results[i];
    switch (r.outcome) {
      case BatchOutcome::kStored:
        ++counters.batches_stored;
        counters.events_stored += p.batch.events.size();
        reply(p.routing_id, wire::Ack{p.batch.epoch, p.batch.seq});
        break;
      case BatchOutcome::kDuplicate:
        ++counters.batches_duplicate;
        reply(p.routing_id, wire::Ack{p.batch.epoch, p.batch.seq});
        break;
      case BatchOutcome::kGap:
        ++counters.batches_gap;
        reply(p.routing_id, wire::Nack{p.batch.epoch, r.expected_seq, "missing earlier batch"});
        break;
    }
  }
}

// Feeds the stored events of a committed group to correlation (acked first: incidents are filed
// from what is durably stored); the incidents they make are recorded by engine->record_filed().
void Ingest::Impl::correlate(const std::vector<PendingBatch>& batches,
                             const std::vector<BatchResult>& results) {
  std::vector<StoredBatchView> stored;
  stored.reserve(batches.size());
  for (std::size_t i = 0; i < batches.size(); ++i) {
    const BatchResult& r = results[i];
    if (r.outcome != BatchOutcome::kStored) continue;
    stored.push_back(StoredBatchView{batches[i].batch.events, r.event_ids, batches[i].agent->name,
                                     batches[i].agent->agency});
  }
  engine->on_stored(stored);
}

// What waits between groups and writes on this thread's connection, so runs with no group
// storing: pack reports, heartbeats. True when it wrote (or tried).
bool Ingest::Impl::maintain_writes(bool stopping) {
  last_maintenance_ms = monotonic_ms();
  const bool reported = !pending_reports.empty();
  for (const auto& [agent, report] : pending_reports) packs->report(*agent, report);
  pending_reports.clear();
  return flush_heartbeats(stopping) || reported;
}

// What waits between groups and only reads the store, so runs while the writer stores: the
// pack distributor's poll (a new pack waits in waiting_pack), the periodic stats line. No new
// pack is looked for when stopping.
void Ingest::Impl::maintain_reads(bool stopping) {
  if (!stopping) packs->poll(monotonic_ms());
  log_stats();
}

void Ingest::Impl::maintain(bool stopping) {
  if (maintain_writes(stopping)) writer->sync_soon();
  maintain_reads(stopping);
}

// One step of the pipeline, on the loop's thread. The groups the writer has made durable are
// acked. Then, once no group is storing (so that what this thread writes on its own connections
// never waits for the writer's transaction), the incidents found before are recorded, the
// writing maintenance runs if it is due, and the gathered batches go to the writer; while it
// stores them (and syncs the group before), the groups just acked are correlated and the reading
// maintenance runs. The loop then receives the next group.
// A new pack is loaded only with the writer drained and every committed group correlated, so
// that the windows rebuilt from the store count each event once: while one waits, no group is
// submitted (the loop stalls for one store and sync and the replay, once per publication).
// When stopping, waits for the oldest group in flight and loads no pack. Fails only when the
// store cannot commit or sync a group (nothing of it is acked then; the groups before are).
// Incidents found but not recorded and synced yet (one group's, under load) are lost if the process
// dies then: a restart rebuilds the correlation windows from the store, but files nothing for what
// they held.
Result<void> Ingest::Impl::advance(std::vector<PendingBatch>& gathered, bool stopping) {
  const bool was_busy = writer->busy();
  std::vector<PendingBatch> committed;  // the groups just made durable, correlated below
  std::vector<BatchResult> results;
  for (bool wait = stopping && was_busy;; wait = false) {
    auto done = writer->take(wait);
    if (!done) break;
    if (!*done) {
      // The groups taken before it are acked: they are correlated, and their incidents (and
      // those found before) recorded unless a group is being stored (the collector stops: what
      // is not recorded now is not, and after a failed sync none is synced).
      correlate(committed, results);
      if (!writer->storing() && engine->record_filed()) writer->sync_soon();
      return tl::unexpected(done->error());
    }
    acknowledge(in_flight.front(), **done);
    std::move(in_flight.front().begin(), in_flight.front().end(), std::back_inserter(committed));
    std::move((**done).begin(), (**done).end(), std::back_inserter(results));
    in_flight.pop_front();
  }
  const bool due = !was_busy || stopping || monotonic_ms() - last_maintenance_ms >= kMaintenanceMs;
  const auto pack_waits = [&] { return waiting_pack.has_value() && !stopping; };
  if (pack_waits() && !writer->busy()) {
    correlate(committed, results);
    committed.clear();
    results.clear();
    load_waiting_pack();
  }
  if (!writer->storing()) {
    bool wrote = engine->record_filed();
    if (due) wrote = maintain_writes(stopping) || wrote;
    if (wrote) writer->sync_soon();
    if (!pack_waits()) submit(gathered);
  }
  correlate(committed, results);
  if (due) maintain_reads(stopping);
  if (!writer->busy()) {
    // Nothing in flight: what was just found or published need not wait for the next group.
    if (!stopping) load_waiting_pack();
    if (engine->record_filed()) writer->sync_soon();
  }
  return ok();
}

void Ingest::Impl::drain_monitor() {
  zmq::message_t header;
  while (monitor.recv(header, zmq::recv_flags::dontwait)) {
    bool more = header.more();
    while (more) {
      zmq::message_t rest;
      if (!monitor.recv(rest, zmq::recv_flags::dontwait)) break;
      more = rest.more();
    }
    if (header.size() < 6) continue;
    std::uint16_t event = 0;
    std::memcpy(&event, header.data(), sizeof event);
    if ((event & kMonitorEvents) == 0) continue;
    const std::uint64_t n = ++counters.handshake_failures;
    if (n <= 10 || n % 1000 == 0) {
      log(LogLevel::kWarn, "ingest",
          "handshake failed (not CURVE, wrong server key or refused key); total ", n);
    }
  }
}

// Writes the pending heartbeats, once per kHeartbeatFlushMs unless forced. True when it wrote
// (or tried).
bool Ingest::Impl::flush_heartbeats(bool force) {
  const std::int64_t now = monotonic_ms();
  if (!force && now - last_heartbeat_flush_ms < kHeartbeatFlushMs) return false;
  last_heartbeat_flush_ms = now;
  if (pending_heartbeats.empty()) return false;
  std::vector<AgentHeartbeat> heartbeats;
  heartbeats.reserve(pending_heartbeats.size());
  for (auto& entry : pending_heartbeats) heartbeats.push_back(std::move(entry.second));
  pending_heartbeats.clear();
  auto unknown = store->record_heartbeats(heartbeats);
  if (!unknown) {
    log(LogLevel::kWarn, "ingest", heartbeats.size(),
        " heartbeats not recorded: ", unknown.error().message);
    // Kept for the next flush (none after the last one, when stopping).
    for (AgentHeartbeat& h : heartbeats) pending_heartbeats.try_emplace(h.agent_id, std::move(h));
    return true;
  }
  for (const std::int64_t agent_id : *unknown) {
    log(LogLevel::kWarn, "ingest", "heartbeat of agent ", agent_id,
        " not recorded: no such agent in the store");
  }
  return true;
}

void Ingest::Impl::log_stats() {
  const std::int64_t now = monotonic_ms();
  if (now - last_stats_ms < config.stats_interval_s * 1000) return;
  last_stats_ms = now;
  std::uint64_t refused = 0;
  for (const auto& [reason, n] : counters.refused) refused += n;
  log(LogLevel::kInfo, "ingest", "stored ", counters.events_stored, " events in ",
      counters.batches_stored, " batches; duplicates ", counters.batches_duplicate, ", gaps ",
      counters.batches_gap, ", refused ", refused, ", handshake failures ",
      counters.handshake_failures);
}

Ingest::Ingest(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ingest::~Ingest() = default;

Result<std::unique_ptr<Ingest>> Ingest::start(const CollectorConfig& config,
                                              const CurveKeypair& server_keys) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  auto store = open_sqlite_store(config.store_path, StoreMode::kReadWriteDeferredSync);
  if (!store) return tl::unexpected(store.error());
  impl->store = std::move(*store);
  auto writer_store = open_sqlite_store(config.store_path, StoreMode::kReadWriteDeferredSync);
  if (!writer_store) return tl::unexpected(writer_store.error());
  auto opened_wal = WalSync::open(config.store_path);
  if (!opened_wal) return tl::unexpected(opened_wal.error());
  auto wal = std::make_shared<WalSync>(std::move(*opened_wal));
  auto writer = BatchWriter::start(std::move(*writer_store), [wal] { return wal->sync(); });
  if (!writer) return tl::unexpected(writer.error());
  impl->writer = std::move(*writer);
  auto zap = ZapHandler::start(impl->context, config.store_path, config.refused_log_interval_s);
  if (!zap) return tl::unexpected(zap.error());
  impl->zap = std::move(*zap);
  try {
    zmq::socket_t& r = impl->router;
    r.set(zmq::sockopt::curve_server, 1);
    r.set(zmq::sockopt::curve_secretkey, server_keys.secret_key);
    r.set(zmq::sockopt::zap_domain, "soc");
    r.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(config.limits.max_message_bytes));
    r.set(zmq::sockopt::linger, 0);
    r.set(zmq::sockopt::router_mandatory, 1);
    if (zmq_socket_monitor(r.handle(), kMonitorEndpoint, kMonitorEvents) != 0) {
      return fail(ErrorCode::kInternal,
                  std::string("socket monitor: ") + zmq_strerror(zmq_errno()));
    }
    impl->monitor.connect(kMonitorEndpoint);
    r.bind(config.listen);
  } catch (const zmq::error_t& e) {
    return fail(ErrorCode::kIo, "listen on " + config.listen + ": " + e.what());
  }
  impl->last_stats_ms = monotonic_ms();
  auto incidents = IncidentStore::open(config.store_path, StoreMode::kReadWriteDeferredSync);
  if (!incidents) return tl::unexpected(incidents.error());
  impl->incidents = std::move(*incidents);
  IncidentEngineOptions incident_options;
  incident_options.alert_severity = config.incident_alert_severity;
  incident_options.correlator.lateness_ns = config.correlation_lateness_s * 1'000'000'000;
  incident_options.correlator.max_groups = config.correlation_max_groups;
  impl->engine = std::make_unique<IncidentEngine>(*impl->incidents, incident_options);
  Impl* raw = impl.get();
  impl->packs = std::make_unique<PackDistributor>(
      *impl->store,
      [raw](const std::string& routing_id, const wire::Message& message) {
        return raw->reply(routing_id, message);
      },
      [raw](const std::string& bytes) { raw->waiting_pack = bytes; });
  return std::unique_ptr<Ingest>(new Ingest(std::move(impl)));
}

Result<void> Ingest::run(const std::atomic<bool>& stop) {
  Impl& s = *impl_;
  std::vector<PendingBatch> gathered;  // the next group, received while the writer stores one
  std::size_t gathered_events = 0;
  const auto room = [&] {
    return gathered.size() < s.config.max_batches_per_commit &&
           gathered_events < kMaxEventsPerGroup;
  };
  // The current pack's rules before the first batch.
  s.packs->poll(monotonic_ms());
  s.load_waiting_pack();
  while (!stop.load()) {
    // A full group waits for the writer: the router is not polled then (ZeroMQ queues, and
    // the agents' windows of unacknowledged batches hold back the rest).
    std::array<zmq::pollitem_t, 3> items{
        {{s.router.handle(), 0, static_cast<short>(room() ? ZMQ_POLLIN : 0), 0},
         {s.monitor.handle(), 0, ZMQ_POLLIN, 0},
         {nullptr, s.writer->done_fd(), ZMQ_POLLIN, 0}}};
    try {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(kPollTimeoutMs));
      if ((items[1].revents & ZMQ_POLLIN) != 0) s.drain_monitor();
      std::size_t messages = 0;
      while (room() && messages < kMaxMessagesPerRound &&
             (s.router.get(zmq::sockopt::events) & ZMQ_POLLIN) != 0) {
        const std::size_t before = gathered.size();
        s.receive_one(gathered);
        if (gathered.size() > before) gathered_events += gathered.back().batch.events.size();
        ++messages;
      }
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) break;
      log(LogLevel::kError, "ingest", "socket: ", e.what());
    } catch (const std::exception& e) {
      // A bug somewhere below must not take the collector down; the message is lost (not
      // acked, so the agent resends it) and the error is reported.
      log(LogLevel::kError, "ingest", "message handling failed: ", e.what());
    }
    if (auto r = s.advance(gathered, false); !r) return r;
    if (gathered.empty()) gathered_events = 0;
  }
  // Stopping: the groups in flight and the one gathered are stored, synced, acked and
  // correlated.
  while (s.writer->busy() || !gathered.empty()) {
    if (auto r = s.advance(gathered, true); !r) return r;
  }
  s.maintain(true);
  s.last_stats_ms = 0;
  s.log_stats();
  return ok();
}

IngestCounters Ingest::counters() const { return impl_->counters; }

}  // namespace soc::collector
