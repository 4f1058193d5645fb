#include "agent/net/ip_reassembler.h"

#include <algorithm>
#include <cstring>

namespace soc::agent::net {

std::size_t IpReassembler::KeyHash::operator()(const Key& k) const {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const std::uint8_t* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  };
  mix(k.src.data(), k.src.size());
  mix(k.dst.data(), k.dst.size());
  mix(reinterpret_cast<const std::uint8_t*>(&k.id), sizeof k.id);
  mix(&k.version, 1);
  mix(&k.proto, 1);
  return static_cast<std::size_t>(h);
}

void IpReassembler::drop(List::iterator it) {
  bytes_held_ -= it->charged;
  table_.erase(it->key);
  age_.erase(it);
}

void IpReassembler::recharge(Datagram& d) {
  const std::size_t now = d.header.size() + d.data.size();
  bytes_held_ = bytes_held_ - d.charged + now;
  d.charged = now;
}

void IpReassembler::expire(TimeNs now) {
  while (!age_.empty() && now - age_.front().first_ts > limits_.timeout_ns) {
    ++counters_.dropped_timeout;
    drop(age_.begin());
  }
}

bool IpReassembler::add(const Packet& packet, std::vector<std::uint8_t>& datagram) {
  ++counters_.fragments;
  expire(packet.ts);
  const FragmentInfo& f = packet.frag;
  Key key;
  key.src = packet.src;
  key.dst = packet.dst;
  key.id = f.id;
  key.version = packet.ip_version;
  key.proto = packet.ip_version == 4 ? f.next_proto : 0;

  const std::uint32_t begin = f.offset;
  const std::uint32_t end = f.offset + f.data_len;
  auto found = table_.find(key);
  if (end > limits_.max_datagram_bytes) {
    ++counters_.dropped_too_large;
    if (found != table_.end()) drop(found->second);
    return false;
  }
  if (found == table_.end()) {
    if (table_.size() >= limits_.max_datagrams && !age_.empty()) {
      ++counters_.dropped_too_many;
      drop(age_.begin());
    }
    age_.push_back(Datagram{});
    auto it = std::prev(age_.end());
    it->key = key;
    it->first_ts = packet.ts;
    found = table_.emplace(key, it).first;
  }
  List::iterator it = found->second;
  Datagram& d = *it;

  // Ends: a last fragment fixes the length; data beyond a known end, or a second different
  // end, is inconsistent.
  if (!f.more) {
    if ((d.end_known && d.end != end) || end < d.data.size()) {
      ++counters_.dropped_conflict;
      drop(it);
      return false;
    }
    d.end_known = true;
    d.end = end;
  } else if (d.end_known && end > d.end) {
    ++counters_.dropped_conflict;
    drop(it);
    return false;
  }

  // Overlaps must agree byte for byte with what is already there.
  bool overlapped = false;
  for (const auto& [hb, he] : d.have) {
    const std::uint32_t ob = std::max(hb, begin);
    const std::uint32_t oe = std::min(he, end);
    if (ob >= oe) continue;
    overlapped = true;
    if (std::memcmp(d.data.data() + ob, f.data + (ob - begin), oe - ob) != 0) {
      ++counters_.dropped_conflict;
      drop(it);
      return false;
    }
  }
  if (overlapped) ++counters_.overlaps;

  // Memory bound: make room by dropping the oldest other datagrams.
  const std::size_t growth = (end > d.data.size() ? end - d.data.size() : 0) +
                             (begin == 0 && d.header.empty() ? f.header_len : 0);
  while (bytes_held_ + growth > limits_.max_total_bytes) {
    auto oldest = age_.begin();
    if (oldest == it) {
      if (std::next(oldest) == age_.end()) break;
      oldest = std::next(oldest);
    }
    ++counters_.dropped_memory;
    drop(oldest);
  }
  if (bytes_held_ + growth > limits_.max_total_bytes) {
    ++counters_.dropped_memory;
    drop(it);
    return false;
  }

  if (end > d.data.size()) d.data.resize(end);
  if (f.data_len > 0) std::memcpy(d.data.data() + begin, f.data, f.data_len);
  if (begin == 0 && d.header.empty()) d.header.assign(f.header, f.header + f.header_len);
  d.have.emplace_back(begin, end);
  std::sort(d.have.begin(), d.have.end());
  std::vector<std::pair<std::uint32_t, std::uint32_t>> merged;
  for (const auto& r : d.have) {
    if (!merged.empty() && r.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, r.second);
    } else {
      merged.push_back(r);
    }
  }
  d.have = std::move(merged);
  recharge(d);

  const bool complete = d.end_known && !d.header.empty() && d.have.size() == 1 &&
                        d.have[0].first == 0 && d.have[0].second == d.end;
  if (!complete) return false;

  // Rebuild a plain datagram.
  datagram.clear();
  datagram.insert(datagram.end(), d.header.begin(), d.header.end());
  datagram.insert(datagram.end(), d.data.begin(), d.data.begin() + d.end);
  if (key.version == 4) {
    const std::uint32_t total = static_cast<std::uint32_t>(datagram.size());
    if (total > 65535) {
      ++counters_.dropped_too_large;
      drop(it);
      return false;
    }
    datagram[2] = static_cast<std::uint8_t>(total >> 8);
    datagram[3] = static_cast<std::uint8_t>(total);
    datagram[6] = 0;
    datagram[7] = 0;
  } else {
    const std::uint32_t payload = d.end;
    datagram[4] = static_cast<std::uint8_t>(payload >> 8);
    datagram[5] = static_cast<std::uint8_t>(payload);
    datagram[6] = packet.frag.next_proto;
  }
  ++counters_.reassembled;
  drop(it);
  return true;
}

}  // namespace soc::agent::net
