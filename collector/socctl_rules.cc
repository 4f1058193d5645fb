#include "collector/socctl_rules.h"

#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "agent/decode/audit_assembler.h"
#include "agent/decode/decoder_registry.h"
#include "agent/logsource.h"
#include "signatures/load_rule_set.h"

namespace soc::collector {
namespace {

namespace fs = std::filesystem;
constexpr int kExitUsage = 2;
constexpr const char* kMappingsFile = "field_mappings.yaml";
constexpr const char* kLineField = "log.line_number";

// --field-mappings, or the nearest field_mappings.yaml at or above the rules path.
std::string find_mappings(const RulesArgs& args) {
  if (!args.field_mappings.empty()) return args.field_mappings;
  std::error_code ec;
  fs::path dir = fs::absolute(args.rules, ec);
  if (!fs::is_directory(dir, ec)) dir = dir.parent_path();
  for (; !dir.empty(); dir = dir.parent_path()) {
    if (fs::exists(dir / kMappingsFile, ec)) return (dir / kMappingsFile).string();
    if (dir == dir.root_path()) break;
  }
  return "";
}

// Loads and compiles; prints the reason and returns nullopt on a usage error.
std::optional<sigma::LoadedRuleSet> load(const RulesArgs& args) {
  const std::string mappings = find_mappings(args);
  if (mappings.empty()) {
    std::cerr << "socctl: no " << kMappingsFile << " at or above " << args.rules
              << "; give one with --field-mappings FILE\n";
    return std::nullopt;
  }
  if (!fs::exists(args.rules)) {
    std::cerr << "socctl: " << args.rules << ": no such rule file or folder\n";
    return std::nullopt;
  }
  auto loaded = sigma::load_rule_set({args.rules}, mappings);
  if (!loaded) {
    std::cerr << "socctl: " << loaded.error().message << "\n";
    return std::nullopt;
  }
  return std::move(*loaded);
}

void print_match(const Event& event, const sigma::CompiledRule& rule, bool json) {
  std::int64_t line_number = 0;
  if (const FieldValue* v = event.find(kLineField)) {
    if (const auto* n = std::get_if<std::int64_t>(v)) line_number = *n;
  }
  if (json) {
    const nlohmann::json j = {{"line_number", line_number},
                              {"line", event.raw},
                              {"rule_id", rule.id},
                              {"title", rule.title},
                              {"level", rule.level}};
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::cout << line_number << ": [" << (rule.level.empty() ? "-" : rule.level) << "] "
              << rule.title << " (" << rule.id << ")\n    " << event.raw << "\n";
  }
}

}  // namespace

int rules_check(const RulesArgs& args) {
  auto loaded = load(args);
  if (!loaded) return kExitUsage;
  for (const sigma::CompileIssue& issue : loaded->issues) {
    std::cout << sigma::format_issue(issue) << "\n";
  }
  const std::size_t compiled = loaded->rules->rules().size();
  std::cout << loaded->total << " rules: " << compiled << " compiled, " << loaded->issues.size()
            << " failed\n";
  return loaded->issues.empty() ? 0 : 1;
}

int rules_test(const RulesArgs& args) {
  auto decoder = agent::make_decoder(args.format);
  if (!decoder) {
    std::cerr << "socctl: --format: " << decoder.error().message << "\n";
    return kExitUsage;
  }
  std::ifstream in(args.log_file, std::ios::binary);
  if (!in) {
    std::cerr << "socctl: " << args.log_file << ": cannot read\n";
    return kExitUsage;
  }
  auto loaded = load(args);
  if (!loaded) return kExitUsage;
  for (const sigma::CompileIssue& issue : loaded->issues) {
    std::cerr << "skipped: " << sigma::format_issue(issue) << "\n";
  }
  agent::LogSourceRouter router({});
  agent::AuditAssembler assembler;
  std::vector<Event> ready;
  std::vector<const sigma::CompiledRule*> matches;
  auto match_ready = [&] {
    for (const Event& event : ready) {
      matches.clear();
      loaded->rules->match(event, router.route(event), matches);
      for (const sigma::CompiledRule* rule : matches) print_match(event, *rule, args.json);
    }
    ready.clear();
  };
  std::int64_t line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    Event event;
    event.raw = std::move(line);
    event.source = args.log_file;
    (*decoder)->decode(event);
    event.fields.push_back({kLineField, line_number});
    assembler.push(std::move(event), ready);
    match_ready();
  }
  assembler.flush(ready);
  match_ready();
  return 0;
}

}  // namespace soc::collector
