// write_file_durably: replaces a file so that a reader, or a restart after a crash or a power
// loss, finds either the old file or the whole new one.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/result.h"

namespace soc {

// Writes content to temp_path (created with `mode`, or truncated), fsyncs it, renames it over
// path and fsyncs the folder that holds them (temp_path must be in path's folder). When a step
// fails the temporary file is removed and kIo names the file and the reason; path is then either
// untouched or (a failed folder fsync) already replaced, but maybe not durably.
Result<void> write_file_durably(const std::string& path, std::string_view content,
                                const std::string& temp_path, mode_t mode);

}  // namespace soc
