#include "signatures/sigma/rule_parser.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "signatures/sigma/yaml_documents.h"

namespace soc::sigma {

namespace {

int line_of(const YAML::Node& node) {
  const int line = node.Mark().line;
  return line >= 0 ? line + 1 : 0;
}

// A problem found in one document.
struct DocError {
  int line = 0;
  std::string reason;
};

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// Reads one YAML document into a rule. Every step returns false after recording the first
// problem in error(). yaml-cpp may still throw on malformed nodes: parse_rules catches it.
class DocParser {
 public:
  // line_offset: lines before the document's text (the parser sees one document at a time).
  DocParser(std::string_view file, int line_offset, std::size_t& budget)
      : file_(file), line_offset_(line_offset), budget_(budget) {}

  const DocError& error() const { return error_; }

  bool parse(const YAML::Node& doc, SigmaRule& rule) {
    if (!count(doc)) return false;
    if (!doc.IsMap()) return fail(line(doc), "a rule must be a YAML map");
    rule.file = std::string(file_);
    rule.line = line(doc);
    if (!optional_scalar(doc, "id", rule.id) || !optional_scalar(doc, "title", rule.title) ||
        !optional_scalar(doc, "name", rule.name)) {
      return false;
    }
    if (doc["correlation"]) return fail(rule.line, "correlation rule: runs on the collector");
    if (doc["filter"] && !doc["detection"]) {
      return fail(rule.line, "sigma filter (meta-rule): not supported by the agent engine");
    }
    if (const YAML::Node action = doc["action"]) {
      return fail(line(action), "rule collection action '" +
                                    (action.IsScalar() ? action.Scalar() : std::string()) +
                                    "' is not supported (one rule per document)");
    }
    if (rule.title.empty()) return fail(rule.line, "missing title");
    if (!optional_scalar(doc, "status", rule.status) ||
        !optional_scalar(doc, "description", rule.description) ||
        !optional_scalar(doc, "level", rule.level)) {
      return false;
    }
    rule.status = lower(rule.status);
    rule.level = lower(rule.level);
    if (!rule.level.empty() && rule.level != "informational" && rule.level != "low" &&
        rule.level != "medium" && rule.level != "high" && rule.level != "critical") {
      return fail(line(doc["level"]), "unknown level '" + rule.level + "'");
    }
    if (const YAML::Node tags = doc["tags"]; tags && !tags.IsNull()) {
      if (!count(tags)) return false;
      if (!tags.IsSequence()) return fail(line(tags), "tags: expected a list");
      for (const YAML::Node& t : tags) {
        if (!count(t)) return false;
        if (!t.IsScalar()) return fail(line(t), "tags: expected text items");
        rule.tags.push_back(t.Scalar());
      }
    }
    return parse_logsource(doc, rule) && parse_detection(doc, rule);
  }

 private:
  int line(const YAML::Node& node) const {
    const int l = line_of(node);
    return l > 0 ? l + line_offset_ : 0;
  }

  bool fail(int line, std::string reason) {
    error_ = DocError{line, std::move(reason)};
    return false;
  }

  bool count(const YAML::Node&) {
    if (budget_ == 0) {
      return fail(
          0, "rule file too large (more than " + std::to_string(kMaxRuleNodes) + " YAML nodes)");
    }
    --budget_;
    return true;
  }

  bool optional_scalar(const YAML::Node& map, const char* key, std::string& out) {
    const YAML::Node n = map[key];
    if (!n || n.IsNull()) return true;
    if (!count(n)) return false;
    if (!n.IsScalar()) return fail(line(n), std::string(key) + ": expected text");
    out = n.Scalar();
    return true;
  }

  bool parse_logsource(const YAML::Node& doc, SigmaRule& rule) {
    const YAML::Node ls = doc["logsource"];
    if (!ls) return fail(rule.line, "missing logsource");
    if (!count(ls)) return false;
    if (!ls.IsMap()) return fail(line(ls), "logsource: expected a map");
    RuleLogSource& out = rule.logsource;
    if (!optional_scalar(ls, "product", out.product) ||
        !optional_scalar(ls, "category", out.category) ||
        !optional_scalar(ls, "service", out.service)) {
      return false;
    }
    out.product = lower(out.product);
    out.category = lower(out.category);
    out.service = lower(out.service);
    return true;
  }

  bool value_of(const YAML::Node& n, DetectionValue& v) {
    if (!count(n)) return false;
    v.line = line(n);
    if (!n || n.IsNull()) {
      v.is_null = true;
      return true;
    }
    if (!n.IsScalar()) return fail(v.line, "expected a value, found a list or map");
    v.text = n.Scalar();
    v.plain = n.Tag() == "?";
    return true;
  }

