// Config: a YAML config file plus --set KEY=VALUE overrides, read through typed accessors that
// name the file, the dotted key and what was expected in every error.
//
// Usage: load the file, apply overrides, read every key the program knows (each read records
// the key), then call check_unknown_keys() so a typo is an error instead of a silent default.
// Dotted keys address maps and sequence indexes: "collector.endpoint", "sources.0.paths".
// Not thread-safe; used at start-up only.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/result.h"

namespace soc {

class Config {
 public:
  // Reads and parses path. The error names the file and, for YAML syntax errors, the line.
  static Result<Config> load(const std::string& path);
  // An in-memory config (for tests); `origin` stands for the file name in errors.
  static Result<Config> parse(const std::string& yaml_text, const std::string& origin);

  // Applies one "dotted.key=value" override. The value is taken as plain text, except a YAML
  // flow list or map ("[a, b]", "{k: v}"), so keys and paths need no quoting.
  Result<void> apply_override(const std::string& assignment);
  Result<void> apply_overrides(const std::vector<std::string>& assignments);

  const std::string& origin() const { return origin_; }

  // Typed reads: the default when the key is absent, an error when it has the wrong type.
  Result<std::string> get_string(const std::string& key, const std::string& fallback);
  Result<std::string> require_string(const std::string& key);
  Result<std::int64_t> get_int(const std::string& key, std::int64_t fallback, std::int64_t min,
                               std::int64_t max);
  Result<bool> get_bool(const std::string& key, bool fallback);
  // A string or a list of strings.
  Result<std::vector<std::string>> get_string_list(const std::string& key);
  // A map of strings to strings (empty when absent), in the file's order.
  Result<std::vector<std::pair<std::string, std::string>>> get_string_map(const std::string& key);
  // One of `choices`.
  Result<std::string> get_choice(const std::string& key, const std::string& fallback,
                                 const std::vector<std::string>& choices);
  // Number of elements of a sequence key (0 when absent).
  Result<std::size_t> sequence_size(const std::string& key);
  bool has(const std::string& key) const;

  // Every key present in the file that no accessor read, as an error naming them.
  Result<void> check_unknown_keys() const;

  // "FILE: key 'K': MESSAGE" - the one format for config errors.
  Error error(const std::string& key, const std::string& message) const;

 private:
  Config(const YAML::Node& root, std::string origin) : root_(root), origin_(std::move(origin)) {}
  std::optional<YAML::Node> lookup(const std::string& key) const;
  void collect_unknown(const YAML::Node& node, const std::string& prefix,
                       std::vector<std::string>& unknown) const;

  YAML::Node root_;
  std::string origin_;
  std::set<std::string> read_keys_;
};

}  // namespace soc
