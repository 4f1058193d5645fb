// Correlation cost per observation, with the default pack's correlation rules (SSH brute force,
// brute force then login, password spraying, port scan, web scanning, one alert on many hosts):
//   BM_OneAttackerOneUser       one address failing logins for one user, one per ms: brute
//                               force hits every 5, the password-spraying window (distinct users
//                               per address, 10 minutes) fills up to its entry limit and never
//                               meets its condition, the worst case of a counting window; the
//                               brute-force-then-login window (temporal_ordered, measured by a
//                               walk over it) gets every 5th;
//   BM_ManyAttackers            the same failures spread over 10,000 addresses and 200 users;
//   BM_PortScan                 flow observations from one address to ever new ports (distinct
//                               ports per address), as from the nmap SYN scan.
// One iteration = one observation, so the reported time is the cost per observation.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "collector/correlate/correlator.h"
#include "tests/bench/best_pass.h"

#ifndef SOC_SOURCE_DIR
#define SOC_SOURCE_DIR "/work/main"
#endif

namespace {

using soc::Event;
using soc::EventKind;
using soc::Field;
using soc::TimeNs;
using soc::collector::CorrelationHit;
using soc::collector::Correlator;
using soc::collector::CorrelatorOptions;
using soc::collector::Observation;

constexpr TimeNs kMillisecond = 1'000'000;
constexpr TimeNs kT0 = 1'764'000'000LL * 1'000'000'000;
constexpr const char* kAuthFailure = "f9a5606c-204b-5231-94aa-1072037edd15";
constexpr const char* kFlowRule = "network_connection_attempt";  // the pack's flow rule

// The default pack's correlation rules; every rule they reference is known by its own id.
std::unique_ptr<Correlator> default_correlator() {
  std::vector<soc::sigma::CorrelationRule> rules;
  std::map<std::string, std::string> base;
  const std::string folder = std::string(SOC_SOURCE_DIR) + "/signatures/packs/default/correlation";
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    std::ifstream in(entry.path());
    std::stringstream yaml;
    yaml << in.rdbuf();
    for (auto& rule : soc::sigma::parse_correlation_rules(yaml.str()).rules) {
      for (const std::string& ref : rule.rules) base.emplace(ref, ref);
      rules.push_back(std::move(rule));
    }
  }
  for (const auto& rule : rules) base.erase(rule.name);  // chained: resolved as correlations
  std::vector<soc::sigma::CompileIssue> issues;
  auto correlator =
      std::make_unique<Correlator>(std::move(rules), base, CorrelatorOptions{}, issues);
  if (!issues.empty() || correlator->rules().empty()) {
    std::fprintf(stderr, "the default pack's correlation rules did not load from %s\n",
                 folder.c_str());
    std::exit(1);
  }
  return correlator;
}

// Feeds `count` observations of `rule_id` made by `make` (index -> fields), 1 ms apart.
template <typename MakeFields>
void run(benchmark::State& state, const std::string& rule_id, MakeFields make) {
  auto correlator = default_correlator();
  std::vector<CorrelationHit> hits;
  soc::bench::BestPass best;
  std::int64_t i = 0;
  const std::string ids[] = {rule_id};
  Event event;
  event.kind = EventKind::kAlert;
  Observation o;
  o.event = &event;
  o.agency = "agency-1";
  o.host = "web-1";
  o.rule_ids = ids;
  o.stream = "web-1/var/log/auth.log";
  constexpr int kPass = 10'000;
  int in_pass = 0;
  best.start();
  for (auto _ : state) {
    event.time_ns = kT0 + i * kMillisecond;
    event.fields = make(i);
    o.event_id = ++i;
    hits.clear();
    correlator->observe(o, hits);
    benchmark::DoNotOptimize(hits.data());
    if (++in_pass == kPass) {
      best.stop(kPass);
      in_pass = 0;
      best.start();
    }
  }
  if (correlator->counters().hits == 0) state.SkipWithError("no rule ever hit: nothing measured");
  state.SetItemsProcessed(state.iterations());
  state.counters["best_ns_per_observation"] = best.ns_per_item();
}

void BM_OneAttackerOneUser(benchmark::State& state) {
  run(state, kAuthFailure, [](std::int64_t) {
    return std::vector<Field>{{"source.ip", std::string("203.0.113.7")},
                              {"user.name", std::string("root")}};
  });
}
BENCHMARK(BM_OneAttackerOneUser)->Iterations(200'000);

void BM_ManyAttackers(benchmark::State& state) {
  run(state, kAuthFailure, [](std::int64_t i) {
    return std::vector<Field>{
        {"source.ip", "10.1." + std::to_string(i % 10'000 / 250) + "." + std::to_string(i % 250)},
        {"user.name", "user" + std::to_string(i % 200)}};
  });
}
BENCHMARK(BM_ManyAttackers)->Iterations(200'000);

void BM_PortScan(benchmark::State& state) {
  run(state, kFlowRule, [](std::int64_t i) {
    return std::vector<Field>{{"source.ip", std::string("198.51.100.9")},
                              {"destination.port", std::int64_t{i % 65'535 + 1}}};
  });
}
BENCHMARK(BM_PortScan)->Iterations(200'000);

}  // namespace

BENCHMARK_MAIN();
