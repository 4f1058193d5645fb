// DNS over UDP and TCP as a FlowAnalyzer: one `dns` event per transaction (a query and its
// response matched by id within the flow, a response without a query seen, or a query left
// unanswered when the flow ends). Fields: see agent/net/protocols/README.md.
//
// Contract: the factory attaches an analyzer to UDP and TCP flows on ports 53, 137 (NetBIOS name
// service), 5353 (mDNS) and 5355 (LLMNR) on either side. Messages are parsed from untrusted
// bytes with every length and compression pointer checked: names are at most 255 bytes and
// follow at most 64 pointers, each pointing before the label that holds it; a malformed message
// is counted in `dns.malformed` on the flow event and skipped. Memory per flow is bounded:
// at most kMaxPending unanswered queries (the oldest is emitted unanswered to make room), TCP
// messages of at most 65535 bytes, kMaxAnswers answers kept per message. Single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "agent/net/flow_analyzer.h"

namespace soc::agent::net::protocols {

// One parsed DNS message (what the event needs of it).
struct DnsMessage {
  std::uint16_t id = 0;
  bool response = false;
  std::uint8_t opcode = 0;
  std::uint8_t rcode = 0;
  bool aa = false, tc = false, rd = false, ra = false, ad = false, cd = false;
  std::uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
  bool has_question = false;
  std::string qname;  // lower case, dot separated, no trailing dot; non-printables as \DDD
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
  std::vector<std::string> answers;  // data of the answer section's records (Zeek's format)
  std::vector<std::uint32_t> ttls;
  std::vector<std::string> answer_types;
  std::vector<std::string> resolved_ips;  // A and AAAA answers
};

inline constexpr std::size_t kDnsMaxPending = 64;
inline constexpr std::size_t kDnsMaxAnswers = 64;

// Parses one DNS message; nullopt when it is malformed (too short, bad name, records cut).
// `netbios` decodes NetBIOS first-level encoded names (port 137).
std::optional<DnsMessage> parse_dns_message(std::span<const std::uint8_t> bytes,
                                            bool netbios = false);

// "A", "AAAA" ... or "TYPE<n>" (RFC 3597).
std::string dns_type_name(std::uint16_t type);
// "NOERROR", "NXDOMAIN" ... or "RCODE<n>".
std::string dns_rcode_name(std::uint8_t rcode);
// "IN", "CH", "HS", "NONE", "ANY" or "CLASS<n>".
std::string dns_class_name(std::uint16_t cls);

class DnsAnalyzerFactory final : public FlowAnalyzerFactory {
 public:
  explicit DnsAnalyzerFactory(std::string source = {}) : source_(std::move(source)) {}
  std::string_view name() const override { return "dns"; }
  std::unique_ptr<FlowAnalyzer> create(const Flow& flow) override;

 private:
  std::string source_;
};

}  // namespace soc::agent::net::protocols
