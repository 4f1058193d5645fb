#include "collector/web/api_json.h"

#include "common/clock.h"

namespace soc::collector {
namespace {

nlohmann::json time_or_null(TimeNs t) {
  return t == 0 ? nlohmann::json(nullptr) : nlohmann::json(format_rfc3339(t));
}

}  // namespace

nlohmann::json agent_to_json(const AgentRecord& a) {
  nlohmann::json counters = nlohmann::json::parse(a.counters_json, nullptr, false);
  return nlohmann::json{
      {"name", a.name},
      {"agency", a.agency},
      {"public_key", a.public_key},
      {"enrolled", format_rfc3339(a.enrolled_ns)},
      {"last_seen", time_or_null(a.last_seen_ns)},
      {"events", a.event_count},
      {"pack_version", a.pack_version},
      {"pack_report", a.pack_report},
      {"counters", counters.is_discarded() ? nlohmann::json::object() : counters}};
}

nlohmann::json publication_to_json(const PackPublication& p) {
  return nlohmann::json{{"id", p.id},
                        {"name", p.name},
                        {"version", p.version},
                        {"published", time_or_null(p.published_ns)},
                        {"rollback", p.rollback}};
}

std::string dump_json(const nlohmann::json& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace soc::collector
