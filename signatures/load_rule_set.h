// Loads Sigma rules from files or folders and compiles them with a field-mapping file: the one
// path from "rules on disk" to a RuleSet, shared by the agent and `socctl rules`.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "signatures/sigma/compile_issue.h"
#include "signatures/sigma/rule_set.h"

namespace soc::sigma {

struct LoadedRuleSet {
  std::shared_ptr<const RuleSet> rules;
  std::vector<CompileIssue> issues;  // every rule or file that did not load or compile
  std::size_t total = 0;             // rules found (compiled + failed)
};

// Fails only when the mapping file cannot be read or the set cannot be built; rules that do
// not compile are reported in issues and left out.
Result<LoadedRuleSet> load_rule_set(const std::vector<std::string>& rule_paths,
                                    const std::string& field_mappings_path);

}  // namespace soc::sigma
