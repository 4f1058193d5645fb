// Ingest: the collector's receiving loop. A ROUTER socket (CURVE server, authenticated by the
// ZapHandler) takes batches, heartbeats and pack reports from agents, and pushes the current
// signature pack to them (PackDistributor); batches are stored in one transaction
// per drained group, and each is acknowledged only once that transaction's commit is synced to
// disk (or nacked when the agent must resend an earlier one). Anything malformed, oversized, of an
// unknown version or multipart is refused and counted, never trusted. A message above
// limits.max_message_bytes never reaches us: ZeroMQ drops the connection that sent it.
//
// Runs on the thread that calls run(); owns its store connection. The batches are committed by a
// BatchWriter (batch_writer.h) on a thread and connection of its own, and synced on another,
// while the next group is received and the last one correlated.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "collector/collector_config.h"
#include "collector/store/event_store.h"
#include "common/curve_keys.h"
#include "common/result.h"

namespace soc::collector {

struct IngestCounters {
  std::uint64_t messages = 0;
  std::uint64_t batches_stored = 0;
  std::uint64_t batches_duplicate = 0;
  std::uint64_t batches_gap = 0;
  std::uint64_t events_stored = 0;
  std::uint64_t heartbeats = 0;
  std::uint64_t pack_reports = 0;
  std::uint64_t handshake_failures = 0;
  std::map<std::string, std::uint64_t> refused;  // reason -> count
};

class Ingest {
 public:
  // Opens the store, starts the ZAP handler, binds the ROUTER socket on config.listen.
  static Result<std::unique_ptr<Ingest>> start(const CollectorConfig& config,
                                               const CurveKeypair& server_keys);
  ~Ingest();
  Ingest(const Ingest&) = delete;
  Ingest& operator=(const Ingest&) = delete;

  // Serves until stop is set. Fails only when the store cannot commit or sync a group (which
  // is not acked then; the groups before it are).
  Result<void> run(const std::atomic<bool>& stop);
  IngestCounters counters() const;

 private:
  struct Impl;
  explicit Ingest(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace soc::collector
