// Loads every SigmaHQ rule under ../shared/data/sigma (rules, rules-threat-hunting,
// rules-emerging-threats: linux, web, network; and the correlation examples) with the default
// pack's field mappings. Every document compiles or has a specific reason; prints the reasons
// by count and asserts the number that compiles.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>

#include "signatures/sigma/rule_loader.h"
#include "signatures/sigma/rule_set.h"
#include "tests/unit/sigma_test_util.h"

namespace soc::sigma {
namespace {

// What this engine reaches on the stored SigmaHQ snapshot (467 documents: 464 detection rules
// and 3 correlation rules, which run on the collector).
constexpr std::size_t kCompiledReached = 464;

TEST(SigmaHQ, EveryRuleCompilesOrHasAReason) {
  const std::string root = std::string(SOC_SHARED_DATA) + "/sigma";
  ASSERT_TRUE(std::filesystem::is_directory(root)) << root;
  auto mappings =
      FieldMappings::load(SOC_SOURCE_DIR "/signatures/packs/default/field_mappings.yaml");
  ASSERT_TRUE(mappings) << mappings.error().message;

  LoadedRules loaded = load_rules(root);
  const std::size_t documents = loaded.rules.size() + loaded.issues.size();
  std::map<std::string, std::size_t> per_folder;
  for (const SigmaRule& r : loaded.rules) {
    const std::string rel = r.file.substr(root.size() + 1);
    const std::size_t a = rel.find('/');
    const std::size_t b = rel.find('/', a + 1);
    per_folder[rel.substr(0, b)]++;
  }
  std::vector<CompileIssue> issues = loaded.issues;
  auto set = RuleSet::compile(loaded.rules, *mappings, issues);
  ASSERT_TRUE(set) << set.error().message;
  const std::size_t compiled = (*set)->rules().size();

  std::map<std::string, std::size_t> reasons;
  for (const CompileIssue& i : issues) {
    reasons[i.reason]++;
    EXPECT_FALSE(i.reason.empty());
    EXPECT_FALSE(i.file.empty());
  }
  std::vector<std::pair<std::size_t, std::string>> by_count;
  for (const auto& [reason, n] : reasons) by_count.emplace_back(n, reason);
  std::sort(by_count.rbegin(), by_count.rend());

  std::cout << loaded.files << " files, " << documents << " documents, " << compiled
            << " compiled ("
            << (100.0 * static_cast<double>(compiled) / static_cast<double>(documents)) << "%), "
            << issues.size() << " not compiled; prefilter " << (*set)->stats().prefilter << " with "
            << (*set)->stats().literals << " literals, " << (*set)->stats().unfiltered_rules
            << " rules without a required literal\n";
  for (const auto& [folder, n] : per_folder) std::cout << "  " << n << "\t" << folder << "\n";
  std::cout << "Reasons by count:\n";
  for (const auto& [n, reason] : by_count) std::cout << "  " << n << "\t" << reason << "\n";

  EXPECT_EQ(documents, compiled + issues.size());
  EXPECT_GE(compiled, kCompiledReached);
  EXPECT_GE(compiled * 100, documents * 95);
}

}  // namespace
}  // namespace soc::sigma
