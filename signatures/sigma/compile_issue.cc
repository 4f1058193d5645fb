#include "signatures/sigma/compile_issue.h"

namespace soc::sigma {

std::string format_issue(const CompileIssue& issue) {
  std::string out = issue.file.empty() ? "(memory)" : issue.file;
  if (issue.line > 0) out += ":" + std::to_string(issue.line);
  out += ": ";
  if (!issue.rule_id.empty()) out += "[" + issue.rule_id + "] ";
  if (!issue.title.empty()) out += issue.title + ": ";
  out += issue.reason;
  return out;
}

}  // namespace soc::sigma
