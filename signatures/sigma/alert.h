// Alert: the event a rule match becomes (DESIGN.md "Event": kind alert), sent with the events.
#pragma once

#include "common/event.h"
#include "signatures/sigma/compiled_rule.h"

namespace soc::sigma {

// An alert for `rule` matching `event`: kind kAlert, the event's time, source and raw text, and
//   rule.id, rule.name (the title), rule.level and event.severity (1 informational .. 5
//   critical; both left out when the rule has no level), tags (StringList, when the rule has
//   any), rule.ruleset = "sigma",
// followed by the matched event's fields (those whose names the alert already uses are left out).
Event make_alert(const Event& event, const CompiledRule& rule);

}  // namespace soc::sigma
