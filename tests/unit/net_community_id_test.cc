// Community ID v1 against Zeek's baselines (zeek-baselines/community-id): each expected hash
// computed from its tuple, and found among the flows of the trace it came from.
#include "agent/net/community_id.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "agent/net/flow_key.h"
#include "net_test_util.h"

namespace soc::agent::net {
namespace {

using testing::read_capture;
using testing::shared;
using testing::str_field;
using testing::u32;

TEST(NetCommunityId, SpecExampleShapes) {
  CommunityIdInput in;
  const auto a = IpAddress::parse("128.232.110.120");
  const auto b = IpAddress::parse("66.35.250.204");
  ASSERT_TRUE(a && b);
  in.src = a->bytes;
  in.dst = b->bytes;
  in.proto = kProtoTcp;
  in.sport = 34855;
  in.dport = 80;
  const std::string forward = community_id_v1(in);
  std::swap(in.src, in.dst);
  std::swap(in.sport, in.dport);
  EXPECT_EQ(community_id_v1(in), forward);               // direction-independent
  EXPECT_EQ(forward, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");  // Zeek's tcp.pcap baseline
}

struct Expected {
  std::string orig_h, resp_h, hash;
  int orig_p = 0, resp_p = 0, proto = 0;
};

std::vector<Expected> read_baseline(const std::string& path) {
  static const std::regex line_re(
      R"(\[orig_h=([^,]+), orig_p=(\d+)/\w+, resp_h=([^,]+), resp_p=(\d+)/\w+, proto=(\d+).*\], (1:\S+))");
  std::vector<Expected> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, line_re)) continue;
    out.push_back({m[1], m[3], m[6], std::stoi(m[2]), std::stoi(m[4]), std::stoi(m[5])});
  }
  return out;
}

TEST(NetCommunityId, MatchesZeekBaselines) {
  const std::string dir =
      shared("zeek-baselines/community-id/baseline/bifs.community_id.run-pcaps");
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string file = entry.path().filename().string();  // e.g. icmp6.pcap.out
    const std::string pcap = file.substr(0, file.size() - 4);
    SCOPED_TRACE(file);
    const std::vector<Expected> expected = read_baseline(entry.path().string());
    // From the tuple alone.
    for (const Expected& e : expected) {
      const auto o = IpAddress::parse(e.orig_h);
      const auto r = IpAddress::parse(e.resp_h);
      ASSERT_TRUE(o && r);
      Packet p;
      p.proto = static_cast<std::uint8_t>(e.proto);
      p.icmp_type = static_cast<std::uint8_t>(e.orig_p);
      p.icmp_code = static_cast<std::uint8_t>(e.resp_p);
      p.sport = static_cast<std::uint16_t>(e.orig_p);
      p.dport = static_cast<std::uint16_t>(e.resp_p);
      const FlowPorts ports = flow_ports(p);
      CommunityIdInput in;
      in.src = o->bytes;
      in.dst = r->bytes;
      in.v6 = !o->is_v4;
      in.proto = p.proto;
      in.sport = ports.src;
      in.dport = ports.dst;
      in.one_way = ports.one_way;
      EXPECT_EQ(community_id_v1(in), e.hash) << e.orig_h << " " << e.orig_p << " -> " << e.resp_h;
      ++checked;
    }
    // From the flows of the trace.
    auto c = read_capture(shared("zeek-baselines/community-id/traces/communityid/" + pcap));
    ASSERT_TRUE(c.has_value());
    PacketProcessor proc(c->link, {});
    std::set<std::string> ours;
    for (const Event& ev : testing::run_frames(proc, *c)) {
      if (const std::string* id = str_field(ev, "network.community_id")) ours.insert(*id);
    }
    for (const Expected& e : expected) EXPECT_TRUE(ours.contains(e.hash)) << e.hash;
  }
  EXPECT_GE(checked, 18);
}

TEST(NetCommunityId, ConnLogOfHttpGet) {
  // scripts.policy.protocols.conn.community-id-logging: http/get.pcap's one flow.
  auto c = read_capture(shared("zeek-baselines/community-id/traces/http/get.pcap"));
  ASSERT_TRUE(c.has_value());
  PacketProcessor proc(c->link, {});
  const auto events = testing::run_frames(proc, *c);
  ASSERT_EQ(u32(events.size()), 1u);
  EXPECT_EQ(*str_field(events[0], "network.community_id"), "1:yvyB8h+3dnggTZW0UEITWCst97w=");
}

}  // namespace
}  // namespace soc::agent::net
