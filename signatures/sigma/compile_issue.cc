#include "signatures/sigma/compile_issue.h"

namespace soc::sigma {

// Appends only (no `"x" + std::string` temporaries): GCC 12 -O2 reports a false -Wrestrict for
// those.
std::string format_issue(const CompileIssue& issue) {
  std::string out = issue.file.empty() ? "(memory)" : issue.file;
  if (issue.line > 0) {
    out += ':';
    out += std::to_string(issue.line);
  }
  out += ": ";
  if (!issue.rule_id.empty()) {
    out += '[';
    out += issue.rule_id;
    out += "] ";
  }
  if (!issue.title.empty()) {
    out += issue.title;
    out += ": ";
  }
  out += issue.reason;
  return out;
}

}  // namespace soc::sigma
