#include "common/sync_directory.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.h"

namespace soc {

Result<void> sync_directory(const std::string& dir) {
  const UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return fail(ErrorCode::kIo, "open folder " + dir + ": " + std::strerror(errno));
  if (::fsync(fd.get()) != 0) {
    return fail(ErrorCode::kIo, "fsync folder " + dir + ": " + std::strerror(errno));
  }
  return ok();
}

}  // namespace soc
