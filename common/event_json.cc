#include "common/event_json.h"

#include <string>

namespace soc {
namespace {

// Sets dotted `name` inside obj as nested objects. When a prefix is already a non-object value,
// the flat name is kept instead so no data is lost.
void set_nested(nlohmann::json& obj, const std::string& name, nlohmann::json value) {
  nlohmann::json* cur = &obj;
  std::size_t start = 0;
  for (std::size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', start)) {
    nlohmann::json& next = (*cur)[name.substr(start, dot - start)];
    if (next.is_null()) next = nlohmann::json::object();
    if (!next.is_object()) {
      obj[name] = std::move(value);
      return;
    }
    cur = &next;
    start = dot + 1;
  }
  (*cur)[name.substr(start)] = std::move(value);
}

}  // namespace

nlohmann::json field_value_to_json(const FieldValue& value) {
  return std::visit(
      [](const auto& v) -> nlohmann::json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, IpAddress>) {
          return v.to_string();
        } else {
          return v;
        }
      },
      value);
}

nlohmann::json event_to_ecs_json(const Event& event, const EventOrigin& origin) {
  nlohmann::json out = nlohmann::json::object();
  out["@timestamp"] = format_rfc3339(event.time_ns);
  if (!event.raw.empty()) out["message"] = event.raw;
  set_nested(out, "event.dataset", std::string(event_kind_name(event.kind)));
  set_nested(out, "event.kind", event.kind == EventKind::kAlert ? "alert" : "event");
  set_nested(out, "agent.name", std::string(origin.agent));
  set_nested(out, "organization.name", std::string(origin.agency));
  if (!event.source.empty()) set_nested(out, "event.provider", event.source);
  for (const Field& f : event.fields) set_nested(out, f.name, field_value_to_json(f.value));
  return out;
}

}  // namespace soc
