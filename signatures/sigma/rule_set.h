// RuleSet: many compiled Sigma rules, immutable, matched against events from many threads.
//
// Build one with compile(), share it as shared_ptr<const RuleSet>, and swap the pointer whole to
// load a new pack (an in-flight match keeps using the set it started with).
//
// Routing: each event comes with the LogSource of its source; a rule sees the event only when
// every logsource attribute the rule names matches: its product equals LogSource::product, its
// category is one of LogSource::categories, its service one of LogSource::services (all lower
// case, as Sigma writes them). A rule naming none sees every event.
//
// Prefilter: the literals the rules require (requirement.h), and the literal of every value of
// long value lists, go into a multi-pattern scanner (prefilter.h; Vectorscan, which measured
// faster than RE2::Set: see signatures/README.md). Per event the scanner runs once; only rules
// whose required literals occur, plus rules that require none, are evaluated, and while
// evaluating, a value whose literal did not occur is rejected without a look at the event
// (literal_hits.h). The result is the same as evaluating every routed rule fully (tested).
//
// Routes: the set of rules one LogSource admits gets its own scanner, holding only the literals
// of those rules and scanning only the raw text and the fields they read. Routes for the
// LogSources in RuleSetOptions::routes are built by compile(); a route for any other LogSource
// is built by the first match() that meets it (a one-time cost of milliseconds; meanwhile, and
// beyond kMaxRoutes routes, the event goes through the shared scanner over all literals, which
// gives the same result at a few times the cost). Each thread remembers the route of the last
// LogSource it matched (compared by value), so a run of events from one source skips the
// admission; a route that reads only the raw text scans it in place.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/event.h"
#include "common/result.h"
#include "signatures/sigma/compile_issue.h"
#include "signatures/sigma/compiled_rule.h"
#include "signatures/sigma/field_mapping.h"
#include "signatures/sigma/prefilter.h"
#include "signatures/sigma/sigma_rule.h"

namespace soc::sigma {

// Which log source an event comes from (set per source in the agent config).
struct LogSource {
  std::string product;                  // e.g. "linux"; "" = none
  std::vector<std::string> categories;  // e.g. {"process_creation"}
  std::vector<std::string> services;    // e.g. {"sshd", "auth"}
  bool operator==(const LogSource&) const = default;
};

struct RuleSetOptions {
  bool use_prefilter = true;  // false: evaluate every routed rule (for tests and comparison)
  PrefilterEngine engine = PrefilterEngine::kVectorscan;
  std::vector<LogSource> routes;  // log sources whose routes compile() builds up front
  bool lazy_routes = true;        // false: other log sources always use the shared scanner
};

// What one match() call did (for tests and metrics).
struct MatchStats {
  std::size_t evaluated = 0;  // rules fully evaluated (routed and passed by the prefilter)
};

struct RuleSetStats {
  std::size_t rules = 0;
  std::size_t literals = 0;           // distinct literals in the shared prefilter
  std::size_t required_literals = 0;  // of which rules require (the others only speed up values)
  std::size_t unfiltered_rules = 0;   // rules requiring no literal: evaluated whenever routed
  std::size_t routes = 0;             // dedicated route prefilters
  std::string prefilter;              // engine name, "none"
};

class RuleSet {
 public:
  // Compiles every rule it can; each rule that does not compile is appended to `issues` (with
  // file, line, id, title and reason) and left out. Fails only when a prefilter cannot be
  // built (kInternal). An empty set is valid and matches nothing.
  static Result<std::shared_ptr<const RuleSet>> compile(const std::vector<SigmaRule>& rules,
                                                        const FieldMappings& mappings,
                                                        std::vector<CompileIssue>& issues,
                                                        const RuleSetOptions& options = {});

  // Appends to `out` every rule routed to `source` that matches `event`, in a fixed order
  // (the same for every call and every route). Thread-safe; uses per-thread scratch, so it does
  // not allocate once that scratch has grown, except when `out` grows. The pointers live as
  // long as the set.
  void match(const Event& event, const LogSource& source, std::vector<const CompiledRule*>& out,
             MatchStats* stats = nullptr) const;

