// Event: the unit that flows from agent sources through matching and the wire into the store.
// See DESIGN.md "Event". Field names follow the Elastic Common Schema (source.ip, user.name ...).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
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
  Field& field = fields.emplace_back();
  field.name.assign(name.data(), name.size());
  if constexpr (std::is_same_v<T, std::string>) {
    // A new field already holds an empty string: assign into it. (variant::emplace of a type
    // whose construction may throw builds a temporary and moves it in: twice the copying.)
    std::get<std::string>(field.value).assign(std::forward<Args>(args)...);
  } else {
    field.value.template emplace<T>(std::forward<Args>(args)...);
  }
  return field;
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
