#include "collector/batch_writer.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "collector/store/sqlite_store.h"
#include "collector/store/wal_sync.h"
#include "tests/temp_dir.h"

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

// take(false) each time the writer's descriptor becomes readable, until it returns a group or
// the deadline passes (nullopt then): what the ingest loop does.
std::optional<Result<std::vector<BatchResult>>> take_when_signalled(BatchWriter& writer) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kDeadlineMs);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!readable(writer.done_fd(), static_cast<int>(left.count()) + 1)) break;
    if (auto done = writer.take(false)) return done;
  }
  return std::nullopt;
}

// A store whose store_batches waits at a gate (then stores through a real store, or throws):
// the tests decide when the writer's group is done. Nothing else is used by the writer.
class GatedStore final : public EventStore {
 public:
  explicit GatedStore(std::unique_ptr<EventStore> real) : real_(std::move(real)) {}

  // Waits (up to the deadline) until store_batches has been entered.
  bool wait_entered() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::milliseconds(kDeadlineMs),
                             [&] { return entered_; });
  }
  void open(bool throw_instead = false) {
    std::lock_guard lock(mutex_);
    open_ = true;
    throw_ = throw_instead;
    changed_.notify_all();
  }

  Result<std::vector<BatchResult>> store_batches(std::span<const IncomingBatch> batches) override {
    std::unique_lock lock(mutex_);
    entered_ = true;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
    if (throw_) throw std::runtime_error("no memory left (test)");
    return real_->store_batches(batches);
  }

  Result<AgentRecord> enroll_agent(const std::string&, const std::string&,
                                   const std::string&) override {
    return unused();
  }
  Result<std::optional<AgentRecord>> find_agent_by_key(const std::string&) override {
    return unused();
  }
  Result<std::vector<AgentRecord>> list_agents() override { return unused(); }
  Result<std::vector<std::int64_t>> record_heartbeats(std::span<const AgentHeartbeat>) override {
    return unused();
  }
  Result<void> record_pack_report(std::int64_t, const std::string&, bool,
                                  const std::string&) override {
    return unused();
  }
  Result<PackPublication> publish_pack(const StoredPack&, bool) override { return unused(); }
  Result<std::optional<StoredPack>> find_pack(const std::string&) override { return unused(); }
  Result<std::optional<PackPublication>> current_publication() override { return unused(); }
  Result<std::vector<PackPublication>> pack_history() override { return unused(); }
  Result<std::vector<StoredEvent>> query_events(const EventQuery&) override { return unused(); }
  Result<std::uint64_t> count_events(const EventQuery&) override { return unused(); }
  Result<std::size_t> for_each_event_since(
      std::span<const EventKind>, TimeNs, const std::function<void(const StoredEvent&)>&) override {
    return unused();
  }
  Result<std::vector<StoredEvent>> search_events(const EventSearch&) override { return unused(); }
  Result<std::uint64_t> count_search(const EventSearch&) override { return unused(); }

 private:
  static tl::unexpected<Error> unused() {
    ADD_FAILURE() << "the batch writer used more of its store than store_batches";
    return tl::unexpected(Error{ErrorCode::kUnsupported, "not in this test"});
  }

  std::unique_ptr<EventStore> real_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool entered_ = false;
  bool open_ = false;
  bool throw_ = false;
};

