// soc-collector: receives agents' batches over CURVE, stores them exactly once.
//   soc-collector --config FILE [--set KEY=VALUE]... [--check-config]
//   soc-collector keygen --out-dir DIR [--force]
#include <sys/stat.h>

#include <iostream>

#include "collector/collector_config.h"
#include "collector/ingest.h"
#include "collector/web/api_server.h"
#include "common/curve_keys.h"
#include "common/log.h"
#include "common/program.h"

namespace {

int run_collector(const std::string& config_path, const std::vector<std::string>& overrides,
                  bool check_only) {
  using namespace soc;
  auto config = collector::load_collector_config(config_path, overrides);
  if (!config) {
    std::cerr << "soc-collector: " << config.error().message << "\n";
    return 2;
  }
  auto keys = load_keypair(config->keys_dir);
  if (!keys) {
    std::cerr << "soc-collector: " << keys.error().message
              << "\n(create the collector's keys with: soc-collector keygen --out-dir "
              << config->keys_dir << ")\n";
    return 2;
  }
  if (check_only) {
    std::cout << config_path << ": ok\n";
    return 0;
  }
  set_log_level(config->log_level);
  ::umask(027);  // the store holds every agency's logs: owner, plus its group for reading
  const auto& stop = install_stop_signals();
  auto ingest = collector::Ingest::start(*config, *keys);
  if (!ingest) {
    std::cerr << "soc-collector: " << ingest.error().message << "\n";
    return 1;
  }
  // The API after ingest: the store file exists and is migrated by then.
  std::unique_ptr<collector::ApiServer> api;
  if (config->api.enabled) {
    auto started = collector::ApiServer::start(*config);
    if (!started) {
      std::cerr << "soc-collector: " << started.error().message << "\n";
      return 1;
    }
    api = std::move(*started);
    log(LogLevel::kInfo, "collector", "api: serving ", api->url(), "/api/v1 (tokens in ",
        config->api.tokens_file, ")");
  }
  log(LogLevel::kInfo, "collector", "listening on ", config->listen, "; public key ",
      keys->public_key, "; store ", config->store_path);
  auto result = (*ingest)->run(stop);
  if (api) api->stop();
  if (!result) {
    log(LogLevel::kError, "collector", "stopping: ", result.error().message);
    return 1;
  }
  log(LogLevel::kInfo, "collector", "stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return soc::daemon_main(argc, argv, "soc-collector",
                          "receives, stores and serves the agents' events",
                          [](const soc::DaemonOptions& o) {
                            return run_collector(o.config_path, o.overrides, o.check_only);
                          });
}
