// Flowbits: the named bits a flow carries between packet-rule matches (`flowbits:set,x` on one
// packet or summary, `flowbits:isset,x` on a later one). A rule set numbers the names of its
// rules (PacketRuleSet); FlowBits holds the numbers one flow has set, and the helpers below
// check a rule's conditions and apply its actions. Value types and pure functions; a FlowBits
// is used by one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "signatures/packet/packet_rule.h"

namespace soc::packet {

class FlowBits {
 public:
  bool test(std::uint32_t id) const;
  void set(std::uint32_t id);
  void unset(std::uint32_t id);
  void toggle(std::uint32_t id);
  bool empty() const { return ids_.empty(); }

 private:
  std::vector<std::uint32_t> ids_;  // sorted; a flow sets few
};

// A FlowbitOp with its names numbered.
struct CompiledFlowbitOp {
  FlowbitOp::Kind kind = FlowbitOp::Kind::kSet;
  std::vector<std::uint32_t> ids;
  bool any = false;
};

// Whether every condition (isset, isnotset) of `ops` holds on `bits`; nullptr: no bit is set.
bool flowbit_conditions_hold(std::span<const CompiledFlowbitOp> ops, const FlowBits* bits);

// Applies the actions (set, unset, toggle) of `ops` to `bits`, in order.
void apply_flowbit_actions(std::span<const CompiledFlowbitOp> ops, FlowBits& bits);

}  // namespace soc::packet
