// write_file_durably: replaces a file so that a reader, or a restart after a crash or a power
// loss, finds either the old file or the whole new one.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/result.h"

namespace soc {

// Whether a failed fsync of the folder fails the write. The file is in place either way; without
// that fsync a power loss may bring the old one back.
enum class FolderSync { kRequired, kBestEffort };

// Writes content to temp_path, which must be in path's folder (whatever was there is removed
// first, and the file is made anew with `mode`, never through a symbolic link), fsyncs it,
// renames it over path and fsyncs the folder. When a step fails the temporary file is removed
// and kIo names the step, the file and the reason.
Result<void> write_file_durably(const std::string& path, std::string_view content,
                                const std::string& temp_path, mode_t mode,
                                FolderSync folder_sync = FolderSync::kRequired);

}  // namespace soc
