// CompileIssue: why a rule (or a whole file) could not be loaded or compiled. Issues are
// reported to the user as they are (file:line: rule: reason); `reason` is specific and stable
// enough to group by, e.g. "unsupported modifier expand" or
// "field Foo has no mapping for logsource product=linux service=auditd".
#pragma once

#include <string>

namespace soc::sigma {

struct CompileIssue {
  std::string file;     // rule file, "" when the rule came from memory
  int line = 0;         // 1-based line of the offending part (or of the rule), 0 when unknown
  std::string rule_id;  // "" when the rule has none or the file did not parse
  std::string title;
  std::string reason;
};

// "file:line: [id] title: reason" in one line, for logs and `socctl rules check`.
std::string format_issue(const CompileIssue& issue);

}  // namespace soc::sigma
