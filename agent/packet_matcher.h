// PacketMatcher: runs the active packet rules (signatures/packet) inside a pcap source.
//   - per packet, as the flow table's PacketInspector: payload rules on the packet's payload,
//     addresses, ports and flow (direction: the flow's originator is the client; established:
//     TCP handshake completed both ways, UDP/ICMP seen both ways);
//   - per protocol summary (dns/http/tls events the analyzers emitted): application rules on
//     the sticky buffers (dns.query = dns.question.name, http.uri = url.original, http.host =
//     url.domain, http.method = http.request.method, http.user_agent = user_agent.original,
//     tls.sni = tls.client.server_name, ja3.hash, ja3.string; http.header, http.cookie and the
//     other buffers of the request head from the event's raw text, see http_rule_buffers.h;
//     http.request_body), the client as source; then the server-side rules on the server's
//     buffers, the server as source: for an HTTP summary with a response head, http.stat_code,
//     a to_client rule's http.header, file_data ...; for a TLS summary with a ServerHello,
//     ja3s.hash, ja3s.string, tls.certs and the leaf certificate's tls.cert_subject,
//     tls.cert_issuer and tls.cert_serial (x509_names.h).
// Summaries are matched as the flow table makes them (PacketInspector::on_summaries), so a
// flow's packets and summaries are inspected in the order they happened, and `flowbits` set on
// one are seen by the next: the matcher keeps each live flow's bits until its end. A rule set
// swap clears them (their numbering belongs to the set).
// Each match appends one `alert` event (packet_alert.h) with pack.name/pack.version when the
// rules came from a pack, unless the rule's threshold or detection_filter holds it back
// (alert_filter.h; counted in filtered()). The rule set is swapped by set_rules() between polls;
// the matcher holds it (shared_ptr) so a swap never frees rules in use. Single-threaded (the
// source's poll).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/net/flow_key.h"
#include "agent/net/packet_inspector.h"
#include "agent/net/protocols/http_analyzer.h"
#include "agent/net/protocols/http_rule_buffers.h"
#include "agent/net/protocols/x509_names.h"
#include "signatures/packet/alert_filter.h"
#include "signatures/packet/flow_bits.h"
#include "signatures/packet/packet_alert.h"
#include "signatures/packet/packet_rule_set.h"

namespace soc::agent {

// What the HTTP analyzers must keep for `rules` (nothing for nullptr).
net::protocols::HttpRuleData http_rule_data(const packet::PacketRuleSet* rules);
// Whether the TLS analyzers must keep the server's certificates for `rules` (tls.certs).
bool tls_certificates_wanted(const packet::PacketRuleSet* rules);

class PacketMatcher final : public net::PacketInspector {
 public:
  explicit PacketMatcher(std::string source) : source_(std::move(source)) {}

  // nullptr: no packet rules.
  void set_rules(std::shared_ptr<const packet::PacketRuleSet> rules, std::string pack_name = "",
                 std::string pack_version = "");
  const packet::PacketRuleSet* rules() const { return rules_.get(); }

  void on_packet(const net::Packet& packet, const net::Flow& flow, net::Direction dir,
                 std::vector<Event>& out) override;

  // Matches the application rules on the dns/http/tls events of events[from..], all of
  // `flow`; alerts are appended to `events`.
  void on_summaries(const net::Flow& flow, std::vector<Event>& events, std::size_t from) override;
  void on_flow_end(const net::Flow& flow) override;

  std::uint64_t alerts() const { return alerts_; }
  std::uint64_t filtered() const { return filtered_; }

 private:
  void emit(const packet::Inspection& in, std::span<const packet::CompiledPacketRule* const> hits,
            const packet::AlertContext& context, std::vector<Event>& out);
  // Whether some rule inspects a buffer of an HTTP head beyond the summary's fields.
  bool inspects_head_buffers() const;
  // The flow's flowbits for one match of payload (per packet) or summary rules (nullptr when
  // those use none): its entry, or a fresh set that keep_bits() files if the match set a bit.
  packet::FlowBits* bits_for(const net::Flow& flow, bool payload);
  void keep_bits(const net::Flow& flow, packet::FlowBits* bits);
  // What a server-side inspection views beyond the event: the response head's buffers, the
  // server certificate's names.
  struct ServerBuffers {
    net::protocols::HttpHeadBuffers response_head;
    std::optional<net::protocols::CertificateNames> leaf;
  };
  // The server's side of summary `e` for the server-side rules: `request` seen from the server,
  // with the server's buffers added (some kept in `kept`, which must outlive it); nullopt when
  // the summary has none (no response, no ServerHello, DNS).
  std::optional<packet::Inspection> server_inspection(const Event& e,
                                                      const packet::Inspection& request,
                                                      ServerBuffers& kept) const;

  std::string source_;
  std::shared_ptr<const packet::PacketRuleSet> rules_;
  std::string pack_name_, pack_version_;
  std::vector<const packet::CompiledPacketRule*> hits_;
  std::vector<const packet::CompiledPacketRule*> response_hits_;  // the server side's
  packet::AlertFilters filters_;
  // The flowbits of the live flows that have one set (entries go at the flow's end).
  std::unordered_map<net::FlowKey, packet::FlowBits, net::FlowKeyHash> flowbits_;
  packet::FlowBits new_bits_;
  std::uint64_t alerts_ = 0;
  std::uint64_t filtered_ = 0;
};

}  // namespace soc::agent
