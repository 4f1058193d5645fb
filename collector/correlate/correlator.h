// Correlator: runs Sigma correlation rules (signatures/sigma/correlation_rule.h) over the events
// the collector stores, on event time.
//
// Each observation is one stored event and the base rules it satisfies (for an alert, its
// rule.id; for a flow, the pack's flow rules that match it). Per correlation rule and group
// (the values of its group-by fields, aliases resolved per referenced rule), the observations of
// the last `timespan` are kept; after each one the rule's condition is checked over the window
// that ends at the group's newest observation:
//   event_count       number of observations
//   value_count       number of distinct values of the condition's field
//   temporal          number of distinct referenced rules seen (default: all of them)
//   temporal_ordered  length of the longest prefix of the rules seen in that order
// When it holds, a hit is reported (evidence: the window's event ids) and the group starts over,
// so a long attack yields a hit per `condition` worth of events, not one per event.
//
// Late events: each stream (an agent's source, e.g. one log file or capture) keeps its own
// clock, the newest event time it sent; an observation older than its stream's clock minus the
// lateness is dropped and counted, so one agent with a skewed clock (or a replayed old capture)
// does not make the others late. A group expires once the stream that last added to it is past
// its window plus the lateness, so memory stays bounded. At most
// max_groups groups per rule and max_entries per group are kept (beyond: counted drops).
// A hit of one correlation is itself an observation for correlations that reference it
// (chains, at most kMaxChainDepth deep).
// Single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "collector/correlate/correlation_window.h"
#include "common/clock.h"
#include "common/event.h"
#include "signatures/sigma/compile_issue.h"
#include "signatures/sigma/correlation_rule.h"

namespace soc::collector {

struct CorrelatorOptions {
  std::int64_t lateness_ns = 5LL * 60 * 1'000'000'000;  // how late an event may arrive
  std::size_t max_groups = 100'000;                     // per rule
  std::size_t max_entries = 10'000;                     // per group
  std::size_t max_evidence = 100;                       // event ids per hit
};

struct Observation {
  const Event* event = nullptr;
  std::int64_t event_id = 0;  // in the store; 0 when not stored
  std::string_view agency;
  // Where it happened: host.name, else host.hostname, else the agent's name. Also what the
  // field host.name reads as in group-by and value_count.
  std::string_view host;
  std::span<const std::string> rule_ids;  // base rules the event satisfies
  std::string_view stream;                // e.g. "agent-name/source"; "" is a stream too
};

struct CorrelationHit {
  const sigma::CorrelationRule* rule = nullptr;
  std::string group_key;   // "field=value,field=value"; "" without group-by
  std::int64_t value = 0;  // the count that met the condition
  TimeNs first_ns = 0;
  TimeNs last_ns = 0;
  std::vector<std::int64_t> evidence;
  std::vector<std::string> agencies;
  std::vector<std::string> hosts;
};

struct CorrelatorCounters {
  std::uint64_t observed = 0;
  std::uint64_t late = 0;         // older than the lateness horizon
  std::uint64_t ungrouped = 0;    // a group-by field missing in the event
  std::uint64_t group_limit = 0;  // dropped: too many groups in a rule
  std::uint64_t entry_limit = 0;  // oldest entries dropped: too many in one group
  std::uint64_t hits = 0;
  std::uint64_t expired_groups = 0;
};

class Correlator {
 public:
  static constexpr int kMaxChainDepth = 4;

  // rule_names: base Sigma rule name -> id (references by name). A rule whose references do
  // not resolve to a known base rule or correlation is left out with a CompileIssue.
  Correlator(std::vector<sigma::CorrelationRule> rules,
             const std::map<std::string, std::string>& rule_names, CorrelatorOptions options,
             std::vector<sigma::CompileIssue>& issues);

  // Adds one observation; appends the hits it completes (chained ones included) to `hits`.
  void observe(const Observation& observation, std::vector<CorrelationHit>& hits);

  const std::vector<sigma::CorrelationRule>& rules() const { return rules_; }
  const CorrelatorCounters& counters() const { return counters_; }
  std::size_t open_groups() const;
  // The longest timespan plus the lateness: how far back a restart must replay.
  std::int64_t horizon_ns() const;
  // Whether any rule references this base rule id (cheap filter before building observations).
  bool references(const std::string& rule_id) const { return by_ref_.contains(rule_id); }

 private:
  struct Group {
    CorrelationWindow window;
    TimeNs newest_ns = 0;
    std::string stream;  // the stream that added last: its clock expires the group
  };
  struct RuleState {
    std::vector<std::string> refs;  // resolved ids, in the rule's order
    // group-by field per (group-by index, ref index): the alias's field or the name itself
    std::vector<std::vector<std::string>> group_fields;
    std::vector<std::string> value_fields;  // per ref: value_count field (alias resolved)
    std::unordered_map<std::string, Group> groups;
  };

  void observe_at(const Observation& observation, int depth, std::vector<CorrelationHit>& hits);
  void add(std::size_t rule_index, std::uint32_t ref, const Observation& observation, int depth,
           std::vector<CorrelationHit>& hits);
  void expire();

  std::vector<sigma::CorrelationRule> rules_;
  std::vector<RuleState> states_;
  // referenced id -> (rule index, ref index) pairs
  std::unordered_map<std::string, std::vector<std::pair<std::size_t, std::uint32_t>>> by_ref_;
  CorrelatorOptions options_;
  CorrelatorCounters counters_;
  std::unordered_map<std::string, TimeNs> stream_clock_;  // newest event time per stream
  TimeNs newest_ns_ = 0;                                  // over every stream
  TimeNs last_expiry_ns_ = 0;
  std::uint64_t since_expiry_ = 0;  // observations since the last expiry
};

// The text of a field value as group keys and value counts compare it.
std::string field_value_text(const FieldValue& value);

}  // namespace soc::collector
