#include "agent/transport/agent_state.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/temp_dir.h"

namespace soc::agent {
namespace {

class AgentStateTest : public ::testing::Test {
 protected:
  soc::testing::TempDir dir_{"soc-state"};
  std::string path_ = dir_.path() + "/state.json";
};

TEST_F(AgentStateTest, FreshStateHasRandomEpochAndStartsAtOne) {
  auto a = AgentState::load_or_create(path_);
  auto b = AgentState::load_or_create(dir_.path() + "/other.json");
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_NE(a->epoch, 0u);
  EXPECT_NE(a->epoch, b->epoch);
  EXPECT_EQ(a->next_seq, 1u);
}

TEST_F(AgentStateTest, SaveAndLoadRoundTrip) {
  auto s = AgentState::load_or_create(path_);
  s->next_seq = 42;
  s->checkpoints["file-0"] = {{"files", nlohmann::json::array({{{"offset", 10}}})}};
  ASSERT_TRUE(s->save(path_));
  auto loaded = AgentState::load_or_create(path_);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->epoch, s->epoch);
  EXPECT_EQ(loaded->next_seq, 42u);
  EXPECT_EQ(loaded->checkpoints, s->checkpoints);
}

TEST_F(AgentStateTest, DamagedFileIsAnErrorNotASilentReset) {
  std::ofstream(path_) << "{\"epoch\": 5, \"next_";
  auto s = AgentState::load_or_create(path_);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("damaged"), std::string::npos);
  std::ofstream(path_) << "{\"epoch\": 0, \"next_seq\": 1}";
  EXPECT_FALSE(AgentState::load_or_create(path_));
}

}  // namespace
}  // namespace soc::agent
