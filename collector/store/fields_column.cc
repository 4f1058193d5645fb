#include "collector/store/fields_column.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string_view>
#include <unordered_set>
#include <variant>

#include <nlohmann/json.hpp>

#include "common/json_string.h"

namespace soc::collector {
namespace {

void append_double(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  const std::string_view text(buf, static_cast<std::size_t>(end - buf));
  out += text;
  // A JSON reader must read it back as a double, not as an integer.
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void append_value(std::string& out, const FieldValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          append_json_string(out, v);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          char buf[24];
          const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
          out.append(buf, end);
        } else if constexpr (std::is_same_v<T, double>) {
          append_double(out, v);
        } else if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, IpAddress>) {
          append_json_string(out, v.to_string());
        } else {
          out += '[';
          for (std::size_t i = 0; i < v.size(); ++i) {
            if (i > 0) out += ',';
            append_json_string(out, v[i]);
          }
          out += ']';
        }
      },
      value);
}

using Json = nlohmann::ordered_json;

FieldValue json_to_field(const Json& value) {
  switch (value.type()) {
    case Json::value_t::string:
      return value.get<std::string>();
    case Json::value_t::boolean:
      return value.get<bool>();
    case Json::value_t::number_integer:
      return value.get<std::int64_t>();
    case Json::value_t::number_unsigned: {
      const auto u = value.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return static_cast<std::int64_t>(u);
      }
      return static_cast<double>(u);
    }
    case Json::value_t::number_float:
      return value.get<double>();
    case Json::value_t::null:  // a non-finite double was written
      return std::numeric_limits<double>::quiet_NaN();
    case Json::value_t::array: {
      StringList list;
      for (const Json& item : value) {
        list.push_back(item.is_string() ? item.get<std::string>() : item.dump());
      }
      return list;
    }
    default:
      return value.dump();
  }
}

// False when no two fields share a name, which is nearly always: their names' hashes differ.
// Comparing a few hashes is cheaper than building a map of the names.
bool may_repeat_names(const std::vector<Field>& fields) {
  constexpr std::size_t kMostHashed = 64;
  if (fields.size() > kMostHashed) return true;
  std::array<std::size_t, kMostHashed> hashes{};
  for (std::size_t i = 0; i < fields.size(); ++i) {
    hashes[i] = std::hash<std::string_view>{}(fields[i].name);
    for (std::size_t k = 0; k < i; ++k) {
      if (hashes[k] == hashes[i]) return true;
    }
  }
  return false;
}

}  // namespace

std::string encode_fields_column(const std::vector<Field>& fields) {
  // Names that are not UTF-8 are written with replacements, which can make two of them equal:
  // they are replaced first, so that the rule for a name given twice sees what JSON will hold.
  for (const Field& field : fields) {
    if (is_valid_utf8(field.name)) continue;
    std::vector<Field> replaced = fields;
    for (Field& f : replaced) f.name = replace_invalid_utf8(f.name);
    return encode_fields_column(replaced);
  }
  std::string out;
  out.reserve(64 + 32 * fields.size());
  out += '{';
  // When names may repeat: the names written so far, so that a later field with one is left out.
  std::unordered_set<std::string_view> written;
  const bool repeats = may_repeat_names(fields);
  for (const Field& field : fields) {
    if (repeats && !written.insert(field.name).second) continue;
    if (out.size() > 1) out += ',';
    append_json_string(out, field.name);
    out += ':';
    append_value(out, field.value);
  }
  out += '}';
  return out;
}

Result<std::vector<Field>> decode_fields_column(const std::string& text) {
  try {
    const Json object = Json::parse(text);
    if (!object.is_object()) return fail(ErrorCode::kStore, "fields column is not an object");
    std::vector<Field> fields;
    fields.reserve(object.size());
    for (const auto& [name, value] : object.items()) {
      fields.push_back(Field{name, json_to_field(value)});
    }
    return fields;
  } catch (const nlohmann::json::exception& e) {
    return fail(ErrorCode::kStore, std::string("fields column: ") + e.what());
  }
}

}  // namespace soc::collector
