#include "agent/net/packet_processor.h"

#include "agent/net/packet_decoder.h"

namespace soc::agent::net {

PacketProcessor::PacketProcessor(LinkType link, ProcessorConfig config)
    : link_(link), reassembler_(config.fragments), flows_(std::move(config.flows)) {}

void PacketProcessor::process(const std::uint8_t* data, std::uint32_t caplen, std::uint32_t wirelen,
                              TimeNs ts, std::vector<Event>& out) {
  ++counters_.packets;
  counters_.bytes += wirelen;
  if (ts > last_ts_) last_ts_ = ts;
  Packet packet;
  packet.ts = ts;
  const DecodeResult r = decode_frame(link_, data, caplen, wirelen, packet);
  switch (r.status) {
    case DecodeStatus::kOk:
      handle(packet, out);
      return;
    case DecodeStatus::kNotIp:
      ++counters_.non_ip;
      return;
    case DecodeStatus::kMalformed:
      counters_.malformed.add(r.reason);
      return;
    case DecodeStatus::kFragment: {
      ++counters_.ip_packets;
      if (!reassembler_.add(packet, datagram_)) return;
      Packet whole;
      whole.ts = ts;
      whole.caplen = caplen;
      whole.wirelen = wirelen;
      whole.vlan_count = packet.vlan_count;
      whole.vlan = packet.vlan;
      whole.reassembled = true;
      const DecodeResult w =
          decode_ip(datagram_.data(), static_cast<std::uint32_t>(datagram_.size()), false, whole);
      if (w.status == DecodeStatus::kOk) {
        --counters_.ip_packets;  // counted by handle() as one packet
        handle(whole, out);
      } else {
        // Counted once, as malformed instead of as an IP packet.
        --counters_.ip_packets;
        counters_.malformed.add(w.status == DecodeStatus::kMalformed ? w.reason
                                                                     : Malformed::kBadFragment);
      }
      return;
    }
  }
}

void PacketProcessor::handle(Packet& packet, std::vector<Event>& out) {
  ++counters_.ip_packets;
  flows_.process(packet, out);
}

void PacketProcessor::expire(TimeNs now, std::vector<Event>& out) {
  reassembler_.expire(now);
  flows_.expire(now, out);
}

void PacketProcessor::flush(std::vector<Event>& out) { flows_.flush(out); }

std::map<std::string, std::uint64_t> PacketProcessor::counter_map() const {
  std::map<std::string, std::uint64_t> c;
  c["packets"] = counters_.packets;
  c["bytes"] = counters_.bytes;
  c["ip_packets"] = counters_.ip_packets;
  c["non_ip"] = counters_.non_ip;
  c["malformed"] = counters_.malformed.total();
  for (std::size_t i = 0; i < kMalformedCount; ++i) {
    if (counters_.malformed.count[i] == 0) continue;
    c["malformed." + std::string(malformed_name(static_cast<Malformed>(i)))] =
        counters_.malformed.count[i];
  }
  const ReassemblyCounters& fr = reassembler_.counters();
  c["fragments"] = fr.fragments;
  c["fragments_reassembled"] = fr.reassembled;
  c["fragments_overlaps"] = fr.overlaps;
  c["fragments_dropped_timeout"] = fr.dropped_timeout;
  c["fragments_dropped_too_large"] = fr.dropped_too_large;
  c["fragments_dropped_memory"] = fr.dropped_memory;
  c["fragments_dropped_too_many"] = fr.dropped_too_many;
  c["fragments_dropped_conflict"] = fr.dropped_conflict;
  c["fragments_in_progress"] = reassembler_.datagrams_in_progress();
  const FlowTableCounters& fl = flows_.counters();
  c["flows_active"] = flows_.size();
  c["flows_created"] = fl.flows_created;
  c["flows_ended"] = fl.flows_ended;
  c["flows_evicted"] = fl.flows_evicted;
  c["flows_active_split"] = fl.flows_active_split;
  c["flows_tcp_reused"] = fl.tcp_reused;
  c["stream_gaps"] = fl.stream_gaps;
  c["stream_gap_bytes"] = fl.stream_gap_bytes;
  return c;
}

}  // namespace soc::agent::net
