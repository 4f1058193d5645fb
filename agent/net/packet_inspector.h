// PacketInspector: the hook for per-packet inspection (packet rules). The FlowTable calls it
// for every packet it accounts, after the packet's flow has been updated (so the flow's state
// and orientation include this packet), before the next packet. Not owned by the table; it
// must outlive it or be unset. Same thread as the table; may append events (alerts) to `out`.
#pragma once

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
};

}  // namespace soc::agent::net
