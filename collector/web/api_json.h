// The JSON shapes of the HTTP API (and of `socctl ... --json`) for agents and pack publications.
// Incidents, their evidence and changes: collector/incident_json.h; events: common/event_json.h.
// Times are RFC 3339 UTC strings (ns), never-set times are null.
//
// Contract: pure functions of their arguments; text that is not UTF-8 is rendered with U+FFFD
// replacements when dumped through dump_json().
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "collector/store/event_store.h"

namespace soc::collector {

// {"name", "agency", "public_key", "enrolled", "last_seen", "events", "pack_version",
//  "pack_report", "counters"}
nlohmann::json agent_to_json(const AgentRecord& agent);
// {"id", "name", "version", "published", "rollback"}
nlohmann::json publication_to_json(const PackPublication& publication);

// One line of JSON; invalid UTF-8 (real log lines) becomes U+FFFD instead of an exception.
std::string dump_json(const nlohmann::json& value, int indent = -1);

}  // namespace soc::collector
