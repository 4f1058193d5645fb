#include "signatures/sigma/correlation_rule.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <limits>

#include "signatures/sigma/yaml_documents.h"

namespace soc::sigma {

namespace {

constexpr std::size_t kMaxRulesPerCorrelation = 64;
constexpr std::size_t kMaxGroupBy = 16;

int line_of(const YAML::Node& node, int offset) {
  const int line = node.Mark().line;
  return line >= 0 ? line + 1 + offset : offset + 1;
}

struct Problem {
  int line = 0;
  std::string reason;
};

// Reads one correlation document; returns the first problem, if any.
class CorrelationReader {
 public:
  CorrelationReader(int offset) : offset_(offset) {}

  std::optional<Problem> read(const YAML::Node& doc, CorrelationRule& rule) {
    rule.line = line_of(doc, offset_);
    if (!scalar(doc, "id", rule.id) || !scalar(doc, "name", rule.name) ||
        !scalar(doc, "title", rule.title) || !scalar(doc, "level", rule.level)) {
      return problem_;
    }
    if (rule.title.empty()) return Problem{rule.line, "missing title"};
    if (!rule.level.empty() && rule.level != "informational" && rule.level != "low" &&
        rule.level != "medium" && rule.level != "high" && rule.level != "critical") {
      return Problem{line_of(doc["level"], offset_), "unknown level '" + rule.level + "'"};
    }
    const YAML::Node c = doc["correlation"];
    if (!c.IsMap()) return Problem{line_of(c, offset_), "correlation: expected a map"};
    std::string type;
    if (!scalar(c, "type", type)) return problem_;
    if (type == "event_count") {
      rule.type = CorrelationType::kEventCount;
    } else if (type == "value_count") {
      rule.type = CorrelationType::kValueCount;
    } else if (type == "temporal") {
      rule.type = CorrelationType::kTemporal;
    } else if (type == "temporal_ordered") {
      rule.type = CorrelationType::kTemporalOrdered;
    } else if (type.empty()) {
      return Problem{line_of(c, offset_), "correlation: missing type"};
    } else {
      return Problem{line_of(c["type"], offset_), "unsupported correlation type " + type};
    }
    if (!list(c, "rules", rule.rules, kMaxRulesPerCorrelation)) return problem_;
    if (rule.rules.empty()) return Problem{line_of(c, offset_), "correlation: rules is missing"};
    if (!list(c, "group-by", rule.group_by, kMaxGroupBy)) return problem_;
    std::string timespan;
    if (!scalar(c, "timespan", timespan)) return problem_;
    const auto span = parse_timespan(timespan);
    if (!span) {
      return Problem{line_of(c["timespan"] ? c["timespan"] : c, offset_),
                     timespan.empty()
                         ? "correlation: timespan is missing"
                         : "timespan '" + timespan + "': expected e.g. 30s, 5m, 1h, 2d"};
    }
    rule.timespan_ns = *span;
    if (const YAML::Node g = c["generate"]; g) {
      if (!g.IsScalar() || (g.Scalar() != "true" && g.Scalar() != "false")) {
        return Problem{line_of(g, offset_), "generate: expected true or false"};
      }
      rule.generate = g.Scalar() == "true";
    }
    if (auto p = read_aliases(c, rule)) return p;
    return read_condition(c, rule);
  }

 private:
  bool scalar(const YAML::Node& map, const char* key, std::string& out) {
    const YAML::Node n = map[key];
    if (!n || n.IsNull()) return true;
    if (!n.IsScalar()) {
      problem_ = Problem{line_of(n, offset_), std::string(key) + ": expected text"};
      return false;
    }
    out = n.Scalar();
    return true;
  }

  bool list(const YAML::Node& map, const char* key, std::vector<std::string>& out,
            std::size_t max) {
    const YAML::Node n = map[key];
    if (!n || n.IsNull()) return true;
    if (n.IsScalar()) {
      out.push_back(n.Scalar());
      return true;
    }
    if (!n.IsSequence()) {
      problem_ = Problem{line_of(n, offset_), std::string(key) + ": expected a list"};
      return false;
    }
    if (n.size() > max) {
      problem_ = Problem{line_of(n, offset_),
                         std::string(key) + ": more than " + std::to_string(max) + " items"};
      return false;
    }
    for (const YAML::Node& item : n) {
      if (!item.IsScalar() || item.Scalar().empty()) {
        problem_ = Problem{line_of(item, offset_), std::string(key) + ": expected text items"};
        return false;
      }
      out.push_back(item.Scalar());
    }
    return true;
  }

  std::optional<Problem> read_aliases(const YAML::Node& c, CorrelationRule& rule) {
    const YAML::Node a = c["aliases"];
    if (!a || a.IsNull()) return std::nullopt;
    if (!a.IsMap()) return Problem{line_of(a, offset_), "aliases: expected a map"};
    for (const auto& alias : a) {
      if (!alias.first.IsScalar() || !alias.second.IsMap()) {
        return Problem{line_of(alias.second, offset_),
                       "aliases: expected alias: {rule: field, ...}"};
      }
      auto& fields = rule.aliases[alias.first.Scalar()];
      for (const auto& entry : alias.second) {
        if (!entry.first.IsScalar() || !entry.second.IsScalar()) {
          return Problem{line_of(entry.second, offset_), "aliases: expected rule: field"};
        }
        fields[entry.first.Scalar()] = entry.second.Scalar();
      }
    }
    return std::nullopt;
  }

