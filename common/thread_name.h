// Names the calling thread (pthread_setname_np), so top -H, perf and /proc/PID/task/*/comm tell
// the collector's and agent's threads apart. The kernel keeps at most 15 bytes: longer names
// are cut there. Best effort: a failure leaves the inherited name.
#pragma once

namespace soc {

void name_this_thread(const char* name);

}  // namespace soc
