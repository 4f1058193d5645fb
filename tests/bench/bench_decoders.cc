// Decoder throughput per format (lines/s and bytes/s), and file-to-alerts on one core: decode,
// group, route and match every line of a sample against the default pack plus every loadable
// SigmaHQ rule (BM_FileToAlerts/<sample>), and the sshd sample against the SigmaHQ rules alone
// (BM_FileToAlerts/sshd_sigmahq_linux: the throughput target).
#include <benchmark/benchmark.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "agent/decode/audit_assembler.h"
#include "agent/decode/decoder_registry.h"
#include "agent/logsource.h"
#include "signatures/load_rule_set.h"
#include "tests/bench/best_pass.h"

namespace {

std::vector<std::string> read_lines(const std::string& relative) {
  std::vector<std::string> lines;
  std::ifstream in(std::string(SOC_SHARED_DATA) + "/" + relative);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line[0] != '#') lines.push_back(line);
  }
  return lines;
}

struct Sample {
  const char* name;
  const char* format;
  const char* file;
};

constexpr Sample kSamples[] = {
    {"sshd", "syslog", "logs/loghub/OpenSSH/OpenSSH_2k.log"},
    {"linux_syslog", "syslog", "logs/loghub/Linux/Linux_2k.log"},
    {"web_access", "web_access", "logs/nielsbasjes-logparser/hackers-access.log"},
    {"auditd", "auditd", "logs/crowdsec-hub-tests/tests/auditd-logs/auditd-logs.log"},
    {"auto_sshd", "auto", "logs/loghub/OpenSSH/OpenSSH_2k.log"},
};

void BM_Decode(benchmark::State& state, const Sample& sample) {
  const std::vector<std::string> lines = read_lines(sample.file);
  auto decoder = soc::agent::make_decoder(sample.format);
  if (lines.empty() || !decoder) {
    state.SkipWithError("sample or decoder missing");
    return;
  }
  std::size_t bytes = 0;
  for (const auto& l : lines) bytes += l.size() + 1;
  std::size_t decoded = 0;
  soc::bench::BestPass best;
  for (auto _ : state) {
    best.start();
    for (const std::string& line : lines) {
      soc::Event e;
      e.raw = line;
      decoded += (*decoder)->decode(e) ? 1 : 0;
      benchmark::DoNotOptimize(e);
    }
    best.stop(lines.size());
  }
  state.counters["best_lines/s"] = best.items_per_second();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * lines.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.counters["decoded_share"] =
      static_cast<double>(decoded) / static_cast<double>(state.iterations() * lines.size());
}

const std::string kPack = std::string(SOC_SOURCE_DIR) + "/signatures/packs/default";
const std::string kSigma = std::string(SOC_SHARED_DATA) + "/sigma";

// The rules a file-to-alerts run loads: the default pack and every loadable SigmaHQ rule, or
// every SigmaHQ rule that can route to a Linux source (rules/linux, rules-threat-hunting/linux and
// the emerging threats, whose 34 Linux rules sit beside Windows ones that routing sets aside).
enum class RuleChoice { kPackAndAllSigma, kSigmaLinux };

std::vector<std::string> rule_dirs(RuleChoice choice) {
  if (choice == RuleChoice::kSigmaLinux) {
    return {kSigma + "/rules/linux", kSigma + "/rules-threat-hunting/linux",
            kSigma + "/rules-emerging-threats"};
  }
  return {kPack + "/rules", kSigma + "/rules/linux", kSigma + "/rules/web",
          kSigma + "/rules-threat-hunting/linux", kSigma + "/rules-emerging-threats"};
}

void BM_FileToAlerts(benchmark::State& state, const Sample& sample, RuleChoice choice) {
  const std::vector<std::string> lines = read_lines(sample.file);
  auto loaded = soc::sigma::load_rule_set(rule_dirs(choice), kPack + "/field_mappings.yaml");
  auto decoder = soc::agent::make_decoder(sample.format);
  if (lines.empty() || !loaded || !decoder) {
    state.SkipWithError("sample, rules or decoder missing");
    return;
  }
  soc::agent::LogSourceRouter router({});
  soc::agent::AuditAssembler assembler;
  std::vector<soc::Event> ready;
  std::vector<const soc::sigma::CompiledRule*> matches;
  std::size_t alerts = 0;
  soc::bench::BestPass best;
  for (auto _ : state) {
    best.start();
    for (const std::string& line : lines) {
      soc::Event e;
      e.raw = line;
      (*decoder)->decode(e);
      ready.clear();
      assembler.push(std::move(e), ready);
      for (const soc::Event& event : ready) {
        matches.clear();
        loaded->rules->match(event, router.route(event), matches);
        alerts += matches.size();
      }
    }
    best.stop(lines.size());
  }
  state.counters["best_lines/s"] = best.items_per_second();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * lines.size()));
  state.counters["rules"] = static_cast<double>(loaded->rules->rules().size());
  state.counters["alerts_per_line"] =
      static_cast<double>(alerts) / static_cast<double>(state.iterations() * lines.size());
}

void register_all() {
  for (const Sample& s : kSamples) {
    benchmark::RegisterBenchmark((std::string("BM_Decode/") + s.name).c_str(), BM_Decode, s);
  }
  for (const Sample& s : {kSamples[0], kSamples[2], kSamples[3]}) {
    benchmark::RegisterBenchmark((std::string("BM_FileToAlerts/") + s.name).c_str(),
                                 BM_FileToAlerts, s, RuleChoice::kPackAndAllSigma);
  }
  benchmark::RegisterBenchmark("BM_FileToAlerts/sshd_sigmahq_linux", BM_FileToAlerts, kSamples[0],
                               RuleChoice::kSigmaLinux);
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
