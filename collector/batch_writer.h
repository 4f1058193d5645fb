// BatchWriter: stores the ingest loop's groups of batches on a thread and store connection of
// its own, one group at a time, so the loop receives and decodes the next group (and correlates
// the last one) while SQLite commits this one. On a 2-core machine this is the ingest path's
// only parallelism: the store is one writer, everything else is the loop's.
//
// Contract: one thread (the ingest loop's) calls submit, done_fd, busy and take. A group is
// submitted only when the writer is idle (!busy()); the events and rows its batches point to stay
// alive and unchanged until take() has returned that group's results. The destructor waits for the
// group in flight (it is committed or rolled back, never cut off) and joins the thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collector/store/event_store.h"
#include "common/result.h"

namespace soc::collector {

class BatchWriter {
 public:
  // Takes the store (its own connection) and starts the thread. kIo if no thread or no
  // wake-up descriptor can be made.
  static Result<std::unique_ptr<BatchWriter>> start(std::unique_ptr<EventStore> store);
  ~BatchWriter();
  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  // Hands a group to the writer thread, which calls store_batches on it. Preconditions:
  // !busy(), and the group holds at least one batch.
  void submit(std::vector<IncomingBatch> batches);

  // True from submit() until take() has returned the group's results.
  bool busy() const;

  // A descriptor that is readable while a finished group waits to be taken (an eventfd, for
  // zmq_poll next to the sockets).
  int done_fd() const;

  // The results of the group in flight: nullopt while it is being stored (or when none is in
  // flight); with wait, blocks until it is done. The group's store_batches result as it is.
  std::optional<Result<std::vector<BatchResult>>> take(bool wait);

 private:
  struct Shared;
  explicit BatchWriter(std::unique_ptr<Shared> shared);
  std::unique_ptr<Shared> shared_;
};

}  // namespace soc::collector
