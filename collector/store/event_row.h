// EventRow: what the store writes for an event besides its fixed columns, encoded ahead of
// store_batches. The ingest loop encodes each batch as it arrives (encode_event_rows), so the
// store's one writer thread spends its time writing, not encoding: about a tenth of its work.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/event.h"

namespace soc::collector {

// The fields copied into their own indexed columns of the events table (SQLite migration 5), in
// column order: source_ip, destination_ip, user_name, host_hostname, rule_id.
inline constexpr std::array<std::string_view, 5> kIndexedColumns = {
    "source.ip", "destination.ip", "user.name", "host.hostname", "rule.id"};

struct EventRow {
  std::string fields;  // the fields column (fields_column.h)
  // Each kIndexedColumns field's value as text: a string as it is, an address as its text, an
  // integer in decimal, a bool as 1 or 0, other types as "" (Event::find's value: the first of
  // a name given twice); nullopt when the event lacks the field (NULL: not in that index).
  std::array<std::optional<std::string>, kIndexedColumns.size()> indexed;
};

EventRow encode_event_row(const Event& event);

// encode_event_row of each event, in order.
std::vector<EventRow> encode_event_rows(const std::vector<Event>& events);

}  // namespace soc::collector
