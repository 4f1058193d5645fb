#include "signatures/packet/packet_alert.h"

namespace soc::packet {
namespace {

IpAddress address(const std::array<std::uint8_t, 16>& bytes, bool v4) {
  IpAddress a;
  a.bytes = bytes;
  a.is_v4 = v4;
  return a;
}

std::string_view app_name(AppProto app) {
  switch (app) {
    case AppProto::kDns:
      return "dns";
    case AppProto::kHttp:
      return "http";
    case AppProto::kTls:
      return "tls";
    case AppProto::kNone:
      break;
  }
  return "";
}

// The Sigma level of a Suricata priority (1 is the most severe), so packet and log alerts rank
// alike in listings and against incidents.alert_level.
std::string_view level_of_priority(int priority) {
  switch (priority) {
    case 1:
      return "high";
    case 2:
      return "medium";
    case 3:
      return "low";
    default:
      return "informational";
  }
}

}  // namespace

Event make_packet_alert(const CompiledPacketRule& compiled, const Inspection& in,
                        const AlertContext& context) {
  const PacketRule& rule = compiled.rule;
  Event alert;
  alert.time_ns = context.time_ns;
  alert.source = context.source;
  alert.kind = EventKind::kAlert;
  alert.fields.reserve(18);
  append_string(alert.fields, "rule.id", std::to_string(rule.sid));
  append_string(alert.fields, "rule.name", rule.msg);
  append_int(alert.fields, "rule.rev", rule.rev);
  append_int(alert.fields, "rule.gid", rule.gid);
  if (!rule.classtype.empty()) append_string(alert.fields, "rule.category", rule.classtype);
  append_int(alert.fields, "rule.priority", rule.priority);
  append_string(alert.fields, "rule.level", level_of_priority(rule.priority));
  append_int(alert.fields, "event.severity", rule.priority);
  append_string(alert.fields, "rule.ruleset", "packet");
  append_field<StringList>(alert.fields, "event.category", StringList{"intrusion_detection"});
  append_field<IpAddress>(alert.fields, "source.ip", address(in.src, in.v4));
  append_field<IpAddress>(alert.fields, "destination.ip", address(in.dst, in.v4));
  if (in.proto == 6 || in.proto == 17) {
    append_int(alert.fields, "source.port", in.sport);
    append_int(alert.fields, "destination.port", in.dport);
  }
  if (!context.transport.empty()) {
    append_string(alert.fields, "network.transport", context.transport);
  }
  if (!context.community_id.empty()) {
    append_string(alert.fields, "network.community_id", context.community_id);
  }
  if (in.app != AppProto::kNone) append_string(alert.fields, "network.protocol", app_name(in.app));
  return alert;
}

}  // namespace soc::packet
