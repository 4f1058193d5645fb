// IncidentStore: the incidents an analyst acts on, in the collector's SQLite file (schema
// migration 4 in sqlite_store.cc).
//
// An incident is filed by a correlation rule or by a single alert at or above the configured
// level. Hits of the same rule on the same group key while its incident is not closed (open or
// acknowledged) are added to it: the hit count grows, first/last seen widen, the evidence (event
// ids, at most kMaxEvidence per incident) and the agencies and hosts involved are merged. Once
// closed, the next hit files a new incident. Every state change is kept with who and when.
//
// Contract: one object per thread (it owns one connection); every method returns an Error
// instead of throwing; record_hit() and record_hits() are one transaction each.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "collector/store/sqlite_store.h"
#include "common/clock.h"
#include "common/result.h"

namespace soc::collector {

enum class IncidentState { kOpen, kAcknowledged, kClosed };
std::string_view incident_state_name(IncidentState state);  // open, acknowledged, closed
std::optional<IncidentState> parse_incident_state(std::string_view name);

struct Incident {
  std::int64_t id = 0;
  std::string rule_id;  // the correlation or Sigma rule id
  std::string title;
  std::string level;      // informational .. critical
  std::string origin;     // "correlation" or "alert"
  std::string group_key;  // e.g. "source.ip=203.0.113.9" ("" when the rule has no group-by)
  IncidentState state = IncidentState::kOpen;
  std::uint64_t hits = 0;
  TimeNs first_seen_ns = 0;  // event time of the earliest hit
  TimeNs last_seen_ns = 0;
  TimeNs created_ns = 0;  // wall time
  TimeNs updated_ns = 0;
  std::vector<std::string> agencies;
  std::vector<std::string> hosts;
  std::string state_by;    // who made the last state change ("" while never changed)
  std::string state_note;  // its note
};

// One hit of a rule: a correlation that fired, or one alert.
struct IncidentHit {
  std::string rule_id;
  std::string title;
  std::string level;
  std::string origin;
  std::string group_key;
  TimeNs first_ns = 0;  // event times the hit covers
  TimeNs last_ns = 0;
  std::vector<std::string> agencies;
  std::vector<std::string> hosts;
  std::vector<std::int64_t> evidence;  // stored event ids
};

struct IncidentChange {
  TimeNs time_ns = 0;
  IncidentState state = IncidentState::kOpen;
  std::string actor;
  std::string note;
};

// One piece of evidence as stored.
struct EvidenceEvent {
  std::int64_t event_id = 0;
  TimeNs time_ns = 0;
  std::string agent;
  std::string kind;
  std::string message;
  std::string fields_json;
};

struct IncidentFilter {
  std::optional<IncidentState> state;
  std::size_t limit = 100;  // most recently updated first
};

class IncidentStore {
 public:
  static constexpr std::size_t kMaxEvidence = 1000;

  static Result<std::unique_ptr<IncidentStore>> open(const std::string& path,
                                                     StoreMode mode = StoreMode::kReadWrite);
  ~IncidentStore();
  IncidentStore(const IncidentStore&) = delete;
  IncidentStore& operator=(const IncidentStore&) = delete;

  // Files the hit: into the not-closed incident of (rule_id, group_key), or a new one.
  // `created` (optional) is set to whether a new incident was filed.
  Result<Incident> record_hit(const IncidentHit& hit, bool* created = nullptr);
  // record_hit for each hit in order, all in one transaction (one sync for a batch's worth of
  // hits); the hits on one (rule_id, group_key) are written as one update. Returns, for each
  // hit, its incident as the transaction left it; created[i] (when given) tells whether hits[i]
  // filed a new incident.
  Result<std::vector<Incident>> record_hits(std::span<const IncidentHit> hits,
                                            std::vector<bool>* created = nullptr);

  Result<std::vector<Incident>> list(const IncidentFilter& filter);
  Result<std::optional<Incident>> find(std::int64_t id);
  Result<std::vector<EvidenceEvent>> evidence(std::int64_t id, std::size_t limit);
  Result<std::vector<IncidentChange>> changes(std::int64_t id);

  // open -> acknowledged, open|acknowledged -> closed. kNotFound for an unknown id, kConflict
  // when the incident is already in that state or closed.
  Result<Incident> change_state(std::int64_t id, IncidentState to, const std::string& actor,
                                const std::string& note);

 private:
  struct Impl;
  explicit IncidentStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace soc::collector
