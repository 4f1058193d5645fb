#include "collector/batch_writer.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <span>
#include <system_error>
#include <thread>
#include <utility>

#include "common/log.h"
#include "common/thread_name.h"

namespace soc::collector {

namespace {

// A group submitted and not taken yet.
struct Group {
  std::optional<Result<std::vector<BatchResult>>> result;  // set when store_batches returned
  bool needs_sync = false;  // committed, durable once `synced` reaches ticket
  std::uint64_t ticket = 0;
};

}  // namespace

struct BatchWriter::Shared {
  std::unique_ptr<EventStore> store;  // used by the writer thread only
  Durable durable;                    // called by the sync thread only
  int event_fd = -1;
  std::thread writer;
  std::thread syncer;

  std::mutex mutex;
  std::condition_variable changed;
  bool stopping = false;           // the writer ends once it has no job
  bool sync_stopping = false;      // the syncer ends once everything written is synced
  bool storing = false;            // job submitted, store_batches not returned yet
  std::vector<IncomingBatch> job;  // with storing: to be stored (empty once taken up)
  std::deque<Group> groups;        // in the order submitted; the last one may be storing
  // Writes to sync: every commit (and every sync_soon) takes the next ticket; `synced` is the
  // newest ticket whose writes are durable.
  std::uint64_t writes = 0;
  std::uint64_t synced = 0;
  // The first failed sync: final (a later sync that succeeds would not prove the writes before
  // it are on disk), so every group not yet synced fails with it.
  std::optional<Error> sync_failure;

  ~Shared() {
    if (event_fd >= 0) ::close(event_fd);
  }

  void signal() {
    const std::uint64_t one = 1;
    // Should the write fail, the loop still takes the result after its next poll timeout.
    [[maybe_unused]] const ssize_t written = ::write(event_fd, &one, sizeof one);
    changed.notify_all();
  }

  bool front_done() const {
    const Group& g = groups.front();
    return g.result.has_value() && (!g.needs_sync || g.ticket <= synced);
  }

  // store_batches, with an exception (out of memory ...) turned into an error: thrown out of
  // the thread's function it would end the process.
  Result<std::vector<BatchResult>> store_guarded(std::span<const IncomingBatch> batches) {
    try {
      return store->store_batches(batches);
    } catch (const std::exception& e) {
      return fail(ErrorCode::kStore, std::string("storing batches failed: ") + e.what());
    }
  }

  Result<void> durable_guarded() {
    try {
      return durable ? durable() : ok();
    } catch (const std::exception& e) {
      return fail(ErrorCode::kIo, std::string("syncing the store failed: ") + e.what());
    }
  }

  void write_groups() {
    std::unique_lock lock(mutex);
    while (true) {
      changed.wait(lock, [&] { return stopping || !job.empty(); });
      if (job.empty()) return;  // stopping with nothing to store
      std::vector<IncomingBatch> batches = std::move(job);
      job.clear();
      lock.unlock();
      auto stored = store_guarded(batches);
      lock.lock();
      Group& group = groups.back();  // the one storing: only one is, and it is the newest
      group.needs_sync = stored.has_value();
      if (group.needs_sync) group.ticket = ++writes;
      group.result = std::move(stored);
      storing = false;
      signal();
    }
  }

  void sync_writes() {
    std::unique_lock lock(mutex);
    while (true) {
      changed.wait(lock, [&] { return sync_stopping || synced < writes; });
      if (synced >= writes) return;  // stopping with everything synced
      const std::uint64_t target = writes;
      Result<void> made = ok();
      if (sync_failure) {
        made = tl::unexpected(*sync_failure);
      } else {
        lock.unlock();
        made = durable_guarded();
        lock.lock();
      }
      if (!made) {
        if (!sync_failure) {
          log(LogLevel::kError, "store", "commits not synced: ", made.error().message);
          sync_failure = made.error();
        }
        // The groups this sync was for are not known to be durable: they fail.
        for (Group& g : groups) {
          if (!g.result || !g.needs_sync || g.ticket <= synced || g.ticket > target) continue;
          g.result = tl::unexpected(made.error());
          g.needs_sync = false;
        }
      }
      synced = target;
      signal();
    }
  }
};

Result<std::unique_ptr<BatchWriter>> BatchWriter::start(std::unique_ptr<EventStore> store,
                                                        Durable durable) {
  auto shared = std::make_unique<Shared>();
  shared->store = std::move(store);
  shared->durable = std::move(durable);
  shared->event_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (shared->event_fd < 0) {
    return fail(ErrorCode::kIo, std::string("batch writer: eventfd: ") + std::strerror(errno));
  }
  Shared* raw = shared.get();
  try {
    shared->writer = std::thread([raw] {
      name_this_thread("soc-writer");
      raw->write_groups();
    });
  } catch (const std::system_error& e) {
    return fail(ErrorCode::kIo, std::string("batch writer: thread: ") + e.what());
  }
  try {
    shared->syncer = std::thread([raw] {
      name_this_thread("soc-sync");
      raw->sync_writes();
    });
  } catch (const std::system_error& e) {
    {
      std::lock_guard lock(shared->mutex);
      shared->stopping = true;
    }
    shared->changed.notify_all();
    shared->writer.join();
    return fail(ErrorCode::kIo, std::string("batch writer: sync thread: ") + e.what());
  }
  return std::unique_ptr<BatchWriter>(new BatchWriter(std::move(shared)));
}

BatchWriter::BatchWriter(std::unique_ptr<Shared> shared) : shared_(std::move(shared)) {}

BatchWriter::~BatchWriter() {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->stopping = true;
  }
  shared_->changed.notify_all();
  shared_->writer.join();
  {
    std::lock_guard lock(shared_->mutex);
    shared_->sync_stopping = true;
  }
  shared_->changed.notify_all();
  shared_->syncer.join();
}

void BatchWriter::submit(std::vector<IncomingBatch> batches) {
  {
    std::lock_guard lock(shared_->mutex);
    assert(!shared_->storing && "submit while a group is storing");
    assert(!batches.empty() && "submit of an empty group");
    shared_->groups.emplace_back();
    shared_->job = std::move(batches);
    shared_->storing = true;
  }
  shared_->changed.notify_all();
}

bool BatchWriter::storing() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->storing;
}

bool BatchWriter::busy() const {
  std::lock_guard lock(shared_->mutex);
  return !shared_->groups.empty();
}

bool BatchWriter::sync_failed() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->sync_failure.has_value();
}

int BatchWriter::done_fd() const { return shared_->event_fd; }

void BatchWriter::sync_soon() {
  {
    std::lock_guard lock(shared_->mutex);
    ++shared_->writes;
  }
  shared_->changed.notify_all();
}

std::optional<Result<std::vector<BatchResult>>> BatchWriter::take(bool wait) {
  std::unique_lock lock(shared_->mutex);
  std::uint64_t count = 0;  // reset the descriptor: the caller looks at the state now
  [[maybe_unused]] const ssize_t drained = ::read(shared_->event_fd, &count, sizeof count);
  if (shared_->groups.empty()) return std::nullopt;
  if (wait) shared_->changed.wait(lock, [&] { return shared_->front_done(); });
  if (!shared_->front_done()) return std::nullopt;
  auto done = std::move(shared_->groups.front().result);
  shared_->groups.pop_front();
  return done;
}

}  // namespace soc::collector
