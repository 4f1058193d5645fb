#include "collector/batch_writer.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "collector/store/sqlite_store.h"

namespace soc::collector {
namespace {

namespace fs = std::filesystem;

constexpr const char* kKey = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
constexpr int kDeadlineMs = 10'000;

std::vector<Event> make_events(std::size_t n) {
  std::vector<Event> events(n);
  for (std::size_t i = 0; i < n; ++i) {
    events[i].time_ns = 1'000 + static_cast<TimeNs>(i);
    events[i].source = "/var/log/auth.log";
    events[i].raw = "line " + std::to_string(i);
  }
  return events;
}

IncomingBatch make_batch(std::int64_t agent_id, std::uint64_t seq,
                         const std::vector<Event>& events) {
  IncomingBatch batch;
  batch.agent_id = agent_id;
  batch.epoch = 1;
  batch.seq = seq;
  batch.base = 1;
  batch.received_ns = 5'000;
  batch.events = &events;
  return batch;
}

// True when fd becomes readable within timeout_ms.
bool readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN) != 0;
}

class BatchWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "batch_writer_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto store = open_sqlite_store(dir_ + "/collector.db");
    ASSERT_TRUE(store.has_value()) << store.error().message;
    reader_ = std::move(*store);
    auto agent = reader_->enroll_agent("web-01", kKey, "Health Dept");
    ASSERT_TRUE(agent.has_value()) << agent.error().message;
    agent_id_ = agent->id;
  }
  void TearDown() override {
    reader_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::unique_ptr<BatchWriter> start_writer() {
    auto store = open_sqlite_store(dir_ + "/collector.db");
    EXPECT_TRUE(store.has_value()) << store.error().message;
    if (!store) return nullptr;
    auto writer = BatchWriter::start(std::move(*store));
    EXPECT_TRUE(writer.has_value()) << writer.error().message;
    return writer ? std::move(*writer) : nullptr;
  }

  std::uint64_t stored_events() {
    auto n = reader_->count_events({});
    EXPECT_TRUE(n.has_value()) << n.error().message;
    return n ? *n : 9999;
  }

  std::string dir_;
  std::unique_ptr<EventStore> reader_;  // the other connection, as the ingest loop's
  std::int64_t agent_id_ = 0;
};

TEST_F(BatchWriterTest, StoresAGroupAndSignalsItsDescriptorUntilTaken) {
  auto writer = start_writer();
  ASSERT_TRUE(writer);
  EXPECT_FALSE(writer->busy());
  EXPECT_FALSE(readable(writer->done_fd(), 0));
  const auto first = make_events(3);
  const auto second = make_events(2);
  writer->submit({make_batch(agent_id_, 1, first), make_batch(agent_id_, 2, second)});
  EXPECT_TRUE(writer->busy());

  ASSERT_TRUE(readable(writer->done_fd(), kDeadlineMs));
  EXPECT_TRUE(writer->busy());  // done, not yet taken
  auto results = writer->take(false);
  ASSERT_TRUE(results.has_value());
  ASSERT_TRUE(results->has_value()) << results->error().message;
  ASSERT_EQ((*results)->size(), 2u);
  EXPECT_EQ((**results)[0].outcome, BatchOutcome::kStored);
  EXPECT_EQ((**results)[0].event_ids.size(), 3u);
  EXPECT_EQ((**results)[1].outcome, BatchOutcome::kStored);
  EXPECT_EQ((**results)[1].event_ids.size(), 2u);
  EXPECT_FALSE(writer->busy());
  EXPECT_FALSE(readable(writer->done_fd(), 0));
  EXPECT_EQ(stored_events(), 5u);  // committed: another connection sees them

  // The next group is decided against what the first one stored.
  writer->submit({make_batch(agent_id_, 2, second)});
  auto again = writer->take(true);
  ASSERT_TRUE(again.has_value() && again->has_value());
  EXPECT_EQ((**again)[0].outcome, BatchOutcome::kDuplicate);
  EXPECT_EQ(stored_events(), 5u);
}

TEST_F(BatchWriterTest, TakeWithNothingInFlightIsNothing) {
  auto writer = start_writer();
  ASSERT_TRUE(writer);
  EXPECT_FALSE(writer->take(false).has_value());
  EXPECT_FALSE(writer->take(true).has_value());  // does not wait for a group never submitted
}

TEST_F(BatchWriterTest, AFailedGroupReturnsTheStoreErrorAndLeavesNothing) {
  auto writer = start_writer();
  ASSERT_TRUE(writer);
  const auto events = make_events(4);
  writer->submit({make_batch(agent_id_, 1, events),
                  make_batch(agent_id_ + 100, 1, events)});  // not enrolled: refused
  auto results = writer->take(true);
  ASSERT_TRUE(results.has_value());
  ASSERT_FALSE(results->has_value());
  EXPECT_EQ(results->error().code, ErrorCode::kStore);
  EXPECT_FALSE(writer->busy());
  EXPECT_EQ(stored_events(), 0u);
}

TEST_F(BatchWriterTest, DestroyedWithAGroupInFlightCommitsItFirst) {
  const auto events = make_events(500);
  {
    auto writer = start_writer();
    ASSERT_TRUE(writer);
    writer->submit({make_batch(agent_id_, 1, events)});
  }  // destroyed at once, whether or not its thread has begun the group
  EXPECT_EQ(stored_events(), 500u);
}

}  // namespace
}  // namespace soc::collector
