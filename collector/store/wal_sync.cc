#include "collector/store/wal_sync.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "common/unique_fd.h"

namespace soc::collector {

namespace {

Result<void> io_error(const std::string& what, const std::string& path, int err) {
  return fail(ErrorCode::kIo, what + " " + path + ": " + std::strerror(err));
}

}  // namespace

WalSync::WalSync(const std::string& database_path) {
  std::error_code ec;
  std::filesystem::path real = std::filesystem::weakly_canonical(database_path, ec);
  if (ec) real = database_path;  // sync() then reports what is wrong with it
  wal_path_ = real.string() + "-wal";
  directory_ = real.has_parent_path() ? real.parent_path().string() : ".";
}

Result<void> WalSync::sync() {
  const UniqueFd log(::open(wal_path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (log.get() < 0) return io_error("open", wal_path_, errno);
  struct stat st {};
  if (::fstat(log.get(), &st) != 0) return io_error("stat", wal_path_, errno);
  if (::fdatasync(log.get()) != 0) return io_error("sync", wal_path_, errno);
  if (st.st_ino != named_inode_) {
    const UniqueFd directory(::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (directory.get() < 0) return io_error("open", directory_, errno);
    if (::fsync(directory.get()) != 0) return io_error("sync", directory_, errno);
    named_inode_ = st.st_ino;
  }
  return ok();
}

}  // namespace soc::collector
