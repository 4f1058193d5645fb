// Capture files to flows on one core, against reading the same files with libpcap alone (the
// floor) in the same run; and the memory of the flow table per 100,000 flows (the heap in use,
// as the agent's allocator counts it, around inserting 100,000 synthetic flows).
// Reports bytes/s (Google Benchmark's own), Mbit/s and packets/s for both read paths.
#include <benchmark/benchmark.h>
#include <pcap/pcap.h>

#include <cstring>
#include <string>
#include <vector>

#include "agent/allocator.h"
#include "agent/net/flow_event.h"
#include "agent/net/packet_processor.h"
#include "agent/net/pcap_capture.h"
#include "agent/net/protocols/default_analyzers.h"
#include "agent/packet_matcher.h"
#include "signatures/packet/rule_loader.h"

namespace {

using namespace soc::agent::net;

// The largest traces in the shared data (all Ethernet): SSH sessions with bulk transfers, an
// exploit-kit infection, RAT beacons, a SYN scan, HTTP. Argument 0: all of them (a scan-heavy
// mix, one flow per three packets); 1: ssh.pcap alone (few long flows, 1.3 MB).
const std::vector<std::string>& all_files() {
  static const std::vector<std::string> f = [] {
    const std::string d = SOC_SHARED_DATA;
    return std::vector<std::string>{
        d + "/zeek-baselines/ssh-basic/traces/ssh/ssh.pcap",
        d + "/pcaps/chrissanders-packets/ek_to_cryptowall4.pcapng",
        d + "/pcaps/chrissanders-packets/ratinfected.pcapng",
        d + "/pcaps/chrissanders-packets/synscan.pcapng",
        d + "/zeek-baselines/ssh-bruteforce/traces/ssh/sshguess.pcap",
        d + "/zeek-baselines/ftp-bruteforce/traces/ftp/bruteforce.pcap",
        d + "/zeek-baselines/wikipedia-conn-dns-http/traces/wikipedia.pcap"};
  }();
  return f;
}

std::vector<std::string> files_for(const benchmark::State& state) {
  if (state.range(0) == 1) return {all_files()[0]};
  return all_files();
}

void set_rates(benchmark::State& state, std::uint64_t bytes, std::uint64_t packets) {
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.counters["Mbit/s"] =
      benchmark::Counter(static_cast<double>(bytes) * 8 / 1e6, benchmark::Counter::kIsRate);
  state.counters["packets/s"] =
      benchmark::Counter(static_cast<double>(packets), benchmark::Counter::kIsRate);
}

// The floor: libpcap reads every packet and we touch its first and last byte.
void BM_LibpcapReadOnly(benchmark::State& state) {
  std::uint64_t bytes = 0, packets = 0, sink = 0;
  for (auto _ : state) {
    for (const std::string& f : files_for(state)) {
      CaptureOptions o;
      o.file = f;
      auto cap = PcapCapture::open(o);
      if (!cap) {
        state.SkipWithError(cap.error().message.c_str());
        return;
      }
      while (!(*cap)->at_end()) {
        auto n = (*cap)->dispatch(
            4096, [&](soc::TimeNs, const std::uint8_t* d, std::uint32_t caplen, std::uint32_t len) {
              sink += caplen > 0 ? d[0] + d[caplen - 1] : 0;
              bytes += len;
              ++packets;
            });
        if (!n) break;
      }
    }
  }
  benchmark::DoNotOptimize(sink);
  set_rates(state, bytes, packets);
}
BENCHMARK(BM_LibpcapReadOnly)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// The same files through decoder, fragment reassembly and flow table, to flow events; with
// `summaries`, the protocol analyzers of every pcap source (DNS, HTTP, TLS, SSH) run too.
// With `rules`, the packet rules run as in a pcap source (PacketMatcher per packet and on the
// summaries).
void pcap_to_events(benchmark::State& state, bool summaries,
                    std::shared_ptr<const soc::packet::PacketRuleSet> rules = nullptr) {
  std::uint64_t bytes = 0, packets = 0, flows = 0;
  std::vector<soc::Event> out;
  for (auto _ : state) {
    for (const std::string& f : files_for(state)) {
      CaptureOptions o;
      o.file = f;
      auto cap = PcapCapture::open(o);
      if (!cap) {
        state.SkipWithError(cap.error().message.c_str());
        return;
      }
      soc::agent::net::protocols::DefaultAnalyzers analyzers(f);  // outlives proc
      PacketProcessor proc(*link_type_from_dlt((*cap)->datalink()), {});
      if (summaries) analyzers.register_with(proc.flows());
      soc::agent::PacketMatcher matcher(f);
      matcher.set_rules(rules);
      analyzers.http.keep(soc::agent::http_rule_data(rules.get()));  // as a pcap source does
      analyzers.tls.keep_certificates(soc::agent::tls_certificates_wanted(rules.get()));
      if (rules != nullptr) proc.flows().set_packet_inspector(&matcher);
      while (!(*cap)->at_end()) {
        auto n = (*cap)->dispatch(4096, [&](soc::TimeNs ts, const std::uint8_t* d,
                                            std::uint32_t caplen, std::uint32_t len) {
          proc.process(d, caplen, len, ts, out);
          bytes += len;
          ++packets;
        });
        if (!n) break;
        flows += out.size();  // handed on after each batch of packets, as PcapSource::poll does
        out.clear();
      }
      proc.flush(out);
      flows += out.size();
      out.clear();
    }
  }
  set_rates(state, bytes, packets);
  state.counters["events"] = static_cast<double>(flows) / static_cast<double>(state.iterations());
}
void BM_PcapToFlows(benchmark::State& state) { pcap_to_events(state, false); }
void BM_PcapToFlowsAndSummaries(benchmark::State& state) { pcap_to_events(state, true); }
BENCHMARK(BM_PcapToFlows)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PcapToFlowsAndSummaries)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Flows and summaries with every loadable ET rule (../shared/data/et-rules) matched.
void BM_PcapToFlowsSummariesEtRules(benchmark::State& state) {
  static const auto loaded = soc::packet::load_packet_rules(
      {std::string(SOC_SHARED_DATA) + "/et-rules"}, soc::packet::Variables::defaults());
  if (!loaded) {
    state.SkipWithError(loaded.error().message.c_str());
    return;
  }
  state.counters["rules"] = static_cast<double>(loaded->set->rules().size());
  pcap_to_events(state, true, loaded->set);
}
BENCHMARK(BM_PcapToFlowsSummariesEtRules)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// One flow event built and dropped (the per-flow cost of the flow export, without packets):
// a closed TCP connection with its Community ID.
void BM_MakeFlowEvent(benchmark::State& state) {
  Flow flow;
  flow.orig_addr = {10, 1, 2, 3};
  flow.resp_addr = {192, 168, 7, 9};
  flow.orig_port = 51234;
  flow.resp_port = 443;
  flow.proto = kProtoTcp;
  flow.ip_version = 4;
  flow.start = 1'700'000'000'000'000'000;
  flow.end = flow.start + 1'500'000'000;
  flow.orig = {12, 1400, 700};
  flow.resp = {10, 9000, 8400};
  const std::string source = std::string(SOC_SHARED_DATA) + "/pcaps/capture.pcap";
  for (auto _ : state) {
    soc::Event e = make_flow_event(flow, EndReason::kClosed, source);
    benchmark::DoNotOptimize(e.fields.data());
  }
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MakeFlowEvent);

