// Dropping Linux capabilities once live captures are open: the agent needs CAP_NET_RAW (and
// CAP_NET_ADMIN for some interface settings) only to open a capture; afterwards the open
// handles keep working without them.
// Called once at start-up from the thread that built the sources.
#pragma once

#include <string>

#include "common/result.h"

namespace soc::agent::net {

// Clears the effective, permitted, inheritable and ambient capability sets of the process
// (libcap). A process without capabilities succeeds trivially. Errors name the failing call.
Result<void> drop_all_capabilities();

// The process's current capabilities in libcap's text form ("=" when none), for logs.
std::string capabilities_text();

}  // namespace soc::agent::net
