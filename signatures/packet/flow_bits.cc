#include "signatures/packet/flow_bits.h"

#include <algorithm>

namespace soc::packet {

bool FlowBits::test(std::uint32_t id) const {
  return std::binary_search(ids_.begin(), ids_.end(), id);
}

void FlowBits::set(std::uint32_t id) {
  const auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
  if (it == ids_.end() || *it != id) ids_.insert(it, id);
}

void FlowBits::unset(std::uint32_t id) {
  const auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
  if (it != ids_.end() && *it == id) ids_.erase(it);
}

void FlowBits::toggle(std::uint32_t id) {
  if (test(id)) {
    unset(id);
  } else {
    set(id);
  }
}

bool flowbit_conditions_hold(std::span<const CompiledFlowbitOp> ops, const FlowBits* bits) {
  for (const CompiledFlowbitOp& op : ops) {
    if (op.kind != FlowbitOp::Kind::kIsSet && op.kind != FlowbitOp::Kind::kIsNotSet) continue;
    const bool want_set = op.kind == FlowbitOp::Kind::kIsSet;
    auto holds = [&](std::uint32_t id) { return (bits != nullptr && bits->test(id)) == want_set; };
    const bool ok = op.any ? std::any_of(op.ids.begin(), op.ids.end(), holds)
                           : std::all_of(op.ids.begin(), op.ids.end(), holds);
    if (!ok) return false;
  }
  return true;
}

void apply_flowbit_actions(std::span<const CompiledFlowbitOp> ops, FlowBits& bits) {
  for (const CompiledFlowbitOp& op : ops) {
    for (std::uint32_t id : op.ids) {
      switch (op.kind) {
        case FlowbitOp::Kind::kSet:
          bits.set(id);
          break;
        case FlowbitOp::Kind::kUnset:
          bits.unset(id);
          break;
        case FlowbitOp::Kind::kToggle:
          bits.toggle(id);
          break;
        case FlowbitOp::Kind::kIsSet:
        case FlowbitOp::Kind::kIsNotSet:
          break;
      }
    }
  }
}

}  // namespace soc::packet
