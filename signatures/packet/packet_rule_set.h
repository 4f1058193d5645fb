// PacketRuleSet: packet rules compiled for matching many at once.
//
// - Two kinds of rules: payload rules run on every packet (its TCP/UDP/ICMP payload, header and
//   flow context); application rules (dns.query, http.*, tls.sni, or an `alert dns|http|tls`
//   rule without content) run on each protocol summary the analyzers produce (one per DNS
//   transaction, HTTP request, TLS handshake). An application rule's payload items (a rule
//   mixing payload content with http buffers) match the summary's kPayload buffer: for HTTP,
//   the request head as sent, or for a response rule the response head. HTTP and TLS
//   summaries are inspected twice: from the client, then from the server for the rules on
//   the server's side (response buffers, ja3s, tls.certs, or to_client).
// - Prefilter: every rule's fast_pattern content, else its longest non-negated content, goes
//   into one multi-literal scanner per kind (sigma::Prefilter, Vectorscan by default, caseless
//   so nocase needs nothing special); a rule is evaluated only when its literal occurs. Rules
//   without such a literal are evaluated on every input of their kind and protocol. Contents
//   on a transformed buffer (transform.h) are never the literal: the scanner sees the buffers
//   as they are.
// - Evaluation: protocol, addresses (CIDR, lists, negation), ports, flow direction and state,
//   flowbit conditions (flow_bits.h), then every buffer's content/pcre/isdataat chain
//   (content_match.h) on the buffer as the rule's transforms leave it; a multi-buffer's chain
//   and bsize must hold on one of its instances.
// - Header sharing: the rules' distinct address sets, port sets and headers (protocol, the
//   four sets, `<>`) are numbered at compile time. Each is tested at most once per inspection,
//   and the results are kept per thread for the last two address/port tuples, so the packets
//   of a flow (both directions) reuse them. A small dense gate per rule (header, kind, side,
//   flow direction and state) rules most candidates out before the rule itself is read; rules
//   without a literal are indexed by destination port or IP protocol, grouped by header.
// Immutable after compile(); match() is thread-safe (per-thread scratch). Swap sets whole with
// a shared_ptr, as for Sigma rule sets.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <re2/re2.h>

#include "common/result.h"
#include "signatures/packet/content_match.h"
#include "signatures/packet/flow_bits.h"
#include "signatures/packet/packet_rule.h"
#include "signatures/packet/rule_parser.h"
#include "signatures/sigma/prefilter.h"

namespace soc::packet {

// What is inspected: one packet (app == kNone, buffers[kPayload] its payload, src/dst the
// packet's own addresses), or one protocol summary (app set, its buffers filled, src/dst the
// client and the server; for HTTP, buffers[kPayload] the request head when known). An HTTP
// summary with a response is inspected a second time for the response rules: to_server false,
// src/dst the server and the client, the response head's buffers added and buffers[kPayload]
// the response head.
struct Inspection {
  AppProto app = AppProto::kNone;
  std::uint8_t proto = 0;  // IP protocol
  bool v4 = true;
  std::array<std::uint8_t, 16> src{}, dst{};
  std::uint16_t sport = 0, dport = 0;
  bool to_server = true;     // sent by the flow's originator (summaries: the request side)
  bool established = false;  // TCP handshake seen / UDP traffic both ways (summaries: true)
  std::array<std::string_view, kBufferCount> buffers{};
  std::array<bool, kBufferCount> present{};  // a summary may lack a buffer (no Host, no SNI)
  // A multi-buffer's instances (is_multi_buffer); its entry in `buffers` is unused.
  std::array<std::span<const std::string>, kBufferCount> instances{};
  // Packets only: the TCP flags, or the ICMP type and code.
  bool has_tcp_flags = false;
  std::uint8_t tcp_flags = 0;
  bool has_icmp = false;
  std::uint8_t icmp_type = 0, icmp_code = 0;
};

struct CompiledPacketRule {
  PacketRule rule;
  // Per buffer, the items in rule order, with their compiled regexes.
  std::array<std::vector<ChainItem>, kBufferCount> chains;
  std::vector<std::unique_ptr<RE2>> regexes;
  bool app_rule = false;
  // A rule on the server's side of a summary (a response buffer, or to_client): it runs on the
  // summary's response inspection (to_server false), the others on its request inspection.
  // HTTP and TLS summaries have one (the response head; the ServerHello and certificates).
  bool response_side = false;
  bool has_literal = false;
  // The multi-buffers its items or size tests name (each inspected instance by instance).
  std::vector<Buffer> multi_buffers;
  std::vector<CompiledFlowbitOp> flowbits;  // rule.flowbits, names numbered by the set
  bool flowbit_conditions = false;          // isset/isnotset: evaluated after the others
  bool flowbit_actions = false;             // set/unset/toggle
  std::uint32_t index = 0;                  // in PacketRuleSet::rules()
};

struct PacketRuleSetOptions {
  sigma::PrefilterEngine engine = sigma::PrefilterEngine::kVectorscan;
  bool use_prefilter = true;  // false: evaluate every rule of the kind (for tests and benches)
};

class PacketRuleSet {
 public:
  // Compiles the rules; a rule whose regex RE2 refuses, or whose (gid, sid) repeats an
  // earlier one, is left out with an issue appended to `issues`. Errors: kInternal when the
  // prefilter cannot be built.
  static Result<std::shared_ptr<const PacketRuleSet>> compile(std::vector<PacketRule> rules,
                                                              std::vector<CompileIssue>& issues,
                                                              PacketRuleSetOptions options = {});

