// libFuzzer target for agent/net: the input is a link type selector byte followed by frames,
// each a 2-byte big-endian length and its bytes. Every frame goes through the decoder, the
// fragment reassembler and the flow table (with an analyzer attached, so TCP stream
// reassembly runs too), with small limits so eviction and drops happen. Properties: no crash,
// no hang, and every frame is accounted for exactly once (IP, not IP, or malformed by reason).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "agent/net/flow_analyzer.h"
#include "agent/net/packet_processor.h"

namespace {

using namespace soc::agent::net;

class CountingAnalyzer final : public FlowAnalyzer {
 public:
  void on_payload(const Flow&, Direction, std::span<const std::uint8_t> bytes, soc::TimeNs,
                  std::vector<soc::Event>&) override {
    seen_ += bytes.size();
  }
  bool wants_more() const override { return seen_ < 100000; }

 private:
  std::size_t seen_ = 0;
};

class CountingFactory final : public FlowAnalyzerFactory {
 public:
  std::string_view name() const override { return "counting"; }
  std::unique_ptr<FlowAnalyzer> create(const Flow&) override {
    return std::make_unique<CountingAnalyzer>();
  }
};

constexpr LinkType kLinks[] = {LinkType::kEthernet, LinkType::kLinuxSll, LinkType::kLinuxSll2,
                               LinkType::kRaw,      LinkType::kIpv4,     LinkType::kIpv6,
                               LinkType::kNull,     LinkType::kLoop};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  ProcessorConfig config;
  config.flows.max_flows = 16;
  config.flows.stream.max_held_bytes = 4096;
  config.flows.stream.max_held_segments = 8;
  config.fragments.max_total_bytes = 16384;
  config.fragments.max_datagrams = 8;
  PacketProcessor proc(kLinks[data[0] % 8], config);
  CountingFactory factory;
  proc.flows().add_analyzer_factory(&factory);
  std::vector<soc::Event> out;
  std::size_t pos = 1;
  std::uint64_t frames = 0;
  soc::TimeNs ts = 1'000'000'000;
  while (pos + 2 <= size) {
    std::size_t len = (static_cast<std::size_t>(data[pos]) << 8) | data[pos + 1];
    pos += 2;
    if (len > size - pos) len = size - pos;
    // Alternate between whole frames and frames "cut by the snap length".
    const std::uint32_t wire = static_cast<std::uint32_t>(len + ((frames & 1) != 0 ? 0 : 16));
    proc.process(data + pos, static_cast<std::uint32_t>(len), wire, ts, out);
    ts += 700'000'000;  // timeouts fire within a long input
    pos += len;
    ++frames;
  }
  proc.flush(out);
  const ProcessorCounters& c = proc.counters();
  if (c.packets != frames) std::abort();
  if (c.ip_packets + c.non_ip + c.malformed.total() != frames) std::abort();
  if (proc.flows().size() != 0) std::abort();
  return 0;
}
