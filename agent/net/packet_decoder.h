// Packet decoding of untrusted frames: link layer (Ethernet, Linux cooked v1/v2, raw IP, BSD
// loopback), 802.1Q/802.1ad tags (0x8100, 0x88a8, 0x9100, stacked), MPLS and PPPoE session
// encapsulations, IPv4 (with options) and IPv6 (with a bounded chain of extension headers:
// hop-by-hop, routing, destination options, fragment, AH), and TCP, UDP, ICMP, ICMPv6 headers.
//
// Contract: pure functions, no allocation, no state; safe from any thread. They read at most
// `caplen` bytes and never trust a length field: any inconsistency yields kMalformed with a
// reason, never a crash or a loop. The Packet they fill points into the given bytes.
// Checksums are not verified (capture on the sending host sees offloaded, unfilled checksums).
#pragma once

#include <cstdint>

#include "agent/net/malformed.h"
#include "agent/net/packet.h"

namespace soc::agent::net {

enum class DecodeStatus : std::uint8_t {
  kOk,         // an IP packet with its transport header decoded: ready for the flow table
  kFragment,   // an IP fragment: packet.frag describes it, hand it to the IpReassembler
  kNotIp,      // a frame that carries no IP (ARP, LLC, STP ...): ignored, counted as such
  kMalformed,  // see reason
};

struct DecodeResult {
  DecodeStatus status = DecodeStatus::kOk;
  Malformed reason = Malformed::kCount;  // set when status == kMalformed
};

// Bounds on what the decoder walks.
inline constexpr int kMaxVlanTags = 8;
inline constexpr int kMaxMplsLabels = 8;
inline constexpr int kMaxIpv6ExtHeaders = 8;

// Decodes one captured frame of the given link type. wirelen > caplen means the frame was cut by
// the snap length: an IP length beyond the captured bytes is then expected, not malformed.
DecodeResult decode_frame(LinkType link, const std::uint8_t* data, std::uint32_t caplen,
                          std::uint32_t wirelen, Packet& out);

// Decodes an IP datagram starting at its version byte (also used for reassembled datagrams).
// `snapped`: the bytes may end before the IP length says. Leaves link-layer fields of out alone.
DecodeResult decode_ip(const std::uint8_t* data, std::uint32_t len, bool snapped, Packet& out);

}  // namespace soc::agent::net
