// BatchWriter: stores the ingest loop's groups of batches on a thread and store connection of
// its own, and makes each commit durable on a second thread, so the loop receives and decodes
// the next group (and correlates the last one) while SQLite commits this one, and the writer
// stores the next group while the log is synced for this one. On a 2-core machine this is the
// ingest path's only parallelism: the store is one writer, everything else is the loop's.
//
// A group goes through: storing (submitted, store_batches running) -> syncing (committed,
// `durable` running) -> done (takeable) -> taken. Groups are taken in the order submitted.
//
// Contract: one thread (the ingest loop's) calls submit, storing, busy, done_fd, sync_soon and
// take. A group is submitted only when none is storing (!storing()); the events and rows its
// batches point to stay alive and unchanged until take() has returned that group's results. The
// destructor waits for the group being stored (it is committed or rolled back, never cut off)
// and for the sync of every commit (none after a failed sync), then joins the threads.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collector/store/event_store.h"
#include "common/result.h"

namespace soc::collector {

class BatchWriter {
 public:
  // Makes durable every commit to the store's database that returned before the call (a
  // WalSync's sync; for a store that syncs its own commits, nothing to do). Its first failure
  // is final: every group not synced before it fails, and so does every later one.
  using Durable = std::function<Result<void>()>;

  // Takes the store (its own connection) and starts the threads. kIo if no thread or no
  // wake-up descriptor can be made.
  static Result<std::unique_ptr<BatchWriter>> start(std::unique_ptr<EventStore> store,
                                                    Durable durable);
  ~BatchWriter();
  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  // Hands a group to the writer thread, which calls store_batches on it. Preconditions:
  // !storing(), and the group holds at least one batch.
  void submit(std::vector<IncomingBatch> batches);

  // True from submit() until the group is committed (or has failed): no other may be submitted.
  bool storing() const;

  // True while any group submitted has not been taken.
  bool busy() const;

  // True once a sync has failed: the groups it was for and every later one fail with it.
  bool sync_failed() const;

  // A descriptor (an eventfd, for zmq_poll next to the sockets) made readable when a group
  // stops storing or becomes takeable; take() resets it.
  int done_fd() const;

  // Has `durable` run soon for what other connections committed (not waited for): the loop's
  // own writes on connections that defer their sync.
  void sync_soon();

  // The results of the oldest group not taken, once it is done: its store_batches result, or
  // a sync's error (then its commit may not be durable). nullopt while it is stored or synced
  // (or when none is in flight); with wait, blocks until it is done.
  std::optional<Result<std::vector<BatchResult>>> take(bool wait);

 private:
  struct Shared;
  explicit BatchWriter(std::unique_ptr<Shared> shared);
  std::unique_ptr<Shared> shared_;
};

}  // namespace soc::collector
