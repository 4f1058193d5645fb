#include "agent/net/flow_table.h"

#include <algorithm>

#include "agent/net/flow_event.h"

namespace soc::agent::net {
namespace {

// Ports Zeek's default analyzers register (likely_server_ports), sorted.
constexpr std::uint16_t kTcpServerPorts[] = {
    21,   22,   23,   25,   53,   80,   81,   88,   110,  135,  139,  143,  389,
    443,  445,  502,  563,  585,  587,  614,  631,  636,  989,  990,  992,  993,
    995,  1080, 1433, 1521, 2811, 3128, 3306, 3389, 5060, 5222, 5223, 5269, 5432,
    5900, 5901, 6379, 6666, 6667, 6668, 6669, 8000, 8080, 8443, 8888, 20000};
constexpr std::uint16_t kUdpServerPorts[] = {53,   67,   68,   69,   88,   123, 137,
                                             138,  161,  162,  443,  500,  514, 1812,
                                             1813, 3544, 4500, 5060, 5353, 5355};

// Delivers one direction's reassembled stream to the flow's analyzers.
class AnalyzerSink final : public StreamSink {
 public:
  AnalyzerSink(Flow& flow, Direction dir, TimeNs ts, std::vector<Event>& out,
               FlowTableCounters& counters)
      : flow_(flow), dir_(dir), ts_(ts), out_(out), counters_(counters) {}
  void on_data(std::span<const std::uint8_t> bytes) override {
    for (auto& a : flow_.extras->analyzers) {
      if (a->wants_more()) a->on_payload(flow_, dir_, bytes, ts_, out_);
    }
  }
  void on_gap(std::uint64_t bytes) override {
    ++counters_.stream_gaps;
    counters_.stream_gap_bytes += bytes;
    for (auto& a : flow_.extras->analyzers) {
      if (a->wants_more()) a->on_gap(flow_, dir_, bytes);
    }
  }

