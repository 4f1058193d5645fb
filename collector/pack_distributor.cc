#include "collector/pack_distributor.h"

#include "common/log.h"

namespace soc::collector {
namespace {
constexpr const char* kComponent = "packs";
}

void PackDistributor::poll(std::int64_t now_ms) {
  if (now_ms - last_poll_ms_ < kPollIntervalMs) return;
  last_poll_ms_ = now_ms;
  auto publication = store_.current_publication();
  if (!publication) {
    log(LogLevel::kWarn, kComponent, "cannot read the current pack: ", publication.error().message);
    return;
  }
  if (!publication->has_value() || (*publication)->id == current_id_) return;
  const PackPublication& p = **publication;
  auto stored = store_.find_pack(p.version);
  if (!stored || !stored->has_value()) {
    log(LogLevel::kError, kComponent, "publication ", p.id, " names pack ", p.version,
        ", which cannot be read");
    return;
  }
  current_id_ = p.id;
  current_ = Current{
      wire::PackPush{static_cast<std::uint64_t>(p.id), p.rollback, std::move((*stored)->bytes)},
      p.version};
  log(LogLevel::kInfo, kComponent, "current pack: ", p.name, " ", p.version,
      p.rollback ? " (rollback)" : "", ", publication ", p.id);
  if (on_current_) on_current_(current_->push.pack);
  for (auto& [agent_id, agent] : agents_) {
    if (now_ms - agent.last_seen_ms <= kRecentAgentMs) maybe_push(agent_id, agent, now_ms);
  }
}

void PackDistributor::seen(const AgentRecord& record, const std::string& routing_id,
                           const std::optional<std::string>& pack_version, std::int64_t now_ms) {
  AgentState& agent = agents_[record.id];
  if (agent.routing_id != routing_id) {
    agent.routing_id = routing_id;
    agent.pushed_publication = 0;  // a new connection: what was pushed before may be lost
  }
  agent.last_seen_ms = now_ms;
  if (pack_version) {
    agent.version = *pack_version;
    maybe_push(record.id, agent, now_ms);
  }
}

void PackDistributor::maybe_push(std::int64_t agent_id, AgentState& agent, std::int64_t now_ms) {
  if (!current_ || agent.version == current_->version) return;
  if (agent.pushed_publication == current_id_ && now_ms - agent.pushed_at_ms < kRetryMs) return;
  if (!send_(agent.routing_id, current_->push)) return;
  agent.pushed_publication = current_id_;
  agent.pushed_at_ms = now_ms;
  ++pushes_;
  log(LogLevel::kDebug, kComponent, "pushed pack ", current_->version, " to agent ", agent_id);
}

void PackDistributor::report(const AgentRecord& agent, const wire::PackReport& report) {
  if (report.accepted) {
    agents_[agent.id].version = report.version;
    log(LogLevel::kInfo, kComponent, "agent ", agent.name, " runs pack ", report.version);
  } else {
    log(LogLevel::kWarn, kComponent, "agent ", agent.name, " refused pack ",
        report.version.empty() ? "?" : report.version, ": ", report.reason);
  }
  if (auto r = store_.record_pack_report(agent.id, report.version, report.accepted, report.reason);
      !r) {
    log(LogLevel::kWarn, kComponent, "report of agent ", agent.name,
        " not recorded: ", r.error().message);
  }
}

}  // namespace soc::collector
