#include "collector/store/wal_sync.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "collector/store/sqlite_store.h"
#include "tests/temp_dir.h"

namespace soc::collector {
namespace {

namespace fs = std::filesystem;

class WalSyncTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.empty()); }

  // Opens a store at path_ that defers its syncs (kept in store_), then its WalSync (wal_).
  void open_store_and_log() {
    auto store = open_sqlite_store(path_, StoreMode::kReadWriteDeferredSync);
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
    auto wal = WalSync::open(path_);
    ASSERT_TRUE(wal.has_value()) << wal.error().message;
    wal_.emplace(std::move(*wal));
  }

  soc::testing::TempDir temp_{"wal_sync_test"};  // removed after the stores below are closed
  std::string dir_ = temp_.path();
  std::string path_ = dir_ + "/collector.db";
  std::unique_ptr<EventStore> store_;
  std::optional<WalSync> wal_;
};

TEST_F(WalSyncTest, SyncsTheLogOfADatabaseWhoseCommitsDeferTheirSync) {
  ASSERT_NO_FATAL_FAILURE(open_store_and_log());
  ASSERT_TRUE(store_->enroll_agent("web-01", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "X"));
  auto synced = wal_->sync();
  EXPECT_TRUE(synced.has_value()) << synced.error().message;
  EXPECT_TRUE(wal_->sync().has_value());  // again: nothing new, still fine
}

TEST_F(WalSyncTest, FollowsASymbolicLinkToTheDatabaseAsSqliteDoes) {
  fs::create_directories(dir_ + "/real");
  auto store = open_sqlite_store(dir_ + "/real/collector.db", StoreMode::kReadWriteDeferredSync);
  ASSERT_TRUE(store.has_value()) << store.error().message;
  fs::create_symlink(dir_ + "/real/collector.db", dir_ + "/link.db");
  auto linked = open_sqlite_store(dir_ + "/link.db", StoreMode::kReadWriteDeferredSync);
  ASSERT_TRUE(linked.has_value()) << linked.error().message;
  EXPECT_FALSE(fs::exists(dir_ + "/link.db-wal"));  // the log is next to the real file
  auto wal = WalSync::open(dir_ + "/link.db");
  ASSERT_TRUE(wal.has_value()) << wal.error().message;
  EXPECT_TRUE(wal->sync().has_value());
}

TEST_F(WalSyncTest, ADatabaseWithoutALogIsAnIoError) {
  const std::string path = dir_ + "/plain.db";
  std::ofstream(path) << "not in WAL mode";
  auto wal = WalSync::open(path);
  ASSERT_FALSE(wal.has_value());  // its commits could not be synced later
  EXPECT_EQ(wal.error().code, ErrorCode::kIo);
  EXPECT_NE(wal.error().message.find("plain.db-wal"), std::string::npos);
}

TEST_F(WalSyncTest, ADatabaseThatIsNotThereIsAnIoErrorNamingIt) {
  auto wal = WalSync::open(dir_ + "/missing/collector.db");
  ASSERT_FALSE(wal.has_value());
  EXPECT_EQ(wal.error().code, ErrorCode::kIo);
  EXPECT_NE(wal.error().message.find("missing/collector.db"), std::string::npos);
}

TEST_F(WalSyncTest, ALogRemovedUnderItIsAnErrorThatStays) {
  ASSERT_NO_FATAL_FAILURE(open_store_and_log());
  fs::rename(path_ + "-wal", dir_ + "/elsewhere");  // the descriptor now syncs another file
  auto synced = wal_->sync();
  ASSERT_FALSE(synced.has_value());
  EXPECT_EQ(synced.error().code, ErrorCode::kIo);
  EXPECT_NE(synced.error().message.find("removed or replaced"), std::string::npos);
  fs::rename(dir_ + "/elsewhere", path_ + "-wal");  // back: the failure is final all the same
  EXPECT_FALSE(wal_->sync().has_value());
}

}  // namespace
}  // namespace soc::collector
