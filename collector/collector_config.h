// CollectorConfig: everything collector.yaml (plus --set overrides) configures, validated.
// config/collector.yaml documents every key and its default.
#pragma once

#include <string>
#include <vector>

#include "collector/web/api_config.h"
#include "common/log.h"
#include "common/result.h"
#include "common/wire.h"

namespace soc::collector {

struct CollectorConfig {
  std::string listen = "tcp://0.0.0.0:7600";
  std::string keys_dir = "/var/lib/soc-collector/keys";
  std::string store_path = "/var/lib/soc-collector/events.db";
  std::size_t max_batches_per_commit = 64;
  std::int64_t refused_log_interval_s = 60;
  std::int64_t stats_interval_s = 60;
  // Agents seal batches of at most 8 MiB; a decoded message costs up to ~24x its payload in
  // msgpack objects, so the decompressed limit stays modest.
  wire::Limits limits{.max_message_bytes = 16u << 20, .max_decompressed_bytes = 32u << 20};
  LogLevel log_level = LogLevel::kInfo;
  // Admin public keys (PEM) that `socctl pack publish` checks a pack against before publishing.
  std::vector<std::string> pack_trusted_keys;
  ApiConfig api;  // the HTTP JSON API (collector/web/api_server.h)
  // Incidents (collector/correlate/incident_engine.h): a single alert at or above this severity
  // (informational=1 .. critical=5; 0 = none) files an incident.
  int incident_alert_severity = 4;
  std::int64_t correlation_lateness_s = 300;     // how late an event may arrive per source
  std::size_t correlation_max_groups = 100'000;  // open windows per correlation rule
};

// Loads path, applies overrides and validates every key (unknown keys are errors).
Result<CollectorConfig> load_collector_config(const std::string& path,
                                              const std::vector<std::string>& overrides);

}  // namespace soc::collector
