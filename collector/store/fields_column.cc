#include "collector/store/fields_column.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string_view>
#include <unordered_map>
#include <variant>

#include <nlohmann/json.hpp>

namespace soc::collector {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// What a UTF-8 sequence starting with `lead` must look like: its length (0 when `lead` cannot
// start one) and the range of its second byte, which rules out overlong forms, surrogates and
// code points above U+10FFFF; the bytes after the second are 0x80-0xBF.
struct Utf8Shape {
  std::size_t length = 0;
  unsigned low = 0x80;
  unsigned high = 0xBF;
};

Utf8Shape utf8_shape(unsigned lead) {
  if (lead >= 0xC2 && lead <= 0xDF) return {2};
  if (lead == 0xE0) return {3, 0xA0};
  if (lead == 0xED) return {3, 0x80, 0x9F};
  if (lead >= 0xE1 && lead <= 0xEF) return {3};
  if (lead == 0xF0) return {4, 0x90};
  if (lead == 0xF4) return {4, 0x80, 0x8F};
  if (lead >= 0xF1 && lead <= 0xF3) return {4};
  return {};
}

unsigned byte_at(std::string_view s, std::size_t i) { return static_cast<unsigned char>(s[i]); }

// How many bytes from s[i] fit the shape of the sequence s[i] starts (the lead byte counts as
// fitting when it can start one): all of them for a valid sequence, else the "maximal subpart"
// that one U+FFFD replaces (at least 1).
std::size_t utf8_fitting(std::string_view s, std::size_t i) {
  const Utf8Shape shape = utf8_shape(byte_at(s, i));
  if (shape.length == 0) return 1;
  std::size_t k = i + 1;
  if (k < s.size() && byte_at(s, k) >= shape.low && byte_at(s, k) <= shape.high) {
    ++k;
    while (k < s.size() && k - i < shape.length && byte_at(s, k) >= 0x80 && byte_at(s, k) <= 0xBF) {
      ++k;
    }
  }
  return k - i;
}

// The length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const std::size_t fitting = utf8_fitting(s, i);
  return fitting == utf8_shape(byte_at(s, i)).length ? fitting : 0;
}

bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
    } else if (const std::size_t n = utf8_sequence(s, i); n > 0) {
      i += n;
    } else {
      return false;
    }
  }
  return true;
}

// `s` with each broken UTF-8 sequence replaced by U+FFFD, as append_string writes it.
std::string replace_invalid_utf8(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = static_cast<unsigned char>(s[i]) < 0x80 ? 1 : utf8_sequence(s, i);
    if (n > 0) {
      out.append(s, i, n);
      i += n;
    } else {
      out += kReplacement;
      i += utf8_fitting(s, i);
    }
  }
  return out;
}

void append_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t plain = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      if (const std::size_t n = utf8_sequence(s, i); n > 0) {
        i += n;
        continue;
      }
    }
    out.append(s, plain, i - plain);
    if (c >= 0x80) {
      out += kReplacement;
      i += utf8_fitting(s, i);
      plain = i;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
    plain = ++i;
  }
  out.append(s, plain, s.size() - plain);
  out += '"';
}

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
          append_string(out, v);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          char buf[24];
          const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
          out.append(buf, end);
        } else if constexpr (std::is_same_v<T, double>) {
          append_double(out, v);
        } else if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, IpAddress>) {
          append_string(out, v.to_string());
        } else {
          out += '[';
          for (std::size_t i = 0; i < v.size(); ++i) {
            if (i > 0) out += ',';
            append_string(out, v[i]);
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
  // When names may repeat: for each name, the field that gives its value (the last with it).
  std::unordered_map<std::string_view, std::size_t> last;
  const bool repeats = may_repeat_names(fields);
  if (repeats) {
    for (std::size_t i = 0; i < fields.size(); ++i) last[fields[i].name] = i;
  }
  for (std::size_t i = 0; i < fields.size(); ++i) {
    std::size_t value_of = i;
    if (repeats) {
      const auto found = last.find(fields[i].name);
      if (found == last.end()) continue;  // written already, at its first place
      value_of = found->second;
      last.erase(found);
    }
    if (out.size() > 1) out += ',';
    append_string(out, fields[i].name);
    out += ':';
    append_value(out, fields[value_of].value);
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
