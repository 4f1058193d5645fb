// Classtypes: the default priority of each classtype name of the stock Suricata/Snort
// classification table (facts: name -> priority 1 high .. 4 low). A rule's `priority` overrides
// it; a rule without either has priority 3. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace soc::packet {

// nullopt for a classtype not in the table.
std::optional<int> classtype_priority(std::string_view classtype);

}  // namespace soc::packet
