// WalSync: makes durable what connections opened with StoreMode::kReadWriteDeferredSync have
// committed to one SQLite database in WAL mode (they commit with synchronous=NORMAL: SQLite does
// not sync the write-ahead log at commit). One fdatasync of the log covers every commit written
// before it, so a thread of its own can sync one group's commit while the next group is written.
//
// Contract: sync() may run on any one thread at a time, concurrently with the connections'
// writes; it never touches SQLite itself. The log is opened once, by open(), and synced through
// that descriptor, which the kernel tells of every write-back error since (another descriptor
// would not hear of one that SQLite's own syncs have seen). A failure is final: every later
// sync() fails with it.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "common/result.h"
#include "common/unique_fd.h"

namespace soc::collector {

class WalSync {
 public:
  // Opens the log of the database at database_path (symbolic links followed, as SQLite does)
  // and syncs the folder that names it. kIo when there is no log (the database is not open in
  // WAL mode, or the path is not the connections') or it cannot be opened or synced.
  static Result<WalSync> open(const std::string& database_path);

  // When it returns ok, every commit to the database that returned before the call survives a
  // power loss. kIo when the log cannot be synced or is no longer the file opened (something
  // removed it): what was committed may not be durable then.
  Result<void> sync();

 private:
  WalSync(std::string wal_path, UniqueFd log, ino_t inode);

  std::string wal_path_;
  UniqueFd log_;
  ino_t inode_;
  std::optional<Error> failure_;
};

}  // namespace soc::collector
