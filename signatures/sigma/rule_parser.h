// Rule parser: Sigma rule YAML -> SigmaRule (structure only; modifiers, field mappings and the
// condition are checked when compiling, see compiled_rule.h).
//
// A file may hold several YAML documents. Each document becomes a rule or an issue: syntax
// errors (with the line from yaml-cpp's mark), missing title/logsource/detection/condition,
// malformed selections, and documents the agent does not run (correlation rules run on the
// collector; Sigma filters and rule-collection actions are not supported) are reported, never
// ignored. Never throws; hostile input (deep nesting, alias bombs, huge files) gives an issue.
#pragma once

#include <string_view>
#include <vector>

#include "signatures/sigma/compile_issue.h"
#include "signatures/sigma/sigma_rule.h"
#include "tl/expected.hpp"

namespace soc::sigma {

// Largest rule file accepted, and most YAML nodes read from one file.
inline constexpr std::size_t kMaxRuleFileBytes = 1 << 20;
inline constexpr std::size_t kMaxRuleNodes = 200000;

struct ParsedRules {
  std::vector<SigmaRule> rules;
  std::vector<CompileIssue> issues;
};

// Parses every document of `yaml`; `file` is recorded in the rules and issues.
ParsedRules parse_rules(std::string_view yaml, std::string_view file = "");

// Parses a text expected to hold exactly one rule.
tl::expected<SigmaRule, CompileIssue> parse_rule(std::string_view yaml, std::string_view file = "");

}  // namespace soc::sigma
