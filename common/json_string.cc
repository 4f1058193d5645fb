#include "common/json_string.h"

namespace soc {
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

}  // namespace

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

void append_json_string(std::string& out, std::string_view s) {
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

}  // namespace soc
