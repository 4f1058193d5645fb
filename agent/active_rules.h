// ActiveRules: the rule set the agent matches with, swappable whole while sources run.
// Readers take a snapshot per poll (an event is matched by exactly one set); a new pack is
// compiled off to the side and published with set(). Thread-safe.
#pragma once

#include <atomic>
#include <memory>

#include "signatures/sigma/rule_set.h"

namespace soc::agent {

class ActiveRules {
 public:
  std::shared_ptr<const sigma::RuleSet> get() const { return rules_.load(); }
  void set(std::shared_ptr<const sigma::RuleSet> rules) { rules_.store(std::move(rules)); }

 private:
  std::atomic<std::shared_ptr<const sigma::RuleSet>> rules_;
};

}  // namespace soc::agent
