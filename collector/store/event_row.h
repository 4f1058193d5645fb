// EventRow: what the store writes for an event besides its fixed columns, encoded ahead of
// store_batches. The ingest loop encodes each batch as it arrives (encode_event_rows), so the
// store's one writer thread spends its time writing, not encoding: about a tenth of its work.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "collector/query/indexed_fields.h"
#include "common/event.h"

namespace soc::collector {

struct EventRow {
  std::string fields;  // the fields column (fields_column.h)
  // Each query::kIndexedFields field's value (Event::find's: the first of a name given twice, as
  // in the fields column) as text: a string as it is, an address as its text, an integer in
  // decimal, a bool as 1 or 0, other types as ""; nullopt when the event lacks the field (NULL:
  // not in that index).
  std::array<std::optional<std::string>, query::kIndexedFields.size()> indexed;
};

EventRow encode_event_row(const Event& event);

// encode_event_row of each event, in order.
std::vector<EventRow> encode_event_rows(const std::vector<Event>& events);

}  // namespace soc::collector
