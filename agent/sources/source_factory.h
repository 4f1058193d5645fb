// Builds the sources listed under `sources:` in agent.yaml. Each source type is one entry of the
// explicit registration table in source_factory.cc: adding a type (syslog, pcap ...) means one
// new source file plus one line there.
#pragma once

#include <memory>
#include <vector>

#include "agent/active_rules.h"
#include "agent/sources/source.h"
#include "common/config.h"

namespace soc::agent {

struct SourceSet {
  std::vector<std::unique_ptr<Source>> sources;
  // Upper bound of one event's size (raw text plus fields) over all sources, so the pipeline
  // can keep a batch under its byte limit.
  std::size_t max_event_bytes = 0;
};

// Reads sources.N.* for every N; errors name the file, the key and what was expected. Each
// source is wrapped in a ProcessedSource: decoded per its `format`, routed per its
// `logsource`, matched against `rules` (which must outlive the sources).
Result<SourceSet> make_sources(Config& config, const ActiveRules& rules);

}  // namespace soc::agent
