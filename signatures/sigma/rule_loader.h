// Rule loader: reads Sigma rule files from disk into SigmaRules, reporting every file or
// document that cannot be read or parsed as a CompileIssue. Compile the result with
// RuleSet::compile (which adds the issues of rules that do not compile).
//
// For a `socctl rules check` style summary: N = rules.size() + issues.size() before compiling
// (one issue per document or file that failed), C = RuleSet::rules().size(), F = N - C.
#pragma once

#include <string>
#include <vector>

#include "signatures/sigma/compile_issue.h"
#include "signatures/sigma/sigma_rule.h"

namespace soc::sigma {

struct LoadedRules {
  std::vector<SigmaRule> rules;
  std::vector<CompileIssue> issues;
  std::size_t files = 0;  // rule files read
};

// Loads `path`: a rule file, or a folder searched recursively (symlinks not followed) for
// *.yml and *.yaml files, read in path order. Never throws; I/O errors become issues.
LoadedRules load_rules(const std::string& path);

}  // namespace soc::sigma