// Memory of the flow table holding 100,000 flows (half TCP, half UDP, distinct 5-tuples).
void BM_FlowTableMemoryPer100kFlows(benchmark::State& state) {
  constexpr int kFlows = 100000;
  double bytes_per_100k = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::size_t before = soc::agent::heap_bytes_in_use();
    state.ResumeTiming();
    FlowTableConfig config;
    config.max_flows = 2 * kFlows;
    auto table = std::make_unique<FlowTable>(config);
    std::vector<soc::Event> out;
    Packet p;
    p.ip_version = 4;
    p.ip_bytes = 60;
    for (int i = 0; i < kFlows; ++i) {
      p.ts = 1'000'000'000 + i;
      p.proto = (i & 1) != 0 ? kProtoTcp : kProtoUdp;
      p.src = {10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
               static_cast<std::uint8_t>(i)};
      p.dst = {192, 168, 0, 1};
      p.sport = static_cast<std::uint16_t>(1024 + (i % 60000));
      p.dport = 443;
      p.tcp_flags = kTcpSyn;
      p.seq = static_cast<std::uint32_t>(i);
      table->process(p, out);
    }
    state.PauseTiming();
    const std::size_t after = soc::agent::heap_bytes_in_use();
    bytes_per_100k = static_cast<double>(after - before);
    if (table->size() != static_cast<std::size_t>(kFlows)) state.SkipWithError("flows lost");
    table.reset();
    state.ResumeTiming();
  }
  state.counters["bytes_per_100k_flows"] = bytes_per_100k;
  state.counters["bytes_per_flow"] = bytes_per_100k / kFlows;
  state.counters["flows/s"] =
      benchmark::Counter(static_cast<double>(kFlows) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FlowTableMemoryPer100kFlows)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
