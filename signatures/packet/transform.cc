#include "signatures/packet/transform.h"

#include <openssl/evp.h>

#include <array>
#include <utility>

#include "common/ascii.h"

namespace soc::packet {
namespace {

constexpr std::pair<std::string_view, Transform> kNames[] = {
    {"dotprefix", Transform::kDotPrefix},
    {"url_decode", Transform::kUrlDecode},
    {"strip_whitespace", Transform::kStripWhitespace},
    {"compress_whitespace", Transform::kCompressWhitespace},
    {"to_lowercase", Transform::kToLowercase},
    {"to_uppercase", Transform::kToUppercase},
    {"to_md5", Transform::kToMd5},
    {"to_sha1", Transform::kToSha1},
    {"to_sha256", Transform::kToSha256},
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

void url_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < in.size() && hex_digit_value(in[i + 1]) >= 0 &&
               hex_digit_value(in[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit_value(in[i + 1]) * 16 + hex_digit_value(in[i + 2]));
      i += 2;
    } else {
      out += c;  // a '%' without two hex digits stays as it is
    }
  }
}

void digest(const EVP_MD* md, std::string_view in, std::string& out) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> d{};
  unsigned int n = 0;
  if (EVP_Digest(in.data(), in.size(), d.data(), &n, md, nullptr) != 1) n = 0;
  out.assign(reinterpret_cast<const char*>(d.data()), n);
}

void apply(Transform t, std::string_view in, std::string& out) {
  switch (t) {
    case Transform::kDotPrefix:
      out = ".";
      out += in;
      return;
    case Transform::kUrlDecode:
      url_decode(in, out);
      return;
    case Transform::kStripWhitespace:
      out.clear();
      for (char c : in) {
        if (!is_space(c)) out += c;
      }
      return;
    case Transform::kCompressWhitespace:
      out.clear();
      for (std::size_t i = 0; i < in.size(); ++i) {
        if (!is_space(in[i]) || i == 0 || !is_space(in[i - 1])) out += in[i];
      }
      return;
    case Transform::kToLowercase:
      out = lower_ascii(in);
      return;
    case Transform::kToUppercase:
      out.assign(in);
      for (char& c : out) c = upper_ascii(c);
      return;
    case Transform::kToMd5:
      digest(EVP_md5(), in, out);
      return;
    case Transform::kToSha1:
      digest(EVP_sha1(), in, out);
      return;
    case Transform::kToSha256:
      digest(EVP_sha256(), in, out);
      return;
  }
}

}  // namespace

std::optional<Transform> transform_named(std::string_view keyword) {
  for (const auto& [name, t] : kNames) {
    if (keyword == name) return t;
  }
  return std::nullopt;
}

void apply_transforms(std::span<const Transform> transforms, std::string_view input,
                      std::string& out) {
  std::string step;
  out.assign(input);
  for (Transform t : transforms) {
    apply(t, out, step);
    out.swap(step);
  }
}

}  // namespace soc::packet
