// FlowTable: turns decoded packets into bidirectional flows and ends them into flow events.
//
// - A flow is keyed by its direction-independent 5-tuple (FlowKey); VLAN tags are recorded but
//   are not part of the key (as in Zeek's default).
// - Counting follows Zeek's conn.log: packets and IP-layer bytes each way, payload bytes (TCP
//   in sequence space, see conn_state.h), history letters and conn_state.
// - A flow ends after its protocol's idle timeout (packet time), after tcp_linger once a TCP
//   connection is closed (FIN both ways, or RST), on a new SYN reusing a closed 5-tuple, when
//   the table is full (the least recently active flow is evicted and counted), or at flush().
//   A flow open longer than active_timeout is reported and goes on as a new record.
// - Memory is bounded by max_flows, plus per-flow stream buffers (StreamLimits) only for flows
//   that have analyzers.
// - The factories are asked for a flow's analyzers at its first packet that carries payload,
//   not when it starts: most flows of a scan never carry any, and would only allocate and free
//   analyzers. A TCP direction whose SYN was seen before then starts its stream right after
//   that SYN (recorded by the connection tracking), so the first byte is still placed.
//
// Not thread-safe: one thread (the pcap source's poll) drives it. Events go to the `out`
// vector given to each call; analyzer factories are not owned and must outlive the table.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/net/flow.h"
#include "agent/net/flow_analyzer.h"
#include "agent/net/packet.h"
#include "agent/net/packet_inspector.h"
#include "agent/net/tcp_stream.h"
#include "common/event.h"

namespace soc::agent::net {

inline constexpr TimeNs kNsPerSecond = 1'000'000'000;

struct FlowTableConfig {
  std::size_t max_flows = 100000;
  TimeNs tcp_idle_ns = 300 * kNsPerSecond;  // Zeek's tcp_inactivity_timeout
  TimeNs udp_idle_ns = 60 * kNsPerSecond;   // udp_inactivity_timeout
  TimeNs icmp_idle_ns = 60 * kNsPerSecond;  // icmp_inactivity_timeout
  TimeNs other_idle_ns = 60 * kNsPerSecond;
  TimeNs tcp_linger_ns = 5 * kNsPerSecond;         // after close (Zeek's tcp_close_delay)
  TimeNs active_timeout_ns = 1800 * kNsPerSecond;  // 0: never split long flows
  StreamLimits stream;
  std::string source;  // Event::source of the flow events (interface or file)
};

struct FlowTableCounters {
  std::uint64_t flows_created = 0;
  std::uint64_t flows_ended = 0;  // every end, whatever the reason
  std::uint64_t flows_evicted = 0;
  std::uint64_t flows_active_split = 0;
  std::uint64_t tcp_reused = 0;
  std::uint64_t stream_gaps = 0;
  std::uint64_t stream_gap_bytes = 0;
};

// Whether Zeek would consider `port` a likely server port for the protocol (the ports its
// default analyzers register), used to orient flows first seen mid-way.
bool likely_server_port(std::uint8_t proto, std::uint16_t port);

class FlowTable {
 public:
  explicit FlowTable(FlowTableConfig config);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  void add_analyzer_factory(FlowAnalyzerFactory* factory) { factories_.push_back(factory); }
  // Every accounted packet is shown to `inspector` (nullptr: none); see packet_inspector.h.
  void set_packet_inspector(PacketInspector* inspector) { inspector_ = inspector; }

  // Accounts one decoded packet (DecodeStatus::kOk) to its flow. Also ends flows whose
  // timeouts passed at packet.ts. Events of ended flows (and analyzer events) go to out.
  void process(const Packet& packet, std::vector<Event>& out);

  // Ends the flows whose timeout has passed at `now` (packet time, or wall time when idle).
  void expire(TimeNs now, std::vector<Event>& out);

  // Ends every flow (reason kFlush).
  void flush(std::vector<Event>& out);

  std::size_t size() const { return flows_.size(); }
  const FlowTableCounters& counters() const { return counters_; }
  const FlowTableConfig& config() const { return config_; }

 private:
  enum List : std::uint8_t { kTcpList, kUdpList, kIcmpList, kOtherList, kClosingList, kLists };
  struct ListHead {
    Flow* head = nullptr;  // least recently active
    Flow* tail = nullptr;
  };

  Flow& create(const FlowKey& key, bool a_is_src, const Packet& packet, std::vector<Event>& out);
  void end(Flow& flow, EndReason reason, std::vector<Event>& out);
  void link(Flow& flow, List list);
  void unlink(Flow& flow);
  TimeNs timeout(List list) const;
  List list_for(const Flow& flow) const;
  // Asks every factory for an analyzer of `flow` (once per flow; see the header comment).
  void attach_analyzers(Flow& flow, std::vector<Event>& out);
  void feed_analyzers(Flow& flow, bool is_orig, const Packet& packet, std::vector<Event>& out);

  FlowTableConfig config_;
  std::unordered_map<FlowKey, Flow, FlowKeyHash> flows_;
  std::array<ListHead, kLists> lists_{};
  std::vector<FlowAnalyzerFactory*> factories_;
  PacketInspector* inspector_ = nullptr;
  FlowTableCounters counters_;
};

}  // namespace soc::agent::net
