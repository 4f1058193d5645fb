#include "agent/transport/agent_state.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "agent/transport/spool.h"

namespace soc::agent {

Result<AgentState> AgentState::load_or_create(const std::string& path) {
  AgentState state;
  if (!std::filesystem::exists(path)) {
    std::random_device rd;
    while (state.epoch == 0) {
      state.epoch = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
    }
    return state;
  }
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  try {
    const nlohmann::json j = nlohmann::json::parse(text.str());
    state.epoch = j.at("epoch").get<std::uint64_t>();
    state.next_seq = j.at("next_seq").get<std::uint64_t>();
    state.checkpoints = j.value("checkpoints", nlohmann::json::object());
    if (state.epoch == 0 || state.next_seq == 0 || !state.checkpoints.is_object()) {
      throw std::runtime_error("epoch, next_seq or checkpoints invalid");
    }
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInvalidArgument,
                path + ": agent state file is damaged (" + e.what() +
                    "); move it away to start over (files would then be re-read per 'start')");
  }
  return state;
}

Result<void> AgentState::save(const std::string& path) const {
  const nlohmann::json j = {{"epoch", epoch}, {"next_seq", next_seq}, {"checkpoints", checkpoints}};
  // Sources keep their checkpoints UTF-8 clean; replace anything else rather than fail.
  return write_private_file_durably(
      path, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace soc::agent
