// The flow event: which fields a Flow becomes, per protocol, and that the field vector is
// sized exactly (events wait in batches; a spare slot costs memory per event).
#include "agent/net/flow_event.h"

#include <gtest/gtest.h>

#include "net_test_util.h"

namespace soc::agent::net {
namespace {

using testing::int_field;
using testing::ip_field;
using testing::str_field;

Flow udp_flow() {
  Flow flow;
  flow.orig_addr = {10, 0, 0, 5};
  flow.resp_addr = {10, 0, 0, 53};
  flow.orig_port = 40000;
  flow.resp_port = 53;
  flow.proto = kProtoUdp;
  flow.ip_version = 4;
  flow.start = 1'000'000'000;
  flow.end = 1'250'000'000;
  flow.orig = {1, 60, 32};
  flow.resp = {1, 120, 92};
  return flow;
}

TEST(NetFlowEvent, UdpFlowFields) {
  const Event e = make_flow_event(udp_flow(), EndReason::kIdle, "eth0");
  EXPECT_EQ(e.kind, EventKind::kFlow);
  EXPECT_EQ(e.source, "eth0");
  EXPECT_EQ(e.time_ns, 1'000'000'000);
  EXPECT_EQ(ip_field(e, "source.ip"), "10.0.0.5");
  EXPECT_EQ(int_field(e, "source.port"), 40000);
  EXPECT_EQ(ip_field(e, "destination.ip"), "10.0.0.53");
  EXPECT_EQ(int_field(e, "destination.port"), 53);
  EXPECT_EQ(*str_field(e, "network.transport"), "udp");
  EXPECT_EQ(*str_field(e, "network.iana_number"), "17");
  EXPECT_EQ(*str_field(e, "network.type"), "ipv4");
  EXPECT_EQ(str_field(e, "network.community_id")->rfind("1:", 0), 0U);
  EXPECT_EQ(str_field(e, "network.community_id")->size(), 30U);  // "1:" + base64 of 20 bytes
  EXPECT_EQ(int_field(e, "network.bytes"), 180);
  EXPECT_EQ(int_field(e, "network.packets"), 2);
  EXPECT_EQ(int_field(e, "source.bytes"), 60);
  EXPECT_EQ(int_field(e, "destination.packets"), 1);
  EXPECT_EQ(int_field(e, "event.duration"), 250'000'000);
  EXPECT_EQ(int_field(e, "flow.orig_payload_bytes"), 32);
  EXPECT_EQ(int_field(e, "flow.resp_payload_bytes"), 92);
  EXPECT_EQ(*str_field(e, "flow.end_reason"), "idle");
  EXPECT_EQ(e.find("flow.icmp.type"), nullptr);
  EXPECT_EQ(e.find("network.vlan.id"), nullptr);
  EXPECT_EQ(e.fields.capacity(), e.fields.size());
}

TEST(NetFlowEvent, IcmpFlowHasTypeAndCodeButNoPorts) {
  Flow flow = udp_flow();
  flow.proto = kProtoIcmp;
  flow.orig_port = 8;
  flow.resp_port = 0;
  flow.icmp_type = 8;
  const Event e = make_flow_event(flow, EndReason::kFlush, "eth0");
  EXPECT_EQ(*str_field(e, "network.transport"), "icmp");
  EXPECT_EQ(e.find("source.port"), nullptr);
  EXPECT_EQ(e.find("destination.port"), nullptr);
  EXPECT_EQ(int_field(e, "flow.icmp.type"), 8);
  EXPECT_EQ(int_field(e, "flow.icmp.code"), 0);
  EXPECT_EQ(e.fields.capacity(), e.fields.size());
}

TEST(NetFlowEvent, VlanTagsOuterAndInner) {
  Flow flow = udp_flow();
  flow.vlan_count = 2;
  flow.vlan = {100, 7};
  const Event e = make_flow_event(flow, EndReason::kActive, "eth0");
  EXPECT_EQ(*str_field(e, "network.vlan.id"), "100");
  EXPECT_EQ(*str_field(e, "network.inner.vlan.id"), "7");
  EXPECT_EQ(*str_field(e, "flow.end_reason"), "active");
  EXPECT_EQ(e.fields.capacity(), e.fields.size());
}

TEST(NetFlowEvent, SpareRoomForTheAnalyzersFields) {
  Event e = make_flow_event(udp_flow(), EndReason::kIdle, "eth0", 3);
  EXPECT_EQ(e.fields.capacity(), e.fields.size() + 3);
  const Field* first = e.fields.data();
  append_string(e.fields, "network.protocol", "dns");
  EXPECT_EQ(e.fields.data(), first);  // not moved
}

TEST(NetFlowEvent, OtherProtocolsAreNamedByNumberWithoutPorts) {
  Flow flow = udp_flow();
  flow.proto = 89;  // OSPF
  flow.ip_version = 6;
  const Event e = make_flow_event(flow, EndReason::kIdle, "eth0");
  EXPECT_EQ(*str_field(e, "network.transport"), "89");
  EXPECT_EQ(*str_field(e, "network.type"), "ipv6");
  EXPECT_EQ(e.find("source.port"), nullptr);
  EXPECT_EQ(e.fields.capacity(), e.fields.size());
}

}  // namespace
}  // namespace soc::agent::net
