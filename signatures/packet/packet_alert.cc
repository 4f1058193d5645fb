#include "signatures/packet/packet_alert.h"

#include <cctype>
#include <string>

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

// "addr:port" ("[addr]:port" for IPv6; no port beyond TCP and UDP).
std::string endpoint(const std::array<std::uint8_t, 16>& bytes, std::uint16_t port,
                     const Inspection& in) {
  std::string text;
  if (!in.v4) text += '[';
  text += address(bytes, in.v4).to_string();
  if (!in.v4) text += ']';
  if (in.proto == 6 || in.proto == 17) {
    text += ':';
    text += std::to_string(port);
  }
  return text;
}

// The alert as one line, in the layout of Suricata's fast.log: what listings show as the
// message and what full-text search finds.
std::string summary_line(const PacketRule& rule, const Inspection& in,
                         const AlertContext& context) {
  std::string line;
  line += '[';
  line += std::to_string(rule.gid);
  line += ':';
  line += std::to_string(rule.sid);
  line += ':';
  line += std::to_string(rule.rev);
  line += "] ";
  line += rule.msg;
  if (!rule.classtype.empty()) {
    line += " [Classification: ";
    line += rule.classtype;
    line += ']';
  }
  line += " [Priority: ";
  line += std::to_string(rule.priority);
  line += "] {";
  for (const char c : context.transport.empty() ? std::to_string(in.proto) : context.transport) {
    line += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  line += "} ";
  line += endpoint(in.src, in.sport, in);
  line += " -> ";
  line += endpoint(in.dst, in.dport, in);
  return line;
}

}  // namespace

Event make_packet_alert(const CompiledPacketRule& compiled, const Inspection& in,
                        const AlertContext& context) {
  const PacketRule& rule = compiled.rule;
  Event alert;
  alert.time_ns = context.time_ns;
  alert.source = context.source;
  alert.kind = EventKind::kAlert;
  alert.raw = summary_line(rule, in, context);
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
