// CollectorLink: the agent's ZeroMQ connections to the collector, CURVE always on. Two DEALER
// connections with the same agent key: `data` carries batches (and gets their acks), `control`
// carries heartbeats and pack reports (and gets pushed packs), so a control message never waits
// behind the megabytes of batches in flight - the collector reads the two fairly.
//
// ZeroMQ reconnects by itself; the link reports each completed handshake per channel
// (take_reconnected) so the pipeline can resend everything not yet acknowledged, or say hello
// again. ZMQ_IMMEDIATE is set, so nothing is queued toward a collector that is not connected:
// try_send() then returns false.
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
  std::uint64_t connects = 0;          // data channel handshakes
  std::uint64_t control_connects = 0;  // control channel handshakes
  std::uint64_t disconnects = 0;
  std::uint64_t handshake_failures = 0;
  std::uint64_t malformed_received = 0;
};

enum class Channel { kData, kControl };

class CollectorLink {
 public:
  static Result<std::unique_ptr<CollectorLink>> connect(const LinkConfig& config);
  ~CollectorLink();
  CollectorLink(const CollectorLink&) = delete;
  CollectorLink& operator=(const CollectorLink&) = delete;

  // Queues bytes for sending without blocking; false when the collector is not reachable now.
  bool try_send(Channel channel, const std::string& bytes);

  // Waits up to timeout_ms for a message from the collector on either channel (control first).
  // Malformed ones are counted and skipped. nullopt on timeout.
  std::optional<wire::Message> receive(int timeout_ms);

  // True once after each successful handshake of `channel` since the last call.
  bool take_reconnected(Channel channel);
  bool connected() const;  // the data channel
  LinkCounters counters() const;

 private:
  struct Impl;
  explicit CollectorLink(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace soc::agent
