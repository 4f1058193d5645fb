// Event: the unit that flows from agent sources through matching and the wire into the store.
// See DESIGN.md "Event". Field names follow the Elastic Common Schema (source.ip, user.name ...).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/clock.h"

namespace soc {

enum class EventKind : std::uint8_t { kLog, kFlow, kDns, kHttp, kTls, kAlert, kAgent };

// "log", "flow", ... ; parse returns nullopt for an unknown name.
std::string_view event_kind_name(EventKind kind);
std::optional<EventKind> parse_event_kind(std::string_view name);

// An IPv4 or IPv6 address held in network byte order (IPv4 in the first 4 bytes).
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  bool is_v4 = true;

  static std::optional<IpAddress> parse(std::string_view text);
  std::string to_string() const;
  bool operator==(const IpAddress&) const = default;
};

using StringList = std::vector<std::string>;
using FieldValue = std::variant<std::string, std::int64_t, double, bool, IpAddress, StringList>;

struct Field {
  Field() = default;
  Field(std::string field_name, FieldValue field_value)
      : name(std::move(field_name)), value(std::move(field_value)) {}
  // Builds the value in place, of type T from `args` (append_field's path: no temporary).
  template <typename T, typename... Args>
  Field(std::string_view field_name, std::in_place_type_t<T> type, Args&&... args)
      : name(field_name), value(type, std::forward<Args>(args)...) {}

  std::string name;  // ECS dotted name, e.g. "source.ip"
  FieldValue value;
  bool operator==(const Field&) const = default;
};

struct Event {
  TimeNs time_ns = 0;  // when it happened (UTC); the read time until a decoder knows better
  std::string source;  // where it came from on the agent, e.g. the file path
  EventKind kind = EventKind::kLog;
  std::string raw;  // the original text, empty when there is none
  std::vector<Field> fields;

  // Returns the field's value, or nullptr when the event has no such field.
  const FieldValue* find(std::string_view name) const;
  bool operator==(const Event&) const = default;
};

// Appends a field whose value is built in place: no temporary Field is constructed and moved,
// which matters on the decoders' hot path. Returns the new field.
template <typename T, typename... Args>
Field& append_field(std::vector<Field>& fields, std::string_view name, Args&&... args) {
  return fields.emplace_back(name, std::in_place_type<T>, std::forward<Args>(args)...);
}
inline void append_string(std::vector<Field>& fields, std::string_view name,
                          std::string_view value) {
  append_field<std::string>(fields, name, value);
}
inline void append_int(std::vector<Field>& fields, std::string_view name, std::int64_t value) {
  append_field<std::int64_t>(fields, name, value);
}

// Roughly the bytes the event takes encoded (for batch size limits, not exact).
std::size_t approximate_size(const Event& event);

}  // namespace soc
