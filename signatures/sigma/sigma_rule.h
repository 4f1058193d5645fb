// SigmaRule: one Sigma detection rule as written in YAML, parsed but not yet compiled.
//
// The parser (rule_parser.h) fills it from a YAML document; the compiler (compiled_rule.h)
// resolves fields through a FieldMappings table, applies the value modifiers and the condition.
// A SigmaRule is plain data: copyable, no references into the YAML it came from.
#pragma once

#include <string>
#include <vector>

namespace soc::sigma {

// The three logsource attributes the engine routes on (lower case; empty = not named by the rule).
struct RuleLogSource {
  std::string product;
  std::string category;
  std::string service;

  bool operator==(const RuleLogSource&) const = default;
};

// "product=linux category=process_creation" (only the named attributes), for messages.
std::string describe(const RuleLogSource& logsource);

// One value as written under a field: a scalar, or YAML null.
struct DetectionValue {
  std::string text;      // the scalar's text (empty for null)
  bool is_null = false;  // `null`, `~` or nothing
  bool plain = false;    // unquoted scalar: may stand for a number or a boolean
  int line = 0;          // 1-based line in the rule file, 0 when unknown

  bool operator==(const DetectionValue&) const = default;
};

// One `field|modifier|modifier: value(s)` entry of a selection, or a keyword list (empty field).
struct DetectionItem {
  std::string field;  // Sigma field name; empty = keywords, searched in the raw text
  std::vector<std::string> modifiers;  // in the order written
  std::vector<DetectionValue> values;  // a single scalar is a one-element list; never empty
  int line = 0;

  bool operator==(const DetectionItem&) const = default;
};

// A search identifier of the detection section ("selection", "filter_main_*", "keywords" ...).
// It matches when any alternative matches; an alternative matches when all its items match. A map
// gives one alternative, a list of maps one per map, a list of plain values (keywords) one
// alternative holding one keyword item.
struct SearchIdentifier {
  std::string name;
  std::vector<std::vector<DetectionItem>> alternatives;
  int line = 0;

  bool operator==(const SearchIdentifier&) const = default;
};

struct SigmaRule {
  std::string id;
  std::string title;
  std::string name;  // the optional unique name correlation rules may refer to it by
  std::string status;
  std::string level;  // informational, low, medium, high, critical; empty when not given
  std::string description;
  std::vector<std::string> tags;  // e.g. "attack.t1110"
  RuleLogSource logsource;
  std::vector<SearchIdentifier> detection;  // in file order
  std::vector<std::string> conditions;      // several are OR-ed
  int condition_line = 0;

  std::string file;  // where it was read from ("" when parsed from memory)
  int line = 0;      // first line of the rule's YAML document (1-based)
  int end_line = 0;  // last line of the document

  bool operator==(const SigmaRule&) const = default;
};

}  // namespace soc::sigma
