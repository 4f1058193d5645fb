// TempDir for tests: a new folder <prefix>.XXXXXX (made with mkdtemp) under the system's
// temporary one, removed with all it holds when the TempDir goes. Throws std::runtime_error when
// it cannot be made (a test then fails instead of writing to paths under "").
// SOC_KEEP_TEST_DIRS=1 in the environment keeps the folder (printing "kept <path>" to stderr),
// to look at a run's files afterwards.
#pragma once

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace soc::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "soc-test") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + ".XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("cannot make a temporary folder " + pattern);
    }
    path_ = pattern;
  }
  ~TempDir() {
    if (path_.empty()) return;
    if (const char* keep = std::getenv("SOC_KEEP_TEST_DIRS");
        keep != nullptr && std::string_view(keep) == "1") {
      std::fprintf(stderr, "kept %s\n", path_.c_str());
      return;
    }
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name.
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace soc::testing
