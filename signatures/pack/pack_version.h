// PackVersion: a pack's (or an agent's) version, 1 to 4 dot-separated decimal numbers
// ("1", "2.3", "2026.11.30.2"), each at most 999999999. Compared number by number, a missing
// number counting as 0 ("1.2" == "1.2.0" < "1.10"). Leading zeros are accepted and dropped
// ("2026.01.05" reads as, and prints as, "2026.1.5").
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace soc::pack {

class PackVersion {
 public:
  PackVersion() = default;
  // nullopt for anything else: empty parts, signs, spaces, leading "v", more than 4 parts.
  static std::optional<PackVersion> parse(std::string_view text);

  // As parsed, without padding ("1.2" stays "1.2").
  std::string to_string() const;

  std::strong_ordering operator<=>(const PackVersion& other) const;
  bool operator==(const PackVersion& other) const { return std::is_eq(*this <=> other); }

 private:
  std::array<std::uint32_t, 4> parts_{};
  std::uint8_t count_ = 1;
};

// This build's agent version (the CMake project version), for min_agent_version checks.
PackVersion agent_version();

}  // namespace soc::pack
