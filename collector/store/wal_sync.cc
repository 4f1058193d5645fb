#include "collector/store/wal_sync.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "common/sync_directory.h"

namespace soc::collector {

namespace {

tl::unexpected<Error> io_error(const std::string& what, const std::string& path, int err) {
  return tl::unexpected(Error{ErrorCode::kIo, what + " " + path + ": " + std::strerror(err)});
}

}  // namespace

Result<WalSync> WalSync::open(const std::string& database_path) {
  std::error_code ec;
  const std::filesystem::path real = std::filesystem::weakly_canonical(database_path, ec);
  if (ec) return io_error("resolve", database_path, ec.value());
  std::string wal_path = real.string() + "-wal";
  UniqueFd log(::open(wal_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!log.valid()) return io_error("open", wal_path, errno);
  struct stat st {};
  if (::fstat(log.get(), &st) != 0) return io_error("stat", wal_path, errno);
  // The log's name is durable once its folder is synced.
  const std::string folder = real.has_parent_path() ? real.parent_path().string() : ".";
  if (auto named = sync_directory(folder); !named) return tl::unexpected(named.error());
  return WalSync(std::move(wal_path), std::move(log), st.st_ino);
}

WalSync::WalSync(std::string wal_path, UniqueFd log, ino_t inode)
    : wal_path_(std::move(wal_path)), log_(std::move(log)), inode_(inode) {}

Result<void> WalSync::sync() {
  if (failure_) return tl::unexpected(*failure_);
  Result<void> synced = ok();
  struct stat st {};
  if (::fdatasync(log_.get()) != 0) {
    synced = io_error("sync", wal_path_, errno);
  } else if (::stat(wal_path_.c_str(), &st) != 0 || st.st_ino != inode_) {
    // SQLite removes the log only when its last connection closes: not while ours are open.
    synced = tl::unexpected(
        Error{ErrorCode::kIo, wal_path_ + " was removed or replaced: commits may not be synced"});
  }
  if (!synced) failure_ = synced.error();
  return synced;
}

}  // namespace soc::collector
