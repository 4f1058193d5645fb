// Rendering of events as ECS-shaped JSON for exports (socctl --json, later the HTTP API):
// dotted field names become nested objects ("source.ip" -> {"source": {"ip": ...}}), the raw
// line is "message", the time is "@timestamp" (RFC 3339, ns), the kind is "event.dataset", the
// agent-side source is "event.provider", the agent and agency "agent.name" and "organization.name".
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "common/event.h"

namespace soc {

struct EventOrigin {
  std::string_view agent;   // enrolled agent name
  std::string_view agency;  // the agent's agency
};

nlohmann::json event_to_ecs_json(const Event& event, const EventOrigin& origin);

// A field value as JSON (IP addresses as strings).
nlohmann::json field_value_to_json(const FieldValue& value);

}  // namespace soc
