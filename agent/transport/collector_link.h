// CollectorLink: the agent's ZeroMQ DEALER connection to the collector, CURVE always on.
//
// ZeroMQ reconnects by itself; the link reports each completed handshake (take_reconnected) so
// the pipeline can resend everything not yet acknowledged. ZMQ_IMMEDIATE is set, so nothing is
// queued toward a collector that is not connected: try_send() then returns false.
// Owned and used by the pipeline thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/curve_keys.h"
#include "common/result.h"
#include "common/wire.h"

namespace soc::agent {

struct LinkConfig {
  std::string endpoint;           // tcp://host:port
  std::string server_public_key;  // Z85
  CurveKeypair agent_keys;
  wire::Limits limits;
};

struct LinkCounters {
  std::uint64_t connects = 0;
  std::uint64_t disconnects = 0;
  std::uint64_t handshake_failures = 0;
  std::uint64_t malformed_received = 0;
};

class CollectorLink {
 public:
  static Result<std::unique_ptr<CollectorLink>> connect(const LinkConfig& config);
  ~CollectorLink();
  CollectorLink(const CollectorLink&) = delete;
  CollectorLink& operator=(const CollectorLink&) = delete;

  // Queues bytes for sending without blocking; false when the collector is not reachable now.
  bool try_send(const std::string& bytes);

  // Waits up to timeout_ms for a message from the collector. Malformed ones are counted and
  // skipped. nullopt on timeout.
  std::optional<wire::Message> receive(int timeout_ms);

  // True once after each successful handshake since the last call.
  bool take_reconnected();
  bool connected() const;
  const LinkCounters& counters() const;

 private:
  struct Impl;
  explicit CollectorLink(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace soc::agent
