// Unit tests for IPv4/IPv6 fragment reassembly (IpReassembler through the PacketProcessor and
// directly) and for the bounded in-order TCP stream reassembly (TcpStream).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <string>

#include "agent/net/ip_reassembler.h"
#include "agent/net/packet_decoder.h"
#include "agent/net/tcp_stream.h"
#include "net_test_util.h"

namespace soc::agent::net {
namespace {

using testing::int_field;
using testing::read_capture;
using testing::shared;
using testing::str_field;
using testing::u32;

// Records every UDP datagram / TCP stream piece the flow table delivers.
class Recorder final : public FlowAnalyzer {
 public:
  explicit Recorder(std::vector<std::string>* sink) : sink_(sink) {}
  void on_payload(const Flow&, Direction dir, std::span<const std::uint8_t> bytes, TimeNs,
                  std::vector<Event>&) override {
    sink_->push_back(std::string(dir == Direction::kOrig ? ">" : "<") +
                     std::string(bytes.begin(), bytes.end()));
  }

 private:
  std::vector<std::string>* sink_;
};
class RecorderFactory final : public FlowAnalyzerFactory {
 public:
  std::string_view name() const override { return "recorder"; }
  std::unique_ptr<FlowAnalyzer> create(const Flow&) override {
    ++created;
    return std::make_unique<Recorder>(&pieces);
  }
  std::vector<std::string> pieces;
  std::size_t created = 0;
};

TEST(NetReassembly, Ipv6FragmentedDnsAsZeekSeesIt) {
  auto c =
      read_capture(shared("zeek-baselines/ipv6-fragmented-dns/traces/ipv6-fragmented-dns.pcap"));
  ASSERT_TRUE(c.has_value());
  PacketProcessor proc(c->link, {});
  RecorderFactory rec;
  proc.flows().add_analyzer_factory(&rec);
  const auto events = testing::run_frames(proc, *c);
  // Zeek's core.ipv6-frag output: UDP lengths 81, 331, 82, 82, 3238 (the last one reassembled).
  std::vector<std::size_t> sizes;
  for (const std::string& p : rec.pieces) sizes.push_back(p.size() - 1);
  EXPECT_EQ(sizes, (std::vector<std::size_t>{73, 323, 74, 74, 3230}));
  EXPECT_GT(proc.fragment_counters().reassembled, 0u);
  EXPECT_EQ(proc.fragment_counters().dropped_conflict, 0u);
  ASSERT_EQ(u32(events.size()), 2u);
}

TEST(NetReassembly, RealIpv4AndIpv6FragmentedPings) {
  for (const char* path : {"pcaps/chrissanders-packets/ip_frag_source.pcapng",
                           "pcaps/chrissanders-packets/ipv6_fragments.pcapng"}) {
    SCOPED_TRACE(path);
    auto c = read_capture(shared(path));
    ASSERT_TRUE(c.has_value());
    PacketProcessor proc(c->link, {});
    const auto events = testing::run_frames(proc, *c);
    EXPECT_GT(proc.fragment_counters().reassembled, 0u);
    EXPECT_EQ(proc.fragment_counters().dropped_conflict, 0u);
    EXPECT_EQ(proc.counters().malformed.total(), 0u);
    ASSERT_FALSE(events.empty());
    // Every fragment ends up inside a flow's IP bytes: at least 1500 per reassembled datagram.
    const auto bytes = int_field(events[0], "network.bytes");
    ASSERT_TRUE(bytes.has_value());
    EXPECT_GT(*bytes, 1500);
  }
}

TEST(NetReassembly, ZeekFragmentTracesNeverCrashAndCountOverlaps) {
  std::uint64_t overlaps_or_conflicts = 0;
  for (int i = 1; i <= 4; ++i) {
    auto c = read_capture(shared("zeek-baselines/ipv4-fragments/traces/ipv4/fragmented-" +
                                 std::to_string(i) + ".pcap"));
    ASSERT_TRUE(c.has_value());
    PacketProcessor proc(c->link, {});
    testing::run_frames(proc, *c);
    const auto& fr = proc.fragment_counters();
    EXPECT_GT(fr.fragments, 0u) << i;
    overlaps_or_conflicts += fr.overlaps + fr.dropped_conflict;
  }
  // Zeek reports fragment_overlap / fragment_inconsistency weirds for these traces.
  EXPECT_GT(overlaps_or_conflicts, 0u);
}

// A synthetic IPv4/UDP datagram with `payload` bytes, cut into fragments of `chunk` bytes.
std::vector<std::vector<std::uint8_t>> fragments_v4(std::size_t payload, std::size_t chunk,
                                                    std::uint16_t id, std::uint8_t fill = 'x') {
  std::vector<std::uint8_t> l4(8 + payload, fill);
  l4[0] = 0x30;
  l4[1] = 0x39;  // sport 12345
  l4[2] = 0x00;
  l4[3] = 0x35;  // dport 53
  l4[4] = static_cast<std::uint8_t>(l4.size() >> 8);
  l4[5] = static_cast<std::uint8_t>(l4.size());
  std::vector<std::vector<std::uint8_t>> out;
  for (std::size_t off = 0; off < l4.size(); off += chunk) {
    const std::size_t n = std::min(chunk, l4.size() - off);
    // Sized once (growing a 20-byte vector with insert() trips GCC 12's -Warray-bounds at -O2).
    std::vector<std::uint8_t> ip(20 + n, 0);
    std::copy(l4.begin() + static_cast<std::ptrdiff_t>(off),
              l4.begin() + static_cast<std::ptrdiff_t>(off + n), ip.begin() + 20);
    ip[0] = 0x45;
    ip[2] = static_cast<std::uint8_t>((20 + n) >> 8);
    ip[3] = static_cast<std::uint8_t>(20 + n);
    ip[4] = static_cast<std::uint8_t>(id >> 8);
    ip[5] = static_cast<std::uint8_t>(id);
    const std::uint16_t fo =
        static_cast<std::uint16_t>((off / 8) | (off + n < l4.size() ? 0x2000 : 0));
    ip[6] = static_cast<std::uint8_t>(fo >> 8);
    ip[7] = static_cast<std::uint8_t>(fo);
    ip[8] = 64;
    ip[9] = kProtoUdp;
    const std::uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {10, 0, 0, 2};
    std::memcpy(&ip[12], src, 4);
    std::memcpy(&ip[16], dst, 4);
    out.push_back(std::move(ip));
  }
  return out;
}

struct Fed {
  int completed = 0;
  std::vector<std::uint8_t> last;
};

Fed feed(IpReassembler& r, const std::vector<std::vector<std::uint8_t>>& frags, TimeNs step = 0) {
  Fed fed;
  TimeNs t = 1'000'000'000;
  for (const auto& f : frags) {
    Packet p;
    p.ts = t;
    t += step;
    const DecodeResult d = decode_frame(LinkType::kIpv4, f.data(), u32(f.size()), u32(f.size()), p);
    EXPECT_EQ(d.status, DecodeStatus::kFragment);
    if (d.status != DecodeStatus::kFragment) continue;
    std::vector<std::uint8_t> out;
    if (r.add(p, out)) {
      ++fed.completed;
      fed.last = out;
    }
  }
  return fed;
}

TEST(NetReassembly, InOrderReversedAndDuplicated) {
  auto frags = fragments_v4(3000, 1200, 7);
  ASSERT_EQ(u32(frags.size()), 3u);
  IpReassembler r;
  Fed in_order = feed(r, frags);
  ASSERT_EQ(in_order.completed, 1);
  Packet whole;
  ASSERT_EQ(decode_ip(in_order.last.data(), u32(in_order.last.size()), false, whole).status,
            DecodeStatus::kOk);
  EXPECT_EQ(whole.proto, kProtoUdp);
  EXPECT_EQ(whole.payload_wire_len, 3000u);
  EXPECT_EQ(whole.ip_bytes, 3028u);

  std::reverse(frags.begin(), frags.end());
  EXPECT_EQ(feed(r, frags).completed, 1);

  auto dup = fragments_v4(3000, 1200, 8);
  dup.insert(dup.begin() + 1, dup[0]);  // an identical copy overlaps completely
  EXPECT_EQ(feed(r, dup).completed, 1);
  EXPECT_EQ(r.counters().overlaps, 1u);
  EXPECT_EQ(r.counters().reassembled, 3u);
  EXPECT_EQ(r.datagrams_in_progress(), 0u);
  EXPECT_EQ(r.bytes_held(), 0u);
}

TEST(NetReassembly, ConflictingOverlapDropsTheDatagram) {
  auto a = fragments_v4(3000, 1200, 9, 'a');
  auto b = fragments_v4(3000, 1200, 9, 'b');  // same id, different bytes
  IpReassembler r;
  EXPECT_EQ(feed(r, {a[0], a[1], b[1], a[2]}).completed, 0);
  EXPECT_EQ(r.counters().dropped_conflict, 1u);
}

TEST(NetReassembly, TwoDifferentEndsAreInconsistent) {
  auto a = fragments_v4(3000, 1200, 10);
  auto shorter = fragments_v4(2000, 1200, 10);
  IpReassembler r;
  EXPECT_EQ(feed(r, {a[2], shorter[1]}).completed, 0);
  EXPECT_EQ(r.counters().dropped_conflict, 1u);
}

TEST(NetReassembly, OversizedDatagrams) {
  // Beyond 65535 bytes: the decoder refuses the fragment itself.
  auto frags = fragments_v4(1000, 1200, 11);
  std::vector<std::uint8_t> f = frags[0];
  f[6] = 0x3F;  // MF + offset 0x1FFF * 8 = 65528
  f[7] = 0xFF;
  Packet p;
  EXPECT_EQ(decode_frame(LinkType::kIpv4, f.data(), u32(f.size()), u32(f.size()), p).reason,
            Malformed::kBadFragment);
  // Beyond the configured per-datagram cap: dropped and counted.
  ReassemblyLimits limits;
  limits.max_datagram_bytes = 2000;
  IpReassembler r(limits);
  EXPECT_EQ(feed(r, fragments_v4(3000, 1200, 12)).completed, 0);
  EXPECT_GE(r.counters().dropped_too_large, 1u);
}

TEST(NetReassembly, TimeoutDropsIncompleteDatagrams) {
  auto frags = fragments_v4(3000, 1200, 13);
  IpReassembler r;  // 30 s timeout
  EXPECT_EQ(feed(r, {frags[0], frags[1], frags[2]}, 31'000'000'000).completed, 0);
  EXPECT_GE(r.counters().dropped_timeout, 1u);
  // Expiry without new fragments.
  IpReassembler r2;
  EXPECT_EQ(feed(r2, {frags[0]}).completed, 0);
  EXPECT_EQ(r2.datagrams_in_progress(), 1u);
  r2.expire(100'000'000'000);
  EXPECT_EQ(r2.datagrams_in_progress(), 0u);
  EXPECT_EQ(r2.counters().dropped_timeout, 1u);
}

TEST(NetReassembly, MemoryAndDatagramCountAreBounded) {
  ReassemblyLimits limits;
  limits.max_total_bytes = 5000;
  limits.max_datagrams = 2;
  IpReassembler r(limits);
  for (std::uint16_t id = 100; id < 110; ++id) {
    auto frags = fragments_v4(3000, 1200, id);
    feed(r, {frags[0], frags[1]});  // never complete
    EXPECT_LE(r.bytes_held(), limits.max_total_bytes);
    EXPECT_LE(r.datagrams_in_progress(), limits.max_datagrams);
  }
  EXPECT_GT(r.counters().dropped_memory + r.counters().dropped_too_many, 0u);
}

// TcpStream ------------------------------------------------------------------------------

class Collect final : public StreamSink {
 public:
  void on_data(std::span<const std::uint8_t> b) override { text.append(b.begin(), b.end()); }
  void on_gap(std::uint64_t n) override { text += "[gap " + std::to_string(n) + "]"; }
  std::string text;
};

std::span<const std::uint8_t> bytes(const char* s) {
  return {reinterpret_cast<const std::uint8_t*>(s), std::strlen(s)};
}

TEST(NetTcpStream, InOrderOutOfOrderAndRetransmitted) {
  TcpStream s;
  Collect c;
  s.add(1000, true, {}, 0, c);  // SYN: data starts at 1001
  s.add(1001, false, bytes("GET "), 4, c);
  s.add(1009, false, bytes("HTTP"), 4, c);  // ahead: held
  EXPECT_EQ(c.text, "GET ");
  EXPECT_EQ(s.held_bytes(), 4u);
  s.add(1005, false, bytes("/ab "), 4, c);     // fills the hole
  s.add(1001, false, bytes("GET "), 4, c);     // retransmission: ignored
  s.add(1007, false, bytes("XXHTTP/"), 7, c);  // overlaps: only the new tail counts
  EXPECT_EQ(c.text, "GET /ab HTTP/");
  EXPECT_EQ(s.gaps(), 0u);
}

TEST(NetTcpStream, GivesUpOnHolesWhenFullAndAtTheEnd) {
  StreamLimits limits;
  limits.max_held_bytes = 8;
  TcpStream s(limits);
  Collect c;
  s.add(1, false, bytes("ab"), 2, c);
  s.add(10, false, bytes("1234"), 4, c);   // hole of 7 bytes, held
  s.add(20, false, bytes("56789"), 5, c);  // would exceed 8 held bytes: skip to held data
  EXPECT_EQ(c.text, "ab[gap 7]1234");
  s.finish(c);
  EXPECT_EQ(c.text, "ab[gap 7]1234[gap 6]56789");
  EXPECT_EQ(s.gaps(), 2u);
  EXPECT_EQ(s.gap_bytes(), 13u);
}

TEST(NetTcpStream, SnapLengthCutIsAGap) {
  TcpStream s;
  Collect c;
  s.add(100, false, bytes("abc"), 10, c);  // 10 bytes sent, 3 captured
  s.add(110, false, bytes("z"), 1, c);
  EXPECT_EQ(c.text, "abc[gap 7]z");
}

TEST(NetTcpStream, WrapsAroundTheSequenceSpace) {
  TcpStream s;
  Collect c;
  s.add(0xFFFFFFFE, false, bytes("ab"), 2, c);
  s.add(0, false, bytes("cd"), 2, c);
  EXPECT_EQ(c.text, "abcd");
}

TEST(NetTcpStream, FlowTableFeedsAnalyzersInOrder) {
  auto c = read_capture(shared("pcaps/zeek-traces/http_testmyids.pcap"));
  ASSERT_TRUE(c.has_value());
  PacketProcessor proc(c->link, {});
  RecorderFactory rec;
  proc.flows().add_analyzer_factory(&rec);
  const auto events = testing::run_frames(proc, *c);
  ASSERT_EQ(u32(events.size()), 1u);
  std::string orig, resp;
  for (const std::string& p : rec.pieces) (p[0] == '>' ? orig : resp) += p.substr(1);
  EXPECT_EQ(orig.rfind("GET / HTTP/1.1", 0), 0u) << orig;
  EXPECT_EQ(resp.rfind("HTTP/1.1 200 OK", 0), 0u) << resp;
  EXPECT_NE(resp.find("uid=0(root)"), std::string::npos);
  // The stream holds exactly the payload the flow reports.
  EXPECT_EQ(static_cast<std::int64_t>(u32(orig.size())),
            *int_field(events[0], "flow.orig_payload_bytes"));
  EXPECT_EQ(static_cast<std::int64_t>(u32(resp.size())),
            *int_field(events[0], "flow.resp_payload_bytes"));
  EXPECT_EQ(*str_field(events[0], "flow.state"), "SF");
}

// The server's stream of a capture of one TLS connection, as the analyzers get it, after
// `reorder` changed the frames.
std::string server_stream(const std::function<void(testing::Capture&)>& reorder,
                          std::uint64_t* gaps) {
  auto c = read_capture(shared("pcaps/zeek-traces/tls_chrome-34-google.pcap"));
  if (!c) return {};
  reorder(*c);
  PacketProcessor proc(c->link, {});
  RecorderFactory rec;
  proc.flows().add_analyzer_factory(&rec);
  testing::run_frames(proc, *c);
  *gaps = proc.flows().counters().stream_gaps;
  std::string resp;
  for (const std::string& p : rec.pieces) {
    if (p[0] == '<') resp += p.substr(1);
  }
  return resp;
}

// Analyzers are attached at a flow's first payload, yet a SYN seen before still places the
// stream: here the server's first two data segments arrive swapped, so the first payload of that
// direction is ahead of the stream and must be held, not taken as its start.
TEST(NetTcpStream, LateAttachedStreamStartsAtTheSynSeenBefore) {
  std::uint64_t gaps = 0;
  const std::string in_order = server_stream([](testing::Capture&) {}, &gaps);
  ASSERT_EQ(in_order.size(), 6874u);  // the flow's resp_payload_bytes
  ASSERT_EQ(gaps, 0u);
  std::size_t swapped = 0;
  const std::string reordered = server_stream(
      [&](testing::Capture& c) {
        std::vector<std::size_t> server_data;  // frames the server sent with payload
        for (std::size_t i = 0; i < c.frames.size(); ++i) {
          const testing::Frame& f = c.frames[i];
          Packet p;
          const auto r = decode_frame(c.link, f.bytes.data(), u32(f.bytes.size()), f.wirelen, p);
          if (r.status == DecodeStatus::kOk && p.proto == kProtoTcp && p.sport == 443 &&
              p.payload_len > 0) {
            server_data.push_back(i);
          }
        }
        if (server_data.size() < 2) return;
        std::swap(c.frames[server_data[0]].bytes, c.frames[server_data[1]].bytes);
        std::swap(c.frames[server_data[0]].wirelen, c.frames[server_data[1]].wirelen);
        swapped = 2;
      },
      &gaps);
  ASSERT_EQ(swapped, 2u);
  EXPECT_EQ(gaps, 0u);
  EXPECT_TRUE(reordered == in_order) << reordered.size() << " bytes";
}

// A SYN scan's flows carry no payload: no analyzer is made for them, only for the flows that
// carry some.
TEST(NetTcpStream, AnalyzersAreMadeOnlyForFlowsThatCarryPayload) {
  auto c = read_capture(shared("pcaps/chrissanders-packets/synscan.pcapng"));
  ASSERT_TRUE(c.has_value());
  PacketProcessor proc(c->link, {});
  RecorderFactory rec;
  proc.flows().add_analyzer_factory(&rec);
  const auto events = testing::run_frames(proc, *c);
  std::size_t with_payload = 0;
  for (const Event& e : events) {
    if (*int_field(e, "flow.orig_payload_bytes") + *int_field(e, "flow.resp_payload_bytes") > 0) {
      ++with_payload;
    }
  }
  EXPECT_GT(events.size(), 1000u);
  EXPECT_EQ(rec.created, with_payload);
}

}  // namespace
}  // namespace soc::agent::net
