#include "collector/batch_writer.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <exception>
#include <mutex>
#include <span>
#include <system_error>
#include <thread>
#include <utility>

namespace soc::collector {

struct BatchWriter::Shared {
  std::unique_ptr<EventStore> store;  // used by the writer thread only
  int event_fd = -1;
  std::thread thread;

  std::mutex mutex;
  std::condition_variable changed;
  bool stopping = false;
  bool in_flight = false;          // submitted, not yet taken
  std::vector<IncomingBatch> job;  // with in_flight and !result: to be stored
  std::optional<Result<std::vector<BatchResult>>> result;  // set when the job is done

  ~Shared() {
    if (event_fd >= 0) ::close(event_fd);
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

  void run() {
    std::unique_lock lock(mutex);
    while (true) {
      changed.wait(lock, [&] { return stopping || (in_flight && !result && !job.empty()); });
      if (job.empty()) return;  // stopping with nothing to store
      std::vector<IncomingBatch> batches = std::move(job);
      job.clear();
      lock.unlock();
      auto stored = store_guarded(batches);
      lock.lock();
      result = std::move(stored);
      const std::uint64_t one = 1;
      // Should the write fail, the loop still takes the result after its next poll timeout.
      [[maybe_unused]] const ssize_t written = ::write(event_fd, &one, sizeof one);
      changed.notify_all();
    }
  }
};

Result<std::unique_ptr<BatchWriter>> BatchWriter::start(std::unique_ptr<EventStore> store) {
  auto shared = std::make_unique<Shared>();
  shared->store = std::move(store);
  shared->event_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (shared->event_fd < 0) {
    return fail(ErrorCode::kIo, std::string("batch writer: eventfd: ") + std::strerror(errno));
  }
  try {
    Shared* raw = shared.get();
    shared->thread = std::thread([raw] { raw->run(); });
  } catch (const std::system_error& e) {
    return fail(ErrorCode::kIo, std::string("batch writer: thread: ") + e.what());
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
  shared_->thread.join();
}

void BatchWriter::submit(std::vector<IncomingBatch> batches) {
  {
    std::lock_guard lock(shared_->mutex);
    assert(!shared_->in_flight && "submit while a group is in flight");
    assert(!batches.empty() && "submit of an empty group");
    shared_->job = std::move(batches);
    shared_->result.reset();
    shared_->in_flight = true;
  }
  shared_->changed.notify_all();
}

bool BatchWriter::busy() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->in_flight;
}

int BatchWriter::done_fd() const { return shared_->event_fd; }

std::optional<Result<std::vector<BatchResult>>> BatchWriter::take(bool wait) {
  std::unique_lock lock(shared_->mutex);
  if (!shared_->in_flight) return std::nullopt;
  if (wait) shared_->changed.wait(lock, [&] { return shared_->result.has_value(); });
  if (!shared_->result) return std::nullopt;
  std::uint64_t count = 0;  // reset the descriptor: nothing waits to be taken now
  [[maybe_unused]] const ssize_t drained = ::read(shared_->event_fd, &count, sizeof count);
  auto done = std::move(shared_->result);
  shared_->result.reset();
  shared_->in_flight = false;
  return done;
}

}  // namespace soc::collector
