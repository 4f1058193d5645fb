// Time arguments of socctl and (later) the query API: a duration back from now ("90s", "15m",
// "1h", "2d", "1w") or an absolute RFC 3339 UTC time ("2026-11-29T21:00:00Z").
#pragma once

#include <string>

#include "common/clock.h"
#include "common/result.h"

namespace soc::collector {

Result<TimeNs> parse_time_spec(const std::string& text, TimeNs now);

}  // namespace soc::collector
