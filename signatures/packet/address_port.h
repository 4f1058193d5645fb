// AddressSet and PortSet: the address and port parts of a rule header, as Suricata writes them:
// `any`, a value (IPv4/IPv6 address or CIDR; a port or a range `a:b`, `a:`, `:b`), a list
// `[x, y, ...]`, a negation `!x`, and variables `$NAME` resolved through a Variables table.
// A list matches what any of its plain members matches and none of its negated members does
// (a list of negations only is "anything but"). Parsing untrusted text: errors are returned,
// nesting and variable expansion are bounded. Immutable after parsing; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "signatures/packet/variables.h"

namespace soc::packet {

// An IPv6 address as a number. (__extension__, which keeps -Wpedantic quiet about GCC's 128-bit
// integer, takes a typedef, not a using-declaration.)
__extension__ typedef unsigned __int128 Uint128;  // NOLINT(modernize-use-using)

class AddressSet {
 public:
  // Errors (kInvalidArgument): the reason, e.g. "unknown variable $FOO" or "bad address 'x'".
  static Result<AddressSet> parse(std::string_view text, const Variables& vars);
  // `addr`: 16 bytes, network order; IPv4 in the first 4 (`v4`).
  bool matches(const std::array<std::uint8_t, 16>& addr, bool v4) const;
  bool is_any() const { return nodes_.size() == 1 && nodes_[0].kind == Node::kAny; }
  // Structural: sets parsed from the same text with the same variables are equal (so rules
  // sharing a header can share its test); equal sets have equal hashes.
  bool operator==(const AddressSet&) const = default;
  std::size_t hash() const;

 private:
  struct Node {
    enum Kind : std::uint8_t { kAny, kCidr, kList } kind = kAny;
    bool negated = false;
    bool v4 = true;
    std::uint8_t prefix = 0;
    std::array<std::uint8_t, 16> net{};
    std::vector<std::uint32_t> children;  // kList: indexes into nodes_
    bool operator==(const Node&) const = default;
  };
  // Addresses as unsigned numbers (network order read big-endian), in sorted, disjoint,
  // inclusive ranges; one list per family.
  using V4Ranges = std::vector<std::pair<std::uint32_t, std::uint32_t>>;
  using V6Ranges = std::vector<std::pair<Uint128, Uint128>>;
  struct Ranges {
    V4Ranges v4;
    V6Ranges v6;
    static Ranges every() { return {{{0, 0xFFFFFFFFu}}, {{0, ~Uint128{0}}}}; }
    bool operator==(const Ranges&) const = default;
  };
  // The addresses node `index` stands for (a list: its plain members' less its negated ones').
  Ranges ranges_of(std::uint32_t index) const;
  friend class AddressParser;
  std::vector<Node> nodes_;          // nodes_[0] is the root
  Ranges ranges_ = Ranges::every();  // what matches() tests: the root's addresses
};

class PortSet {
 public:
  static Result<PortSet> parse(std::string_view text, const Variables& vars);
  bool matches(std::uint16_t port) const;
  bool is_any() const { return nodes_.size() == 1 && nodes_[0].kind == Node::kAny; }
  // The ports of a set made of plain ports and ranges (no negation, not `any`) with at most
  // `max` of them, appended to `out` (a port the set names twice, twice); false (and `out`
  // unspecified) for any other set.
  bool enumerate(std::vector<std::uint16_t>& out, std::size_t max) const;
  // Structural, as AddressSet's.
  bool operator==(const PortSet&) const = default;
  std::size_t hash() const;

 private:
  struct Node {
    enum Kind : std::uint8_t { kAny, kRange, kList } kind = kAny;
    bool negated = false;
    std::uint16_t lo = 0, hi = 65535;
    std::vector<std::uint32_t> children;
    bool operator==(const Node&) const = default;
  };
  using Ranges = std::vector<std::pair<std::uint16_t, std::uint16_t>>;  // sorted, disjoint
  // The ports node `index` stands for (a list: its plain members' less its negated ones').
  Ranges ranges_of(std::uint32_t index) const;
  friend class PortParser;
  std::vector<Node> nodes_;
  Ranges ranges_{{0, 65535}};  // what matches() tests: the root's ports
};

}  // namespace soc::packet