  const std::vector<CompiledRule>& rules() const { return rules_; }
  const RuleSetStats& stats() const { return stats_; }
  // Routes built so far (by compile() and by match()).
  std::size_t route_count() const { return route_count_.load(std::memory_order_acquire); }

  // Most routes one set builds.
  static constexpr std::size_t kMaxRoutes = 64;

  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

 private:
  // The rules one set of admitted logsource groups sees, with their own scanner.
  struct Route {
    std::vector<std::uint64_t> admitted;                    // bitmask over groups
    std::vector<std::uint32_t> unfiltered;                  // routed rules without literals, sorted
    std::vector<std::uint32_t> filtered;                    // routed rules with literals, sorted
    std::vector<std::uint32_t> literal_ids;                 // route literal -> set literal id
    std::vector<std::vector<std::uint32_t>> literal_rules;  // route literal -> routed rules
    std::unique_ptr<const Prefilter> prefilter;             // null when no routed rule has literals
    bool scan_raw = false;                                  // some literal may be in the raw text
    bool scan_all_fields = true;                            // else only `scan_fields`
    std::vector<std::string> scan_fields;
    bool use_shared = false;  // the route's scanner could not be built: use the shared one
  };

  RuleSet() = default;
  // Which groups `source` admits: flags (per group, kAllAttributes when admitted) and bitmask.
  void admit(const LogSource& source, std::vector<std::uint8_t>& flags,
             std::vector<std::uint64_t>& admitted) const;
  // Builds the route for the admitted groups (never fails: use_shared on a scanner error).
  std::unique_ptr<Route> build_route(const std::vector<std::uint8_t>& flags,
                                     std::vector<std::uint64_t> admitted) const;
  // The published route for `admitted`; builds and publishes it when `build` and there is
  // room and no other thread is building. nullptr: use the shared scanner.
  const Route* find_route(const std::vector<std::uint8_t>& flags,
                          const std::vector<std::uint64_t>& admitted, bool build) const;
  // Fills the scratch's candidates and literal stamps; false when no scan ran (no literal hits
  // known: evaluate without them).
  bool match_route(const Route& route, const Event& event) const;
  bool match_shared(const Event& event) const;

  static constexpr std::uint8_t kAllAttributes = 7;  // product | category | service

  std::vector<CompiledRule> rules_;        // grouped by logsource, file order within a group
  std::vector<std::uint32_t> rule_group_;  // rule -> group
  std::vector<std::uint8_t> group_base_;   // attributes a group does not name (always met)
  // Attribute value -> groups naming it. Few entries: a linear scan beats hashing here.
  using GroupIndex = std::vector<std::pair<std::string, std::vector<std::uint32_t>>>;
  GroupIndex product_groups_;
  GroupIndex category_groups_;
  GroupIndex service_groups_;
  std::vector<std::vector<std::uint32_t>> unfiltered_by_group_;  // rules without literals
  std::vector<std::vector<std::uint32_t>> filtered_by_group_;    // rules with literals
  std::vector<std::vector<std::uint32_t>> literal_rules_;        // literal id -> rules
  std::unique_ptr<const Prefilter> prefilter_;                   // all literals
  std::vector<std::string> literals_;                            // literal id -> text
  std::vector<std::vector<std::uint32_t>> rule_literals_;        // rule -> its literal ids
  std::vector<bool> filtered_;                                   // rule has required literals
  PrefilterEngine engine_ = PrefilterEngine::kVectorscan;
  bool use_prefilter_ = true;
  bool lazy_routes_ = true;
  std::uint64_t generation_ = 0;  // unique per set: keys the per-thread scratch
  RuleSetStats stats_;

  // Published routes: slots [0, route_count_) are set, each before the count covers it, and
  // never change; readers need no lock. Building and publishing happen under build_mutex_.
  mutable std::array<std::atomic<const Route*>, kMaxRoutes> route_slots_{};
  mutable std::atomic<std::size_t> route_count_{0};
  mutable std::mutex build_mutex_;
  mutable std::vector<std::unique_ptr<Route>> owned_routes_;  // guarded by build_mutex_
};

}  // namespace soc::sigma
