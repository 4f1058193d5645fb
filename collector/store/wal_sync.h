// WalSync: makes durable what connections opened with StoreMode::kReadWriteDeferredSync have
// committed to one SQLite database in WAL mode (they commit with synchronous=NORMAL: SQLite does
// not sync the write-ahead log at commit). One fdatasync of the log covers every commit written
// before it, so a thread of its own can sync one group's commit while the next group is written.
//
// Contract: sync() may run on any one thread at a time, concurrently with the connections'
// writes; it never touches SQLite itself. A failure is final: the kernel reports a lost
// write-back once, so a later sync that succeeds does not prove the earlier commits are on disk.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/result.h"

namespace soc::collector {

class WalSync {
 public:
  // database_path as the connections were opened with; symbolic links are followed, as SQLite
  // does, to find the log next to the real file.
  explicit WalSync(const std::string& database_path);

  // When it returns ok, every commit to the database that returned before the call survives a
  // power loss. kIo when the log cannot be opened or synced (or does not exist: the connections
  // are not in WAL mode, or the path is not theirs): what was committed may not be durable.
  Result<void> sync();

 private:
  std::string wal_path_;
  std::string directory_;
  // The log file whose directory entry has been synced (a new log file's name is durable only
  // once its directory is synced): 0 until the first sync.
  ino_t named_inode_ = 0;
};

}  // namespace soc::collector
