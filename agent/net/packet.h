// Packet: the decoded view of one captured frame (or of one reassembled IP datagram), as the
// decoder fills it and the flow table reads it. Plain data; pointers into the frame's bytes are
// valid only while the caller keeps those bytes (the decoder never copies payload).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/clock.h"

namespace soc::agent::net {

// Link layers the decoder understands (values are ours; see link_type_from_dlt for libpcap's).
enum class LinkType : std::uint8_t {
  kEthernet,   // DLT_EN10MB
  kLinuxSll,   // Linux cooked v1 (DLT_LINUX_SLL, 113)
  kLinuxSll2,  // Linux cooked v2 (DLT_LINUX_SLL2, 276)
  kRaw,        // raw IPv4 or IPv6, version from the first nibble (DLT_RAW 12/14, LINKTYPE_RAW 101)
  kIpv4,       // LINKTYPE_IPV4 (228)
  kIpv6,       // LINKTYPE_IPV6 (229)
  kNull,       // BSD loopback, 4-byte address family in host byte order of the writer (DLT_NULL)
  kLoop,       // OpenBSD loopback, address family in network byte order (DLT_LOOP, 108)
};

// Maps a libpcap data link type (pcap_datalink) to ours; nullopt when unsupported.
std::optional<LinkType> link_type_from_dlt(int dlt);
std::string_view link_type_name(LinkType type);

// IP protocol numbers the flow table knows by name.
inline constexpr std::uint8_t kProtoIcmp = 1;
inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;
inline constexpr std::uint8_t kProtoIcmpv6 = 58;

// TCP flag bits as on the wire.
inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpRst = 0x04;
inline constexpr std::uint8_t kTcpPsh = 0x08;
inline constexpr std::uint8_t kTcpAck = 0x10;
inline constexpr std::uint8_t kTcpUrg = 0x20;

// Fragment information of an IP packet that is one fragment of a datagram.
struct FragmentInfo {
  std::uint32_t id = 0;         // IPv4 identification (16 bits) or IPv6 fragment id
  std::uint32_t offset = 0;     // byte offset of this fragment's data in the datagram
  bool more = false;            // more fragments follow (MF / M flag)
  std::uint8_t next_proto = 0;  // protocol of the reassembled payload
  // The unfragmentable header to put in front of the reassembled payload (IPv4 header with
  // options; IPv6 fixed header) and this fragment's data; both point into the frame.
  const std::uint8_t* header = nullptr;
  std::uint32_t header_len = 0;
  const std::uint8_t* data = nullptr;
  std::uint32_t data_len = 0;
};

struct Packet {
  TimeNs ts = 0;
  std::uint32_t caplen = 0;   // bytes captured of the frame
  std::uint32_t wirelen = 0;  // bytes of the frame on the wire

  // 802.1Q / 802.1ad tags, outermost first (at most two kept; deeper stacks are walked).
  std::uint8_t vlan_count = 0;
  std::array<std::uint16_t, 2> vlan{};

  // Network layer. Addresses in network byte order; IPv4 in the first 4 bytes, rest zero.
  std::uint8_t ip_version = 0;  // 4 or 6
  std::array<std::uint8_t, 16> src{};
  std::array<std::uint8_t, 16> dst{};
  std::uint8_t proto = 0;      // transport protocol (after IPv6 extension headers)
  std::uint8_t ttl = 0;        // TTL or hop limit
  std::uint32_t ip_bytes = 0;  // IP-layer length per the header (total length; 40 + payload)
  bool reassembled = false;    // built from fragments
  bool fragment = false;       // this is a fragment still to reassemble (see frag)
  FragmentInfo frag;

  // Transport layer: ports for TCP/UDP; for ICMP, sport = type and dport = code.
  std::uint16_t sport = 0;
  std::uint16_t dport = 0;
  std::uint32_t seq = 0;  // TCP
  std::uint32_t ack = 0;
  std::uint16_t window = 0;
  std::uint8_t tcp_flags = 0;
  std::uint8_t icmp_type = 0;
  std::uint8_t icmp_code = 0;

  // Transport payload: the captured bytes (may be cut by the snap length) and the length the
  // headers announce (what the sender sent).
  const std::uint8_t* payload = nullptr;
  std::uint32_t payload_len = 0;
  std::uint32_t payload_wire_len = 0;
};

}  // namespace soc::agent::net
