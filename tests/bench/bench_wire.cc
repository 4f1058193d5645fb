// Wire codec: encode/decode throughput, and bytes on the wire per event for msgpack,
// msgpack+zstd and JSON lines over the same events (the loghub OpenSSH sample as log events).
#include <benchmark/benchmark.h>

#include <fstream>
#include <iostream>

#include "common/clock.h"
#include "common/event_json.h"
#include "common/wire.h"

namespace {

std::vector<soc::Event> load_events() {
  std::vector<soc::Event> events;
  std::ifstream in(std::string(SOC_SHARED_DATA) + "/logs/loghub/OpenSSH/OpenSSH_2k.log");
  const std::string path = "/var/log/auth.log";
  for (std::string line; std::getline(in, line);) {
    soc::Event e;
    e.time_ns = soc::now_ns();
    e.source = path;
    e.raw = line;
    e.fields.push_back({"log.file.path", path});
    events.push_back(std::move(e));
  }
  return events;
}

const std::vector<soc::Event>& events() {
  static const std::vector<soc::Event> e = load_events();
  return e;
}

soc::wire::Batch batch() { return soc::wire::Batch{1, 1, 1, events()}; }

void BM_EncodeBatch(benchmark::State& state, soc::wire::Compression c) {
  const soc::wire::Batch b = batch();
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string out = soc::wire::encode(b, c);
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * b.events.size()));
  state.counters["wire_bytes_per_event"] =
      static_cast<double>(bytes) / static_cast<double>(b.events.size());
}
BENCHMARK_CAPTURE(BM_EncodeBatch, msgpack, soc::wire::Compression::kNone);
BENCHMARK_CAPTURE(BM_EncodeBatch, msgpack_zstd, soc::wire::Compression::kAuto);

void BM_DecodeBatch(benchmark::State& state, soc::wire::Compression c) {
  const std::string bytes = soc::wire::encode(batch(), c);
  for (auto _ : state) {
    auto m = soc::wire::decode(bytes);
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events().size()));
}
BENCHMARK_CAPTURE(BM_DecodeBatch, msgpack, soc::wire::Compression::kNone);
BENCHMARK_CAPTURE(BM_DecodeBatch, msgpack_zstd, soc::wire::Compression::kAuto);

void BM_JsonLines(benchmark::State& state) {
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out;
    for (const soc::Event& e : events()) {
      out += soc::event_to_ecs_json(e, {"agent", "agency"}).dump();
      out += '\n';
    }
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events().size()));
  state.counters["wire_bytes_per_event"] =
      static_cast<double>(bytes) / static_cast<double>(events().size());
}
BENCHMARK(BM_JsonLines);

}  // namespace

BENCHMARK_MAIN();
