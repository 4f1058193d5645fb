// ActiveRules: the rules the agent matches with, swappable whole while sources run.
// Readers take a snapshot per poll (an event is matched by exactly one set); a new pack is
// compiled off to the side and published with set(). Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "signatures/pack/manifest.h"
#include "signatures/packet/packet_rule_set.h"
#include "signatures/sigma/rule_set.h"

namespace soc::agent {

// One immutable set of rules and where it came from.
struct RuleSnapshot {
  std::shared_ptr<const sigma::RuleSet> rules;
  std::shared_ptr<const packet::PacketRuleSet> packet_rules;  // nullptr: none (pcap sources)
  std::string pack_name;     // "" when the rules come from the agent's config, not a pack
  std::string pack_version;  // "" likewise
  std::vector<pack::RoutingEntry> routing;  // the pack's extra log-source routing
};

class ActiveRules {
 public:
  // nullptr until rules are set.
  std::shared_ptr<const RuleSnapshot> get() const { return snapshot_.load(); }
  void set(std::shared_ptr<const RuleSnapshot> snapshot) { snapshot_.store(std::move(snapshot)); }

 private:
  std::atomic<std::shared_ptr<const RuleSnapshot>> snapshot_;
};

}  // namespace soc::agent
