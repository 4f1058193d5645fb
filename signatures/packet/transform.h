// Buffer transforms of packet rules (Suricata's `dotprefix`, `url_decode`, `to_lowercase` ...):
// written after a sticky buffer and before its first content, they change what that rule's
// items and bsize see of the buffer (the buffer itself, and other rules, are untouched).
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace soc::packet {

enum class Transform : std::uint8_t {
  kDotPrefix,           // dotprefix: "." in front (so ".example.com" matches whole labels)
  kUrlDecode,           // url_decode: %HH to its byte, '+' to a space
  kStripWhitespace,     // strip_whitespace: every space, tab, CR, LF, VT, FF removed
  kCompressWhitespace,  // compress_whitespace: each run of them to its first character
  kToLowercase,         // to_lowercase (ASCII)
  kToUppercase,         // to_uppercase (ASCII)
  kToMd5,               // to_md5: the raw 16-byte digest
  kToSha1,              // to_sha1: the raw 20-byte digest
  kToSha256,            // to_sha256: the raw 32-byte digest
};

// The transform a rule keyword names; nullopt for any other keyword.
std::optional<Transform> transform_named(std::string_view keyword);

// `input` with `transforms` applied in order, into `out` (replaced).
void apply_transforms(std::span<const Transform> transforms, std::string_view input,
                      std::string& out);

}  // namespace soc::packet
