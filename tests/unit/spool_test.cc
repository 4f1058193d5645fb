#include "agent/transport/spool.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/temp_dir.h"

namespace soc::agent {
namespace {

class SpoolTest : public ::testing::Test {
 protected:
  soc::testing::TempDir dir_{"soc-spool"};
};

TEST_F(SpoolTest, AppendsReadsAndRemovesInOrder) {
  auto spool = Spool::open(dir_.path());
  ASSERT_TRUE(spool);
  EXPECT_TRUE(spool->empty());
  ASSERT_TRUE(spool->append(1, "one"));
  ASSERT_TRUE(spool->append(2, "two!"));
  ASSERT_TRUE(spool->append(5, "five"));
  EXPECT_FALSE(spool->append(4, "late")) << "appends must grow";
  EXPECT_EQ(spool->count(), 3u);
  EXPECT_EQ(spool->bytes(), 11u);
  EXPECT_EQ(*spool->read(2), "two!");
  EXPECT_EQ(spool->remove_through(2), 2u);
  EXPECT_EQ(*spool->oldest(), 5u);
  EXPECT_EQ(spool->bytes(), 4u);
  EXPECT_FALSE(spool->read(1));
}

TEST_F(SpoolTest, SurvivesReopenAndDropsTempFiles) {
  {
    auto spool = Spool::open(dir_.path());
    ASSERT_TRUE(spool->append(7, "seven"));
    ASSERT_TRUE(spool->append(8, "eight"));
  }
  std::ofstream(dir_.path() + "/00000000000000000009.batch.tmp") << "half-written";
  auto spool = Spool::open(dir_.path());
  ASSERT_TRUE(spool);
  EXPECT_EQ(spool->count(), 2u);
  EXPECT_EQ(*spool->oldest(), 7u);
  EXPECT_EQ(*spool->newest(), 8u);
  EXPECT_EQ(*spool->read(8), "eight");
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/00000000000000000009.batch.tmp"));
}

TEST_F(SpoolTest, RemoveFromDropsTheNewestAndRewriteReplaces) {
  auto spool = Spool::open(dir_.path());
  for (std::uint64_t s = 1; s <= 4; ++s) ASSERT_TRUE(spool->append(s, "x"));
  EXPECT_EQ(spool->remove_from(3), 2u);
  EXPECT_EQ(*spool->newest(), 2u);
  ASSERT_TRUE(spool->rewrite(2, "longer"));
  EXPECT_EQ(*spool->read(2), "longer");
  EXPECT_EQ(spool->bytes(), 7u);
  EXPECT_FALSE(spool->rewrite(9, "absent"));
  auto reopened = Spool::open(dir_.path());
  EXPECT_EQ(reopened->count(), 2u);
}

}  // namespace
}  // namespace soc::agent
