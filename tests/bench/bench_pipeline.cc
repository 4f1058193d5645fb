// End to end: lines per second from a log file to stored rows, through the real soc-agent and
// soc-collector on loopback (CURVE, msgpack+zstd, spool fsyncs, SQLite commits included).
// Usage: bench_pipeline [LINES]   (default 200000: the OpenSSH sample repeated)
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "tests/bench/guarded_main.h"
#include "tests/integration/harness.h"

namespace {

int run(int argc, char** argv) {
  using namespace soc::testing;
  const std::size_t total = argc > 1 ? std::stoul(argv[1]) : 200'000;
  const std::vector<std::string> sample =
      read_lines(shared_data("logs/loghub/OpenSSH/OpenSSH_2k.log"));
  if (sample.empty()) {
    std::fprintf(stderr, "the OpenSSH sample is missing\n");
    return 1;
  }
  Deployment d;
  const std::string log = d.dir() + "/auth.log";
  std::size_t bytes = 0;
  {
    std::ofstream out(log);
    for (std::size_t i = 0; i < total; ++i) {
      const std::string& line = sample[i % sample.size()];
      out << line << '\n';
      bytes += line.size() + 1;
    }
  }
  d.start_collector();
  d.add_agent("bench", {log}, true, "");
  const auto start = std::chrono::steady_clock::now();
  d.start_agent("bench", {"--set", "batch.max_events=5000", "--set", "batch.max_delay_ms=200",
                          "--set", "transport.max_inflight=8"});
  const bool done =
      wait_until([&] { return d.counted_events("bench") >= total; }, std::chrono::minutes(10));
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!done) {
    std::fprintf(stderr, "timed out: %llu of %zu stored\n",
                 static_cast<unsigned long long>(d.counted_events("bench")), total);
    return 1;
  }
  std::printf("file -> stored row: %zu lines (%.1f MB) in %.2f s = %.0f lines/s, %.1f MB/s\n",
              total, static_cast<double>(bytes) / 1e6, secs, static_cast<double>(total) / secs,
              static_cast<double>(bytes) / 1e6 / secs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return soc::testing::guarded_main("bench_pipeline", [&] { return run(argc, argv); });
}
