// Loading the Emerging Threats rules (../shared/data/et-rules/*.rules): prints how many load and
// why the others do not (reasons grouped, most frequent first; a pcre's own text is left out of
// the grouping key), and fails below kMinLoaded.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>

#include "signatures/packet/rule_loader.h"

namespace soc::packet {
namespace {

namespace fs = std::filesystem;

// What we reach (see the printed report); raise it when more rules load.
constexpr std::size_t kMinLoaded = 4257;

std::string reason_key(const std::string& reason) {
  if (reason.rfind("pcre '", 0) == 0) {
    const auto re2 = reason.find("RE2: ");
    if (re2 != std::string::npos) {
      const std::string err = reason.substr(re2 + 5);
      return "pcre not supported by RE2: " + err.substr(0, err.find(':'));
    }
  }
  return reason;
}

TEST(EtRules, LoadReport) {
  const fs::path dir = fs::path(SOC_SHARED_DATA) / "et-rules";
  if (!fs::exists(dir)) GTEST_SKIP() << dir << " not present";
  auto loaded = load_packet_rules({dir.string()}, Variables::defaults());
  ASSERT_TRUE(loaded) << loaded.error().message;
  const std::size_t ok = loaded->set->rules().size();
  std::map<std::string, std::size_t> reasons;
  for (const CompileIssue& i : loaded->issues) ++reasons[reason_key(i.reason)];
  std::vector<std::pair<std::size_t, std::string>> sorted;
  for (const auto& [r, n] : reasons) sorted.emplace_back(n, r);
  std::sort(sorted.rbegin(), sorted.rend());
  std::cout << "ET rules: " << loaded->total << " rules, " << ok << " load, "
            << loaded->issues.size() << " do not\n";
  for (std::size_t i = 0; i < sorted.size() && i < 25; ++i) {
    std::cout << "  " << sorted[i].first << "  " << sorted[i].second << "\n";
  }
  EXPECT_EQ(ok + loaded->issues.size(), loaded->total);
  EXPECT_GE(ok, kMinLoaded);
}

}  // namespace
}  // namespace soc::packet
