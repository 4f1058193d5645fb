#include "signatures/sigma/compiled_rule.h"

namespace soc::sigma {

namespace {

Requirement requirement_of(const ConditionNode& node, const std::vector<Selection>& selections) {
  using Op = ConditionNode::Op;
  switch (node.op) {
    case Op::kRef:
      return selections[node.ref].requirement();
    case Op::kNot:
      return Requirement::any();
    case Op::kAnd:
    case Op::kOr:
    case Op::kAtLeast: {
      std::vector<Requirement> parts;
      parts.reserve(node.children.size());
      for (const ConditionNode& c : node.children) parts.push_back(requirement_of(c, selections));
      // At least one child of an OR or an "N of" must match; every child of an AND.
      return node.op == Op::kAnd ? all_of(std::move(parts)) : any_of(std::move(parts));
    }
  }
  return Requirement::any();
}

}  // namespace

bool Selection::matches(const Event& event, const LiteralHits* hits) const {
  for (const auto& items : alternatives) {
    bool all = true;
    for (const FieldMatcher& m : items) {
      if (!m.matches(event, hits)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

Requirement Selection::requirement() const {
  std::vector<Requirement> alts;
  alts.reserve(alternatives.size());
  for (const auto& items : alternatives) {
    std::vector<Requirement> parts;
    parts.reserve(items.size());
    for (const FieldMatcher& m : items) parts.push_back(m.requirement());
    alts.push_back(all_of(std::move(parts)));
  }
  return any_of(std::move(alts));
}

bool CompiledRule::matches(const Event& event, const LiteralHits* hits) const {
  return evaluate(condition,
                  [&](std::uint32_t ref) { return selections[ref].matches(event, hits); });
}

void CompiledRule::assign_literal_ids(const std::function<std::uint32_t(std::string_view)>& id_of) {
  for (Selection& s : selections) {
    for (auto& items : s.alternatives) {
      for (FieldMatcher& m : items) m.assign_literal_ids(id_of);
    }
  }
}

Requirement CompiledRule::requirement() const { return requirement_of(condition, selections); }

void CompiledRule::targets(std::vector<std::string>& fields, bool& raw) const {
  for (const Selection& s : selections) {
    for (const auto& items : s.alternatives) {
      for (const FieldMatcher& m : items) {
        if (m.fields().empty()) raw = true;
        fields.insert(fields.end(), m.fields().begin(), m.fields().end());
      }
    }
  }
}

int severity_of(std::string_view level) {
  if (level == "informational") return 1;
  if (level == "low") return 2;
  if (level == "medium") return 3;
  if (level == "high") return 4;
  if (level == "critical") return 5;
  return 0;
}

tl::expected<CompiledRule, CompileIssue> compile_rule(const SigmaRule& rule,
                                                      const FieldMappings& mappings) {
  auto issue = [&](int line, std::string reason) {
    return tl::unexpected(CompileIssue{rule.file, line > 0 ? line : rule.line, rule.id, rule.title,
                                       std::move(reason)});
  };
  CompiledRule out;
  out.id = rule.id;
  out.name = rule.name;
  out.title = rule.title;
  out.level = rule.level;
  out.severity = severity_of(rule.level);
  out.status = rule.status;
  out.description = rule.description;
  out.tags = rule.tags;
  out.logsource = rule.logsource;
  out.file = rule.file;
  out.line = rule.line;

  const FieldMatcher::Resolver resolve = [&](std::string_view field) {
    return mappings.resolve(rule.logsource, field);
  };
  for (const SearchIdentifier& ident : rule.detection) {
    out.identifiers.push_back(ident.name);
    Selection sel;
    for (const auto& items : ident.alternatives) {
      std::vector<FieldMatcher> compiled;
      for (const DetectionItem& item : items) {
        auto m = FieldMatcher::compile(item, resolve);
        if (!m) return issue(item.line, m.error().message);
        compiled.push_back(std::move(*m));
      }
      sel.alternatives.push_back(std::move(compiled));
    }
    out.selections.push_back(std::move(sel));
  }
  if (rule.conditions.empty()) return issue(rule.condition_line, "missing condition");
  std::vector<ConditionNode> conditions;
  for (const std::string& text : rule.conditions) {
    auto c = parse_condition(text, out.identifiers);
    if (!c) return issue(rule.condition_line, c.error().message);
    conditions.push_back(std::move(*c));
  }
  if (conditions.size() == 1) {
    out.condition = std::move(conditions.front());
  } else {
    out.condition.op = ConditionNode::Op::kOr;
    out.condition.children = std::move(conditions);
  }
  return out;
}

}  // namespace soc::sigma
