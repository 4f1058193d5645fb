// Agreement: how many compared values of a decoder agree with a golden dataset, with the first
// misses kept for the printout. Shared by the decoder golden-data tests.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace soc {

struct Agreement {
  static constexpr std::size_t kMissesKept = 25;
  std::size_t compared = 0;
  std::size_t agreed = 0;
  std::vector<std::string> misses;

  void check(bool same, const std::string& what) {
    ++compared;
    if (same) {
      ++agreed;
    } else if (misses.size() < kMissesKept) {
      misses.push_back(what);
    }
  }
  double percent() const {
    return compared == 0 ? 100.0
                         : 100.0 * static_cast<double>(agreed) / static_cast<double>(compared);
  }
  void print(const std::string& name) const {
    std::printf("[agreement] %s: %zu/%zu (%.1f%%)\n", name.c_str(), agreed, compared, percent());
    for (const std::string& m : misses) std::printf("    miss: %s\n", m.c_str());
  }
};

}  // namespace soc