  // Appends every matching rule to `hits` (each once, in rule order), except `noalert` rules.
  // `bits`: the flow's flowbits (nullptr: none, and actions are dropped). Rules that name
  // flowbits are evaluated after the others, in rule order: those that only set bits, then
  // those with conditions that also set bits, then those that only read them, so a bit set by
  // a match on this inspection counts for the readers; each match applies its rule's flowbit
  // actions.
  void match(const Inspection& in, std::vector<const CompiledPacketRule*>& hits,
             FlowBits* bits = nullptr) const;

  const std::vector<std::unique_ptr<CompiledPacketRule>>& rules() const { return rules_; }
  bool has_payload_rules() const { return payload_rule_count_ > 0; }
  bool has_app_rules(AppProto app) const;
  // Whether some rule inspects the buffer (so a caller may skip building it).
  bool inspects(Buffer buffer) const { return inspected_[static_cast<int>(buffer)]; }
  // Whether some rule of the protocol runs on the server's side (CompiledPacketRule::
  // response_side).
  // Whether some rule of the kind (payload: per packet; else per summary) names flowbits.
  bool uses_flowbits(bool payload) const { return payload ? payload_flowbits_ : app_flowbits_; }
  bool has_response_rules(AppProto app) const {
    return response_rule_count_[static_cast<int>(app)] > 0;
  }

 private:
  // Rules by header (Gate::header): a header that does not fit an inspection rules out all its
  // rules at once.
  struct HeaderRules {
    std::uint32_t header = 0;
    std::vector<std::uint32_t> rules;
  };
  using HeaderGroups = std::vector<HeaderRules>;
  struct Group {
    std::unique_ptr<const sigma::Prefilter> prefilter;
    std::vector<std::vector<std::uint32_t>> rules_of_literal;  // literal id -> rule indexes
    // Rules without a literal: TCP and UDP rules with a few destination ports (one way) by
    // port, so a packet evaluates only those of its port; the others by IP protocol (ICMP
    // rules under ICMPv6 too, as Header::ip_proto matches), or for every packet when they name
    // none.
    std::unordered_map<std::uint16_t, HeaderGroups> always_by_dport;
    std::array<HeaderGroups, 256> always_by_proto;
    HeaderGroups always;
    std::vector<std::uint32_t> all;  // without prefilter
  };
  struct Scratch;  // per thread: candidates, and what this inspection has tested already
  // What rules most candidates out, kept apart from the (large) rules in one dense array, so
  // that a candidate's rule is read only when its gate passes.
  struct Gate {
    // The rule's protocol, addresses and ports among the set's distinct ones (rules sharing
    // them share one test per inspection).
    std::uint32_t header = 0;
    AppProto app = AppProto::kNone;
    FlowDir flow_dir = FlowDir::kAny;
    FlowState flow_state = FlowState::kAny;
    bool app_rule = false;
    bool response_side = false;
    bool has_flowbits = false;
  };
  // A rule header by numbers: its address and port sets among the set's distinct ones.
  struct Header {
    std::uint32_t src = 0, dst = 0;      // addresses_
    std::uint32_t sport = 0, dport = 0;  // ports_
    std::uint8_t ip_proto = 0;
    bool bidirectional = false;
    bool operator<(const Header& o) const {
      return std::tie(src, dst, sport, dport, ip_proto, bidirectional) <
             std::tie(o.src, o.dst, o.sport, o.dport, o.ip_proto, o.bidirectional);
    }
  };
  // Whether the header fits `in`. Each header, and each address or port set on each side, is
  // tested once per inspection.
  bool header_fits(std::uint32_t header, const Inspection& in, Scratch& scratch) const;
  // The test itself, the protocol as written (ICMP also ICMPv6), the sets through the memos
  // of this call's bank, the other way round too for `<>`.
  bool header_matches(const Header& h, const Inspection& in, Scratch& scratch) const;
  // Whether rule `index` may match `in`: its kind, side, flow direction and state, and header.
  bool passes_gate(std::uint32_t index, const Inspection& in, Scratch& scratch) const;
  // The gate, then flowbit conditions and the detection items.
  bool evaluate(std::uint32_t index, const Inspection& in, const FlowBits* bits,
                Scratch& scratch) const;
  // Numbers the distinct headers, address and port sets, and fills gates_.
  void number_headers();
  // Whether one instance of the multi-buffer satisfies all of the rule's items and size tests
  // for it.
  // A match: applies the rule's flowbit actions, and adds it to `hits` unless noalert.
  static void on_match(const CompiledPacketRule& r, FlowBits* bits,
                       std::vector<const CompiledPacketRule*>& hits);
  static bool some_instance_matches(const CompiledPacketRule& r, Buffer buffer,
                                    const Inspection& in);
  void add_always(Group& group, std::uint32_t index) const;

  std::vector<std::unique_ptr<CompiledPacketRule>> rules_;
  Group payload_, app_;
  std::vector<Gate> gates_;  // by rule index
  std::vector<Header> headers_;
  std::vector<const AddressSet*> addresses_;  // distinct, in the rules
  std::vector<const PortSet*> ports_;         // distinct, in the rules
  std::size_t payload_rule_count_ = 0;
  std::array<std::size_t, 4> app_rule_count_{};
  std::array<bool, kBufferCount> inspected_{};
  std::array<std::size_t, 4> response_rule_count_{};            // by AppProto
  std::unordered_map<std::string, std::uint32_t> flowbit_ids_;  // name -> id
  bool payload_flowbits_ = false, app_flowbits_ = false;
  bool use_prefilter_ = true;
  // Unique among the sets of this process (never an address, which a later set may reuse):
  // header results cached per thread are tied to it.
  std::uint64_t id_ = 0;
};

}  // namespace soc::packet
