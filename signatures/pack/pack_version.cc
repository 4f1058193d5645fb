#include "signatures/pack/pack_version.h"

#ifndef SOC_VERSION
#error "SOC_VERSION (the CMake project version) must be defined for this file"
#endif

namespace soc::pack {
namespace {

constexpr std::uint32_t kMaxPart = 999'999'999;

}  // namespace

std::optional<PackVersion> PackVersion::parse(std::string_view text) {
  PackVersion v;
  std::size_t count = 0;
  std::size_t pos = 0;
  while (true) {
    if (count == v.parts_.size()) return std::nullopt;  // a fifth part
    std::uint64_t value = 0;
    std::size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      value = value * 10 + static_cast<std::uint64_t>(text[pos] - '0');
      if (value > kMaxPart) return std::nullopt;
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;  // empty part, sign, space, letter
    v.parts_[count++] = static_cast<std::uint32_t>(value);
    if (pos == text.size()) break;
    if (text[pos] != '.') return std::nullopt;
    ++pos;
  }
  v.count_ = static_cast<std::uint8_t>(count);
  return v;
}

std::string PackVersion::to_string() const {
  std::string out;
  for (std::size_t i = 0; i < count_; ++i) {
    if (i > 0) out += '.';
    out += std::to_string(parts_[i]);
  }
  return out;
}

std::strong_ordering PackVersion::operator<=>(const PackVersion& other) const {
  // Unwritten parts are 0 in parts_, so comparing all four gives "1.2" == "1.2.0".
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    if (parts_[i] != other.parts_[i]) return parts_[i] <=> other.parts_[i];
  }
  return std::strong_ordering::equal;
}

PackVersion agent_version() {
  static const PackVersion version = PackVersion::parse(SOC_VERSION).value_or(PackVersion());
  return version;
}

}  // namespace soc::pack
