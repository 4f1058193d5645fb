// JsonDecoder: a line that is one JSON object (JSON lines / NDJSON: Suricata eve.json, cowrie,
// application logs). Fields are kept as they are:
//   - nested objects are flattened to dotted names: {"a":{"b":1}} -> a.b = 1
//   - strings -> string, integers -> int (an unsigned integer above INT64_MAX -> its decimal
//     text), floats -> double, booleans -> bool, null -> no field
//   - arrays -> StringList: scalars as text (strings as they are, numbers as written in the
//     line, true/false/null), nested objects or arrays as compact JSON text; an empty array gives
//     an empty list
// event.time_ns is set from the first of "@timestamp", "timestamp", "time" (top level) that is an
// RFC 3339 string ("2021-11-24T21:27:09.534255+01:00"; "+0100", a space instead of 'T' and a
// missing zone (= UTC) are accepted too); the field itself is kept.
//
// Parsing is nlohmann::json's SAX parser (strict RFC 8259, UTF-8 validated: a line with invalid
// UTF-8 is not JSON and is left undecoded). No DOM is built. Against hostile input: lines above
// max_bytes, nesting deeper than max_depth and objects with more than max_fields fields are not
// decoded (decode returns false, the raw line is kept); arrays keep their first max_list_items
// items. No exception escapes.
#pragma once

#include <cstddef>
#include <string_view>

#include "agent/decode/decoder.h"

namespace soc::agent {

class JsonDecoder final : public Decoder {
 public:
  struct Limits {
    std::size_t max_bytes = 1 << 20;
    std::size_t max_depth = 32;
    std::size_t max_fields = 1024;
    std::size_t max_list_items = 1024;
  };

  JsonDecoder() = default;
  explicit JsonDecoder(const Limits& limits) : limits_(limits) {}

  std::string_view name() const override { return "json"; }
  bool decode(Event& event) const override;

 private:
  Limits limits_;
};

}  // namespace soc::agent
