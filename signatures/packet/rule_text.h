// Small readers of rule option text shared by the packet rule parser's keywords.
#pragma once

#include <charconv>
#include <cstdint>
#include <string_view>
#include <vector>

namespace soc::packet {

inline bool is_rule_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_rule_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_rule_space(s.back())) s.remove_suffix(1);
  return s;
}

// A whole decimal number (surrounding spaces allowed).
inline bool parse_u32(std::string_view s, std::uint32_t& out) {
  s = trim(s);
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// A whole decimal number from -65535 to 65535, the range of Suricata's offsets.
inline bool parse_i32(std::string_view s, std::int32_t& out) {
  s = trim(s);
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && out > -65536 && out < 65536;
}

// A whole number: decimal, 0x... hexadecimal or 0... octal (as C's strtoull with base 0).
inline bool parse_u64(std::string_view s, std::uint64_t& out) {
  s = trim(s);
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  } else if (s.size() > 1 && s[0] == '0') {
    s.remove_prefix(1);
    base = 8;
  }
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// The comma-separated parts of an option's value, each trimmed.
inline std::vector<std::string_view> split_commas(std::string_view value) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t comma = value.find(',', start);
    parts.push_back(trim(value.substr(start, comma - start)));
    if (comma == std::string_view::npos) return parts;
    start = comma + 1;
  }
}

// Appended to the reason a number did not parse: a name there is a byte_extract variable.
inline constexpr std::string_view kNoByteExtract =
    " (variables from byte_extract are not supported)";

}  // namespace soc::packet
