#include "collector/incident_json.h"

namespace soc::collector {

namespace {
using Json = nlohmann::json;
constexpr auto kReplace = Json::error_handler_t::replace;

// Strings from logs may hold invalid UTF-8: round-trip them through dump's replacement.
Json safe(const std::string& text) {
  return Json::parse(Json(text).dump(-1, ' ', false, kReplace));
}
}  // namespace

Json incident_to_json(const Incident& i) {
  Json hosts = Json::array();
  for (const std::string& h : i.hosts) hosts.push_back(safe(h));
  return Json{{"id", i.id},
              {"rule_id", safe(i.rule_id)},
              {"title", safe(i.title)},
              {"level", i.level},
              {"origin", i.origin},
              {"group_key", safe(i.group_key)},
              {"state", std::string(incident_state_name(i.state))},
              {"hits", i.hits},
              {"first_seen", format_rfc3339(i.first_seen_ns)},
              {"last_seen", format_rfc3339(i.last_seen_ns)},
              {"created", format_rfc3339(i.created_ns)},
              {"updated", format_rfc3339(i.updated_ns)},
              {"agencies", i.agencies},
              {"hosts", hosts},
              {"state_by", i.state_by},
              {"note", safe(i.state_note)}};
}

Json evidence_to_json(const EvidenceEvent& e) {
  Json fields = Json::parse(e.fields_json, nullptr, false);
  if (fields.is_discarded()) fields = Json::object();
  return Json{{"event_id", e.event_id}, {"time", format_rfc3339(e.time_ns)}, {"agent", e.agent},
              {"kind", e.kind},         {"message", safe(e.message)},        {"fields", fields}};
}

Json change_to_json(const IncidentChange& c) {
  return Json{{"time", format_rfc3339(c.time_ns)},
              {"state", std::string(incident_state_name(c.state))},
              {"actor", safe(c.actor)},
              {"note", safe(c.note)}};
}

}  // namespace soc::collector
