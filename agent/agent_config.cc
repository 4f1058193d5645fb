#include "agent/agent_config.h"

#include "agent/sources/source_factory.h"
#include "common/curve_keys.h"

namespace soc::agent {
namespace {

Result<AgentConfig> read(Config& c) {
  AgentConfig a;
  SOC_TRY_ASSIGN(a.collector_endpoint, c.require_string("collector.endpoint"));
  std::string key_text;
  SOC_TRY_ASSIGN(key_text, c.require_string("collector.public_key"));
  auto key = resolve_public_key(key_text);
  if (!key) return tl::unexpected(c.error("collector.public_key", key.error().message));
  a.collector_public_key = *key;
  SOC_TRY_ASSIGN(a.keys_dir, c.get_string("keys_dir", "/var/lib/soc-agent/keys"));
  SOC_TRY_ASSIGN(a.pipeline.state_dir, c.get_string("state_dir", "/var/lib/soc-agent"));
  PipelineConfig& p = a.pipeline;
  SOC_TRY_ASSIGN(p.batch_max_events, c.get_int("batch.max_events", 2000, 1, 50'000));
  SOC_TRY_ASSIGN(p.batch_max_delay_ms, c.get_int("batch.max_delay_ms", 200, 0, 60'000));
  SOC_TRY_ASSIGN(p.spool_max_bytes, c.get_int("spool.max_bytes", 256ll << 20, 1 << 20, 1ll << 40));
  SOC_TRY_ASSIGN(p.max_inflight, c.get_int("transport.max_inflight", 16, 1, 1024));
  SOC_TRY_ASSIGN(p.resend_timeout_ms,
                 c.get_int("transport.resend_timeout_ms", 10'000, 100, 3'600'000));
  SOC_TRY_ASSIGN(p.heartbeat_interval_ms,
                 c.get_int("transport.heartbeat_interval_ms", 10'000, 100, 3'600'000));
  SOC_TRY_ASSIGN(a.limits.max_message_bytes,
                 c.get_int("transport.max_message_bytes", 16 << 20, 1 << 16, 1 << 30));
  std::string level;
  SOC_TRY_ASSIGN(level, c.get_choice("log.level", "info", {"debug", "info", "warn", "error"}));
  parse_log_level(level, a.log_level);
  SOC_TRY_ASSIGN(a.sources, make_sources(c));
  if (a.sources.empty()) return tl::unexpected(c.error("sources", "expected at least one source"));
  auto unknown = c.check_unknown_keys();
  if (!unknown) return tl::unexpected(unknown.error());
  return a;
}

}  // namespace

Result<AgentConfig> load_agent_config(const std::string& path,
                                      const std::vector<std::string>& overrides) {
  auto config = Config::load(path);
  if (!config) return tl::unexpected(config.error());
  auto applied = config->apply_overrides(overrides);
  if (!applied) return tl::unexpected(applied.error());
  return read(*config);
}

}  // namespace soc::agent
