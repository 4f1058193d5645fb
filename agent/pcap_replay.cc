#include "agent/pcap_replay.h"

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "agent/sources/pcap_source.h"
#include "common/event_json.h"

namespace soc::agent {
namespace {

constexpr const char* kUsage =
    "usage: soc-agent --pcap FILE [--set KEY=VALUE]...\n"
    "  prints one JSON line per flow of FILE (pcap or pcapng), then counters on stderr;\n"
    "  KEY is a pcap source key (agent/net/README.md), e.g. --set bpf_filter='tcp port 80'\n";

}  // namespace

bool is_pcap_replay(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--pcap") == 0 || std::strncmp(argv[i], "--pcap=", 7) == 0) {
      return true;
    }
  }
  return false;
}

int run_pcap_replay(int argc, char** argv) {
  std::string file;
  std::vector<std::string> overrides;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* flag, std::string& out) -> bool {
      const std::string eq = std::string(flag) + "=";
      if (arg == flag && i + 1 < argc) {
        out = argv[++i];
        return true;
      }
      if (arg.rfind(eq, 0) == 0) {
        out = arg.substr(eq.size());
        return true;
      }
      return false;
    };
    std::string v;
    if (value("--pcap", v)) {
      file = v;
    } else if (value("--set", v)) {
      overrides.push_back(v);
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "soc-agent: unexpected argument '" << arg << "'\n" << kUsage;
      return 2;
    }
  }
  if (file.empty()) {
    std::cerr << "soc-agent: --pcap needs a FILE\n" << kUsage;
    return 2;
  }
  auto config = Config::parse("{}", "--set");
  if (!config) {
    std::cerr << "soc-agent: " << config.error().message << "\n";
    return 2;
  }
  if (auto applied = config->apply_overrides(overrides); !applied) {
    std::cerr << "soc-agent: " << applied.error().message << "\n";
    return 2;
  }
  if (config->has("file") || config->has("interface")) {
    std::cerr << "soc-agent: --pcap FILE names the file; 'file' and 'interface' cannot be set\n";
    return 2;
  }
  if (auto applied = config->apply_override("file=" + file); !applied) {
    std::cerr << "soc-agent: " << applied.error().message << "\n";
    return 2;
  }
  auto pc = read_pcap_source_config(*config, "", "pcap");
  if (!pc) {
    std::cerr << "soc-agent: " << pc.error().message << "\n";
    return 2;
  }
  if (auto unknown = config->check_unknown_keys(); !unknown) {
    std::cerr << "soc-agent: " << unknown.error().message << "\n";
    return 2;
  }
  auto source = PcapSource::open(std::move(*pc));
  if (!source) {
    std::cerr << "soc-agent: --pcap: " << source.error().message << "\n";
    return 2;
  }
  const EventOrigin origin{"", ""};
  std::vector<Event> events;
  while (true) {
    events.clear();
    (*source)->poll(events, 4096);
    for (const Event& e : events) std::cout << event_to_ecs_json(e, origin).dump() << "\n";
    if (events.empty() && (*source)->finished()) break;
  }
  std::cout.flush();
  for (const auto& [name, value] : (*source)->counters()) {
    std::cerr << name << " " << value << "\n";
  }
  if ((*source)->counters().at("read_errors") > 0) return 1;
  return 0;
}

}  // namespace soc::agent
