// sync_directory: makes the names in a folder durable (a file created, renamed or removed there
// survives a power loss once its folder is synced).
#pragma once

#include <string>

#include "common/result.h"

namespace soc {

// fsync of the folder at dir. kIo, naming the folder and the reason, when it cannot be opened or
// synced.
Result<void> sync_directory(const std::string& dir);

}  // namespace soc
