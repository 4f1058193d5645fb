// PackDistributor: the collector's side of pack updates. It pushes the current pack (the
// newest publication in the store, made by `socctl pack publish` or `rollback`) to every
// connected agent that runs another version, and to agents that connect later; it records the
// agents' verdicts (PackReport) and reported versions.
//
//  - poll(): at most every kPollIntervalMs, reads the newest publication; when it changed,
//    loads that pack and pushes it to each agent seen in the last kRecentAgentMs.
//  - seen(): every control message from an agent (heartbeat, report) names its current control
//    connection (routing id); a heartbeat also names its active pack version. An agent on another
//    version gets the pack when it was not pushed on this connection yet, or kRetryMs after the
//    last push (an agent that refused it is not flooded).
//  - report(): stores the verdict (agent list shows it) and logs refusals.
// Single-threaded: used by the ingest loop only. Sending goes through the callback, which
// returns false when the agent is not reachable (the push is then retried on its next message).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "collector/store/event_store.h"
#include "common/wire.h"

namespace soc::collector {

class PackDistributor {
 public:
  using Sender = std::function<bool(const std::string& routing_id, const wire::Message&)>;
  static constexpr std::int64_t kPollIntervalMs = 500;
  static constexpr std::int64_t kRecentAgentMs = 10LL * 60 * 1000;
  static constexpr std::int64_t kRetryMs = 60LL * 1000;

  // Told the bytes of each new current pack (once per publication; e.g. to load its
  // correlation rules).
  using Listener = std::function<void(const std::string& pack_bytes)>;

  // `store` must outlive the distributor.
  PackDistributor(EventStore& store, Sender send, Listener on_current = {})
      : store_(store), send_(std::move(send)), on_current_(std::move(on_current)) {}

  void poll(std::int64_t now_ms);
  // pack_version: from a heartbeat; nullopt for other messages.
  void seen(const AgentRecord& agent, const std::string& routing_id,
            const std::optional<std::string>& pack_version, std::int64_t now_ms);
  void report(const AgentRecord& agent, const wire::PackReport& report);

  std::uint64_t pushes() const { return pushes_; }

 private:
  struct AgentState {
    std::string routing_id;
    std::int64_t last_seen_ms = 0;
    std::string version;  // last reported active pack, "" unknown or none
    std::int64_t pushed_publication = 0;
    std::int64_t pushed_at_ms = 0;
  };
  struct Current {
    wire::PackPush push;
    std::string version;
  };

  void maybe_push(std::int64_t agent_id, AgentState& agent, std::int64_t now_ms);

  EventStore& store_;
  Sender send_;
  Listener on_current_;
  std::optional<Current> current_;
  std::int64_t current_id_ = 0;
  std::int64_t last_poll_ms_ = -kPollIntervalMs;
  std::map<std::int64_t, AgentState> agents_;
  std::uint64_t pushes_ = 0;
};

}  // namespace soc::collector
