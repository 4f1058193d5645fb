// Wall-clock time in nanoseconds since the Unix epoch (UTC), and its RFC 3339 rendering.
#pragma once

#include <cstdint>
#include <string>

namespace soc {

using TimeNs = std::int64_t;

// Current wall-clock time, ns since the epoch.
TimeNs now_ns();

// The same, read from the kernel's tick-granular clock (a few ms behind at most): cheaper, for
// per-event uses that need only the date, such as inferring the year of a syslog time.
TimeNs coarse_now_ns();

// Monotonic time in ms, for timeouts and intervals (never goes backwards).
std::int64_t monotonic_ms();

// "2026-11-29T21:00:00.123456789Z"
std::string format_rfc3339(TimeNs t);

}  // namespace soc
