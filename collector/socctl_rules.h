// `socctl rules ...`: how an admin tries Sigma rules before they go into a pack.
//   socctl rules check RULES [--field-mappings FILE]
//   socctl rules test RULES LOGFILE [--format F] [--json] [--field-mappings FILE]
// Without --field-mappings, the nearest field_mappings.yaml in RULES' folder or one of its
// parents is used (a pack keeps it at its root).
#pragma once

#include <string>

namespace soc::collector {

struct RulesArgs {
  std::string rules;     // rule file or folder
  std::string log_file;  // rules test only
  std::string format = "auto";
  std::string field_mappings;  // "" = search upward from rules
  bool json = false;
};

// Prints every rule that does not compile (file:line: reason) and ends with
// "N rules: C compiled, F failed". Exit code 0 when F is 0, else 1; 2 for usage errors.
int rules_check(const RulesArgs& args);

// Decodes each line of the log file with the format, matches the rules and prints each match:
// "LINE: [level] title (id)" then the line, or with --json one object per match:
// {"line_number", "line", "rule_id", "title", "level"}. Exit code 0, or 2 for usage errors.
int rules_test(const RulesArgs& args);

}  // namespace soc::collector
