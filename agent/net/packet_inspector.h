// PacketInspector: the hook for inspection inside the flow table (packet rules). For every
// packet it accounts, the FlowTable calls, after the packet's flow has been updated (so the
// flow's state and orientation include this packet) and before the next packet:
//   1. on_summaries, when the flow's analyzers appended summaries (dns/http/tls events) for
//      this packet;
//   2. on_packet.
// When a flow ends: on_summaries for what its analyzers emit at the end, then on_flow_end.
// So an inspector sees a flow's packets and summaries in the order they happened, with the
// flow at hand. Not owned by the table; it must outlive it or be unset. Same thread as the
// table; may append events (alerts) to `out`.
#pragma once

#include <cstddef>
#include <vector>

#include "agent/net/flow.h"
#include "agent/net/packet.h"
#include "common/event.h"

namespace soc::agent::net {

class PacketInspector {
 public:
  virtual ~PacketInspector() = default;
  // `dir`: kOrig when the packet was sent by the flow's originator.
  virtual void on_packet(const Packet& packet, const Flow& flow, Direction dir,
                         std::vector<Event>& out) = 0;
  // out[from..] are the summaries the flow's analyzers just appended (and the flow events of
  // no other flow).
  virtual void on_summaries(const Flow& flow, std::vector<Event>& out, std::size_t from) = 0;
  // The flow is about to be removed: state kept for it can go.
  virtual void on_flow_end(const Flow& flow) = 0;
};

}  // namespace soc::agent::net
