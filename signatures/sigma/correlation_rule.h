// Sigma correlation rules (spec: sigma-correlation-rules-specification.md): what they say, parsed
// and checked. The engine that runs them is the collector's (collector/correlate/correlator.h).
//
// Supported: types event_count, value_count, temporal, temporal_ordered; rules referenced by id
// or name; group-by (may be empty); timespan Ns/Nm/Nh/Nd; condition with gt gte lt lte eq neq
// (several are AND-ed: a range) and `field` for value_count; aliases; generate; level; title;
// name; id. temporal and temporal_ordered without a condition need every referenced rule
// (gte = number of rules). value_sum, value_avg and value_percentile are refused with that reason.
// A YAML stream may mix Sigma rules and correlations (the spec's multi-document example):
// documents without a `correlation` key are not correlations and are skipped here.
// Pure functions; never throw.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signatures/sigma/compile_issue.h"

namespace soc::sigma {

enum class CorrelationType { kEventCount, kValueCount, kTemporal, kTemporalOrdered };
std::string_view correlation_type_name(CorrelationType type);

// A count must satisfy every bound given.
struct CountCondition {
  std::optional<std::int64_t> gt, gte, lt, lte, eq, neq;
  bool holds(std::int64_t count) const;
  std::string describe() const;  // e.g. "gte 5"
};

struct CorrelationRule {
  std::string id;
  std::string name;
  std::string title;
  std::string level;  // "" when not given
  CorrelationType type = CorrelationType::kEventCount;
  std::vector<std::string> rules;     // referenced rule ids or names, as written
  std::vector<std::string> group_by;  // field names or alias names
  // alias -> (referenced rule id or name -> field of that rule's events)
  std::map<std::string, std::map<std::string, std::string>> aliases;
  std::int64_t timespan_ns = 0;
  CountCondition condition;
  std::string value_field;  // value_count: the field whose distinct values are counted
  bool generate = false;
  std::string file;
  int line = 0;
};

struct ParsedCorrelations {
  std::vector<CorrelationRule> rules;
  std::vector<CompileIssue> issues;  // documents that are correlations but not valid ones
};

ParsedCorrelations parse_correlation_rules(std::string_view yaml, std::string_view file = "");

// "90m" -> 5400 s in ns; nullopt when not a positive number followed by s, m, h or d.
std::optional<std::int64_t> parse_timespan(std::string_view text);

}  // namespace soc::sigma
