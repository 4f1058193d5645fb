#include "signatures/packet/alert_filter.h"

#include <string_view>
#include <tuple>

namespace soc::packet {

namespace {

// How long one of the filter's windows lasts.
TimeNs window_ns(const AlertFilter& filter) {
  return static_cast<TimeNs>(filter.seconds) * 1'000'000'000;
}

}  // namespace

std::size_t AlertFilters::KeyHash::operator()(const Key& k) const {
  std::size_t h = std::hash<const AlertFilter*>()(k.filter);
  auto mix = [&h](std::size_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
  mix(std::hash<std::string_view>()(
      std::string_view(reinterpret_cast<const char*>(k.a.data()), k.a.size())));
  mix(std::hash<std::string_view>()(
      std::string_view(reinterpret_cast<const char*>(k.b.data()), k.b.size())));
  mix(k.ports);
  return h;
}

bool AlertFilters::admit(const CompiledPacketRule& rule, const Inspection& in, TimeNs now) {
  const PacketRule& r = rule.rule;
  if (r.detection_filter && !pass(*r.detection_filter, in, now)) return false;
  if (r.threshold && !pass(*r.threshold, in, now)) return false;
  return true;
}

bool AlertFilters::pass(const AlertFilter& filter, const Inspection& in, TimeNs now) {
  Key key;
  key.filter = &filter;
  switch (filter.track) {
    case AlertFilter::Track::kBySrc:
      key.a = in.src;
      break;
    case AlertFilter::Track::kByDst:
      key.a = in.dst;
      break;
    case AlertFilter::Track::kByBoth:
      key.a = in.src;
      key.b = in.dst;
      break;
    case AlertFilter::Track::kByRule:
      break;
    case AlertFilter::Track::kByFlow: {
      // Both directions of a flow share one key: its endpoints in a fixed order.
      const bool src_first = std::tie(in.src, in.sport) < std::tie(in.dst, in.dport);
      key.a = src_first ? in.src : in.dst;
      key.b = src_first ? in.dst : in.src;
      key.ports = src_first ? (std::uint32_t{in.sport} << 16) | in.dport
                            : (std::uint32_t{in.dport} << 16) | in.sport;
      break;
    }
  }
  auto it = windows_.find(key);
  if (it == windows_.end()) {
    if (windows_.size() >= max_entries_) make_room(now);
    it = windows_.emplace(key, Window{now, 0}).first;
  } else if (now - it->second.start >= window_ns(filter)) {
    it->second = Window{now, 0};  // the window is over: a new one starts with this match
  }
  Window& w = it->second;
  ++w.count;
  switch (filter.type) {
    case AlertFilter::Type::kLimit:
      return w.count <= filter.count;
    case AlertFilter::Type::kThreshold:
      if (w.count < filter.count) return false;
      w.count = 0;  // every count-th match of the window
      return true;
    case AlertFilter::Type::kBoth:
      return w.count == filter.count;
    case AlertFilter::Type::kDetection:
      return w.count > filter.count;
  }
  return true;
}

void AlertFilters::make_room(TimeNs now) {
  // Expired windows first: they would start afresh anyway. If every window is live (many
  // tracked addresses at once), all start afresh: amortised, each insertion stays O(1).
  std::erase_if(windows_, [&](const auto& entry) {
    return now - entry.second.start >= window_ns(*entry.first.filter);
  });
  if (windows_.size() < max_entries_) return;
  evictions_ += windows_.size();
  windows_.clear();
}

}  // namespace soc::packet