 private:
  Flow& flow_;
  Direction dir_;
  TimeNs ts_;
  std::vector<Event>& out_;
  FlowTableCounters& counters_;
};

}  // namespace

FlowExtras::FlowExtras() = default;
FlowExtras::~FlowExtras() = default;

std::string_view end_reason_name(EndReason reason) {
  switch (reason) {
    case EndReason::kIdle:
      return "idle";
    case EndReason::kActive:
      return "active";
    case EndReason::kClosed:
      return "closed";
    case EndReason::kEvicted:
      return "evicted";
    case EndReason::kReused:
      return "reused";
    case EndReason::kFlush:
      return "flush";
  }
  return "unknown";
}

std::uint64_t Flow::orig_payload_bytes() const {
  if (tcp == nullptr) return orig.payload_bytes;
  const std::uint64_t s = tcp->orig.size();
  return s > tcp_payload_reported[0] ? s - tcp_payload_reported[0] : 0;
}
std::uint64_t Flow::resp_payload_bytes() const {
  if (tcp == nullptr) return resp.payload_bytes;
  const std::uint64_t s = tcp->resp.size();
  return s > tcp_payload_reported[1] ? s - tcp_payload_reported[1] : 0;
}
std::string_view Flow::state() const {
  return conn_state(proto, tcp.get(), orig.packets, resp.packets, history.letters);
}

bool likely_server_port(std::uint8_t proto, std::uint16_t port) {
  if (proto == kProtoTcp) {
    return std::binary_search(std::begin(kTcpServerPorts), std::end(kTcpServerPorts), port);
  }
  if (proto == kProtoUdp) {
    return std::binary_search(std::begin(kUdpServerPorts), std::end(kUdpServerPorts), port);
  }
  return false;
}

FlowTable::FlowTable(FlowTableConfig config) : config_(std::move(config)) {
  if (config_.max_flows == 0) config_.max_flows = 1;
  flows_.reserve(std::min<std::size_t>(config_.max_flows, 1024));  // grows as needed
}

FlowTable::~FlowTable() = default;

TimeNs FlowTable::timeout(List list) const {
  switch (list) {
    case kTcpList:
      return config_.tcp_idle_ns;
    case kUdpList:
      return config_.udp_idle_ns;
    case kIcmpList:
      return config_.icmp_idle_ns;
    case kOtherList:
      return config_.other_idle_ns;
    case kClosingList:
      return config_.tcp_linger_ns;
    case kLists:
      break;
  }
  return config_.other_idle_ns;
}

FlowTable::List FlowTable::list_for(const Flow& flow) const {
  switch (flow.proto) {
    case kProtoTcp:
      return flow.tcp != nullptr && flow.tcp->finished() ? kClosingList : kTcpList;
    case kProtoUdp:
      return kUdpList;
    case kProtoIcmp:
    case kProtoIcmpv6:
      return kIcmpList;
    default:
      return kOtherList;
  }
}

void FlowTable::link(Flow& flow, List list) {
  ListHead& l = lists_[list];
  flow.list = list;
  flow.prev = l.tail;
  flow.next = nullptr;
  if (l.tail != nullptr) l.tail->next = &flow;
  l.tail = &flow;
  if (l.head == nullptr) l.head = &flow;
}

void FlowTable::unlink(Flow& flow) {
  ListHead& l = lists_[flow.list];
  if (flow.prev != nullptr)
    flow.prev->next = flow.next;
  else
    l.head = flow.next;
  if (flow.next != nullptr)
    flow.next->prev = flow.prev;
  else
    l.tail = flow.prev;
  flow.prev = flow.next = nullptr;
}

Flow& FlowTable::create(const FlowKey& key, bool a_is_src, const Packet& p,
                        std::vector<Event>& out) {
  if (flows_.size() >= config_.max_flows) {
    // Evict the least recently active flow over all lists.
    Flow* victim = nullptr;
    for (const ListHead& l : lists_) {
      if (l.head != nullptr && (victim == nullptr || l.head->last < victim->last)) {
        victim = l.head;
      }
    }
    if (victim != nullptr) {
      ++counters_.flows_evicted;
      end(*victim, EndReason::kEvicted, out);
    }
  }
  auto [it, inserted] = flows_.try_emplace(key);
  Flow& f = it->second;
  ++counters_.flows_created;
  f.key = key;
  f.proto = p.proto;
  f.ip_version = p.ip_version;
  const FlowPorts ports = flow_ports(p);
  f.icmp_one_way = ports.one_way;
  f.icmp_type = p.icmp_type;
  f.icmp_code = p.icmp_code;
  // Orientation: the sender of the first packet, unless Zeek's port heuristic turns it round
  // for a connection seen mid-way (TCP without a lone SYN) or a UDP reply from a server port.
  bool flip = false;
  if (p.proto == kProtoTcp) {
    const bool syn = (p.tcp_flags & kTcpSyn) != 0;
    const bool ack = (p.tcp_flags & kTcpAck) != 0;
    if ((!syn || ack) && likely_server_port(kProtoTcp, ports.src)) {
      flip = likely_server_port(kProtoTcp, ports.dst) ? (!syn && ports.src < ports.dst) : true;
    }
    f.tcp = std::make_unique<TcpConn>();
  } else if (p.proto == kProtoUdp) {
    flip = likely_server_port(kProtoUdp, ports.src) && !likely_server_port(kProtoUdp, ports.dst);
  }
  if (!flip) {
    f.orig_addr = p.src;
    f.resp_addr = p.dst;
    f.orig_port = ports.src;
    f.resp_port = ports.dst;
    f.orig_is_a = a_is_src;
  } else {
    f.orig_addr = p.dst;
    f.resp_addr = p.src;
    f.orig_port = ports.dst;
    f.resp_port = ports.src;
    f.orig_is_a = !a_is_src;
    f.history.letters += '^';
  }
  f.vlan_count = p.vlan_count;
  f.vlan = p.vlan;
  f.start = p.ts;
  f.last = p.ts;
  f.end = p.ts;
  link(f, list_for(f));
  return f;
}

void FlowTable::attach_analyzers(Flow& flow, std::vector<Event>& out) {
  flow.analyzers_offered = true;
  for (FlowAnalyzerFactory* factory : factories_) {
    auto analyzer = factory->create(flow);
    if (analyzer == nullptr) continue;
    if (flow.extras == nullptr) flow.extras = std::make_unique<FlowExtras>();
    flow.extras->analyzers.push_back(std::move(analyzer));
  }
  if (flow.extras == nullptr || flow.tcp == nullptr) return;
  // A direction that sent a SYN already starts right after its first one, as its stream would
  // have had it been there from the start; the others start at their first payload, as before.
  const TcpEndpoint* endpoints[2] = {&flow.tcp->orig, &flow.tcp->resp};
  for (int d = 0; d < 2; ++d) {
    if (!endpoints[d]->syn_seen) continue;
    auto stream = std::make_unique<TcpStream>(config_.stream);
    AnalyzerSink sink(flow, static_cast<Direction>(d), flow.last, out, counters_);
    stream->add(endpoints[d]->first_syn_seq, /*syn=*/true, {}, 0, sink);
    flow.extras->stream[d] = std::move(stream);
  }
}

void FlowTable::end(Flow& flow, EndReason reason, std::vector<Event>& out) {
  ++counters_.flows_ended;
  // Analyzers add at most network.protocol and SSH's two banners at the end.
  constexpr std::size_t kAnalyzerFields = 3;
  Event event =
      make_flow_event(flow, reason, config_.source, flow.has_analyzers() ? kAnalyzerFields : 0);
  const std::size_t summaries_from = out.size();
  if (flow.extras != nullptr) {
    for (int d = 0; d < 2; ++d) {
      if (flow.extras->stream[d] == nullptr) continue;
      AnalyzerSink sink(flow, static_cast<Direction>(d), flow.last, out, counters_);
      flow.extras->stream[d]->finish(sink);
    }
    for (auto& a : flow.extras->analyzers) a->on_end(flow, event, out);
  }
  if (inspector_ != nullptr) {
    if (out.size() > summaries_from) inspector_->on_summaries(flow, out, summaries_from);
    inspector_->on_flow_end(flow);
  }
  out.push_back(std::move(event));
  unlink(flow);
  const FlowKey key = flow.key;
  flows_.erase(key);
}

void FlowTable::feed_analyzers(Flow& flow, bool is_orig, const Packet& p, std::vector<Event>& out) {
  FlowExtras& x = *flow.extras;
  bool wanted = false;
  for (const auto& a : x.analyzers) wanted = wanted || a->wants_more();
  if (!wanted) return;
  const Direction dir = is_orig ? Direction::kOrig : Direction::kResp;
  const std::span<const std::uint8_t> data(p.payload, p.payload_len);
  if (p.proto == kProtoTcp) {
    if ((p.tcp_flags & kTcpRst) != 0) return;
    auto& stream = x.stream[static_cast<int>(dir)];
    if (stream == nullptr) stream = std::make_unique<TcpStream>(config_.stream);
    AnalyzerSink sink(flow, dir, p.ts, out, counters_);
    stream->add(p.seq, (p.tcp_flags & kTcpSyn) != 0, data, p.payload_wire_len, sink);
  } else if (p.payload_len > 0) {
    for (auto& a : x.analyzers) {
      if (a->wants_more()) a->on_payload(flow, dir, data, p.ts, out);
    }
  }
}

void FlowTable::process(const Packet& p, std::vector<Event>& out) {
  expire(p.ts, out);
  bool a_is_src = true;
  const FlowKey key = FlowKey::make(p, flow_ports(p), &a_is_src);
  auto it = flows_.find(key);
  Flow* flow = it != flows_.end() ? &it->second : nullptr;

  if (flow != nullptr && p.proto == kProtoTcp && flow->tcp != nullptr) {
    // A new connection on a closed 5-tuple: a lone SYN with another initial sequence number.
    const bool lone_syn = (p.tcp_flags & (kTcpSyn | kTcpAck | kTcpRst | kTcpFin)) == kTcpSyn;
    if (lone_syn) {
      const bool sender_orig = a_is_src == flow->orig_is_a;
      const TcpEndpoint& sender = sender_orig ? flow->tcp->orig : flow->tcp->resp;
      const bool over = flow->tcp->finished() || flow->tcp->orig.state == TcpState::kClosed ||
                        flow->tcp->resp.state == TcpState::kClosed;
      if (over && (!sender.seq_init || sender.start_seq != p.seq)) {
        ++counters_.tcp_reused;
        end(*flow, EndReason::kReused, out);
        flow = nullptr;
      }
    }
  }
  if (flow != nullptr && config_.active_timeout_ns > 0 &&
      p.ts - flow->start >= config_.active_timeout_ns) {
    // Report what it did so far and go on counting afresh (state and history carry over).
    ++counters_.flows_active_split;
    out.push_back(make_flow_event(*flow, EndReason::kActive, config_.source));
    flow->orig = {};
    flow->resp = {};
    if (flow->tcp != nullptr) {
      flow->tcp_payload_reported[0] = flow->tcp->orig.size();
      flow->tcp_payload_reported[1] = flow->tcp->resp.size();
    }
    flow->start = p.ts;
    flow->end = p.ts;
  }
  if (flow == nullptr) flow = &create(key, a_is_src, p, out);

  bool is_orig = a_is_src == flow->orig_is_a;
  EndpointStats& stats = is_orig ? flow->orig : flow->resp;
  ++stats.packets;
  stats.ip_bytes += p.ip_bytes;
  flow->last = std::max(flow->last, p.ts);
  const bool both_done = flow->tcp != nullptr && flow->tcp->orig.state >= TcpState::kClosed &&
                         flow->tcp->resp.state >= TcpState::kClosed;
  if (!both_done) flow->end = std::max(flow->end, p.ts);
  if (flow->vlan_count == 0 && p.vlan_count > 0) {
    flow->vlan_count = p.vlan_count;
    flow->vlan = p.vlan;
  }
  if (flow->tcp != nullptr) {
    bool flipped = false;
    flow->tcp->update(is_orig, p, flow->history, flipped);
    if (flipped) {
      std::swap(flow->orig_addr, flow->resp_addr);
      std::swap(flow->orig_port, flow->resp_port);
      std::swap(flow->orig, flow->resp);
      std::swap(flow->tcp_payload_reported[0], flow->tcp_payload_reported[1]);
      flow->orig_is_a = !flow->orig_is_a;
      flow->history.letters += '^';
      if (flow->extras != nullptr) std::swap(flow->extras->stream[0], flow->extras->stream[1]);
      is_orig = !is_orig;
    }
  } else {
    stats.payload_bytes += p.payload_wire_len;
    if (p.proto == kProtoUdp && p.payload_wire_len > 0) {
      flow->history.check(is_orig, 1u << 4, 'D');
    }
  }
  const std::size_t summaries_from = out.size();
  if (!flow->analyzers_offered && p.payload_wire_len > 0) attach_analyzers(*flow, out);
  if (flow->extras != nullptr) feed_analyzers(*flow, is_orig, p, out);
  if (inspector_ != nullptr) {
    if (out.size() > summaries_from) inspector_->on_summaries(*flow, out, summaries_from);
    inspector_->on_packet(p, *flow, is_orig ? Direction::kOrig : Direction::kResp, out);
  }
  unlink(*flow);
  link(*flow, list_for(*flow));
}

void FlowTable::expire(TimeNs now, std::vector<Event>& out) {
  for (int l = 0; l < kLists; ++l) {
    const TimeNs limit = timeout(static_cast<List>(l));
    while (lists_[l].head != nullptr && now - lists_[l].head->last > limit) {
      Flow& f = *lists_[l].head;
      end(f, l == kClosingList ? EndReason::kClosed : EndReason::kIdle, out);
    }
  }
}

void FlowTable::flush(std::vector<Event>& out) {
  // Oldest first, so the output keeps a stable order by last activity per list.
  for (int l = 0; l < kLists; ++l) {
    while (lists_[l].head != nullptr) end(*lists_[l].head, EndReason::kFlush, out);
  }
}

}  // namespace soc::agent::net