  bool item_of(const std::string& key, const YAML::Node& key_node, const YAML::Node& value,
               const std::string& ident, DetectionItem& item) {
    item.line = line(key_node);
    std::size_t bar = key.find('|');
    item.field = key.substr(0, bar);
    while (bar != std::string::npos) {
      const std::size_t start = bar + 1;
      bar = key.find('|', start);
      item.modifiers.push_back(key.substr(start, bar == std::string::npos ? bar : bar - start));
    }
    if (!count(value)) return false;
    if (value.IsMap()) {
      return fail(line(value), "search identifier " + ident + ": value of " + key + " is a map");
    }
    if (!value.IsSequence()) {
      item.values.emplace_back();
      return value_of(value, item.values.back());
    }
    for (const YAML::Node& v : value) {
      if (v.IsSequence() || v.IsMap()) {
        return fail(line(v), "search identifier " + ident + ": value list of " + key +
                                 " holds a list or map");
      }
      item.values.emplace_back();
      if (!value_of(v, item.values.back())) return false;
    }
    if (item.values.empty()) {
      return fail(item.line, "search identifier " + ident + ": " + key + " has no values");
    }
    return true;
  }

  bool map_items(const YAML::Node& map, const std::string& ident,
                 std::vector<DetectionItem>& items) {
    for (const auto& kv : map) {
      if (!count(kv.first)) return false;
      if (!kv.first.IsScalar()) {
        return fail(line(kv.first), "search identifier " + ident + ": key is not text");
      }
      items.emplace_back();
      if (!item_of(kv.first.Scalar(), kv.first, kv.second, ident, items.back())) return false;
    }
    if (items.empty()) return fail(line(map), "search identifier " + ident + " is empty");
    return true;
  }

  bool identifier_of(const std::string& name, const YAML::Node& key, const YAML::Node& body,
                     SearchIdentifier& id) {
    if (!count(body)) return false;
    id.name = name;
    id.line = line(key);
    if (body.IsMap()) {
      id.alternatives.emplace_back();
      return map_items(body, name, id.alternatives.back());
    }
    if (body.IsScalar()) {
      DetectionItem keyword;
      keyword.line = id.line;
      keyword.values.emplace_back();
      if (!value_of(body, keyword.values.back())) return false;
      id.alternatives.push_back({std::move(keyword)});
      return true;
    }
    if (!body.IsSequence()) return fail(id.line, "search identifier " + name + " is empty");
    bool maps = false;
    DetectionItem keywords;
    keywords.line = id.line;
    for (const YAML::Node& e : body) {
      if (!count(e)) return false;
      if (e.IsMap()) {
        maps = true;
        id.alternatives.emplace_back();
        if (!map_items(e, name, id.alternatives.back())) return false;
      } else if (e.IsSequence()) {
        return fail(line(e), "search identifier " + name + ": nested list");
      } else {
        keywords.values.emplace_back();
        if (!value_of(e, keywords.values.back())) return false;
      }
    }
    if (maps && !keywords.values.empty()) {
      return fail(id.line, "search identifier " + name + " mixes maps and plain values");
    }
    if (!keywords.values.empty()) id.alternatives.push_back({std::move(keywords)});
    if (id.alternatives.empty()) return fail(id.line, "search identifier " + name + " is empty");
    return true;
  }

  bool parse_detection(const YAML::Node& doc, SigmaRule& rule) {
    const YAML::Node det = doc["detection"];
    if (!det) return fail(rule.line, "missing detection");
    if (!count(det)) return false;
    if (!det.IsMap()) return fail(line(det), "detection: expected a map");
    for (const auto& kv : det) {
      if (!count(kv.first)) return false;
      if (!kv.first.IsScalar()) return fail(line(kv.first), "detection: key is not text");
      const std::string name = kv.first.Scalar();
      if (name == "condition") {
        rule.condition_line = line(kv.first);
        const YAML::Node c = kv.second;
        if (!count(c)) return false;
        if (c.IsScalar()) {
          rule.conditions.push_back(c.Scalar());
        } else if (c.IsSequence()) {
          for (const YAML::Node& one : c) {
            if (!count(one)) return false;
            if (!one.IsScalar()) return fail(line(one), "condition: expected text");
            rule.conditions.push_back(one.Scalar());
          }
        }
        if (rule.conditions.empty()) return fail(rule.condition_line, "condition is empty");
        continue;
      }
      if (name == "timeframe") {
        return fail(line(kv.first),
                    "timeframe (aggregation) is not supported: write a correlation rule");
      }
      if (name.empty()) return fail(line(kv.first), "detection: empty search identifier");
      rule.detection.emplace_back();
      if (!identifier_of(name, kv.first, kv.second, rule.detection.back())) return false;
    }
    if (rule.conditions.empty()) return fail(line(det), "missing condition");
    if (rule.detection.empty()) return fail(line(det), "detection has no search identifier");
    return true;
  }

