// FlowKey: the direction-independent identity of a flow (addresses, ports, IP protocol).
// The two endpoints are stored in a canonical order (smaller address/port first), so both
// directions of a conversation find the same flow. For ICMP/ICMPv6 the "ports" are the
// message type and its counterpart type (echo request <-> reply ...), or the code for a
// message without a counterpart, as Zeek and the Community ID spec do.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

#include "agent/net/packet.h"

namespace soc::agent::net {

// The ports a flow of protocol `proto` takes from packet p, before ordering: for ICMP the
// message type and its counterpart (or the code). one_way tells whether the ICMP message has
// no counterpart. Other protocols than TCP/UDP/ICMP/ICMPv6 have ports 0.
struct FlowPorts {
  std::uint16_t src = 0;
  std::uint16_t dst = 0;
  bool one_way = false;
};
FlowPorts flow_ports(const Packet& p);

struct FlowKey {
  std::array<std::uint8_t, 16> addr_a{};
  std::array<std::uint8_t, 16> addr_b{};
  std::uint16_t port_a = 0;
  std::uint16_t port_b = 0;
  std::uint8_t proto = 0;
  std::uint8_t version = 0;
  bool operator==(const FlowKey& o) const { return std::memcmp(this, &o, sizeof(FlowKey)) == 0; }

  // Builds the canonical key; sets *a_is_src to whether the packet's source is endpoint a.
  static FlowKey make(const Packet& p, const FlowPorts& ports, bool* a_is_src);
};
static_assert(sizeof(FlowKey) == 38, "FlowKey must have no padding (compared bytewise)");

struct FlowKeyHash {
  std::size_t operator()(const FlowKey& k) const;
};

}  // namespace soc::agent::net
