#include "collector/correlate/correlation_window.h"

#include <iterator>
#include <utility>

namespace soc::collector {

void CorrelationWindow::tally(const Entry& entry, bool adding) {
  if (type_ == sigma::CorrelationType::kValueCount) {
    if (adding) {
      ++value_counts_[entry.value];
    } else if (auto count = value_counts_.find(entry.value); --count->second == 0) {
      value_counts_.erase(count);
    }
  } else if (type_ == sigma::CorrelationType::kTemporal) {
    if (entry.ref >= ref_counts_.size()) ref_counts_.resize(entry.ref + 1, 0);
    std::uint32_t& count = ref_counts_[entry.ref];
    if (adding && count++ == 0) ++distinct_refs_;
    if (!adding && --count == 0) --distinct_refs_;
  }
}

void CorrelationWindow::insert(Entry entry) {
  auto pos = entries_.end();
  while (pos != entries_.begin() && std::prev(pos)->time_ns > entry.time_ns) --pos;
  tally(*entries_.insert(pos, std::move(entry)), true);
}

void CorrelationWindow::pop_oldest() {
  tally(entries_.front(), false);
  entries_.pop_front();
}

void CorrelationWindow::drop_older_than(TimeNs horizon_ns) {
  while (!entries_.empty() && entries_.front().time_ns < horizon_ns) pop_oldest();
}

std::int64_t CorrelationWindow::measure() const {
  switch (type_) {
    case sigma::CorrelationType::kEventCount:
      return static_cast<std::int64_t>(entries_.size());
    case sigma::CorrelationType::kValueCount:
      return static_cast<std::int64_t>(value_counts_.size());
    case sigma::CorrelationType::kTemporal:
      return distinct_refs_;
    case sigma::CorrelationType::kTemporalOrdered: {
      std::uint32_t next = 0;
      for (const Entry& e : entries_) {
        if (e.ref == next) ++next;
      }
      return next;
    }
  }
  return 0;
}

}  // namespace soc::collector
