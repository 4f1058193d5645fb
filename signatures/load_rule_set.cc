#include "signatures/load_rule_set.h"

#include "signatures/sigma/rule_loader.h"

namespace soc::sigma {

Result<LoadedRuleSet> load_rule_set(const std::vector<std::string>& rule_paths,
                                    const std::string& field_mappings_path) {
  auto mappings = FieldMappings::load(field_mappings_path);
  if (!mappings) return tl::unexpected(mappings.error());
  LoadedRuleSet out;
  std::vector<SigmaRule> rules;
  for (const std::string& path : rule_paths) {
    LoadedRules loaded = load_rules(path);
    out.issues.insert(out.issues.end(), loaded.issues.begin(), loaded.issues.end());
    for (SigmaRule& r : loaded.rules) rules.push_back(std::move(r));
  }
  out.total = rules.size() + out.issues.size();
  auto set = RuleSet::compile(std::move(rules), *mappings, out.issues);
  if (!set) return tl::unexpected(set.error());
  out.rules = std::move(*set);
  return out;
}

}  // namespace soc::sigma
