// AlertFilters: the state behind the rules' `threshold` and `detection_filter` (packet_rule.h
// AlertFilter): per rule and tracked key (the source, the destination, the pair, the flow's
// endpoints in either direction, or nothing), a
// window of `seconds` that starts at the first match counted in it (event time), and how many
// matches it counted. admit() says whether one more match of a rule raises an alert.
//
// Memory is bounded: at most max_entries tracked keys; when full, expired windows are dropped,
// and if none was, every window starts afresh (its keys may alert again sooner, never later;
// counted in evictions()). Keyed by the rules' AlertFilter addresses: clear() before the rule
// set they belong to goes. Not thread-safe (one per pcap source).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "common/clock.h"
#include "signatures/packet/packet_rule_set.h"

namespace soc::packet {

class AlertFilters {
 public:
  explicit AlertFilters(std::size_t max_entries = 65536) : max_entries_(max_entries) {}

  // Counts this match of `rule` on `in` at `now`; true when it raises an alert (always for a
  // rule without filters).
  bool admit(const CompiledPacketRule& rule, const Inspection& in, TimeNs now);

  void clear() { windows_.clear(); }
  std::size_t size() const { return windows_.size(); }
  std::uint64_t evictions() const { return evictions_; }

 private:
  struct Key {
    const AlertFilter* filter = nullptr;  // in the compiled rule
    std::array<std::uint8_t, 16> a{}, b{};
    std::uint32_t ports = 0;  // by_flow: the two ports (in the order of a, b)
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };
  struct Window {
    TimeNs start = 0;
    std::uint64_t count = 0;
  };
  // One filter's verdict for this match (counting it).
  bool pass(const AlertFilter& filter, const Inspection& in, TimeNs now);
  void make_room(TimeNs now);

  std::size_t max_entries_;
  std::unordered_map<Key, Window, KeyHash> windows_;
  std::uint64_t evictions_ = 0;
};

}  // namespace soc::packet
