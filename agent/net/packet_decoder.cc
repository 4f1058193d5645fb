#include "agent/net/packet_decoder.h"

#include <cstring>

namespace soc::agent::net {
namespace {

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86DD;
constexpr std::uint16_t kEtherVlan = 0x8100;
constexpr std::uint16_t kEtherQinQ = 0x88A8;
constexpr std::uint16_t kEtherQinQOld = 0x9100;
constexpr std::uint16_t kEtherMpls = 0x8847;
constexpr std::uint16_t kEtherMplsMulticast = 0x8848;
constexpr std::uint16_t kEtherPppoeSession = 0x8864;

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
std::uint32_t be32(const std::uint8_t* p) {
  return (static_cast<std::uint32_t>(p[0]) << 24) | (static_cast<std::uint32_t>(p[1]) << 16) |
         (static_cast<std::uint32_t>(p[2]) << 8) | p[3];
}

DecodeResult malformed(Malformed reason) { return {DecodeStatus::kMalformed, reason}; }
DecodeResult not_ip() { return {DecodeStatus::kNotIp, Malformed::kCount}; }

// Decodes the transport header of a complete (not fragmented) IP payload.
// `avail` bytes are captured, `wire` bytes are announced by the IP header.
DecodeResult decode_transport(const std::uint8_t* p, std::uint32_t avail, std::uint32_t wire,
                              Packet& out) {
  switch (out.proto) {
    case kProtoTcp: {
      if (avail < 20) return malformed(Malformed::kTruncatedTcp);
      const std::uint32_t hlen = static_cast<std::uint32_t>(p[12] >> 4) * 4;
      if (hlen < 20 || hlen > wire) return malformed(Malformed::kBadTcpHeaderLength);
      if (hlen > avail) return malformed(Malformed::kTruncatedTcp);
      out.sport = be16(p);
      out.dport = be16(p + 2);
      out.seq = be32(p + 4);
      out.ack = be32(p + 8);
      out.tcp_flags = p[13];
      out.window = be16(p + 14);
      out.payload = p + hlen;
      out.payload_len = avail - hlen;
      out.payload_wire_len = wire - hlen;
      return {};
    }
    case kProtoUdp: {
      if (avail < 8) return malformed(Malformed::kTruncatedUdp);
      const std::uint32_t ulen = be16(p + 4);
      if (ulen < 8) return malformed(Malformed::kBadUdpLength);
      out.sport = be16(p);
      out.dport = be16(p + 2);
      // A UDP length beyond the IP payload is clipped to it (the IP length is what arrived).
      const std::uint32_t dgram = ulen <= wire ? ulen : wire;
      out.payload = p + 8;
      out.payload_wire_len = dgram - 8;
      out.payload_len = avail - 8 < out.payload_wire_len ? avail - 8 : out.payload_wire_len;
      return {};
    }
    case kProtoIcmp:
    case kProtoIcmpv6: {
      if (avail < 4) return malformed(Malformed::kTruncatedIcmp);
      out.icmp_type = p[0];
      out.icmp_code = p[1];
      out.sport = p[0];
      out.dport = p[1];
      const std::uint32_t hlen = 8;
      out.payload = avail > hlen ? p + hlen : p + avail;
      out.payload_len = avail > hlen ? avail - hlen : 0;
      out.payload_wire_len = wire > hlen ? wire - hlen : 0;
      return {};
    }
    default:
      out.payload = p;
      out.payload_len = avail;
      out.payload_wire_len = wire;
      return {};
  }
}

DecodeResult decode_ipv4(const std::uint8_t* p, std::uint32_t len, bool snapped, Packet& out) {
  if (len < 20) return malformed(Malformed::kTruncatedIpv4);
  if ((p[0] >> 4) != 4) return malformed(Malformed::kBadIpVersion);
  const std::uint32_t hlen = static_cast<std::uint32_t>(p[0] & 0x0F) * 4;
  if (hlen < 20) return malformed(Malformed::kBadIpv4HeaderLength);
  if (hlen > len) return malformed(Malformed::kTruncatedIpv4);
  const std::uint32_t total = be16(p + 2);
  if (total < hlen) return malformed(Malformed::kBadIpv4TotalLength);
  std::uint32_t avail = len;
  if (total > len) {
    if (!snapped) return malformed(Malformed::kIpLengthExceedsFrame);
  } else {
    avail = total;  // drop link-layer padding
  }
  out.ip_version = 4;
  out.src.fill(0);
  out.dst.fill(0);
  std::memcpy(out.src.data(), p + 12, 4);
  std::memcpy(out.dst.data(), p + 16, 4);
  out.proto = p[9];
  out.ttl = p[8];
  out.ip_bytes = total;
  const std::uint16_t frag = be16(p + 6);
  const bool more = (frag & 0x2000) != 0;
  const std::uint32_t offset = static_cast<std::uint32_t>(frag & 0x1FFF) * 8;
  if (more || offset != 0) {
    const std::uint32_t data_len = total - hlen;
    if (avail < total || offset + data_len > 65535 || (more && data_len == 0)) {
      return malformed(Malformed::kBadFragment);
    }
    out.fragment = true;
    out.frag.id = be16(p + 4);
    out.frag.offset = offset;
    out.frag.more = more;
    out.frag.next_proto = out.proto;
    out.frag.header = p;
    out.frag.header_len = hlen;
    out.frag.data = p + hlen;
    out.frag.data_len = data_len;
    return {DecodeStatus::kFragment, Malformed::kCount};
  }
  return decode_transport(p + hlen, avail - hlen, total - hlen, out);
}

DecodeResult decode_ipv6(const std::uint8_t* p, std::uint32_t len, bool snapped, Packet& out) {
  if (len < 40) return malformed(Malformed::kTruncatedIpv6);
  if ((p[0] >> 4) != 6) return malformed(Malformed::kBadIpVersion);
  std::uint32_t payload = be16(p + 4);
  // A zero payload length announces a jumbogram (hop-by-hop option): take what was captured.
  if (payload == 0 && p[6] != 59) payload = len - 40;
  const std::uint32_t total = 40 + payload;
  std::uint32_t avail = len;
  if (total > len) {
    if (!snapped) return malformed(Malformed::kIpLengthExceedsFrame);
  } else {
    avail = total;
  }
  out.ip_version = 6;
  std::memcpy(out.src.data(), p + 8, 16);
  std::memcpy(out.dst.data(), p + 24, 16);
  out.ttl = p[7];
  out.ip_bytes = total;
  std::uint8_t next = p[6];
  std::uint32_t off = 40;
  for (int n = 0;; ++n) {
    const bool ext = next == 0 || next == 43 || next == 60 || next == 44 || next == 51;
    if (!ext) break;
    if (n >= kMaxIpv6ExtHeaders) return malformed(Malformed::kTooManyIpv6Ext);
    if (off + 8 > avail) return malformed(Malformed::kTruncatedIpv6Ext);
    const std::uint8_t* h = p + off;
    if (next == 44) {  // fragment header: always 8 bytes
      const std::uint16_t fo = be16(h + 2);
      const std::uint32_t offset = fo & 0xFFF8;
      const bool more = (fo & 1) != 0;
      if (offset == 0 && !more) {  // an atomic fragment: nothing to reassemble
        next = h[0];
        off += 8;
        continue;
      }
      const std::uint32_t data_len = total - (off + 8);
      if (avail < total || offset + data_len > 65535 || (more && data_len == 0)) {
        return malformed(Malformed::kBadFragment);
      }
      out.proto = h[0];
      out.fragment = true;
      out.frag.id = be32(h + 4);
      out.frag.offset = offset;
      out.frag.more = more;
      out.frag.next_proto = h[0];
      out.frag.header = p;
      out.frag.header_len = 40;
      out.frag.data = h + 8;
      out.frag.data_len = data_len;
      return {DecodeStatus::kFragment, Malformed::kCount};
    }
    const std::uint32_t hlen = next == 51 ? (static_cast<std::uint32_t>(h[1]) + 2) * 4
                                          : (static_cast<std::uint32_t>(h[1]) + 1) * 8;
    if (off + hlen > avail) return malformed(Malformed::kTruncatedIpv6Ext);
    next = h[0];
    off += hlen;
  }
  out.proto = next;
  if (off > total) return malformed(Malformed::kTruncatedIpv6Ext);
  return decode_transport(p + off, avail - off, total - off, out);
}

// Walks ethertype-based encapsulations (VLAN, MPLS, PPPoE) down to IP.
DecodeResult decode_ethertype(std::uint16_t type, const std::uint8_t* p, std::uint32_t len,
                              bool snapped, Packet& out) {
  int tags = 0;
  while (type == kEtherVlan || type == kEtherQinQ || type == kEtherQinQOld) {
    if (tags >= kMaxVlanTags) return malformed(Malformed::kTooManyVlanTags);
    if (len < 4) return malformed(Malformed::kTruncatedVlan);
    if (out.vlan_count < out.vlan.size()) out.vlan[out.vlan_count++] = be16(p) & 0x0FFF;
    type = be16(p + 2);
    p += 4;
    len -= 4;
    ++tags;
  }
  if (type == kEtherMpls || type == kEtherMplsMulticast) {
    for (int n = 0;; ++n) {
      if (n >= kMaxMplsLabels || len < 4) return malformed(Malformed::kTruncatedMpls);
      const bool bottom = (p[2] & 1) != 0;
      p += 4;
      len -= 4;
      if (bottom) break;
    }
    if (len < 1) return malformed(Malformed::kTruncatedMpls);
    const int version = p[0] >> 4;
    if (version == 4 || version == 6) return decode_ip(p, len, snapped, out);
    return not_ip();  // pseudowire or other payload
  }
  if (type == kEtherPppoeSession) {
    if (len < 8) return malformed(Malformed::kTruncatedPppoe);
    const std::uint16_t ppp = be16(p + 6);
    p += 8;
    len -= 8;
    if (ppp == 0x0021)
      type = kEtherIpv4;
    else if (ppp == 0x0057)
      type = kEtherIpv6;
    else
      return not_ip();
  }
  if (type == kEtherIpv4) {
    if (len >= 1 && (p[0] >> 4) != 4) return malformed(Malformed::kBadIpVersion);
    return decode_ipv4(p, len, snapped, out);
  }
  if (type == kEtherIpv6) {
    if (len >= 1 && (p[0] >> 4) != 6) return malformed(Malformed::kBadIpVersion);
    return decode_ipv6(p, len, snapped, out);
  }
  return not_ip();
}

// BSD loopback address families that mean IPv6 (Linux, NetBSD/OpenBSD, FreeBSD, Darwin).
bool is_af_inet6(std::uint32_t family) {
  return family == 10 || family == 24 || family == 28 || family == 30;
}

}  // namespace

std::optional<LinkType> link_type_from_dlt(int dlt) {
  switch (dlt) {
    case 1:
      return LinkType::kEthernet;
    case 113:
      return LinkType::kLinuxSll;
    case 276:
      return LinkType::kLinuxSll2;
    case 12:
    case 14:
    case 101:
      return LinkType::kRaw;
    case 228:
      return LinkType::kIpv4;
    case 229:
      return LinkType::kIpv6;
    case 0:
      return LinkType::kNull;
    case 108:
      return LinkType::kLoop;
    default:
      return std::nullopt;
  }
}

std::string_view link_type_name(LinkType type) {
  switch (type) {
    case LinkType::kEthernet:
      return "ethernet";
    case LinkType::kLinuxSll:
      return "linux_sll";
    case LinkType::kLinuxSll2:
      return "linux_sll2";
    case LinkType::kRaw:
      return "raw";
    case LinkType::kIpv4:
      return "ipv4";
    case LinkType::kIpv6:
      return "ipv6";
    case LinkType::kNull:
      return "null";
    case LinkType::kLoop:
      return "loop";
  }
  return "unknown";
}

std::string_view malformed_name(Malformed reason) {
  switch (reason) {
    case Malformed::kTruncatedLink:
      return "truncated_link";
    case Malformed::kTruncatedVlan:
      return "truncated_vlan";
    case Malformed::kTooManyVlanTags:
      return "too_many_vlan_tags";
    case Malformed::kTruncatedMpls:
      return "truncated_mpls";
    case Malformed::kTruncatedPppoe:
      return "truncated_pppoe";
    case Malformed::kBadIpVersion:
      return "bad_ip_version";
    case Malformed::kTruncatedIpv4:
      return "truncated_ipv4";
    case Malformed::kBadIpv4HeaderLength:
      return "bad_ipv4_header_length";
    case Malformed::kBadIpv4TotalLength:
      return "bad_ipv4_total_length";
    case Malformed::kIpLengthExceedsFrame:
      return "ip_length_exceeds_frame";
    case Malformed::kTruncatedIpv6:
      return "truncated_ipv6";
    case Malformed::kTruncatedIpv6Ext:
      return "truncated_ipv6_ext";
    case Malformed::kTooManyIpv6Ext:
      return "too_many_ipv6_ext";
    case Malformed::kBadFragment:
      return "bad_fragment";
    case Malformed::kTruncatedTcp:
      return "truncated_tcp";
    case Malformed::kBadTcpHeaderLength:
      return "bad_tcp_header_length";
    case Malformed::kTruncatedUdp:
      return "truncated_udp";
    case Malformed::kBadUdpLength:
      return "bad_udp_length";
    case Malformed::kTruncatedIcmp:
      return "truncated_icmp";
    case Malformed::kCount:
      break;
  }
  return "unknown";
}

DecodeResult decode_ip(const std::uint8_t* data, std::uint32_t len, bool snapped, Packet& out) {
  if (len < 1) return malformed(Malformed::kTruncatedIpv4);
  const int version = data[0] >> 4;
  if (version == 4) return decode_ipv4(data, len, snapped, out);
  if (version == 6) return decode_ipv6(data, len, snapped, out);
  return malformed(Malformed::kBadIpVersion);
}

DecodeResult decode_frame(LinkType link, const std::uint8_t* data, std::uint32_t caplen,
                          std::uint32_t wirelen, Packet& out) {
  out.caplen = caplen;
  out.wirelen = wirelen;
  const bool snapped = wirelen > caplen;
  switch (link) {
    case LinkType::kEthernet: {
      if (caplen < 14) return malformed(Malformed::kTruncatedLink);
      const std::uint16_t type = be16(data + 12);
      if (type <= 1500) return not_ip();  // 802.3 length: LLC/SNAP frames
      return decode_ethertype(type, data + 14, caplen - 14, snapped, out);
    }
    case LinkType::kLinuxSll: {
      if (caplen < 16) return malformed(Malformed::kTruncatedLink);
      return decode_ethertype(be16(data + 14), data + 16, caplen - 16, snapped, out);
    }
    case LinkType::kLinuxSll2: {
      if (caplen < 20) return malformed(Malformed::kTruncatedLink);
      return decode_ethertype(be16(data), data + 20, caplen - 20, snapped, out);
    }
    case LinkType::kRaw:
      return decode_ip(data, caplen, snapped, out);
    case LinkType::kIpv4:
      return decode_ipv4(data, caplen, snapped, out);
    case LinkType::kIpv6:
      return decode_ipv6(data, caplen, snapped, out);
    case LinkType::kNull:
    case LinkType::kLoop: {
      if (caplen < 4) return malformed(Malformed::kTruncatedLink);
      std::uint32_t family = be32(data);
      // DLT_NULL holds the family in the writer's byte order: accept either.
      if (link == LinkType::kNull && family > 0xFFFF) {
        family = __builtin_bswap32(family);
      }
      if (family == 2) return decode_ipv4(data + 4, caplen - 4, snapped, out);
      if (is_af_inet6(family)) return decode_ipv6(data + 4, caplen - 4, snapped, out);
      return not_ip();
    }
  }
  return not_ip();
}

}  // namespace soc::agent::net
