#include "collector/time_spec.h"

#include <ctime>
#include <limits>

namespace soc::collector {
namespace {

constexpr TimeNs kNsPerSec = 1'000'000'000;

Result<TimeNs> parse_duration(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 9 || digits + 1 != text.size())
    return fail(ErrorCode::kInvalidArgument, "");
  const TimeNs n = std::stoll(text.substr(0, digits));
  TimeNs unit_secs = 0;
  switch (text.back()) {
    case 's':
      unit_secs = 1;
      break;
    case 'm':
      unit_secs = 60;
      break;
    case 'h':
      unit_secs = 3600;
      break;
    case 'd':
      unit_secs = 86'400;
      break;
    case 'w':
      unit_secs = TimeNs{7} * 86'400;
      break;
    default:
      return fail(ErrorCode::kInvalidArgument, "");
  }
  TimeNs ns = 0;
  if (__builtin_mul_overflow(n, unit_secs * kNsPerSec, &ns))
    return fail(ErrorCode::kInvalidArgument, "");
  return ns;
}

Result<TimeNs> parse_rfc3339_utc(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr) return fail(ErrorCode::kInvalidArgument, "");
  const std::string rest(end);
  if (rest != "Z" && !rest.empty()) return fail(ErrorCode::kInvalidArgument, "");
  return static_cast<TimeNs>(timegm(&tm)) * kNsPerSec;
}

}  // namespace

Result<TimeNs> parse_time_spec(const std::string& text, TimeNs now) {
  if (auto d = parse_duration(text)) return now - *d;  // |d| < 2^63 and now > 0: no overflow
  if (auto t = parse_rfc3339_utc(text)) return *t;
  return fail(ErrorCode::kInvalidArgument,
              "'" + text +
                  "': expected a duration (90s, 15m, 1h, 2d, 1w) or a UTC time "
                  "(2026-11-29T21:00:00Z)");
}

}  // namespace soc::collector
