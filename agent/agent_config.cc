#include "agent/agent_config.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "agent/sources/source_factory.h"
#include "common/curve_keys.h"
#include "signatures/packet/address_port.h"

namespace soc::agent {
namespace {

// Batches stay well below the collector's default message limit (16 MiB) even uncompressed.
constexpr std::int64_t kMaxBatchBytes = 8 << 20;

// A relative path in the config is relative to the config file's folder.
std::string relative_to(const std::string& dir, const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  return (std::filesystem::path(dir) / path).string();
}

// Whether rule-header text `value` uses `$name`.
bool refers_to(std::string_view value, std::string_view name) {
  for (std::size_t at = value.find('$'); at != std::string_view::npos;
       at = value.find('$', at + 1)) {
    std::size_t end = at + 1;
    while (end < value.size() &&
           (std::isalnum(static_cast<unsigned char>(value[end])) != 0 || value[end] == '_')) {
      ++end;
    }
    if (value.substr(at + 1, end - at - 1) == name) return true;
  }
  return false;
}

// packet_rules.variables: NAME: VALUE pairs over the stock table. A value must be an address
// group or a port group in rule-header syntax (it may name other variables).
Result<packet::Variables> read_packet_variables(Config& c) {
  const std::string key = "packet_rules.variables";
  auto pairs = c.get_string_map(key);
  if (!pairs) return tl::unexpected(pairs.error());
  // "KEY.NAME: 'VALUE' WHY".
  auto value_error = [&](const std::string& name, const std::string& value, std::string_view why) {
    std::string message = "'";
    message += value;
    message += "' ";
    message += why;
    return tl::unexpected(c.error(key + "." + name, message));
  };
  packet::Variables vars = packet::Variables::defaults();
  for (const auto& [name, value] : *pairs) {
    const bool valid_name = !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '_';
    });
    if (!valid_name) {
      return tl::unexpected(
          c.error(key, "'" + name + "': expected a name of letters, digits and _ (no $)"));
    }
    // The table holds one value per name: the stock value is replaced, not extended.
    if (refers_to(value, name)) {
      return value_error(name, value, "refers to itself; list the addresses or ports in full");
    }
    vars.set(name, value);
  }
  for (const auto& [name, value] : *pairs) {
    auto address = packet::AddressSet::parse("$" + name, vars);
    if (!address && !packet::PortSet::parse("$" + name, vars)) {
      std::string why = "is neither an address group nor a port group: ";
      why += address.error().message;
      return value_error(name, value, why);
    }
  }
  return vars;
}

Result<AgentConfig> read(Config& c, const std::string& config_dir, const ActiveRules& rules) {
  AgentConfig a;
  SOC_TRY_ASSIGN(a.collector_endpoint, c.require_string("collector.endpoint"));
  std::string key_text;
  SOC_TRY_ASSIGN(key_text, c.require_string("collector.public_key"));
  // A relative key file path is relative to the config file, not to the working directory.
  if (!is_valid_z85_key(key_text)) key_text = relative_to(config_dir, key_text);
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
  SOC_TRY_ASSIGN(p.batch_max_bytes,
                 c.get_int("batch.max_bytes", 4 << 20, 64 << 10, kMaxBatchBytes));
  auto rule_paths = c.get_string_list("rules.paths");
  if (!rule_paths) return tl::unexpected(rule_paths.error());
  for (const std::string& p_ : *rule_paths) a.rule_paths.push_back(relative_to(config_dir, p_));
  SOC_TRY_ASSIGN(a.field_mappings, c.get_string("rules.field_mappings", ""));
  a.field_mappings = relative_to(config_dir, a.field_mappings);
  if (!a.rule_paths.empty() && a.field_mappings.empty()) {
    return tl::unexpected(c.error("rules.field_mappings", "is required when rules.paths is set"));
  }
  auto trusted = c.get_string_list("packs.trusted_keys");
  if (!trusted) return tl::unexpected(trusted.error());
  for (const std::string& k : *trusted) a.pack_trusted_keys.push_back(relative_to(config_dir, k));
  SOC_TRY_ASSIGN(a.packet_variables, read_packet_variables(c));
  auto sources = make_sources(c, rules);
  if (!sources) return tl::unexpected(sources.error());
  if (sources->sources.empty()) {
    return tl::unexpected(c.error("sources", "expected at least one source"));
  }
  a.sources = std::move(sources->sources);
  p.max_event_bytes = sources->max_event_bytes;
  auto unknown = c.check_unknown_keys();
  if (!unknown) return tl::unexpected(unknown.error());
  return a;
}

}  // namespace

Result<AgentConfig> load_agent_config(const std::string& path,
                                      const std::vector<std::string>& overrides,
                                      const ActiveRules& rules) {
  auto config = Config::load(path);
  if (!config) return tl::unexpected(config.error());
  auto applied = config->apply_overrides(overrides);
  if (!applied) return tl::unexpected(applied.error());
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = std::filesystem::current_path();
  return read(*config, dir.lexically_normal().string(), rules);
}

}  // namespace soc::agent
