// Incidents as JSON, the one shape socctl --json and the HTTP API both print.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "collector/store/incident_store.h"

namespace soc::collector {

// {"id", "rule_id", "title", "level", "origin", "group_key", "state", "hits", "first_seen",
//  "last_seen", "created", "updated" (RFC 3339 UTC), "agencies", "hosts", "state_by", "note"}
nlohmann::json incident_to_json(const Incident& incident);
// {"event_id", "time", "agent", "kind", "message", "fields" (object)}
nlohmann::json evidence_to_json(const EvidenceEvent& event);
// {"time", "state", "actor", "note"}
nlohmann::json change_to_json(const IncidentChange& change);

}  // namespace soc::collector
