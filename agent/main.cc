// soc-agent: reads logs on an agency host and streams them to the collector.
//   soc-agent --config FILE [--set KEY=VALUE]... [--check-config]
//   soc-agent keygen --out-dir DIR [--force]
//   soc-agent --pcap FILE [--set KEY=VALUE]...   (flows of a capture file as JSON lines)
#include <sys/stat.h>

#include <iostream>

#include "agent/agent_config.h"
#include "agent/allocator.h"
#include "agent/pcap_replay.h"
#include "agent/pipeline.h"
#include "agent/transport/collector_link.h"
#include "common/curve_keys.h"
#include "common/log.h"
#include "common/program.h"
#include "signatures/load_rule_set.h"
#include "signatures/pack/signing_key.h"

namespace {

int run_agent(const std::string& config_path, const std::vector<std::string>& overrides,
              bool check_only) {
  using namespace soc;
  agent::ActiveRules rules;  // outlives the sources that match with it
  auto config = agent::load_agent_config(config_path, overrides, rules);
  if (!config) {
    std::cerr << "soc-agent: " << config.error().message << "\n";
    return 2;
  }
  auto keys = load_keypair(config->keys_dir);
  if (!keys) {
    std::cerr << "soc-agent: " << keys.error().message << "\n(create the agent's keys with: "
              << "soc-agent keygen --out-dir " << config->keys_dir << ")\n";
    return 2;
  }
  if (!config->rule_paths.empty()) {
    auto loaded = sigma::load_rule_set(config->rule_paths, config->field_mappings);
    if (!loaded) {
      std::cerr << "soc-agent: rules: " << loaded.error().message << "\n";
      return 2;
    }
    for (const sigma::CompileIssue& issue : loaded->issues) {
      log(LogLevel::kWarn, "rules", sigma::format_issue(issue));
    }
    log(LogLevel::kInfo, "rules", loaded->total, " rules: ", loaded->rules->rules().size(),
        " compiled, ", loaded->issues.size(), " failed");
    auto snapshot = std::make_shared<agent::RuleSnapshot>();
    snapshot->rules = loaded->rules;
    rules.set(std::move(snapshot));
  }
  agent::PackUpdaterConfig pack_config;
  pack_config.state_dir = config->pipeline.state_dir;
  pack_config.packet_variables = config->packet_variables;
  for (const std::string& path : config->pack_trusted_keys) {
    auto key = pack::PublicKey::load(path);
    if (!key) {
      std::cerr << "soc-agent: packs.trusted_keys: " << key.error().message << "\n";
      return 2;
    }
    pack_config.trusted_keys.push_back(std::move(*key));
  }
  if (check_only) {
    std::cout << config_path << ": ok\n";
    return 0;
  }
  set_log_level(config->log_level);
  ::umask(077);  // state, spool and lock hold what the host logged: owner only
  // The saved pack is restored before the sources run, so nothing is matched with older rules.
  agent::PackUpdater packs(std::move(pack_config), rules);
  if (auto restored = packs.restore(); !restored) {
    log(LogLevel::kError, "packs", "saved pack not used (", restored.error().message,
        "); running the configured rules until the collector pushes one");
  }
  const auto& stop = install_stop_signals();
  auto link = agent::CollectorLink::connect(
      {config->collector_endpoint, config->collector_public_key, *keys, config->limits});
  if (!link) {
    std::cerr << "soc-agent: " << link.error().message << "\n";
    return 1;
  }
  auto pipeline =
      agent::Pipeline::create(config->pipeline, std::move(config->sources), std::move(*link));
  if (!pipeline) {
    std::cerr << "soc-agent: " << pipeline.error().message << "\n";
    return 1;
  }
  (*pipeline)->set_pack_updater(&packs);
  log(LogLevel::kInfo, "agent", "started; public key ", keys->public_key, ", collector ",
      config->collector_endpoint, ", allocator ", agent::allocator_name());
  auto result = (*pipeline)->run(stop);
  if (!result) {
    log(LogLevel::kError, "agent", "stopping: ", result.error().message);
    return 1;
  }
  log(LogLevel::kInfo, "agent", "stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (soc::agent::is_pcap_replay(argc, argv)) return soc::agent::run_pcap_replay(argc, argv);
  return soc::daemon_main(argc, argv, "soc-agent",
                          "reads logs and streams them to the SOC collector",
                          [](const soc::DaemonOptions& o) {
                            return run_agent(o.config_path, o.overrides, o.check_only);
                          });
}
