// libFuzzer target: any bytes, parsed as a Sigma rule file and compiled, must give rules or
// issues with a reason, never a crash or a hang; whatever compiles is matched against a few
// events (the matchers must cope with any compiled rule).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/event.h"
#include "signatures/sigma/field_mapping.h"
#include "signatures/sigma/rule_parser.h"
#include "signatures/sigma/rule_set.h"

namespace {

const soc::sigma::FieldMappings& mappings() {
  static const soc::sigma::FieldMappings m =
      *soc::sigma::FieldMappings::parse("mappings:\n  - passthrough: true\n");
  return m;
}

std::vector<soc::Event> events() {
  std::vector<soc::Event> out(3);
  out[0].raw = "Failed password for invalid user admin from 10.0.0.1 port 22 ssh2";
  out[0].fields = {{"a", std::string("x")},
                   {"CommandLine", std::string("/bin/sh -c 'echo L2Jpbi9zaA== | base64 -d'")},
                   {"port", std::int64_t{22}},
                   {"ip", *soc::IpAddress::parse("10.0.0.1")}};
  out[1].raw = std::string("\0\xff\xfe*?\\", 6);
  out[1].fields = {{"l", soc::StringList{"", "a", "B"}}, {"f", 1.5}, {"b", true}};
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  soc::sigma::ParsedRules parsed = soc::sigma::parse_rules(text, "fuzz.yml");
  for (const soc::sigma::CompileIssue& i : parsed.issues) {
    if (i.reason.empty()) std::abort();
  }
  std::vector<soc::sigma::CompileIssue> issues;
  const std::size_t count = parsed.rules.size();
  auto set = soc::sigma::RuleSet::compile(std::move(parsed.rules), mappings(), issues);
  if (!set) return 0;
  if ((*set)->rules().size() + issues.size() != count) std::abort();
  for (const soc::sigma::CompileIssue& i : issues) {
    if (i.reason.empty()) std::abort();
  }
  static const std::vector<soc::Event> kEvents = events();
  std::vector<const soc::sigma::CompiledRule*> out;
  for (const soc::Event& e : kEvents) {
    for (const auto& r : (*set)->rules()) {
      const soc::sigma::LogSource ls{
          r.logsource.product, {r.logsource.category}, {r.logsource.service}};
      (*set)->match(e, ls, out);
    }
  }
  return 0;
}
