// PacketProcessor: the whole path from a captured frame to flow events - decoder, fragment
// reassembly, flow table - with the counters of each step. Used by the pcap source, the
// `soc-agent --pcap` replay, the tests, the fuzz target and the benchmark alike.
//
// Not thread-safe: one thread drives it. Events go to the vector passed to each call.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "agent/net/flow_table.h"
#include "agent/net/ip_reassembler.h"
#include "agent/net/malformed.h"
#include "agent/net/packet.h"
#include "common/event.h"

namespace soc::agent::net {

struct ProcessorConfig {
  ReassemblyLimits fragments;
  FlowTableConfig flows;
};

struct ProcessorCounters {
  std::uint64_t packets = 0;  // frames offered
  std::uint64_t bytes = 0;    // their wire lengths
  std::uint64_t ip_packets = 0;
  std::uint64_t non_ip = 0;  // ARP, LLC ...: ignored
  MalformedCounters malformed;
};

class PacketProcessor {
 public:
  PacketProcessor(LinkType link, ProcessorConfig config);

  void set_link_type(LinkType link) { link_ = link; }
  LinkType link_type() const { return link_; }
  FlowTable& flows() { return flows_; }
  const FlowTable& flows() const { return flows_; }

  // One captured frame: caplen bytes at data, wirelen on the wire, ts its capture time.
  void process(const std::uint8_t* data, std::uint32_t caplen, std::uint32_t wirelen, TimeNs ts,
               std::vector<Event>& out);

  // Ends flows and fragment datagrams whose timeouts passed at `now`.
  void expire(TimeNs now, std::vector<Event>& out);

  // Ends every flow (end of a file, shutdown).
  void flush(std::vector<Event>& out);

  // The latest packet time seen (0 before any packet).
  TimeNs last_packet_time() const { return last_ts_; }

  const ProcessorCounters& counters() const { return counters_; }
  const ReassemblyCounters& fragment_counters() const { return reassembler_.counters(); }

  // Every counter by name: packets, bytes, ip_packets, non_ip, malformed, malformed.<reason>
  // (non-zero ones), fragments_*, flows_* (see agent/net/README.md).
  std::map<std::string, std::uint64_t> counter_map() const;

 private:
  void handle(Packet& packet, std::vector<Event>& out);

  LinkType link_;
  IpReassembler reassembler_;
  FlowTable flows_;
  ProcessorCounters counters_;
  std::vector<std::uint8_t> datagram_;  // scratch for reassembled datagrams
  TimeNs last_ts_ = 0;
};

}  // namespace soc::agent::net