  std::optional<Problem> read_condition(const YAML::Node& c, CorrelationRule& rule) {
    const YAML::Node cond = c["condition"];
    const bool temporal =
        rule.type == CorrelationType::kTemporal || rule.type == CorrelationType::kTemporalOrdered;
    if (!cond || cond.IsNull()) {
      if (!temporal) return Problem{line_of(c, offset_), "correlation: condition is missing"};
      rule.condition.gte = static_cast<std::int64_t>(rule.rules.size());
      return std::nullopt;
    }
    if (!cond.IsMap()) return Problem{line_of(cond, offset_), "condition: expected a map"};
    bool any = false;
    for (const auto& entry : cond) {
      const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
      const int line = line_of(entry.second, offset_);
      if (!entry.second.IsScalar()) return Problem{line, "condition " + key + ": expected a value"};
      const std::string& text = entry.second.Scalar();
      if (key == "field") {
        rule.value_field = text;
        continue;
      }
      std::int64_t value = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec != std::errc() || end != text.data() + text.size()) {
        return Problem{line, "condition " + key + ": expected a whole number, got '" + text + "'"};
      }
      std::optional<std::int64_t>* slot = nullptr;
      if (key == "gt") slot = &rule.condition.gt;
      if (key == "gte") slot = &rule.condition.gte;
      if (key == "lt") slot = &rule.condition.lt;
      if (key == "lte") slot = &rule.condition.lte;
      if (key == "eq") slot = &rule.condition.eq;
      if (key == "neq") slot = &rule.condition.neq;
      if (slot == nullptr) return Problem{line, "condition: unknown operator '" + key + "'"};
      *slot = value;
      any = true;
    }
    if (!any) return Problem{line_of(cond, offset_), "condition: no comparison (gt gte lt ...)"};
    if (rule.type == CorrelationType::kValueCount && rule.value_field.empty()) {
      return Problem{line_of(cond, offset_), "value_count: condition needs a field"};
    }
    return std::nullopt;
  }

  int offset_;
  Problem problem_;
};

}  // namespace

std::string_view correlation_type_name(CorrelationType type) {
  switch (type) {
    case CorrelationType::kEventCount:
      return "event_count";
    case CorrelationType::kValueCount:
      return "value_count";
    case CorrelationType::kTemporal:
      return "temporal";
    case CorrelationType::kTemporalOrdered:
      return "temporal_ordered";
  }
  return "?";
}

bool CountCondition::holds(std::int64_t count) const {
  return (!gt || count > *gt) && (!gte || count >= *gte) && (!lt || count < *lt) &&
         (!lte || count <= *lte) && (!eq || count == *eq) && (!neq || count != *neq);
}

std::string CountCondition::describe() const {
  std::string out;
  const auto add = [&](const char* op, const std::optional<std::int64_t>& v) {
    if (!v) return;
    if (!out.empty()) out += " and ";
    out += op;
    out += ' ';
    out += std::to_string(*v);
  };
  add("gt", gt);
  add("gte", gte);
  add("lt", lt);
  add("lte", lte);
  add("eq", eq);
  add("neq", neq);
  return out;
}

std::optional<std::int64_t> parse_timespan(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
  if (ec != std::errc() || end != text.data() + text.size() - 1 || n <= 0) return std::nullopt;
  std::int64_t unit_s = 0;
  switch (text.back()) {
    case 's':
      unit_s = 1;
      break;
    case 'm':
      unit_s = 60;
      break;
    case 'h':
      unit_s = 3600;
      break;
    case 'd':
      unit_s = 86400;
      break;
    default:
      return std::nullopt;
  }
  constexpr std::int64_t kMaxSeconds = 366LL * 86400;  // a year: windows longer are a mistake
  if (n > kMaxSeconds / unit_s) return std::nullopt;
  return n * unit_s * 1'000'000'000LL;
}

ParsedCorrelations parse_correlation_rules(std::string_view yaml, std::string_view file) {
  ParsedCorrelations out;
  for (const YamlDocumentText& doc : split_yaml_documents(yaml)) {
    YAML::Node node;
    try {
      node = YAML::Load(std::string(doc.text));
    } catch (const YAML::Exception& e) {
      const int line = e.mark.line >= 0 ? e.mark.line + 1 + doc.first_line : doc.first_line + 1;
      out.issues.push_back({std::string(file), line, "", "", "YAML syntax: " + e.msg});
      continue;
    } catch (const std::exception& e) {
      out.issues.push_back({std::string(file), doc.first_line + 1, "", "", e.what()});
      continue;
    }
    if ((!node || node.IsNull()) && yaml_has_content(doc.text)) {
      out.issues.push_back({std::string(file), doc.first_line + 1, "", "",
                            "YAML syntax: the document holds text but no YAML value"});
      continue;
    }
    if (!node.IsMap() || !node["correlation"]) continue;  // a Sigma rule or nothing
    CorrelationRule rule;
    rule.file = std::string(file);
    try {
      if (auto problem = CorrelationReader(doc.first_line).read(node, rule)) {
        out.issues.push_back({rule.file, problem->line, rule.id, rule.title, problem->reason});
        continue;
      }
    } catch (const std::exception& e) {
      out.issues.push_back({rule.file, rule.line, rule.id, rule.title, e.what()});
      continue;
    }
    out.rules.push_back(std::move(rule));
  }
  return out;
}

}  // namespace soc::sigma
