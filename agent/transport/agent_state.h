// AgentState: what the agent must remember across restarts, in state_dir/state.json:
// its stream epoch (random, chosen once per installation), the next batch sequence number, and
// each source's checkpoint. Saved atomically after every batch is spooled, so the checkpoints
// always point just past the newest spooled batch.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace soc::agent {

struct AgentState {
  std::uint64_t epoch = 0;
  std::uint64_t next_seq = 1;
  nlohmann::json checkpoints = nlohmann::json::object();  // source name -> checkpoint

  // Loads path, or a fresh state with a new random epoch when the file does not exist.
  // A file that exists but does not parse is an error (never silently reset).
  static Result<AgentState> load_or_create(const std::string& path);
  Result<void> save(const std::string& path) const;
};

}  // namespace soc::agent
