#include "common/write_file_durably.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/sync_directory.h"
#include "common/unique_fd.h"

namespace soc {

namespace {

// Writes all of content to fd, retrying short writes and interruptions; 0 or the errno.
int write_all(int fd, std::string_view content) {
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

}  // namespace

Result<void> write_file_durably(const std::string& path, std::string_view content,
                                const std::string& temp_path, mode_t mode, FolderSync folder_sync) {
  // A file or link left there (a crash, or planted) is not reused: O_CREAT would keep its mode,
  // and a link would send the content elsewhere.
  if (::unlink(temp_path.c_str()) != 0 && errno != ENOENT) {
    return fail(ErrorCode::kIo, "remove " + temp_path + ": " + std::strerror(errno));
  }
  int err = 0;
  std::string step;
  {
    UniqueFd fd(
        ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    if (!fd.valid())
      return fail(ErrorCode::kIo, "create " + temp_path + ": " + std::strerror(errno));
    err = write_all(fd.get(), content);
    if (err != 0) {
      step = "write " + temp_path;
    } else if (::fsync(fd.get()) != 0) {
      err = errno;
      step = "fsync " + temp_path;
    } else if (::close(fd.release()) != 0) {
      err = errno;
      step = "close " + temp_path;
    }
  }
  if (err == 0 && ::rename(temp_path.c_str(), path.c_str()) != 0) {
    err = errno;
    step = "rename " + temp_path + " to " + path;
  }
  if (err != 0) {
    ::unlink(temp_path.c_str());
    return fail(ErrorCode::kIo, step + ": " + std::strerror(err));
  }
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  auto synced = sync_directory(folder.empty() ? "." : folder.string());
  if (!synced && folder_sync == FolderSync::kBestEffort) return ok();
  return synced;
}

}  // namespace soc
