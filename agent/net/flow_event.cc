#include "agent/net/flow_event.h"

#include <algorithm>
#include <string>

#include "agent/net/community_id.h"

namespace soc::agent::net {
namespace {

IpAddress to_ip(const std::array<std::uint8_t, 16>& bytes, std::uint8_t version) {
  IpAddress ip;
  ip.bytes = bytes;
  ip.is_v4 = version == 4;
  return ip;
}

std::int64_t as_int(std::uint64_t v) {
  return v > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(v);
}

}  // namespace

std::string transport_name(std::uint8_t proto) {
  switch (proto) {
    case kProtoTcp:
      return "tcp";
    case kProtoUdp:
      return "udp";
    case kProtoIcmp:
      return "icmp";
    case kProtoIcmpv6:
      return "ipv6-icmp";
    case 132:
      return "sctp";
    case 47:
      return "gre";
    case 50:
      return "esp";
    case 51:
      return "ah";
    default:
      return std::to_string(proto);
  }
}

std::string flow_community_id(const Flow& flow) {
  CommunityIdInput in;
  in.src = flow.orig_addr;
  in.dst = flow.resp_addr;
  in.v6 = flow.ip_version == 6;
  in.proto = flow.proto;
  in.sport = flow.orig_port;
  in.dport = flow.resp_port;
  in.one_way = flow.icmp_one_way;
  return community_id_v1(in);
}

Event make_flow_event(const Flow& flow, EndReason reason, std::string_view source,
                      std::size_t spare_fields) {
  Event e;
  e.time_ns = flow.start;
  e.source = std::string(source);
  e.kind = EventKind::kFlow;
  std::vector<Field>& f = e.fields;
  const bool ports = flow.proto == kProtoTcp || flow.proto == kProtoUdp;
  const bool icmp = flow.proto == kProtoIcmp || flow.proto == kProtoIcmpv6;
  // Exactly the fields below (and the spare): events are held in batches, and every slot is
  // 72 bytes.
  f.reserve(23 + (ports ? 2 : 0) + std::min<std::size_t>(flow.vlan_count, 2) + (icmp ? 2 : 0) +
            spare_fields);
  append_field<IpAddress>(f, "source.ip", to_ip(flow.orig_addr, flow.ip_version));
  if (ports) append_int(f, "source.port", flow.orig_port);
  append_field<IpAddress>(f, "destination.ip", to_ip(flow.resp_addr, flow.ip_version));
  if (ports) append_int(f, "destination.port", flow.resp_port);
  append_string(f, "network.transport", transport_name(flow.proto));
  append_string(f, "network.iana_number", std::to_string(flow.proto));
  append_string(f, "network.type", flow.ip_version == 6 ? "ipv6" : "ipv4");
  append_string(f, "network.community_id", flow_community_id(flow));
  append_int(f, "network.bytes", as_int(flow.orig.ip_bytes + flow.resp.ip_bytes));
  append_int(f, "network.packets", as_int(flow.orig.packets + flow.resp.packets));
  append_int(f, "source.bytes", as_int(flow.orig.ip_bytes));
  append_int(f, "source.packets", as_int(flow.orig.packets));
  append_int(f, "destination.bytes", as_int(flow.resp.ip_bytes));
  append_int(f, "destination.packets", as_int(flow.resp.packets));
  if (flow.vlan_count > 0) append_string(f, "network.vlan.id", std::to_string(flow.vlan[0]));
  if (flow.vlan_count > 1) {
    append_string(f, "network.inner.vlan.id", std::to_string(flow.vlan[1]));
  }
  append_field<StringList>(f, "event.category", StringList{"network"});
  append_field<StringList>(f, "event.type", StringList{"connection"});
  append_string(f, "event.action", "network_flow");
  append_int(f, "event.start", flow.start);
  append_int(f, "event.end", flow.end);
  append_int(f, "event.duration", flow.end - flow.start);
  append_string(f, "flow.state", flow.state());
  append_string(f, "flow.history", flow.history.letters);
  append_int(f, "flow.orig_payload_bytes", as_int(flow.orig_payload_bytes()));
  append_int(f, "flow.resp_payload_bytes", as_int(flow.resp_payload_bytes()));
  append_string(f, "flow.end_reason", end_reason_name(reason));
  if (icmp) {
    append_int(f, "flow.icmp.type", flow.icmp_type);
    append_int(f, "flow.icmp.code", flow.icmp_code);
  }
  return e;
}

}  // namespace soc::agent::net
