#include "collector/time_spec.h"

#include <gtest/gtest.h>

namespace soc::collector {
namespace {

constexpr TimeNs kSec = 1'000'000'000;

TEST(TimeSpec, DurationsCountBackFromNow) {
  const TimeNs now = 10'000'000 * kSec;
  EXPECT_EQ(*parse_time_spec("90s", now), now - 90 * kSec);
  EXPECT_EQ(*parse_time_spec("15m", now), now - 900 * kSec);
  EXPECT_EQ(*parse_time_spec("1h", now), now - 3600 * kSec);
  EXPECT_EQ(*parse_time_spec("2d", now), now - 2 * 86400 * kSec);
  EXPECT_EQ(*parse_time_spec("1w", now), now - 7 * 86400 * kSec);
}

TEST(TimeSpec, AbsoluteUtcTimes) {
  EXPECT_EQ(*parse_time_spec("1970-01-02T00:00:00Z", 0), 86400 * kSec);
  EXPECT_EQ(*parse_time_spec("2026-11-29T21:00:00", 0), 1'795'986'000 * kSec);
}

TEST(TimeSpec, RejectsGarbage) {
  for (const char* bad : {"", "h", "1x", "1.5h", "-1h", "yesterday", "2026-13-01T00:00:00Z",
                          "2026-11-29T21:00:00+01:00", "999999999w"}) {
    auto r = parse_time_spec(bad, 0);
    EXPECT_FALSE(r) << bad;
  }
}

}  // namespace
}  // namespace soc::collector
