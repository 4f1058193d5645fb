// The ECS fields with an indexed column of their own in the events table (SQLite store,
// migration 5): the store fills each column at insert (collector/store/event_row.h) and the
// query compiler reads the column instead of the fields column, through its index on
// (column, time_ns). The row encoder and the compiler both take the fields from here; the
// migration and the store's insert statement name the columns in this order by hand (the
// query store tests search each field and check each index's plan).
#pragma once

#include <array>
#include <string_view>

namespace soc::query {

struct IndexedField {
  std::string_view name;  // the ECS name, e.g. source.ip
  const char* column;     // the column as a search names it, fixed SQL text: e.source_ip
  const char* index;      // its index on (column, time_ns), partial: WHERE column IS NOT NULL
};

// In the column order of migration 5.
inline constexpr std::array<IndexedField, 5> kIndexedFields = {{
    {"source.ip", "e.source_ip", "events_source_ip"},
    {"destination.ip", "e.destination_ip", "events_destination_ip"},
    {"user.name", "e.user_name", "events_user_name"},
    {"host.hostname", "e.host_hostname", "events_host_hostname"},
    {"rule.id", "e.rule_id", "events_rule_id"},
}};

}  // namespace soc::query
