#include "collector/store/wal_sync.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace soc::collector {

namespace {

Result<void> io_error(const std::string& what, const std::string& path) {
  return fail(ErrorCode::kIo, what + " " + path + ": " + std::strerror(errno));
}

// fsync (or with data_only fdatasync) of the file or directory at path, opened with flags.
Result<void> sync_path(const std::string& path, int flags, bool data_only) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return io_error("open", path);
  const int rc = data_only ? ::fdatasync(fd) : ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  if (rc != 0) return io_error("sync", path);
  return ok();
}

}  // namespace

WalSync::WalSync(const std::string& database_path)
    : wal_path_(database_path + "-wal"), database_path_(database_path) {
  const std::filesystem::path parent = std::filesystem::path(database_path).parent_path();
  directory_ = parent.empty() ? "." : parent.string();
}

Result<void> WalSync::sync() {
  struct stat log {};
  if (::stat(wal_path_.c_str(), &log) != 0) {
    // No log: the database is not in WAL mode (its commits are in the file itself) or has
    // none at the moment (every commit checkpointed into the file).
    if (errno != ENOENT) return io_error("stat", wal_path_);
    return sync_path(database_path_, O_RDONLY, true);
  }
  if (auto synced = sync_path(wal_path_, O_RDONLY, true); !synced) return synced;
  if (log.st_ino != named_inode_) {
    if (auto named = sync_path(directory_, O_RDONLY | O_DIRECTORY, false); !named) return named;
    named_inode_ = log.st_ino;
  }
  return ok();
}

}  // namespace soc::collector
