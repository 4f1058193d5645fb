// FieldMappings: the table, carried by a pack, that maps Sigma field names onto the event
// field names our decoders emit (ECS), per log source.
//
// File format (YAML), see signatures/packs/default/field_mappings.yaml:
//   mappings:
//     - logsource: {product: linux, category: process_creation}   # any of the three, or none
//       fields:
//         Image: process.executable
//         CommandLine: [process.command_line, process.args]       # a list: read all of them
//       passthrough: true            # optional: unmapped fields keep their own name
//       passthrough_prefix: auditd.data.   # optional: unmapped fields read as prefix + name
// An entry applies to a rule when every attribute the entry names equals the rule's. For a
// field, the applying entries are consulted from the most specific (most attributes named)
// to the least, in file order among equals; the first that maps the field wins (exact name, then
// ASCII case-insensitive). Otherwise the most specific entry declaring a passthrough decides;
// otherwise the field has no mapping and the rule does not compile.
//
// Immutable after parse(); safe to share between threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "signatures/sigma/sigma_rule.h"

namespace soc::sigma {

class FieldMappings {
 public:
  FieldMappings() = default;

  // Parses the YAML text; `file` names it in errors ("file:line: key: what was expected").
  static Result<FieldMappings> parse(std::string_view yaml, std::string_view file = "");
  // Reads and parses a file. Errors: kIo, kInvalidArgument.
  static Result<FieldMappings> load(const std::string& path);

  // The event field names for `sigma_field` in rules of `logsource`: an entry's mapping, else
  // a dotted (ECS) name as it is, else an applying passthrough. Error (kUnsupported):
  // "field X has no mapping for logsource product=... category=... service=...".
  Result<std::vector<std::string>> resolve(const RuleLogSource& logsource,
                                           std::string_view sigma_field) const;

  std::size_t entry_count() const { return entries_.size(); }

 private:
  struct Entry {
    RuleLogSource logsource;  // empty attribute = any
    std::vector<std::pair<std::string, std::vector<std::string>>> fields;
    bool passthrough = false;
    std::string passthrough_prefix;
    int specificity = 0;
  };
  std::vector<Entry> entries_;  // sorted: most specific first, file order among equals
};

}  // namespace soc::sigma
