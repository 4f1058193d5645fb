// The default pack's rules against their match / no-match samples
// (signatures/packs/default/samples/<rule>.yaml), through the real decoders and routing.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "agent/decode/audit_assembler.h"
#include "agent/decode/decoder_registry.h"
#include "agent/logsource.h"
#include "signatures/load_rule_set.h"

namespace soc {
namespace {

namespace fs = std::filesystem;

const std::string kPack = std::string(SOC_SOURCE_DIR) + "/signatures/packs/default";

// The rules' ids that match `line`, decoded with `format`.
std::vector<std::string> matching_rules(const sigma::RuleSet& rules, const std::string& format,
                                        const std::string& line) {
  auto decoder = agent::make_decoder(format);
  EXPECT_TRUE(decoder) << format;
  Event e;
  e.raw = line;
  (*decoder)->decode(e);
  agent::AuditAssembler assembler;
  std::vector<Event> ready;
  assembler.push(std::move(e), ready);
  assembler.flush(ready);
  agent::LogSourceRouter router({});
  std::vector<std::string> ids;
  for (const Event& event : ready) {
    std::vector<const sigma::CompiledRule*> matches;
    rules.match(event, router.route(event), matches);
    for (const auto* r : matches) ids.push_back(r->id);
  }
  return ids;
}

TEST(DefaultPack, EveryRuleCompilesAndHasSamples) {
  auto loaded = sigma::load_rule_set({kPack + "/rules"}, kPack + "/field_mappings.yaml");
  ASSERT_TRUE(loaded) << loaded.error().message;
  for (const auto& issue : loaded->issues) ADD_FAILURE() << sigma::format_issue(issue);
  EXPECT_GE(loaded->rules->rules().size(), 19u);
  for (const sigma::CompiledRule& rule : loaded->rules->rules()) {
    // Rules on flow events are matched by the collector; incident_engine_test runs them on a
    // real scan capture.
    if (rule.file.find("/rules/network/") != std::string::npos) continue;
    const std::string stem = fs::path(rule.file).stem().string();
    EXPECT_TRUE(fs::exists(kPack + "/samples/" + stem + ".yaml")) << rule.file << " has no samples";
  }
}

TEST(DefaultPack, RulesMatchTheirSamplesAndNothingElse) {
  auto loaded = sigma::load_rule_set({kPack + "/rules"}, kPack + "/field_mappings.yaml");
  ASSERT_TRUE(loaded) << loaded.error().message;
  std::map<std::string, std::string> id_by_stem;
  for (const sigma::CompiledRule& rule : loaded->rules->rules()) {
    id_by_stem[fs::path(rule.file).stem().string()] = rule.id;
  }
  std::size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(kPack + "/samples")) {
    const std::string stem = entry.path().stem().string();
    SCOPED_TRACE(stem);
    ASSERT_TRUE(id_by_stem.count(stem)) << "samples for a rule that does not compile";
    const std::string& id = id_by_stem[stem];
    const YAML::Node samples = YAML::LoadFile(entry.path().string());
    const std::string format = samples["format"].as<std::string>();
    for (const auto& line : samples["match"]) {
      const auto ids = matching_rules(*loaded->rules, format, line.as<std::string>());
      EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end()) << "should match: " << line;
      ++checked;
    }
    for (const auto& line : samples["no_match"]) {
      const auto ids = matching_rules(*loaded->rules, format, line.as<std::string>());
      EXPECT_EQ(std::find(ids.begin(), ids.end(), id), ids.end()) << "should not match: " << line;
      ++checked;
    }
  }
  EXPECT_GE(checked, 80u);
}

}  // namespace
}  // namespace soc
