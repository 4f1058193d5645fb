#include "agent/sources/source_factory.h"

#include <algorithm>
#include <set>

#include "agent/decode/decoder_registry.h"
#include "agent/net/capabilities.h"
#include "agent/processed_source.h"
#include "agent/sources/file_source.h"
#include "agent/sources/pcap_source.h"
#include "common/log.h"

namespace soc::agent {
namespace {

// A configured source and the largest event it can produce.
struct BuiltSource {
  std::unique_ptr<Source> source;
  std::size_t max_event_bytes = 0;
  bool drop_capabilities = false;  // a live capture is open: drop capabilities afterwards
};

// Room for the fields a source adds next to the raw text (paths, flags).
constexpr std::size_t kFieldOverheadBytes = 8192;

// `rules`: the active rules, for sources that match inside (pcap: the packet rules).
using SourceBuilder = Result<BuiltSource> (*)(Config& config, const std::string& prefix,
                                              const std::string& name, const ActiveRules& rules);

Result<BuiltSource> build_file_source(Config& config, const std::string& prefix,
                                      const std::string& name, const ActiveRules& /*rules*/) {
  FileSourceConfig fc;
  fc.name = name;
  auto paths = config.get_string_list(prefix + ".paths");
  if (!paths) return tl::unexpected(paths.error());
  if (paths->empty())
    return tl::unexpected(config.error(prefix + ".paths", "expected at least one file or glob"));
  fc.paths = *paths;
  auto start = config.get_choice(prefix + ".start", "end", {"beginning", "end"});
  if (!start) return tl::unexpected(start.error());
  fc.start_at_end = (*start == "end");
  auto max_line = config.get_int(prefix + ".max_line_bytes", 65536, 256, 1 << 20);
  if (!max_line) return tl::unexpected(max_line.error());
  fc.max_line_bytes = static_cast<std::size_t>(*max_line);
  auto rescan = config.get_int(prefix + ".rescan_interval_ms", 1000, 0, 3'600'000);
  if (!rescan) return tl::unexpected(rescan.error());
  fc.rescan_interval_ms = *rescan;
  auto inactive = config.get_int(prefix + ".close_inactive_ms", 300'000, 0, 86'400'000);
  if (!inactive) return tl::unexpected(inactive.error());
  fc.close_inactive_ms = *inactive;
  const std::size_t max_event_bytes = fc.max_line_bytes + kFieldOverheadBytes;
  return BuiltSource{std::make_unique<FileSource>(std::move(fc)), max_event_bytes};
}

// Flow events are small: addresses, counters and a few strings.
constexpr std::size_t kFlowEventBytes = 4096;

Result<BuiltSource> build_pcap_source(Config& config, const std::string& prefix,
                                      const std::string& name, const ActiveRules& rules) {
  auto pc = read_pcap_source_config(config, prefix, name);
  if (!pc) return tl::unexpected(pc.error());
  const bool drop = pc->drop_capabilities;
  auto source = PcapSource::open(std::move(*pc), &rules);
  if (!source) return tl::unexpected(config.error(prefix, source.error().message));
  const bool live = (*source)->live();
  return BuiltSource{std::move(*source), kFlowEventBytes, live && drop};
}

struct SourceType {
  const char* name;
  SourceBuilder build;
  bool decodes_lines;  // reads `format` and runs a log decoder on each event
};

// The registration list of source types.
constexpr SourceType kSourceTypes[] = {
    {"file", &build_file_source, true},
    {"pcap", &build_pcap_source, false},
};

// The keys every source type shares: format (decoder) and logsource (Sigma routing).
// Sources that do not produce lines (pcap) have no `format` key and no decoder.
Result<std::unique_ptr<Source>> wrap_with_processing(Config& config, const std::string& prefix,
                                                     std::unique_ptr<Source> source,
                                                     const ActiveRules& rules, bool decodes_lines) {
  std::unique_ptr<Decoder> line_decoder;
  if (decodes_lines) {
    std::string known;
    for (std::string_view f : decoder_formats())
      known += (known.empty() ? "" : " | ") + std::string(f);
    auto format = config.get_string(prefix + ".format", "auto");
    if (!format) return tl::unexpected(format.error());
    auto decoder = make_decoder(*format);
    if (!decoder) {
      return tl::unexpected(
          config.error(prefix + ".format", "expected one of " + known + ", got '" + *format + "'"));
    }
    line_decoder = std::move(*decoder);
  }
  sigma::LogSource logsource;
  auto product = config.get_string(prefix + ".logsource.product", "");
  if (!product) return tl::unexpected(product.error());
  logsource.product = *product;
  auto categories = config.get_string_list(prefix + ".logsource.category");
  if (!categories) return tl::unexpected(categories.error());
  logsource.categories = *categories;
  auto services = config.get_string_list(prefix + ".logsource.service");
  if (!services) return tl::unexpected(services.error());
  logsource.services = *services;
  return std::unique_ptr<Source>(std::make_unique<ProcessedSource>(
      std::move(source), std::move(line_decoder), std::move(logsource), rules));
}

}  // namespace

Result<SourceSet> make_sources(Config& config, const ActiveRules& rules) {
  auto count = config.sequence_size("sources");
  if (!count) return tl::unexpected(count.error());
  SourceSet set;
  bool drop_capabilities = false;
  std::set<std::string> names;
  std::string known;
  for (const SourceType& t : kSourceTypes)
    known += (known.empty() ? "" : " | ") + std::string(t.name);
  for (std::size_t i = 0; i < *count; ++i) {
    const std::string prefix = "sources." + std::to_string(i);
    auto type = config.require_string(prefix + ".type");
    if (!type) return tl::unexpected(type.error());
    auto name = config.get_string(prefix + ".name", *type + "-" + std::to_string(i));
    if (!name) return tl::unexpected(name.error());
    if (!names.insert(*name).second)
      return tl::unexpected(
          config.error(prefix + ".name", "duplicate source name '" + *name + "'"));
    const SourceType* found = nullptr;
    for (const SourceType& t : kSourceTypes) {
      if (*type == t.name) found = &t;
    }
    if (found == nullptr)
      return tl::unexpected(
          config.error(prefix + ".type", "expected one of " + known + ", got '" + *type + "'"));
    auto built = found->build(config, prefix, *name, rules);
    if (!built) return tl::unexpected(built.error());
    set.max_event_bytes = std::max(set.max_event_bytes, built->max_event_bytes);
    drop_capabilities = drop_capabilities || built->drop_capabilities;
    auto processed =
        wrap_with_processing(config, prefix, std::move(built->source), rules, found->decodes_lines);
    if (!processed) return tl::unexpected(processed.error());
    set.sources.push_back(std::move(*processed));
  }
  if (drop_capabilities) {
    // Every live capture is open now; the handles work on without privileges.
    if (auto dropped = net::drop_all_capabilities(); !dropped) {
      return tl::unexpected(dropped.error());
    }
    log(LogLevel::kInfo, "pcap", "live captures open; capabilities dropped (now '",
        net::capabilities_text(), "')");
  }
  return set;
}

}  // namespace soc::agent
