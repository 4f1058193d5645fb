// The flow event: a Flow rendered as a soc::Event of kind kFlow with ECS fields (and Zeek-style
// extras under "flow."). Every field is documented in agent/net/README.md.
// Pure function; thread-safe.
#pragma once

#include <string_view>

#include "agent/net/flow.h"
#include "common/event.h"

namespace soc::agent::net {

// "tcp", "udp", "icmp", "ipv6-icmp", or the IANA number as text for other protocols.
std::string transport_name(std::uint8_t proto);

// The Community ID v1 of the flow (seed 0).
std::string flow_community_id(const Flow& flow);

// `spare_fields`: room reserved for fields added afterwards (the analyzers' at the flow's end),
// so that adding them does not move the field vector.
Event make_flow_event(const Flow& flow, EndReason reason, std::string_view source,
                      std::size_t spare_fields = 0);

}  // namespace soc::agent::net
