// threshold and detection_filter: parsed from rules, and the AlertFilters that apply them per
// tracked key and window (limit, threshold, both, detection_filter; by_src, by_dst, by_both,
// by_rule; windows that end; bounded memory).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "signatures/packet/alert_filter.h"
#include "signatures/packet/rule_parser.h"

namespace soc::packet {
namespace {

constexpr TimeNs kSec = 1'000'000'000;

std::unique_ptr<CompiledPacketRule> rule(const std::string& options) {
  auto parsed = parse_packet_rule("alert tcp any any -> any any (" + options + " sid:1;)",
                                  Variables::defaults());
  EXPECT_TRUE(parsed) << options << ": " << (parsed ? "" : parsed.error().message);
  auto r = std::make_unique<CompiledPacketRule>();
  if (parsed) r->rule = std::move(*parsed);
  return r;
}

Inspection from(std::uint8_t src, std::uint8_t dst) {
  Inspection in;
  in.src[0] = 10;
  in.src[3] = src;
  in.dst[0] = 10;
  in.dst[3] = dst;
  return in;
}

// Which of the matches at `times` (seconds) raise alerts, from source 1 to destination 2.
std::vector<int> alerting(const CompiledPacketRule& r, const std::vector<int>& times) {
  AlertFilters filters;
  std::vector<int> out;
  for (int t : times) {
    if (filters.admit(r, from(1, 2), t * kSec)) out.push_back(t);
  }
  return out;
}

TEST(PacketAlertFilter, ParsesThresholdAndDetectionFilter) {
  auto r = rule(
      "threshold: type both, track by_dst, count 5, seconds 360; "
      "detection_filter:track by_rule,count 2,seconds 10;");
  ASSERT_TRUE(r->rule.threshold && r->rule.detection_filter);
  EXPECT_EQ(r->rule.threshold->type, AlertFilter::Type::kBoth);
  EXPECT_EQ(r->rule.threshold->track, AlertFilter::Track::kByDst);
  EXPECT_EQ(r->rule.threshold->count, 5u);
  EXPECT_EQ(r->rule.threshold->seconds, 360u);
  EXPECT_EQ(r->rule.detection_filter->type, AlertFilter::Type::kDetection);
  EXPECT_EQ(r->rule.detection_filter->track, AlertFilter::Track::kByRule);
  auto error = [](const std::string& options) {
    auto parsed = parse_packet_rule("alert tcp any any -> any any (" + options + " sid:1;)",
                                    Variables::defaults());
    return parsed ? std::string() : parsed.error().message;
  };
  EXPECT_EQ(error("threshold: type limit, track by_src, count 1;"),
            "threshold: needs type, track, count and seconds");
  EXPECT_EQ(error("threshold: type often, track by_src, count 1, seconds 1;"),
            "threshold: type must be limit, threshold or both, got 'often'");
  EXPECT_EQ(error("threshold: type limit, track by_port, count 1, seconds 1;"),
            "threshold: track must be by_src, by_dst, by_both, by_rule or by_flow, got 'by_port'");
  EXPECT_EQ(error("threshold: type limit, track by_src, count 1, seconds 0;"),
            "threshold: seconds expects a positive number, got '0'");
  EXPECT_EQ(error("detection_filter: type limit, track by_src, count 1, seconds 1;"),
            "detection_filter: unexpected 'type limit'");
  EXPECT_EQ(error("threshold: type limit, track by_src, count 1, seconds 1; "
                  "threshold: type limit, track by_src, count 1, seconds 1;"),
            "threshold given twice");
}

TEST(PacketAlertFilter, EachTypeWithinAndAcrossWindows) {
  const std::vector<int> times = {0, 1, 2, 3, 4, 5, 10, 11, 12};
  // limit: the first 2 of each 10 s window (a window starts at its first match).
  EXPECT_EQ(alerting(*rule("threshold: type limit, track by_src, count 2, seconds 10;"), times),
            (std::vector<int>{0, 1, 10, 11}));
  // threshold: every 3rd match of a window.
  EXPECT_EQ(alerting(*rule("threshold: type threshold, track by_src, count 3, seconds 10;"), times),
            (std::vector<int>{2, 5, 12}));
  // both: once per window, at its 3rd match.
  EXPECT_EQ(alerting(*rule("threshold: type both, track by_src, count 3, seconds 10;"), times),
            (std::vector<int>{2, 12}));
  // detection_filter: every match after the first 4 of a window.
  EXPECT_EQ(alerting(*rule("detection_filter: track by_src, count 4, seconds 10;"), times),
            (std::vector<int>{4, 5}));
  // Both filters: detection_filter first, then threshold on what it lets through.
  EXPECT_EQ(alerting(*rule("detection_filter: track by_src, count 1, seconds 100; "
                           "threshold: type limit, track by_src, count 2, seconds 100;"),
                     times),
            (std::vector<int>{1, 2}));
  // No filter: every match.
  EXPECT_EQ(alerting(*rule(""), times), times);
}

TEST(PacketAlertFilter, TrackedKeys) {
  auto count_alerts = [](const std::string& track, const std::vector<Inspection>& ins) {
    auto r = rule("threshold: type limit, track " + track + ", count 1, seconds 60;");
    AlertFilters filters;
    int n = 0;
    for (const Inspection& in : ins) n += filters.admit(*r, in, kSec) ? 1 : 0;
    return n;
  };
  Inspection reply = from(2, 1);  // 1-2's flow the other way
  reply.sport = 80;
  Inspection request = from(1, 2);
  request.dport = 80;
  Inspection other_port = from(1, 2);
  other_port.dport = 81;
  const std::vector<Inspection> ins = {from(1, 2), from(1, 3), from(4, 2), from(1, 2)};
  EXPECT_EQ(count_alerts("by_src", ins), 2);   // sources 1 and 4
  EXPECT_EQ(count_alerts("by_dst", ins), 2);   // destinations 2 and 3
  EXPECT_EQ(count_alerts("by_both", ins), 3);  // 1-2, 1-3, 4-2
  EXPECT_EQ(count_alerts("by_rule", ins), 1);
  EXPECT_EQ(count_alerts("by_flow", {request, reply, other_port}), 2);  // both ways: one flow
}

// At most max_entries windows: expired ones go first; if all are live they start afresh.
TEST(PacketAlertFilter, MemoryIsBounded) {
  auto r = rule("threshold: type limit, track by_src, count 1, seconds 10;");
  AlertFilters filters(4);
  for (std::uint8_t s = 1; s <= 4; ++s) EXPECT_TRUE(filters.admit(*r, from(s, 9), 0));
  EXPECT_FALSE(filters.admit(*r, from(1, 9), kSec));  // still in its window
  EXPECT_EQ(filters.size(), 4u);
  EXPECT_TRUE(filters.admit(*r, from(5, 9), 2 * kSec));  // full and all live: afresh
  EXPECT_EQ(filters.evictions(), 4u);
  EXPECT_LE(filters.size(), 4u);
  EXPECT_TRUE(filters.admit(*r, from(1, 9), 3 * kSec));  // forgotten: may alert again
  for (std::uint8_t s = 6; s <= 7; ++s) EXPECT_TRUE(filters.admit(*r, from(s, 9), 4 * kSec));
  EXPECT_TRUE(filters.admit(*r, from(8, 9), 20 * kSec));  // the expired ones made room
  EXPECT_EQ(filters.evictions(), 4u);
  EXPECT_LE(filters.size(), 4u);
}

}  // namespace
}  // namespace soc::packet
