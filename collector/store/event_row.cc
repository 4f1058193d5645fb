#include "collector/store/event_row.h"

#include <cstdint>
#include <variant>

#include "collector/store/fields_column.h"

namespace soc::collector {
namespace {

std::string indexed_text(const FieldValue& value) {
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  if (const auto* ip = std::get_if<IpAddress>(&value)) return ip->to_string();
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  if (const auto* b = std::get_if<bool>(&value)) return *b ? "1" : "0";
  return "";
}

}  // namespace

EventRow encode_event_row(const Event& event) {
  EventRow row;
  row.fields = encode_fields_column(event.fields);
  for (std::size_t c = 0; c < query::kIndexedFields.size(); ++c) {
    const FieldValue* v = event.find(query::kIndexedFields[c].name);
    if (v != nullptr) row.indexed[c] = indexed_text(*v);
  }
  return row;
}

std::vector<EventRow> encode_event_rows(const std::vector<Event>& events) {
  std::vector<EventRow> rows;
  rows.reserve(events.size());
  for (const Event& event : events) rows.push_back(encode_event_row(event));
  return rows;
}

}  // namespace soc::collector
