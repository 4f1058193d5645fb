// CorrelationWindow: the observations of one correlation group, in event-time order, with the
// tally its rule's type measures kept as observations come and go, so that measuring after
// every observation costs O(1) for event_count, value_count and temporal (a window may hold
// thousands of observations: counting its distinct values anew each time made one busy group
// cost tens of microseconds per observation). temporal_ordered walks the window.
// Single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "signatures/sigma/correlation_rule.h"

namespace soc::collector {

class CorrelationWindow {
 public:
  struct Entry {
    TimeNs time_ns = 0;
    std::uint32_t ref = 0;  // index into the rule's references
    std::string value;      // value_count: the field's value
    std::int64_t event_id = 0;
    std::string agency;
    std::string host;
  };

  explicit CorrelationWindow(sigma::CorrelationType type) : type_(type) {}

  // Adds an entry after every entry not newer than it (late ones go in their place).
  void insert(Entry entry);
  // Drops the oldest entry; the window must not be empty.
  void pop_oldest();
  // Drops the entries older than `horizon_ns`.
  void drop_older_than(TimeNs horizon_ns);

  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  // Oldest first.
  const std::deque<Entry>& entries() const { return entries_; }

  // What the rule's condition is checked against, by its type:
  //   event_count       number of entries
  //   value_count       number of distinct values
  //   temporal          number of distinct references
  //   temporal_ordered  length of the longest prefix of the references (0, 1, ...) seen in
  //                     that order
  std::int64_t measure() const;

 private:
  // Counts the entry in (adding) or out of the tally of the window's type.
  void tally(const Entry& entry, bool adding);

  sigma::CorrelationType type_;
  std::deque<Entry> entries_;
  std::unordered_map<std::string, std::uint32_t> value_counts_;  // value_count: entries per value
  std::vector<std::uint32_t> ref_counts_;                        // temporal: entries per ref
  std::int64_t distinct_refs_ = 0;
};

}  // namespace soc::collector
