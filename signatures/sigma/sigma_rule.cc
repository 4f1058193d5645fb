#include "signatures/sigma/sigma_rule.h"

namespace soc::sigma {

std::string describe(const RuleLogSource& logsource) {
  std::string out;
  auto add = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    if (!out.empty()) out += ' ';
    out += key;
    out += '=';
    out += value;
  };
  add("product", logsource.product);
  add("category", logsource.category);
  add("service", logsource.service);
  return out.empty() ? "(any)" : out;
}

}  // namespace soc::sigma
