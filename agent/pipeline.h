// Pipeline: the agent's single worker loop. Sources -> batch -> spool -> collector, with
// exactly-once delivery per DESIGN.md "Wire":
//
//  1. poll the sources into the open batch (paused while the spool is full: nothing dropped);
//  2. seal the batch when it is full (events or bytes) or old enough: encode, write it to the
//     spool (fsync), then
//     save the state (next seq + every source checkpoint) - the read position moves only once the
//     lines are durable in the spool, and a spooled batch is deleted only when acknowledged;
//  3. send spooled batches in order, at most max_inflight unacknowledged at once;
//  4. on an ack, delete the batch (and every older one) from the spool; on a nack, a reconnect
//     or a resend timeout, send again from the oldest unacknowledged batch.
// The collector stores a batch once per (agent, epoch, seq), so resends never duplicate events.
// While no batch is open, the read positions are also saved every idle_save_interval_ms, so a
// restart resumes where reading stopped even if nothing was read since the start.
// One agent per state_dir: create() takes an exclusive lock on state_dir/lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/pack_updater.h"
#include "agent/sources/source.h"
#include "agent/transport/agent_state.h"
#include "agent/transport/collector_link.h"
#include "agent/transport/spool.h"
#include "common/result.h"

namespace soc::agent {

struct PipelineConfig {
  std::string state_dir;
  std::size_t batch_max_events = 2000;
  std::size_t batch_max_bytes = 4u << 20;   // approximate encoded size before compression
  std::size_t max_event_bytes = 72u << 10;  // the largest event a source can make
  std::int64_t batch_max_delay_ms = 200;
  std::uint64_t spool_max_bytes = 256ull << 20;
  std::size_t max_inflight = 16;
  std::int64_t resend_timeout_ms = 10'000;
  std::int64_t heartbeat_interval_ms = 10'000;
  std::int64_t idle_wait_ms = 100;  // how long to wait for acks when the sources had nothing
  std::int64_t idle_save_interval_ms = 1000;  // how often read positions are saved while idle
};

class Pipeline {
 public:
  // Loads the state, restores source checkpoints and opens the spool.
  static Result<std::unique_ptr<Pipeline>> create(PipelineConfig config,
                                                  std::vector<std::unique_ptr<Source>> sources,
                                                  std::unique_ptr<CollectorLink> link);

  // Runs until stop is set; then seals nothing further and returns (what is spooled stays
  // spooled for the next start). Returns an error only when the spool or state cannot be
  // written, which the agent cannot survive without losing data.
  Result<void> run(const std::atomic<bool>& stop);

  // Counters for heartbeats and logs.
  std::map<std::string, std::uint64_t> counters() const;

  // Packs pushed by the collector go to `updater` (which must outlive the pipeline), and its
  // verdicts go back to the collector, followed by a heartbeat naming the active pack. Without
  // an updater, pushed packs are ignored (counted as packs_ignored).
  void set_pack_updater(PackUpdater* updater) { packs_ = updater; }

 private:
  Pipeline(PipelineConfig config, std::vector<std::unique_ptr<Source>> sources,
           std::unique_ptr<CollectorLink> link, AgentState state, Spool spool, int lock_fd);

  std::size_t poll_sources();
  bool batch_full() const;
  void flush_sources();
  Result<void> seal_batch();
  Result<void> save_state();
  Result<void> save_idle_state();
  Result<void> send_ready();
  void handle(const wire::Message& message);
  void rewind_to(std::uint64_t seq, const char* why);
  Result<void> refresh_base(std::uint64_t seq);
  void send_heartbeat();
  void send_pack_reports();

  PipelineConfig config_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::unique_ptr<CollectorLink> link_;
  AgentState state_;
  Spool spool_;
  std::string state_path_;

  std::vector<Event> open_batch_;
  std::size_t open_batch_bytes_ = 0;
  std::int64_t open_batch_since_ms_ = 0;
  std::uint64_t send_cursor_ = 1;      // next spooled seq to send
  std::int64_t last_progress_ms_ = 0;  // last ack or (re)send start, for the resend timeout
  std::int64_t last_heartbeat_ms_ = 0;
  std::int64_t last_state_save_ms_ = 0;
  bool paused_ = false;

  std::uint64_t events_read_ = 0;
  std::uint64_t batches_sealed_ = 0;
  std::uint64_t batches_sent_ = 0;
  std::uint64_t batches_acked_ = 0;
  std::uint64_t resends_ = 0;
  std::uint64_t pauses_ = 0;
  int lock_fd_ = -1;  // holds the state_dir lock for the pipeline's lifetime
  PackUpdater* packs_ = nullptr;
  std::uint64_t packs_ignored_ = 0;

 public:
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;
};

}  // namespace soc::agent
