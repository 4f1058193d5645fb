// Unit tests for the pcap source: config keys (through make_sources, like agent.yaml), file
// replay through poll(), the checkpoint of a file read to its end, and errors.
#include "agent/sources/pcap_source.h"

#include <gtest/gtest.h>

#include <map>

#include "agent/sources/source_factory.h"
#include "net_test_util.h"

namespace soc::agent {
namespace {

using net::testing::int_field;
using net::testing::shared;
using net::testing::str_field;
using net::testing::u32;

const std::string kWikipedia = "zeek-baselines/wikipedia-conn-dns-http/traces/wikipedia.pcap";

Result<SourceSet> build(const std::string& yaml, Config** keep = nullptr) {
  static std::optional<Config> config;
  auto parsed = Config::parse(yaml, "agent.yaml");
  if (!parsed) return tl::unexpected(parsed.error());
  config.emplace(std::move(*parsed));
  if (keep != nullptr) *keep = &*config;
  static ActiveRules rules;
  return make_sources(*config, rules);
}

TEST(PcapSource, BuiltFromConfigAndReadsAFile) {
  Config* config = nullptr;
  auto set = build("sources:\n  - type: pcap\n    name: replay\n    file: " + shared(kWikipedia) +
                       "\n    max_flows: 1000\n    udp_timeout_s: 60\n",
                   &config);
  ASSERT_TRUE(set.has_value()) << set.error().message;
  EXPECT_TRUE(config->check_unknown_keys().has_value());
  ASSERT_EQ(set->sources.size(), 1u);
  Source& source = *set->sources[0];
  EXPECT_EQ(source.name(), "replay");
  std::vector<Event> events;
  for (int i = 0; i < 100; ++i) source.poll(events, 10);
  std::map<EventKind, std::uint32_t> kinds;
  for (const Event& e : events) {
    ++kinds[e.kind];
    EXPECT_EQ(e.source, shared(kWikipedia));
    if (e.kind == EventKind::kFlow) {
      EXPECT_NE(str_field(e, "network.community_id"), nullptr);
    }
  }
  EXPECT_EQ(kinds[EventKind::kFlow], 34u);  // Zeek's conn.log of this trace has 34 rows
  // The protocol analyzers run in the source: Zeek logs 34 DNS and 14 HTTP transactions here;
  // we also summarise the request of port 35634, a connection seen from mid-stream (OTH, no
  // handshake) whose HTTP Zeek does not analyse.
  EXPECT_EQ(kinds[EventKind::kDns], 34u);
  EXPECT_EQ(kinds[EventKind::kHttp], 15u);
  const auto counters = source.counters();
  EXPECT_EQ(counters.at("packets"), 136u);
  EXPECT_EQ(counters.at("malformed"), 0u);
  EXPECT_EQ(counters.at("flows_active"), 0u);
  EXPECT_EQ(counters.at("decoded"), 0u);  // no line decoder runs on flows
}

TEST(PcapSource, PollGivesAtMostMaxEvents) {
  PcapSourceConfig pc;
  pc.capture.file = shared(kWikipedia);
  auto source = PcapSource::open(pc);
  ASSERT_TRUE(source.has_value());
  std::vector<Event> events;
  std::size_t polls = 0;
  while (!(*source)->finished() || events.size() < 34) {
    const std::size_t got = (*source)->poll(events, 3);
    EXPECT_LE(got, 3u);
    ASSERT_LT(++polls, 1000u);
    if ((*source)->finished() && got == 0) break;
  }
  EXPECT_GE(u32(events.size()), 34u);
}

TEST(PcapSource, AFileReadToItsEndIsNotReadAgain) {
  PcapSourceConfig pc;
  pc.capture.file = shared(kWikipedia);
  auto first = PcapSource::open(pc);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ((*first)->checkpoint(), nlohmann::json::object());  // not finished yet
  std::vector<Event> events;
  while (!(*first)->finished()) (*first)->poll(events, 1000);
  (*first)->flush(events);
  const nlohmann::json saved = (*first)->checkpoint();
  ASSERT_TRUE(saved.contains("finished"));

  auto second = PcapSource::open(pc);
  ASSERT_TRUE(second.has_value());
  ASSERT_TRUE((*second)->restore(saved).has_value());
  std::vector<Event> again;
  (*second)->poll(again, 1000);
  EXPECT_TRUE(again.empty());
  EXPECT_TRUE((*second)->finished());
  EXPECT_FALSE((*second)->restore(nlohmann::json::array()).has_value());
}

TEST(PcapSource, ConfigErrorsNameTheKey) {
  auto both = build("sources:\n  - type: pcap\n    file: a.pcap\n    interface: eth0\n");
  ASSERT_FALSE(both.has_value());
  EXPECT_NE(both.error().message.find("exactly one of"), std::string::npos) << both.error().message;
  auto none = build("sources:\n  - type: pcap\n");
  ASSERT_FALSE(none.has_value());
  auto bad =
      build("sources:\n  - type: pcap\n    file: " + shared(kWikipedia) + "\n    snaplen: 10\n");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("sources.0.snaplen"), std::string::npos);
  auto missing = build("sources:\n  - type: pcap\n    file: /nonexistent/x.pcap\n");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("/nonexistent/x.pcap"), std::string::npos);
  auto filter = build("sources:\n  - type: pcap\n    file: " + shared(kWikipedia) +
                      "\n    bpf_filter: 'tcp port nonsense'\n");
  ASSERT_FALSE(filter.has_value());
  EXPECT_NE(filter.error().message.find("bpf_filter"), std::string::npos);
  Config* config = nullptr;
  auto typo = build("sources:\n  - type: pcap\n    file: " + shared(kWikipedia) +
                        "\n    format: syslog\n    max_flow: 3\n",
                    &config);
  ASSERT_TRUE(typo.has_value());
  auto unknown = config->check_unknown_keys();
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("max_flow"), std::string::npos);
  EXPECT_NE(unknown.error().message.find("format"), std::string::npos);
}

TEST(PcapSource, BpfFilterApplies) {
  PcapSourceConfig pc;
  pc.capture.file = shared(kWikipedia);
  pc.capture.bpf_filter = "tcp";
  auto source = PcapSource::open(pc);
  ASSERT_TRUE(source.has_value()) << source.error().message;
  std::vector<Event> events;
  while (!(*source)->finished()) (*source)->poll(events, 1000);
  (*source)->poll(events, 1000);
  std::uint32_t flows = 0;
  for (const Event& e : events) {
    if (e.kind != EventKind::kFlow) continue;
    ++flows;
    EXPECT_EQ(*str_field(e, "network.transport"), "tcp");
  }
  EXPECT_EQ(flows, 10u);  // the 10 TCP rows of Zeek's conn.log
}

}  // namespace
}  // namespace soc::agent
