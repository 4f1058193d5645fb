// Why a frame was not decoded: every reason has a stable counter name ("malformed.<name>").
// A malformed frame is counted and skipped, never an error that stops a capture.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace soc::agent::net {

enum class Malformed : std::uint8_t {
  kTruncatedLink,         // shorter than its link-layer header
  kTruncatedVlan,         // 802.1Q tag cut short
  kTooManyVlanTags,       // more stacked tags than the decoder walks
  kTruncatedMpls,         // MPLS label stack cut short or too deep
  kTruncatedPppoe,        // PPPoE session header cut short
  kBadIpVersion,          // version nibble not 4/6, or not the one the link layer announced
  kTruncatedIpv4,         // fewer than 20 bytes, or than the header length
  kBadIpv4HeaderLength,   // IHL < 5
  kBadIpv4TotalLength,    // total length < header length
  kIpLengthExceedsFrame,  // IP length beyond the frame, and the frame was not cut by snaplen
  kTruncatedIpv6,         // fewer than 40 bytes
  kTruncatedIpv6Ext,      // an extension header cut short
  kTooManyIpv6Ext,        // longer extension-header chain than allowed
  kBadFragment,           // fragment with impossible offset/length
  kTruncatedTcp,          // fewer than 20 bytes of TCP header
  kBadTcpHeaderLength,    // data offset < 5 or beyond the segment
  kTruncatedUdp,          // fewer than 8 bytes of UDP header
  kBadUdpLength,          // UDP length < 8 or beyond the IP payload
  kTruncatedIcmp,         // fewer than 4 (ICMP) bytes
  kCount,
};

inline constexpr std::size_t kMalformedCount = static_cast<std::size_t>(Malformed::kCount);

// Stable counter names, e.g. "truncated_ipv4".
std::string_view malformed_name(Malformed reason);

// Per-reason counters.
struct MalformedCounters {
  std::array<std::uint64_t, kMalformedCount> count{};
  void add(Malformed reason) { ++count[static_cast<std::size_t>(reason)]; }
  std::uint64_t total() const {
    std::uint64_t t = 0;
    for (std::uint64_t c : count) t += c;
    return t;
  }
};

}  // namespace soc::agent::net
