// IncidentEngine: turns the events the collector stores into incidents (DESIGN.md "Incidents").
//
//  - A single alert at or above options.alert_severity (default 4 = high) files an incident of
//    its rule on its host (group key "host.name=..."; the agent's name when the event has none).
//  - Alerts (by rule.id) and flows (matched here against the pack's Sigma rules routed to
//    category network_connection) are observed by the Correlator with the pack's correlation
//    rules; each correlation hit files an incident of the correlation on its group key.
// Repeated hits go into the incident that is not closed yet (IncidentStore::record_hits).
// The rules come from the current pack (load_pack); replay() rebuilds the correlation windows
// from the store after a start or a new pack, filing nothing.
// Single-threaded (the ingest loop); the IncidentStore must outlive the engine.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "collector/correlate/correlator.h"
#include "collector/store/event_store.h"
#include "collector/store/incident_store.h"
#include "signatures/pack/pack_file.h"
#include "signatures/sigma/rule_set.h"

namespace soc::collector {

struct IncidentEngineOptions {
  int alert_severity = 4;  // informational=1 .. critical=5; 0 files no single-alert incidents
  CorrelatorOptions correlator;
};

struct IncidentEngineCounters {
  std::uint64_t incidents_created = 0;
  std::uint64_t incident_hits = 0;
  std::uint64_t store_errors = 0;
  std::uint64_t flows_matched = 0;
};

// One stored batch as the engine reads it: ids[i] is the store's id of events[i].
struct StoredBatchView {
  std::span<const Event> events;
  std::span<const std::int64_t> ids;
  std::string_view agent;  // the agent's name
  std::string_view agency;
};

class IncidentEngine {
 public:
  IncidentEngine(IncidentStore& incidents, IncidentEngineOptions options);

  // Takes the correlation rules and base Sigma rules of a verified pack (the old windows are
  // dropped). Returns the rules left out, with reasons; fails only when the pack's Sigma rules
  // do not compile at all.
  Result<std::vector<sigma::CompileIssue>> load_pack(const pack::VerifiedPack& pack);

  // Observes the batches of one committed group, in order. The incident hits they make wait
  // for record_filed(), so that the ingest loop can correlate while the store's writer holds
  // the write lock and record them, in one transaction, once it stores no group.
  void on_stored(std::span<const StoredBatchView> batches);

  // Records the hits waiting since on_stored, in one transaction (nothing when none wait). A
  // failure is counted and logged, and those hits are dropped. True when any waited (the store
  // was written, or tried).
  bool record_filed();

  // Feeds the alerts and flows stored within the correlator's horizon (event time) back into
  // the windows without filing incidents, oldest first, streamed from the store (memory does
  // not grow with their number). Returns how many were fed.
  Result<std::size_t> replay(EventStore& store, TimeNs now);

  const IncidentEngineCounters& counters() const { return counters_; }
  const Correlator* correlator() const { return correlator_.get(); }

 private:
  void observe(const Event& event, std::int64_t id, const std::string& agent,
               const std::string& agency, bool file);
  void file(IncidentHit hit);  // queued; record_filed() records the queue

  IncidentStore& incidents_;
  IncidentEngineOptions options_;
  std::unique_ptr<Correlator> correlator_;
  std::shared_ptr<const sigma::RuleSet> flow_rules_;
  IncidentEngineCounters counters_;
  std::vector<CorrelationHit> hits_;  // scratch
  std::vector<IncidentHit> to_file_;  // filed since the last record_filed(), which writes them
};

}  // namespace soc::collector
