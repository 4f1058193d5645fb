// Unit tests for agent/net/packet_decoder: every link type and encapsulation on real captures
// (read in place from SOC_SHARED_DATA), IPv6 extension headers, and hostile bytes (every
// truncation of real frames, random garbage): never a crash, every frame accounted for.
#include "agent/net/packet_decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "net_test_util.h"

namespace soc::agent::net {
namespace {

using testing::Capture;
using testing::Frame;
using testing::read_capture;
using testing::shared;
using testing::u32;

struct Tally {
  int ok = 0, fragment = 0, not_ip = 0, malformed = 0;
};

Tally decode_all(const Capture& c, std::vector<Packet>* packets = nullptr) {
  Tally t;
  for (const Frame& f : c.frames) {
    Packet p;
    const DecodeResult r = decode_frame(
        c.link, f.bytes.data(), static_cast<std::uint32_t>(u32(f.bytes.size())), f.wirelen, p);
    switch (r.status) {
      case DecodeStatus::kOk:
        ++t.ok;
        if (packets != nullptr) packets->push_back(p);
        break;
      case DecodeStatus::kFragment:
        ++t.fragment;
        break;
      case DecodeStatus::kNotIp:
        ++t.not_ip;
        break;
      case DecodeStatus::kMalformed:
        ++t.malformed;
        ADD_FAILURE() << "malformed: " << malformed_name(r.reason);
        break;
    }
  }
  return t;
}

TEST(NetDecoder, LinkTypesFromDlt) {
  EXPECT_EQ(link_type_from_dlt(1), LinkType::kEthernet);
  EXPECT_EQ(link_type_from_dlt(113), LinkType::kLinuxSll);
  EXPECT_EQ(link_type_from_dlt(276), LinkType::kLinuxSll2);
  EXPECT_EQ(link_type_from_dlt(12), LinkType::kRaw);
  EXPECT_EQ(link_type_from_dlt(101), LinkType::kRaw);
  EXPECT_EQ(link_type_from_dlt(228), LinkType::kIpv4);
  EXPECT_EQ(link_type_from_dlt(229), LinkType::kIpv6);
  EXPECT_EQ(link_type_from_dlt(0), LinkType::kNull);
  EXPECT_EQ(link_type_from_dlt(108), LinkType::kLoop);
  EXPECT_FALSE(link_type_from_dlt(105).has_value());  // 802.11
}

TEST(NetDecoder, EthernetHttp) {
  auto c = read_capture(shared("pcaps/zeek-traces/http_testmyids.pcap"));
  ASSERT_TRUE(c.has_value());
  ASSERT_EQ(c->link, LinkType::kEthernet);
  std::vector<Packet> packets;
  const Tally t = decode_all(*c, &packets);
  EXPECT_EQ(t.ok, 10);
  for (const Packet& p : packets) {
    EXPECT_EQ(p.ip_version, 4);
    EXPECT_EQ(p.proto, kProtoTcp);
    EXPECT_TRUE(p.sport == 80 || p.dport == 80);
  }
}

TEST(NetDecoder, LinuxCookedV1) {
  auto c = read_capture(shared("suricata-verify/tests/output-multi-eve/input.pcap"));
  ASSERT_TRUE(c.has_value());
  ASSERT_EQ(c->link, LinkType::kLinuxSll);
  std::vector<Packet> packets;
  const Tally t = decode_all(*c, &packets);
  EXPECT_GT(t.ok, 0);
  EXPECT_EQ(t.malformed, 0);
  bool tcp = false;
  for (const Packet& p : packets) tcp = tcp || p.proto == kProtoTcp;
  EXPECT_TRUE(tcp);
}

TEST(NetDecoder, RawIp) {
  auto c = read_capture(shared("suricata-verify/tests/bug-5758/input.pcap"));
  ASSERT_TRUE(c.has_value());
  ASSERT_EQ(c->link, LinkType::kRaw);
  const Tally t = decode_all(*c);
  EXPECT_EQ(t.ok, static_cast<int>(c->frames.size()));
}

TEST(NetDecoder, QinQTags) {
  auto c = read_capture(shared("zeek-baselines/vlan-qinq/traces/q-in-q.pcap"));
  ASSERT_TRUE(c.has_value());
  std::vector<Packet> packets;
  decode_all(*c, &packets);
  ASSERT_FALSE(packets.empty());
  for (const Packet& p : packets) {  // Zeek's vlan-logging baseline: vlan 13, inner_vlan 10
    EXPECT_EQ(p.vlan_count, 2);
    EXPECT_EQ(p.vlan[0], 13);
    EXPECT_EQ(p.vlan[1], 10);
  }
}

TEST(NetDecoder, TripleTagsKeepOuterTwo) {
  auto c = read_capture(shared("pcaps/zeek-traces/vlan-qinqinq.pcap"));
  ASSERT_TRUE(c.has_value());
  std::vector<Packet> packets;
  decode_all(*c, &packets);
  ASSERT_FALSE(packets.empty());
  for (const Packet& p : packets) {
    EXPECT_EQ(p.vlan_count, 2);
    EXPECT_EQ(p.vlan[0], 30);
    EXPECT_EQ(p.vlan[1], 20);
  }
}

TEST(NetDecoder, VlanZeroAndMpls) {
  auto v0 = read_capture(shared("zeek-baselines/vlan-qinq/traces/http-vlan-0.pcap"));
  ASSERT_TRUE(v0.has_value());
  std::vector<Packet> packets;
  decode_all(*v0, &packets);
  ASSERT_FALSE(packets.empty());
  EXPECT_EQ(packets[0].vlan_count, 1);
  EXPECT_EQ(packets[0].vlan[0], 0);
  auto mpls = read_capture(shared("zeek-baselines/vlan-qinq/traces/mixed-vlan-mpls.pcap"));
  ASSERT_TRUE(mpls.has_value());
  const Tally t = decode_all(*mpls);
  EXPECT_GT(t.ok, 20);
  EXPECT_EQ(t.malformed, 0);
}

// Re-frames the IP packets of a real Ethernet capture in every other link type and checks
// that each decodes to the same packet.
TEST(NetDecoder, EveryLinkTypeDecodesTheSameIpPackets) {
  auto c = read_capture(shared("pcaps/chrissanders-packets/http_ip4and6.pcapng"));
  ASSERT_TRUE(c.has_value());
  int v4 = 0, v6 = 0;
  for (const Frame& f : c->frames) {
    Packet eth;
    if (decode_frame(LinkType::kEthernet, f.bytes.data(), u32(f.bytes.size()), u32(f.bytes.size()),
                     eth)
            .status != DecodeStatus::kOk) {
      continue;
    }
    const std::vector<std::uint8_t> ip(f.bytes.begin() + 14, f.bytes.end());
    const bool is6 = eth.ip_version == 6;
    (is6 ? v6 : v4)++;
    const std::uint16_t ethertype = is6 ? 0x86DD : 0x0800;
    auto with = [&](std::vector<std::uint8_t> header) {
      header.insert(header.end(), ip.begin(), ip.end());
      return header;
    };
    std::vector<std::pair<LinkType, std::vector<std::uint8_t>>> frames;
    std::vector<std::uint8_t> sll(16, 0);
    sll[14] = static_cast<std::uint8_t>(ethertype >> 8);
    sll[15] = static_cast<std::uint8_t>(ethertype & 0xFF);
    frames.emplace_back(LinkType::kLinuxSll, with(sll));
    std::vector<std::uint8_t> sll2(20, 0);
    sll2[0] = static_cast<std::uint8_t>(ethertype >> 8);
    sll2[1] = static_cast<std::uint8_t>(ethertype & 0xFF);
    frames.emplace_back(LinkType::kLinuxSll2, with(sll2));
    frames.emplace_back(LinkType::kRaw, ip);
    frames.emplace_back(is6 ? LinkType::kIpv6 : LinkType::kIpv4, ip);
    const std::uint8_t family = is6 ? 30 : 2;                       // Darwin's AF_INET6
    frames.emplace_back(LinkType::kNull, with({family, 0, 0, 0}));  // little-endian writer
    frames.emplace_back(LinkType::kNull, with({0, 0, 0, family}));  // big-endian writer
    frames.emplace_back(LinkType::kLoop, with({0, 0, 0, family}));
    for (const auto& [link, bytes] : frames) {
      Packet p;
      const DecodeResult r =
          decode_frame(link, bytes.data(), u32(bytes.size()), u32(bytes.size()), p);
      ASSERT_EQ(r.status, DecodeStatus::kOk) << link_type_name(link);
      EXPECT_EQ(p.ip_version, eth.ip_version) << link_type_name(link);
      EXPECT_EQ(p.src, eth.src);
      EXPECT_EQ(p.dst, eth.dst);
      EXPECT_EQ(p.proto, eth.proto);
      EXPECT_EQ(p.sport, eth.sport);
      EXPECT_EQ(p.dport, eth.dport);
      EXPECT_EQ(p.payload_wire_len, eth.payload_wire_len);
    }
    // A link layer that announces the other IP version is malformed, not misread.
    Packet p;
    const auto wrong = decode_frame(is6 ? LinkType::kIpv4 : LinkType::kIpv6, ip.data(),
                                    u32(ip.size()), u32(ip.size()), p);
    EXPECT_EQ(wrong.status, DecodeStatus::kMalformed);
  }
  EXPECT_GT(v4, 0);
  EXPECT_GT(v6, 0);
}

std::vector<std::uint8_t> ipv6_udp(const std::vector<std::vector<std::uint8_t>>& ext,
                                   std::uint8_t first_next) {
  std::vector<std::uint8_t> body;
  for (const auto& e : ext) body.insert(body.end(), e.begin(), e.end());
  const std::vector<std::uint8_t> udp = {0x12, 0x34, 0x00, 0x35, 0x00, 0x0C,
                                         0,    0,    'a',  'b',  'c',  'd'};
  body.insert(body.end(), udp.begin(), udp.end());
  // Sized once (growing a 40-byte vector with insert() trips GCC 12's -Warray-bounds at -O2).
  std::vector<std::uint8_t> pkt(40 + body.size(), 0);
  std::copy(body.begin(), body.end(), pkt.begin() + 40);
  pkt[0] = 0x60;
  pkt[4] = static_cast<std::uint8_t>(body.size() >> 8);
  pkt[5] = static_cast<std::uint8_t>(u32(body.size()));
  pkt[6] = first_next;
  pkt[7] = 64;
  pkt[23] = 1;  // src ::1
  pkt[39] = 2;  // dst ::2
  return pkt;
}

TEST(NetDecoder, Ipv6ExtensionHeaders) {
  // hop-by-hop -> destination options -> routing -> AH -> atomic fragment -> UDP
  const std::vector<std::vector<std::uint8_t>> chain = {
      {60, 0, 1, 4, 0, 0, 0, 0},              // HBH (8 bytes), next: dest opts
      {43, 0, 1, 4, 0, 0, 0, 0},              // dest opts, next: routing
      {51, 0, 0, 0, 0, 0, 0, 0},              // routing (8 bytes), next: AH
      {44, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0},  // AH: (1 + 2) * 4 = 12 bytes, next: fragment
      {17, 0, 0, 0, 0, 0, 0, 9},              // atomic fragment (offset 0, M=0), next: UDP
  };
  const auto pkt = ipv6_udp(chain, 0);
  Packet p;
  const DecodeResult r =
      decode_frame(LinkType::kIpv6, pkt.data(), u32(pkt.size()), u32(pkt.size()), p);
  ASSERT_EQ(r.status, DecodeStatus::kOk) << malformed_name(r.reason);
  EXPECT_EQ(p.proto, kProtoUdp);
  EXPECT_EQ(p.sport, 0x1234);
  EXPECT_EQ(p.dport, 53);
  EXPECT_EQ(p.payload_wire_len, 4u);

  // Too long a chain.
  std::vector<std::vector<std::uint8_t>> long_chain(
      kMaxIpv6ExtHeaders + 1, std::vector<std::uint8_t>{0, 0, 0, 0, 0, 0, 0, 0});
  long_chain.back()[0] = 17;
  const auto too_long = ipv6_udp(long_chain, 0);
  const auto r2 =
      decode_frame(LinkType::kIpv6, too_long.data(), u32(too_long.size()), u32(too_long.size()), p);
  EXPECT_EQ(r2.status, DecodeStatus::kMalformed);
  EXPECT_EQ(r2.reason, Malformed::kTooManyIpv6Ext);

  // An extension header claiming more than there is.
  auto lying = ipv6_udp({{17, 200, 0, 0, 0, 0, 0, 0}}, 0);
  const auto r3 =
      decode_frame(LinkType::kIpv6, lying.data(), u32(lying.size()), u32(lying.size()), p);
  EXPECT_EQ(r3.status, DecodeStatus::kMalformed);
  EXPECT_EQ(r3.reason, Malformed::kTruncatedIpv6Ext);
}

// Runs every prefix of every frame through a processor: no crash, and every frame ends up
// counted exactly once as decoded, not-IP or malformed.
void truncate_everything(const Capture& c, std::size_t max_frames) {
  PacketProcessor proc(c.link, {});
  std::vector<Event> out;
  std::uint64_t offered = 0;
  for (std::size_t i = 0; i < c.frames.size() && i < max_frames; ++i) {
    const Frame& f = c.frames[i];
    for (std::size_t len = 0; len <= f.bytes.size(); ++len) {
      // As if the wire frame were this long (malformed lengths) and as if cut by a snap
      // length (the rest missing).
      proc.process(f.bytes.data(), static_cast<std::uint32_t>(len), static_cast<std::uint32_t>(len),
                   f.ts, out);
      proc.process(f.bytes.data(), static_cast<std::uint32_t>(len), f.wirelen, f.ts, out);
      offered += 2;
    }
  }
  proc.flush(out);
  const ProcessorCounters& k = proc.counters();
  EXPECT_EQ(k.packets, offered);
  EXPECT_EQ(k.ip_packets + k.non_ip + k.malformed.total(), offered);
  EXPECT_GT(k.malformed.count[static_cast<int>(Malformed::kTruncatedLink)] +
                k.malformed.count[static_cast<int>(Malformed::kTruncatedIpv4)] +
                k.malformed.count[static_cast<int>(Malformed::kTruncatedIpv6)],
            0u);
}

TEST(NetDecoder, EveryTruncationOfRealFramesIsCounted) {
  for (const char* path : {"pcaps/chrissanders-packets/http_ip4and6.pcapng",
                           "suricata-verify/tests/output-multi-eve/input.pcap",
                           "suricata-verify/tests/bug-5758/input.pcap",
                           "zeek-baselines/vlan-qinq/traces/mixed-vlan-mpls.pcap",
                           "zeek-baselines/ipv6-fragmented-dns/traces/ipv6-fragmented-dns.pcap",
                           "pcaps/chrissanders-packets/ip_frag_source.pcapng"}) {
    SCOPED_TRACE(path);
    auto c = read_capture(shared(path));
    ASSERT_TRUE(c.has_value());
    truncate_everything(*c, 40);
  }
}

TEST(NetDecoder, RandomGarbageAndBitFlipsAreCounted) {
  std::mt19937 rng(12345);
  auto c = read_capture(shared("zeek-baselines/wikipedia-conn-dns-http/traces/wikipedia.pcap"));
  ASSERT_TRUE(c.has_value());
  for (LinkType link :
       {LinkType::kEthernet, LinkType::kLinuxSll, LinkType::kLinuxSll2, LinkType::kRaw,
        LinkType::kIpv4, LinkType::kIpv6, LinkType::kNull, LinkType::kLoop}) {
    PacketProcessor proc(link, {});
    std::vector<Event> out;
    std::uint64_t offered = 0;
    for (int i = 0; i < 3000; ++i) {
      std::vector<std::uint8_t> bytes(rng() % 200);
      for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
      // Nudge half of them towards plausible headers so deeper code runs.
      if (!bytes.empty() && (i & 1) != 0) bytes[0] = (rng() & 1) != 0 ? 0x45 : 0x60;
      proc.process(bytes.data(), u32(bytes.size()), u32(bytes.size()), i * 1000, out);
      ++offered;
    }
    for (const Frame& f : c->frames) {  // real frames with random bit flips
      std::vector<std::uint8_t> bytes = f.bytes;
      for (int flips = 0; flips < 4 && !bytes.empty(); ++flips) {
        bytes[rng() % bytes.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      }
      proc.process(bytes.data(), u32(bytes.size()), f.wirelen, f.ts, out);
      ++offered;
    }
    proc.flush(out);
    const ProcessorCounters& k = proc.counters();
    EXPECT_EQ(k.ip_packets + k.non_ip + k.malformed.total(), offered) << link_type_name(link);
    EXPECT_GT(k.malformed.total(), 0u) << link_type_name(link);
  }
}

}  // namespace
}  // namespace soc::agent::net
