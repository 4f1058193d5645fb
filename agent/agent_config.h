// AgentConfig: everything agent.yaml (plus --set overrides) configures, validated.
// config/agent.yaml documents every key and its default.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agent/active_rules.h"
#include "agent/pipeline.h"
#include "agent/sources/source.h"
#include "common/config.h"
#include "common/log.h"
#include "common/wire.h"
#include "signatures/packet/variables.h"

namespace soc::agent {

struct AgentConfig {
  std::string collector_endpoint;
  std::string collector_public_key;  // Z85, resolved from text or file
  std::string keys_dir;
  PipelineConfig pipeline;
  wire::Limits limits;
  LogLevel log_level = LogLevel::kInfo;
  std::vector<std::unique_ptr<Source>> sources;
  std::vector<std::string> rule_paths;  // Sigma rule files or folders; empty = no matching
  std::string field_mappings;           // the field-mapping file for those rules
  // Admin public keys (PEM files) whose signed packs the agent accepts from the collector.
  std::vector<std::string> pack_trusted_keys;
  // The `$NAME` table of the packs' packet rules: Suricata's stock values (HOME_NET the private
  // ranges ...) with packet_rules.variables over them, each checked to be an address or port
  // group.
  packet::Variables packet_variables = packet::Variables::defaults();
};

// Loads path, applies overrides and validates every key (unknown keys are errors). The sources
// match against `rules`, which must outlive them.
Result<AgentConfig> load_agent_config(const std::string& path,
                                      const std::vector<std::string>& overrides,
                                      const ActiveRules& rules);

}  // namespace soc::agent
