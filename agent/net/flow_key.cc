#include "agent/net/flow_key.h"

namespace soc::agent::net {
namespace {

// The counterpart of an ICMP message type (RFC 792 pairs), or -1 for a one-way message.
int icmp4_counterpart(std::uint8_t type) {
  switch (type) {
    case 8:
      return 0;  // echo request -> reply
    case 0:
      return 8;
    case 13:
      return 14;  // timestamp
    case 14:
      return 13;
    case 15:
      return 16;  // information
    case 16:
      return 15;
    case 10:
      return 9;  // router solicitation -> advertisement
    case 9:
      return 10;
    case 17:
      return 18;  // address mask
    case 18:
      return 17;
    default:
      return -1;
  }
}

int icmp6_counterpart(std::uint8_t type) {
  switch (type) {
    case 128:
      return 129;  // echo
    case 129:
      return 128;
    case 133:
      return 134;  // router solicitation / advertisement
    case 134:
      return 133;
    case 135:
      return 136;  // neighbor solicitation / advertisement
    case 136:
      return 135;
    case 130:
      return 131;  // multicast listener query / report
    case 131:
      return 130;
    case 139:
      return 140;  // node information query / response
    case 140:
      return 139;
    case 144:
      return 145;  // home agent address discovery
    case 145:
      return 144;
    default:
      return -1;
  }
}

}  // namespace

FlowPorts flow_ports(const Packet& p) {
  FlowPorts ports;
  switch (p.proto) {
    case kProtoTcp:
    case kProtoUdp:
      ports.src = p.sport;
      ports.dst = p.dport;
      break;
    case kProtoIcmp:
    case kProtoIcmpv6: {
      const int counterpart =
          p.proto == kProtoIcmp ? icmp4_counterpart(p.icmp_type) : icmp6_counterpart(p.icmp_type);
      ports.src = p.icmp_type;
      ports.one_way = counterpart < 0;
      ports.dst = counterpart < 0 ? p.icmp_code : static_cast<std::uint16_t>(counterpart);
      break;
    }
    default:
      break;
  }
  return ports;
}

FlowKey FlowKey::make(const Packet& p, const FlowPorts& ports, bool* a_is_src) {
  FlowKey k;
  const int cmp = std::memcmp(p.src.data(), p.dst.data(), 16);
  const bool src_first = cmp < 0 || (cmp == 0 && ports.src <= ports.dst);
  if (src_first) {
    k.addr_a = p.src;
    k.addr_b = p.dst;
    k.port_a = ports.src;
    k.port_b = ports.dst;
  } else {
    k.addr_a = p.dst;
    k.addr_b = p.src;
    k.port_a = ports.dst;
    k.port_b = ports.src;
  }
  k.proto = p.proto;
  k.version = p.ip_version;
  if (a_is_src != nullptr) *a_is_src = src_first;
  return k;
}

std::size_t FlowKeyHash::operator()(const FlowKey& k) const {
  // 64-bit multiply-xorshift over the key's words: fast, and good enough to spread keys.
  std::uint64_t w[5] = {};
  std::memcpy(w, &k, sizeof(FlowKey));
  std::uint64_t h = 0x9E3779B97F4A7C15ull;
  for (std::uint64_t x : w) {
    h ^= x;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  }
  return static_cast<std::size_t>(h);
}

}  // namespace soc::agent::net
