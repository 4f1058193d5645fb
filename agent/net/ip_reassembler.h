// IpReassembler: IPv4 and IPv6 fragment reassembly with bounded memory.
//
// Fragments are grouped by (IP version, source, destination, id, and for IPv4 the protocol).
// Bounds, each with a counter when it bites: max_datagram_bytes (a datagram whose fragments
// reach beyond it is dropped), max_total_bytes (memory held over all datagrams; the oldest are
// dropped to make room), max_datagrams, and timeout (packet time since a datagram's first
// fragment). Overlapping fragments whose bytes agree are accepted; bytes that disagree (an
// evasion attempt: hosts differ in which copy they keep) drop the whole datagram, as do two
// different ends. A reassembled datagram is rebuilt as a plain IP datagram (IPv4: the first
// fragment's header with fragment fields cleared; IPv6: the fixed header with the fragment's
// next header, extension headers before the fragment header left out) for decode_ip().
//
// Single-threaded: owned and driven by one PacketProcessor.
#pragma once

#include <array>
#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

#include "agent/net/packet.h"
#include "common/clock.h"

namespace soc::agent::net {

struct ReassemblyLimits {
  std::uint32_t max_datagram_bytes = 65535;  // payload bytes of one datagram
  std::size_t max_total_bytes = 4u << 20;    // over all datagrams in progress
  std::size_t max_datagrams = 4096;          // datagrams in progress
  TimeNs timeout_ns = 30'000'000'000;        // since a datagram's first fragment
};

struct ReassemblyCounters {
  std::uint64_t fragments = 0;          // fragments received
  std::uint64_t reassembled = 0;        // datagrams completed
  std::uint64_t overlaps = 0;           // fragments overlapping earlier ones with equal bytes
  std::uint64_t dropped_timeout = 0;    // datagrams incomplete at their timeout
  std::uint64_t dropped_too_large = 0;  // datagrams beyond max_datagram_bytes
  std::uint64_t dropped_memory = 0;     // datagrams dropped for max_total_bytes
  std::uint64_t dropped_too_many = 0;   // datagrams dropped for max_datagrams
  std::uint64_t dropped_conflict = 0;   // datagrams with disagreeing overlaps or ends
};

class IpReassembler {
 public:
  explicit IpReassembler(ReassemblyLimits limits = {}) : limits_(limits) {}

  // Adds one fragment (packet.fragment is true, packet.frag filled by the decoder). When it
  // completes a datagram, the whole datagram (header + payload) is written to `datagram` and
  // true is returned; the caller then decodes it with decode_ip(). Also expires datagrams
  // older than the timeout at packet.ts.
  bool add(const Packet& packet, std::vector<std::uint8_t>& datagram);

  // Drops datagrams whose timeout has passed at `now` (packet time).
  void expire(TimeNs now);

  const ReassemblyCounters& counters() const { return counters_; }
  std::size_t datagrams_in_progress() const { return table_.size(); }
  std::size_t bytes_held() const { return bytes_held_; }

 private:
  struct Key {
    std::array<std::uint8_t, 16> src{};
    std::array<std::uint8_t, 16> dst{};
    std::uint32_t id = 0;
    std::uint8_t version = 0;
    std::uint8_t proto = 0;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };
  struct Datagram {
    Key key;
    TimeNs first_ts = 0;
    std::vector<std::uint8_t> header;  // from the offset-0 fragment
    std::vector<std::uint8_t> data;    // payload bytes, grown as fragments arrive
    std::vector<std::pair<std::uint32_t, std::uint32_t>> have;  // received [begin, end)
    std::uint32_t end = 0;  // payload length, once the last fragment is seen
    bool end_known = false;
    std::size_t charged = 0;  // bytes counted in bytes_held_
  };
  using List = std::list<Datagram>;

  void drop(List::iterator it);
  void recharge(Datagram& d);

  ReassemblyLimits limits_;
  ReassemblyCounters counters_;
  List age_;  // oldest first
  std::unordered_map<Key, List::iterator, KeyHash> table_;
  std::size_t bytes_held_ = 0;
};

}  // namespace soc::agent::net