  std::string_view file_;
  int line_offset_ = 0;
  std::size_t& budget_;
  DocError error_;
};

CompileIssue issue(std::string_view file, int line, const SigmaRule* partial, std::string reason) {
  CompileIssue i;
  i.file = std::string(file);
  i.line = line;
  if (partial != nullptr) {
    i.rule_id = partial->id;
    i.title = partial->title;
  }
  i.reason = std::move(reason);
  return i;
}

// id and title of a document that failed, for the issue (best effort, never throws).
SigmaRule identify(const YAML::Node& doc) {
  SigmaRule r;
  try {
    if (doc.IsMap()) {
      if (doc["id"] && doc["id"].IsScalar()) r.id = doc["id"].Scalar();
      if (doc["title"] && doc["title"].IsScalar()) r.title = doc["title"].Scalar();
    }
  } catch (...) {
  }
  return r;
}

int count_lines(std::string_view text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n')) +
         (!text.empty() && text.back() != '\n' ? 1 : 0);
}

}  // namespace

ParsedRules parse_rules(std::string_view yaml, std::string_view file) {
  ParsedRules out;
  if (yaml.size() > kMaxRuleFileBytes) {
    out.issues.push_back(issue(file, 0, nullptr, "rule file larger than 1 MiB"));
    return out;
  }
  std::size_t budget = kMaxRuleNodes;
  const std::vector<YamlDocumentText> texts = split_yaml_documents(yaml);
  for (const YamlDocumentText& text : texts) {
    YAML::Node doc;
    try {
      doc = YAML::Load(std::string(text.text));
    } catch (const YAML::DeepRecursion& e) {
      out.issues.push_back(
          issue(file, e.mark.line >= 0 ? e.mark.line + 1 + text.first_line : 0, nullptr,
                "YAML nested too deeply (more than " + std::to_string(e.depth() - 1) + " levels)"));
      continue;
    } catch (const YAML::Exception& e) {
      out.issues.push_back(issue(file, e.mark.line >= 0 ? e.mark.line + 1 + text.first_line : 0,
                                 nullptr, "YAML syntax: " + e.msg));
      continue;
    } catch (const std::exception& e) {
      out.issues.push_back(
          issue(file, text.first_line + 1, nullptr, std::string("YAML: ") + e.what()));
      continue;
    }
    if (!doc || doc.IsNull()) {
      // An empty document (a trailing ---) is fine; text that reads as nothing is not (yaml-cpp
      // returns an empty document for a stream starting with a stray `,`).
      if (yaml_has_content(text.text)) {
        out.issues.push_back(issue(file, text.first_line + 1, nullptr,
                                   "YAML syntax: the document holds text but no YAML value"));
      }
      continue;
    }
    const int doc_line = line_of(doc) > 0 ? line_of(doc) + text.first_line : 0;
    try {
      DocParser parser(file, text.first_line, budget);
      SigmaRule rule;
      if (!parser.parse(doc, rule)) {
        const SigmaRule who = identify(doc);
        const DocError& e = parser.error();
        out.issues.push_back(issue(file, e.line > 0 ? e.line : doc_line, &who, e.reason));
        continue;
      }
      rule.end_line = text.first_line + count_lines(text.text);
      out.rules.push_back(std::move(rule));
    } catch (const YAML::Exception& e) {
      const SigmaRule who = identify(doc);
      out.issues.push_back(issue(file,
                                 e.mark.line >= 0 ? e.mark.line + 1 + text.first_line : doc_line,
                                 &who, "YAML: " + e.msg));
    } catch (const std::exception& e) {
      const SigmaRule who = identify(doc);
      out.issues.push_back(issue(file, doc_line, &who, std::string("YAML: ") + e.what()));
    }
  }
  return out;
}

tl::expected<SigmaRule, CompileIssue> parse_rule(std::string_view yaml, std::string_view file) {
  ParsedRules parsed = parse_rules(yaml, file);
  if (!parsed.issues.empty()) return tl::unexpected(std::move(parsed.issues.front()));
  if (parsed.rules.size() != 1) {
    return tl::unexpected(
        issue(file, 0, nullptr,
              parsed.rules.empty() ? "no rule in the text" : "more than one rule in the text"));
  }
  return std::move(parsed.rules.front());
}

}  // namespace soc::sigma