// The writer's `durable`: counts its calls; once held, a call returns only when allowed (the
// first n calls are, after allow(n)) or after the deadline (so that a failed test ends); it can
// be made to fail.
class SyncGate {
 public:
  BatchWriter::Durable durable() {
    return [this]() -> Result<void> {
      std::unique_lock lock(mutex_);
      const int call = ++calls_;
      changed_.notify_all();
      changed_.wait_for(lock, std::chrono::milliseconds(kDeadlineMs),
                        [&] { return !held_ || call <= allowed_; });
      if (failing_call_ == call) return tl::unexpected(Error{ErrorCode::kIo, failure_});
      return ok();
    };
  }
  void hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void allow(int n) {
    std::lock_guard lock(mutex_);
    allowed_ = n;
    changed_.notify_all();
  }
  // That call (the first is 1) fails with `message`; the others succeed.
  void fail_call(int call, std::string message) {
    std::lock_guard lock(mutex_);
    failing_call_ = call;
    failure_ = std::move(message);
  }
  int calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  // Waits (up to the deadline) until durable has been called at least n times.
  bool wait_calls(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::milliseconds(kDeadlineMs),
                             [&] { return calls_ >= n; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int calls_ = 0;
  bool held_ = false;
  int allowed_ = 0;
  int failing_call_ = 0;
  std::string failure_;
};

class BatchWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.empty());
    auto store = open_sqlite_store(dir_ + "/collector.db");
    ASSERT_TRUE(store.has_value()) << store.error().message;
    reader_ = std::move(*store);
    auto agent = reader_->enroll_agent("web-01", kKey, "Health Dept");
    ASSERT_TRUE(agent.has_value()) << agent.error().message;
    agent_id_ = agent->id;
  }

  std::unique_ptr<EventStore> open_store(StoreMode mode = StoreMode::kReadWrite) {
    auto store = open_sqlite_store(dir_ + "/collector.db", mode);
    EXPECT_TRUE(store.has_value()) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  // A writer over `store`, or over a store of its own that defers its syncs to a WalSync, as
  // the collector's; made durable by `durable` when given.
  std::unique_ptr<BatchWriter> start_writer(std::unique_ptr<EventStore> store = nullptr,
                                            BatchWriter::Durable durable = nullptr) {
    if (!store) store = open_store(StoreMode::kReadWriteDeferredSync);
    if (!store) return nullptr;
    if (!durable) {
      auto opened = WalSync::open(dir_ + "/collector.db");
      EXPECT_TRUE(opened.has_value()) << opened.error().message;
      if (!opened) return nullptr;
      auto wal = std::make_shared<WalSync>(std::move(*opened));
      durable = [wal] { return wal->sync(); };
    }
    auto writer = BatchWriter::start(std::move(store), std::move(durable));
    EXPECT_TRUE(writer.has_value()) << writer.error().message;
    return writer ? std::move(*writer) : nullptr;
  }

  // A writer whose store_batches waits at gate_ (which the writer owns).
  std::unique_ptr<BatchWriter> start_gated_writer(BatchWriter::Durable durable = nullptr) {
    auto gated = std::make_unique<GatedStore>(open_store(StoreMode::kReadWriteDeferredSync));
    gate_ = gated.get();
    return start_writer(std::move(gated), std::move(durable));
  }

  // A gated writer that has begun storing `events` as batch 1 and waits at the gate; nullptr
  // (with a failure) when it did not get there in time.
  std::unique_ptr<BatchWriter> writer_at_the_gate(const std::vector<Event>& events,
                                                  BatchWriter::Durable durable = nullptr) {
    auto writer = start_gated_writer(std::move(durable));
    if (!writer) return nullptr;
    writer->submit({make_batch(agent_id_, 1, events)});
    if (!gate_->wait_entered()) {
      ADD_FAILURE() << "the writer did not begin its group";
      gate_->open();
      return nullptr;
    }
    return writer;
  }

  std::uint64_t stored_events() {
    auto n = reader_->count_events({});
    EXPECT_TRUE(n.has_value()) << n.error().message;
    return n ? *n : 9999;
  }

  soc::testing::TempDir temp_{"batch_writer_test"};  // removed after the stores below are closed
  std::string dir_ = temp_.path();
  std::unique_ptr<EventStore> reader_;  // the other connection, as the ingest loop's
  std::int64_t agent_id_ = 0;
  GatedStore* gate_ = nullptr;  // of the last start_gated_writer()
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
  EXPECT_TRUE(writer->busy());  // committed (and perhaps synced), not yet taken
  auto results = take_when_signalled(*writer);
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

TEST_F(BatchWriterTest, WhileTheGroupIsStoredThereIsNothingToTake) {
  const auto events = make_events(7);
  auto writer = writer_at_the_gate(events);
  ASSERT_TRUE(writer);
  EXPECT_TRUE(writer->busy());
  EXPECT_FALSE(writer->take(false).has_value());
  EXPECT_FALSE(readable(writer->done_fd(), 0));
  EXPECT_EQ(stored_events(), 0u);

  gate_->open();
  auto results = take_when_signalled(*writer);
  ASSERT_TRUE(results.has_value() && results->has_value());
  EXPECT_EQ((**results)[0].event_ids.size(), 7u);
  EXPECT_EQ(stored_events(), 7u);
}

TEST_F(BatchWriterTest, DestroyedWhileStoringAGroupFinishesIt) {
  const auto events = make_events(9);
  auto writer = writer_at_the_gate(events);
  ASSERT_TRUE(writer);
  std::thread destroyer([&] { writer.reset(); });  // waits for the group at the gate
  gate_->open();
  destroyer.join();
  EXPECT_EQ(stored_events(), 9u);
}

TEST_F(BatchWriterTest, AnExceptionWhileStoringIsAnErrorNotTheEndOfTheProcess) {
  auto writer = start_gated_writer();
  ASSERT_TRUE(writer);
  const auto events = make_events(2);
  writer->submit({make_batch(agent_id_, 1, events)});
  gate_->open(/*throw_instead=*/true);
  auto results = writer->take(true);
  ASSERT_TRUE(results.has_value());
  ASSERT_FALSE(results->has_value());
  EXPECT_EQ(results->error().code, ErrorCode::kStore);
  EXPECT_NE(results->error().message.find("no memory left"), std::string::npos);
  EXPECT_FALSE(writer->busy());
}

TEST_F(BatchWriterTest, AGroupIsTakenOnlyOnceItsCommitIsSyncedWhileTheNextIsStored) {
  SyncGate sync;
  sync.hold();
  auto writer = start_writer(nullptr, sync.durable());
  ASSERT_TRUE(writer);
  const auto first = make_events(3);
  const auto second = make_events(4);
  writer->submit({make_batch(agent_id_, 1, first)});
  ASSERT_TRUE(sync.wait_calls(1));  // committed, and its sync begun (and held)
  EXPECT_FALSE(writer->storing());
  EXPECT_TRUE(writer->busy());
  EXPECT_FALSE(writer->take(false).has_value());  // not durable yet: not to be acked
  EXPECT_EQ(stored_events(), 3u);                 // but committed

  // The second group is stored while the first one's sync runs.
  writer->submit({make_batch(agent_id_, 2, second)});
  ASSERT_TRUE(readable(writer->done_fd(), kDeadlineMs));  // its commit
  EXPECT_FALSE(writer->storing());
  EXPECT_EQ(sync.calls(), 1);
  EXPECT_EQ(stored_events(), 7u);

  sync.allow(1);  // the first sync returns: it began before the second commit, so covers the first
  auto one = take_when_signalled(*writer);
  ASSERT_TRUE(one.has_value() && one->has_value());
  ASSERT_EQ((*one)->size(), 1u);
  EXPECT_EQ((**one)[0].event_ids.size(), 3u);
  ASSERT_TRUE(sync.wait_calls(2));                // the second commit's sync, held
  EXPECT_FALSE(writer->take(false).has_value());  // the second group waits for it
  sync.allow(2);
  auto two = take_when_signalled(*writer);
  ASSERT_TRUE(two.has_value() && two->has_value());
  EXPECT_EQ((**two)[0].event_ids.size(), 4u);
  EXPECT_FALSE(writer->busy());
}

TEST_F(BatchWriterTest, AFailedSyncFailsTheGroupItWasForAndEveryLaterOne) {
  SyncGate sync;
  sync.fail_call(1, "sync collector.db-wal: Input/output error");
  auto writer = start_writer(nullptr, sync.durable());
  ASSERT_TRUE(writer);
  const auto events = make_events(2);
  writer->submit({make_batch(agent_id_, 1, events)});
  auto results = writer->take(true);
  ASSERT_TRUE(results.has_value());
  ASSERT_FALSE(results->has_value());  // committed, but not known to be durable: not acked
  EXPECT_EQ(results->error().code, ErrorCode::kIo);
  EXPECT_NE(results->error().message.find("Input/output error"), std::string::npos);
  EXPECT_FALSE(writer->busy());

  // A later sync would succeed, but no longer proves anything: the next group fails too.
  writer->submit({make_batch(agent_id_, 2, events)});
  auto later = writer->take(true);
  ASSERT_TRUE(later.has_value());
  ASSERT_FALSE(later->has_value());
  EXPECT_EQ(later->error().code, ErrorCode::kIo);
  EXPECT_EQ(sync.calls(), 1);
}

TEST_F(BatchWriterTest, SyncSoonSyncsWithoutAGroup) {
  SyncGate sync;
  auto writer = start_writer(nullptr, sync.durable());
  ASSERT_TRUE(writer);
  EXPECT_EQ(sync.calls(), 0);  // nothing written, nothing synced
  writer->sync_soon();
  EXPECT_TRUE(sync.wait_calls(1));
  EXPECT_FALSE(writer->busy());
  EXPECT_FALSE(writer->take(false).has_value());
}

TEST_F(BatchWriterTest, AFailedSyncLeavesTheGroupsSyncedBeforeItDone) {
  SyncGate sync;
  sync.hold();
  sync.fail_call(2, "sync collector.db-wal: Input/output error");
  auto writer = start_writer(nullptr, sync.durable());
  ASSERT_TRUE(writer);
  const auto events = make_events(3);
  writer->submit({make_batch(agent_id_, 1, events)});
  ASSERT_TRUE(sync.wait_calls(1));
  sync.allow(1);                    // the group is synced, and left untaken
  writer->sync_soon();              // the loop's own writes: this sync fails
  ASSERT_TRUE(sync.wait_calls(2));  // begun once the first one's result was recorded
  sync.allow(2);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kDeadlineMs);
  while (!writer->sync_failed() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polled, with a deadline
  }
  ASSERT_TRUE(writer->sync_failed());
  auto results = writer->take(false);
  ASSERT_TRUE(results.has_value());
  ASSERT_TRUE(results->has_value()) << results->error().message;  // durable before the failure
  EXPECT_EQ((**results)[0].event_ids.size(), 3u);
}

TEST_F(BatchWriterTest, DestroyedWhileStoringAGroupSyncsItsCommit) {
  SyncGate sync;
  sync.hold();
  const auto events = make_events(6);
  auto writer = writer_at_the_gate(events, sync.durable());
  ASSERT_TRUE(writer);
  EXPECT_EQ(sync.calls(), 0);  // nothing committed yet
  std::atomic<bool> destroyed = false;
  std::thread destroyer([&] {
    writer.reset();  // waits for the group at the gate, and then for its sync
    destroyed = true;
  });
  gate_->open();
  ASSERT_TRUE(sync.wait_calls(1));  // committed while stopping, and its sync begun
  EXPECT_FALSE(destroyed.load());   // the sync is held: the writer is not gone yet
  sync.allow(1);
  destroyer.join();
  EXPECT_TRUE(destroyed.load());
  EXPECT_EQ(stored_events(), 6u);
  EXPECT_EQ(sync.calls(), 1);
}

}  // namespace
}  // namespace soc::collector
