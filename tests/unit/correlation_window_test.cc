// CorrelationWindow: each type's measure follows the entries as they come (late ones in their
// place) and go (oldest first, by count or by age).
#include "collector/correlate/correlation_window.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <set>
#include <string>

namespace soc::collector {
namespace {

using sigma::CorrelationType;

CorrelationWindow::Entry entry(TimeNs time_ns, std::string value, std::uint32_t ref = 0) {
  CorrelationWindow::Entry e;
  e.time_ns = time_ns;
  e.value = std::move(value);
  e.ref = ref;
  e.event_id = time_ns;
  return e;
}

TEST(CorrelationWindow, EventCountIsTheNumberOfEntries) {
  CorrelationWindow w(CorrelationType::kEventCount);
  EXPECT_EQ(w.measure(), 0);
  for (TimeNs t = 1; t <= 5; ++t) w.insert(entry(t, ""));
  EXPECT_EQ(w.measure(), 5);
  w.pop_oldest();
  w.drop_older_than(4);
  EXPECT_EQ(w.measure(), 2);
}

TEST(CorrelationWindow, ValueCountCountsDistinctValuesStillInTheWindow) {
  CorrelationWindow w(CorrelationType::kValueCount);
  w.insert(entry(1, "root"));
  w.insert(entry(2, "admin"));
  w.insert(entry(3, "root"));
  w.insert(entry(4, ""));  // an empty value is a value too
  EXPECT_EQ(w.measure(), 3);
  w.pop_oldest();  // one "root" leaves, another stays
  EXPECT_EQ(w.measure(), 3);
  w.drop_older_than(3);  // "admin" leaves
  EXPECT_EQ(w.measure(), 2);
  w.drop_older_than(100);
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(w.measure(), 0);
  w.insert(entry(101, "admin"));
  EXPECT_EQ(w.measure(), 1);
}

TEST(CorrelationWindow, LateEntriesGoInTimeOrderAndLeaveInIt) {
  CorrelationWindow w(CorrelationType::kValueCount);
  w.insert(entry(10, "a"));
  w.insert(entry(30, "c"));
  w.insert(entry(20, "b"));  // late
  w.insert(entry(20, "d"));  // same time: after the one already there
  std::vector<std::string> order;
  for (const auto& e : w.entries()) order.push_back(e.value);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "d", "c"}));
  w.drop_older_than(21);  // a, b and d leave; c stays
  EXPECT_EQ(w.measure(), 1);
  EXPECT_EQ(w.entries().front().value, "c");
}

TEST(CorrelationWindow, TemporalCountsDistinctReferencesStillInTheWindow) {
  CorrelationWindow w(CorrelationType::kTemporal);
  w.insert(entry(1, "", 2));
  w.insert(entry(2, "", 0));
  w.insert(entry(3, "", 2));
  EXPECT_EQ(w.measure(), 2);
  w.pop_oldest();  // one of ref 2's two entries
  EXPECT_EQ(w.measure(), 2);
  w.pop_oldest();  // ref 0's only one
  EXPECT_EQ(w.measure(), 1);
  w.insert(entry(4, "", 1));
  EXPECT_EQ(w.measure(), 2);
}

TEST(CorrelationWindow, TemporalOrderedIsTheLongestPrefixSeenInOrder) {
  CorrelationWindow w(CorrelationType::kTemporalOrdered);
  w.insert(entry(1, "", 1));  // ref 1 before any ref 0: does not count
  w.insert(entry(2, "", 0));
  EXPECT_EQ(w.measure(), 1);
  w.insert(entry(3, "", 1));
  EXPECT_EQ(w.measure(), 2);
  w.drop_older_than(3);  // the ref 0 leaves
  EXPECT_EQ(w.measure(), 0);
}

// Against a recount of the entries after every step, for each type: random entries, some late,
// leaving by count and by age.
TEST(CorrelationWindow, MeasuresMatchARecountThroughRandomInsertsAndRemovals) {
  const CorrelationType types[] = {CorrelationType::kEventCount, CorrelationType::kValueCount,
                                   CorrelationType::kTemporal, CorrelationType::kTemporalOrdered};
  for (CorrelationType type : types) {
    CorrelationWindow w(type);
    std::mt19937 random(7);
    TimeNs now = 0;
    for (int step = 0; step < 5000; ++step) {
      const auto roll = random() % 10;
      if (roll < 6) {
        now += static_cast<TimeNs>(random() % 3);
        const TimeNs late = roll == 0 ? static_cast<TimeNs>(random() % 20) : 0;
        w.insert(entry(now - late, "v" + std::to_string(random() % 6),
                       static_cast<std::uint32_t>(random() % 3)));
      } else if (roll < 8) {
        if (!w.empty()) w.pop_oldest();
      } else {
        w.drop_older_than(now - static_cast<TimeNs>(random() % 30));
      }
      std::set<std::string> values;
      std::set<std::uint32_t> refs;
      std::uint32_t ordered = 0;
      TimeNs previous = std::numeric_limits<TimeNs>::min();
      for (const auto& e : w.entries()) {
        ASSERT_GE(e.time_ns, previous) << "entries out of time order at step " << step;
        previous = e.time_ns;
        values.insert(e.value);
        refs.insert(e.ref);
        if (e.ref == ordered) ++ordered;
      }
      std::int64_t expected = static_cast<std::int64_t>(w.size());
      if (type == CorrelationType::kValueCount) expected = static_cast<std::int64_t>(values.size());
      if (type == CorrelationType::kTemporal) expected = static_cast<std::int64_t>(refs.size());
      if (type == CorrelationType::kTemporalOrdered) expected = ordered;
      ASSERT_EQ(w.measure(), expected) << "type " << static_cast<int>(type) << ", step " << step;
    }
  }
}

}  // namespace
}  // namespace soc::collector
