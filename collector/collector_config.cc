#include "collector/collector_config.h"

#include <filesystem>

#include "common/config.h"
#include "signatures/sigma/compiled_rule.h"

namespace soc::collector {
namespace {

// The `api:` section. Relative file paths are relative to the config file's folder.
Result<ApiConfig> load_api_config(Config& c, const std::filesystem::path& config_dir,
                                  const std::string& store_path) {
  ApiConfig api;
  const auto resolve = [&](const std::string& p) {
    return p.empty() || p[0] == '/' ? p : (config_dir / p).lexically_normal().string();
  };
  SOC_TRY_ASSIGN(api.enabled, c.get_bool("api.enabled", api.enabled));
  std::string listen;
  SOC_TRY_ASSIGN(listen, c.get_string("api.listen", "127.0.0.1:8443"));
  if (auto parsed = parse_api_listen(listen, api.host, api.port); !parsed) {
    return tl::unexpected(c.error("api.listen", parsed.error().message));
  }
  SOC_TRY_ASSIGN(api.tls_cert, c.get_string("api.tls_cert", ""));
  SOC_TRY_ASSIGN(api.tls_key, c.get_string("api.tls_key", ""));
  api.tls_cert = resolve(api.tls_cert);
  api.tls_key = resolve(api.tls_key);
  if (api.tls_cert.empty() != api.tls_key.empty()) {
    return tl::unexpected(c.error(api.tls_cert.empty() ? "api.tls_cert" : "api.tls_key",
                                  "api.tls_cert and api.tls_key go together (both or neither)"));
  }
  const std::string default_tokens =
      (std::filesystem::path(store_path).parent_path() / "api_tokens").string();
  SOC_TRY_ASSIGN(api.tokens_file, c.get_string("api.tokens_file", default_tokens));
  api.tokens_file = resolve(api.tokens_file);
  SOC_TRY_ASSIGN(api.threads, c.get_int("api.threads", 4, 1, 256));
  SOC_TRY_ASSIGN(api.max_queued, c.get_int("api.max_queued", 64, 1, 65'536));
  SOC_TRY_ASSIGN(api.max_body_bytes, c.get_int("api.max_body_bytes", 65'536, 1'024, 64 << 20));
  SOC_TRY_ASSIGN(api.timeout_s, c.get_int("api.timeout_s", 10, 1, 3'600));
  SOC_TRY_ASSIGN(api.max_limit, c.get_int("api.max_limit", 10'000, 1, 1'000'000));
  return api;
}

}  // namespace

Result<CollectorConfig> load_collector_config(const std::string& path,
                                              const std::vector<std::string>& overrides) {
  auto loaded = Config::load(path);
  if (!loaded) return tl::unexpected(loaded.error());
  Config& c = *loaded;
  auto applied = c.apply_overrides(overrides);
  if (!applied) return tl::unexpected(applied.error());
  CollectorConfig cc;
  SOC_TRY_ASSIGN(cc.listen, c.get_string("listen", cc.listen));
  SOC_TRY_ASSIGN(cc.keys_dir, c.get_string("keys_dir", cc.keys_dir));
  SOC_TRY_ASSIGN(cc.store_path, c.get_string("store.path", cc.store_path));
  SOC_TRY_ASSIGN(cc.max_batches_per_commit, c.get_int("store.max_batches_per_commit", 64, 1, 4096));
  SOC_TRY_ASSIGN(cc.limits.max_message_bytes,
                 c.get_int("limits.max_message_bytes", 16 << 20, 1 << 16, 1 << 30));
  SOC_TRY_ASSIGN(cc.limits.max_decompressed_bytes,
                 c.get_int("limits.max_decompressed_bytes", 32 << 20, 1 << 16, 1ll << 32));
  SOC_TRY_ASSIGN(cc.limits.max_events,
                 c.get_int("limits.max_events_per_batch", 100'000, 1, 1'000'000));
  SOC_TRY_ASSIGN(cc.refused_log_interval_s, c.get_int("log.refused_interval_s", 60, 1, 86'400));
  SOC_TRY_ASSIGN(cc.stats_interval_s, c.get_int("log.stats_interval_s", 60, 1, 86'400));
  std::string level;
  SOC_TRY_ASSIGN(level, c.get_choice("log.level", "info", {"debug", "info", "warn", "error"}));
  parse_log_level(level, cc.log_level);
  std::string alert_level;
  SOC_TRY_ASSIGN(alert_level,
                 c.get_choice("incidents.alert_level", "high",
                              {"informational", "low", "medium", "high", "critical", "none"}));
  cc.incident_alert_severity = alert_level == "none" ? 0 : sigma::severity_of(alert_level);
  SOC_TRY_ASSIGN(cc.correlation_lateness_s,
                 c.get_int("correlation.lateness_s", 300, 0, 7 * 86'400));
  SOC_TRY_ASSIGN(cc.correlation_max_groups,
                 c.get_int("correlation.max_groups_per_rule", 100'000, 1, 10'000'000));
  auto trusted = c.get_string_list("packs.trusted_keys");
  if (!trusted) return tl::unexpected(trusted.error());
  // A relative key path is relative to the config file's folder, like the agent's.
  const std::filesystem::path config_dir = std::filesystem::path(path).parent_path();
  for (const std::string& key : *trusted) {
    cc.pack_trusted_keys.push_back(
        key.empty() || key[0] == '/' ? key : (config_dir / key).lexically_normal().string());
  }
  auto api = load_api_config(c, config_dir, cc.store_path);
  if (!api) return tl::unexpected(api.error());
  cc.api = std::move(*api);
  if (!cc.listen.starts_with("tcp://") && !cc.listen.starts_with("ipc://")) {
    return tl::unexpected(c.error("listen", "expected a tcp://HOST:PORT or ipc:// endpoint"));
  }
  auto unknown = c.check_unknown_keys();
  if (!unknown) return tl::unexpected(unknown.error());
  return cc;
}

}  // namespace soc::collector
