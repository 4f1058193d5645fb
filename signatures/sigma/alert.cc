#include "signatures/sigma/alert.h"

#include <algorithm>

namespace soc::sigma {

Event make_alert(const Event& event, const CompiledRule& rule) {
  Event alert;
  alert.time_ns = event.time_ns;
  alert.source = event.source;
  alert.kind = EventKind::kAlert;
  alert.raw = event.raw;
  alert.fields.reserve(event.fields.size() + 6);
  alert.fields.push_back({"rule.id", rule.id});
  alert.fields.push_back({"rule.name", rule.title});
  if (!rule.level.empty()) {
    alert.fields.push_back({"rule.level", rule.level});
    alert.fields.push_back({"event.severity", std::int64_t{rule.severity}});
  }
  if (!rule.tags.empty()) alert.fields.push_back({"tags", StringList(rule.tags)});
  alert.fields.push_back({"rule.ruleset", std::string("sigma")});
  const std::size_t own = alert.fields.size();
  for (const Field& f : event.fields) {
    const auto begin = alert.fields.begin();
    const auto end = begin + static_cast<std::ptrdiff_t>(own);
    if (std::any_of(begin, end, [&](const Field& a) { return a.name == f.name; })) continue;
    alert.fields.push_back(f);
  }
  return alert;
}

}  // namespace soc::sigma
