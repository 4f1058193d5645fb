// make_packet_alert(): a packet-rule match as an `alert` Event, with the field names Sigma alerts
// use (signatures/sigma/alert.h) plus the packet rule's own:
//   rule.id (the sid, as text), rule.name (msg), rule.rev, rule.gid, rule.category (classtype),
//   rule.priority and event.severity (the priority: 1 high .. 4 low), rule.ruleset "packet",
//   source.ip/.port, destination.ip/.port (the packet's sender and receiver; for a protocol
//   summary the client and server), network.transport, network.community_id when known,
//   network.protocol (dns/http/tls) for application rules, event.category [intrusion_detection].
// Pure function; thread-safe.
#pragma once

#include <string>

#include "common/event.h"
#include "signatures/packet/packet_rule_set.h"

namespace soc::packet {

struct AlertContext {
  TimeNs time_ns = 0;
  std::string source;        // the interface or file
  std::string transport;     // "tcp", "udp", "icmp" ...
  std::string community_id;  // "" when unknown
};

Event make_packet_alert(const CompiledPacketRule& rule, const Inspection& in,
                        const AlertContext& context);

}  // namespace soc::packet
