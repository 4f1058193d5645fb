// Community ID v1 (https://github.com/corelight/community-id-spec): a flow hash shared by
// Zeek, Suricata and others, so one flow can be found across tools. "1:" + base64(SHA-1(seed,
// saddr, daddr, proto, 0, sport, dport)), endpoints ordered so both directions hash equally
// (ICMP messages without a counterpart keep their direction). Ports are used for TCP, UDP,
// ICMP and ICMPv6 (type and counterpart/code); other protocols hash without ports.
// Thread-safe (each thread reuses its own digest context).
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace soc::agent::net {

struct CommunityIdInput {
  std::array<std::uint8_t, 16> src{};  // IPv4 in the first 4 bytes
  std::array<std::uint8_t, 16> dst{};
  bool v6 = false;
  std::uint8_t proto = 0;
  std::uint16_t sport = 0;  // ICMP: type
  std::uint16_t dport = 0;  // ICMP: counterpart type, or code when one_way
  bool one_way = false;
};

std::string community_id_v1(const CommunityIdInput& in, std::uint16_t seed = 0);

}  // namespace soc::agent::net
