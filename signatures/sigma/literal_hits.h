// LiteralHits: which prefilter literals occurred in the event being matched. RuleSet fills it
// from its scan and passes it to rule evaluation, so that a value whose literal did not occur
// is rejected without looking at the event (ValueMatcher::literal_id()).
#pragma once

#include <cstdint>

namespace soc::sigma {

struct LiteralHits {
  const std::uint32_t* stamp = nullptr;  // literal id -> epoch in which it last occurred
  std::uint32_t epoch = 0;

  bool occurred(std::uint32_t id) const { return stamp[id] == epoch; }
};

}  // namespace soc::sigma
