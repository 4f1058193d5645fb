// libFuzzer target for the protocol analyzers (agent/net/protocols): DNS, HTTP, TLS and SSH
// analyzers of one flow are fed the same chunks. Input: a selector byte (bit 0: UDP instead of
// TCP), then chunks of a flag byte (bit 0: responder direction, bit 1: a gap of the chunk's
// length instead of bytes) and a 2-byte big-endian length followed by the bytes. Like the flow
// table, an analyzer is not fed once it wants no more. Properties: no crash, no hang, events
// only of the analyzers' kinds, and the flow event gets at most one network.protocol.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "agent/net/conn_state.h"
#include "agent/net/packet.h"
#include "agent/net/protocols/dns_analyzer.h"
#include "agent/net/protocols/http_analyzer.h"
#include "agent/net/protocols/http_rule_buffers.h"
#include "agent/net/protocols/ssh_analyzer.h"
#include "agent/net/protocols/tls_analyzer.h"
#include "agent/net/protocols/x509_names.h"

using namespace soc::agent::net;

namespace {

// The text of a string field, empty when the event has none.
std::string_view find_string(const soc::Event& e, std::string_view name) {
  const soc::FieldValue* v = e.find(name);
  const auto* s = v != nullptr ? std::get_if<std::string>(v) : nullptr;
  return s != nullptr ? std::string_view(*s) : std::string_view();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  Flow flow;
  flow.proto = (data[0] & 1) != 0 ? kProtoUdp : kProtoTcp;
  flow.ip_version = 4;
  flow.orig_addr = {10, 0, 0, 1};
  flow.resp_addr = {10, 0, 0, 2};
  flow.orig_port = 40000;
  flow.resp_port = 53;
  // A TCP flow with its connection state (no SYN seen): HTTP's picked-up-mid-way path.
  if (flow.proto == kProtoTcp && (data[0] & 2) != 0) flow.tcp = std::make_unique<TcpConn>();
  protocols::DnsAnalyzerFactory dns;
  protocols::HttpAnalyzerFactory http;
  http.keep({true, true, true});  // bodies and the response head, as when rules ask
  protocols::TlsAnalyzerFactory tls;
  tls.keep_certificates((data[0] & 4) != 0);  // following the server to its Certificate
  protocols::SshAnalyzerFactory ssh;
  std::vector<std::unique_ptr<FlowAnalyzer>> analyzers;
  for (FlowAnalyzerFactory* f :
       {static_cast<FlowAnalyzerFactory*>(&dns), static_cast<FlowAnalyzerFactory*>(&http),
        static_cast<FlowAnalyzerFactory*>(&tls), static_cast<FlowAnalyzerFactory*>(&ssh)}) {
    if (auto a = f->create(flow)) analyzers.push_back(std::move(a));
  }
  std::vector<soc::Event> out;
  std::size_t pos = 1;
  soc::TimeNs ts = 1;
  while (pos + 3 <= size) {
    const std::uint8_t flags = data[pos];
    std::size_t len = (static_cast<std::size_t>(data[pos + 1]) << 8) | data[pos + 2];
    pos += 3;
    const Direction dir = (flags & 1) != 0 ? Direction::kResp : Direction::kOrig;
    const bool gap = (flags & 2) != 0 && flow.proto == kProtoTcp;
    if (!gap && len > size - pos) len = size - pos;
    for (auto& a : analyzers) {
      if (!a->wants_more()) continue;
      if (gap) {
        a->on_gap(flow, dir, len);
      } else {
        a->on_payload(flow, dir, std::span<const std::uint8_t>(data + pos, len), ts, out);
      }
    }
    if (!gap) pos += len;
    ++ts;
  }
  soc::Event flow_event;
  for (auto& a : analyzers) a->on_end(flow, flow_event, out);
  int protocols_set = 0;
  for (const auto& f : flow_event.fields) protocols_set += f.name == "network.protocol" ? 1 : 0;
  if (protocols_set > 1) std::abort();
  for (const auto& e : out) {
    if (e.kind != soc::EventKind::kDns && e.kind != soc::EventKind::kHttp &&
        e.kind != soc::EventKind::kTls) {
      std::abort();
    }
    if (e.raw.size() > protocols::kHttpMaxRawHead) std::abort();
    // The packet rules' buffers of both heads: each a bounded rewrite of its head.
    for (const auto& [head, side] :
         {std::pair{std::string_view(e.raw), protocols::HttpSide::kRequest},
          std::pair{find_string(e, protocols::kHttpResponseHeadField),
                    protocols::HttpSide::kResponse}}) {
      const protocols::HttpHeadBuffers b = protocols::http_head_buffers(head, side);
      if (b.header.size() > 2 * head.size() + 2 || b.start.size() > 2 * head.size() + 6) {
        std::abort();
      }
    }
  }
  for (const auto& e : out) {
    // The kept certificates: bounded, and each read by OpenSSL for its names.
    const soc::FieldValue* certs = e.find(protocols::kTlsCertificatesField);
    if (const auto* list = certs != nullptr ? std::get_if<soc::StringList>(certs) : nullptr) {
      if (list->size() > protocols::kTlsMaxCertificates) std::abort();
      for (const std::string& der : *list) (void)protocols::certificate_names(der);
    }
    if (find_string(e, protocols::kHttpRequestBodyField).size() > protocols::kHttpMaxKeptBody ||
        find_string(e, protocols::kHttpResponseHeadField).size() > protocols::kHttpMaxRawHead ||
        find_string(e, protocols::kHttpResponseBodyField).size() > protocols::kHttpMaxKeptBody) {
      std::abort();
    }
  }
  // What leaves a pcap source: the HTTP heads with their credentials redacted, and neither the
  // bodies nor the response head.
  protocols::redact_http_credentials(out);
  for (const auto& e : out) {
    if (e.find(protocols::kHttpRequestBodyField) != nullptr ||
        e.find(protocols::kHttpResponseHeadField) != nullptr ||
        e.find(protocols::kHttpResponseBodyField) != nullptr) {
      std::abort();
    }
  }
  return 0;
}
