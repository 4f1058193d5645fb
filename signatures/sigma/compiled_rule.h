// CompiledRule: a SigmaRule with its fields mapped, modifiers applied and condition parsed,
// ready to evaluate against events.
//
// compile_rule() reports the first thing that keeps a rule from compiling as a CompileIssue
// with a specific reason (unsupported modifier, unmapped field, bad regex, condition error ...)
// and the line it comes from. A CompiledRule is immutable once built and safe to evaluate from
// many threads; matches() does not allocate. Log source routing is not its job (rule_set.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/event.h"
#include "signatures/sigma/compile_issue.h"
#include "signatures/sigma/condition.h"
#include "signatures/sigma/field_mapping.h"
#include "signatures/sigma/field_matcher.h"
#include "signatures/sigma/requirement.h"
#include "signatures/sigma/sigma_rule.h"
#include "tl/expected.hpp"

namespace soc::sigma {

// A compiled search identifier: any alternative whose items all match.
struct Selection {
  std::vector<std::vector<FieldMatcher>> alternatives;

  bool matches(const Event& event, const LiteralHits* hits = nullptr) const;
  Requirement requirement() const;
};

struct CompiledRule {
  std::string id;
  std::string title;
  std::string name;   // the rule's optional `name` (what correlation rules may refer to)
  std::string level;  // as in the rule, "" when not given
  int severity = 0;   // informational=1 low=2 medium=3 high=4 critical=5, 0 when no level
  std::string status;
  std::string description;
  std::vector<std::string> tags;
  RuleLogSource logsource;
  std::string file;
  int line = 0;

  std::vector<std::string> identifiers;  // search identifier names, index = ConditionNode::ref
  std::vector<Selection> selections;     // same index
  ConditionNode condition;               // the rule's conditions OR-ed

  // Whether the event satisfies the detection (the logsource is not checked here). `hits`,
  // when given, must cover every literal id assigned to this rule (RuleSet does that).
  bool matches(const Event& event, const LiteralHits* hits = nullptr) const;
  // Literals one of which must occur in the event for matches() to be true (requirement.h).
  Requirement requirement() const;
  // Adds the event fields the detection reads to `fields` (duplicates possible); sets `raw`
  // when it also searches the raw text (keywords). A required literal occurs in one of them.
  void targets(std::vector<std::string>& fields, bool& raw) const;
  // See FieldMatcher::assign_literal_ids.
  void assign_literal_ids(const std::function<std::uint32_t(std::string_view)>& id_of);
};

// The numeric severity of a Sigma level (see CompiledRule::severity).
int severity_of(std::string_view level);

tl::expected<CompiledRule, CompileIssue> compile_rule(const SigmaRule& rule,
                                                      const FieldMappings& mappings);

}  // namespace soc::sigma
