// CompiledPack: a verified pack made ready to match with: its Sigma rules compiled with its
// field mappings into one immutable RuleSet, its packet rules (packet_rules/*.rules, default
// variables) into one PacketRuleSet. Built off to the side (any thread) and then
// published whole (agent/active_rules.h); never modified afterwards.
#pragma once

#include <memory>
#include <vector>

#include "common/result.h"
#include "signatures/pack/pack_file.h"
#include "signatures/packet/packet_rule_set.h"
#include "signatures/packet/variables.h"
#include "signatures/sigma/compile_issue.h"
#include "signatures/sigma/rule_set.h"

namespace soc::pack {

struct CompiledPack {
  Manifest manifest;
  std::shared_ptr<const sigma::RuleSet> rules;
  std::shared_ptr<const packet::PacketRuleSet> packet_rules;  // empty set when none
  std::vector<sigma::CompileIssue> issues;  // rules left out (also listed in manifest.skipped)
};

// Fails (kInvalidArgument, the reason naming the first few rules) when a Sigma or packet rule that
// the manifest does not list as skipped fails to parse or compile, when the field mappings do not
// parse, or when min_agent_version is above this agent's version (kUnsupported).
// Packet rules resolve their `$NAME`s through `variables` (the agent's packet_rules.variables
// over Suricata's stock values).
Result<std::shared_ptr<const CompiledPack>> compile_pack(
    const VerifiedPack& pack, const packet::Variables& variables = packet::Variables::defaults());

}  // namespace soc::pack
