#include "agent/packet_matcher.h"

#include <optional>
#include <utility>

#include "agent/net/community_id.h"
#include "agent/net/flow_event.h"
#include "agent/net/protocols/http_analyzer.h"
#include "agent/net/protocols/http_rule_buffers.h"
#include "agent/net/protocols/tls_analyzer.h"
#include "agent/net/protocols/x509_names.h"
#include "signatures/packet/packet_alert.h"

namespace soc::agent {
namespace {

using net::protocols::HttpSide;
using packet::AppProto;
using packet::Buffer;

bool tcp_established(const net::Flow& flow) {
  if (flow.tcp == nullptr) return flow.orig.packets > 0 && flow.resp.packets > 0;
  auto up = [](net::TcpState s) {
    return s == net::TcpState::kEstablished || s == net::TcpState::kClosed;
  };
  return up(flow.tcp->orig.state) && up(flow.tcp->resp.state);
}

const std::string* string_field(const Event& e, std::string_view name) {
  const FieldValue* v = e.find(name);
  return v != nullptr ? std::get_if<std::string>(v) : nullptr;
}

void set_buffer(packet::Inspection& in, Buffer b, const std::string* value) {
  if (value == nullptr) return;
  in.buffers[static_cast<int>(b)] = *value;
  in.present[static_cast<int>(b)] = true;
}

bool inspects_certificate_names(const packet::PacketRuleSet& rules) {
  return rules.inspects(Buffer::kTlsCertSubject) || rules.inspects(Buffer::kTlsCertIssuer) ||
         rules.inspects(Buffer::kTlsCertSerial);
}

void set_instances(packet::Inspection& in, Buffer b, std::span<const std::string> instances) {
  in.instances[static_cast<int>(b)] = instances;
  in.present[static_cast<int>(b)] = true;
}

// A head's buffers that Suricata fills from both sides, request forms (the response forms come
// from packet::response_form).
void set_head_buffers(packet::Inspection& in, const net::protocols::HttpHeadBuffers& head,
                      bool response) {
  auto side = [response](Buffer b) { return response ? packet::response_form(b) : b; };
  set_buffer(in, response ? Buffer::kHttpResponseLine : Buffer::kHttpRequestLine, &head.start_line);
  if (!head.protocol.empty()) set_buffer(in, side(Buffer::kHttpProtocol), &head.protocol);
  set_buffer(in, side(Buffer::kHttpHeader), &head.header);
  set_buffer(in, side(Buffer::kHttpHeaderRaw), &head.header_raw);
  set_buffer(in, side(Buffer::kHttpHeaderNames), &head.header_names);
  set_buffer(in, side(Buffer::kHttpStart), &head.start);
  set_instances(in, response ? Buffer::kHttpResponseHeaderLines : Buffer::kHttpRequestHeaderLines,
                head.header_lines);
  set_buffer(in, side(Buffer::kHttpCookie), head.value(response ? "set-cookie" : "cookie"));
  set_buffer(in, side(Buffer::kHttpContentType), head.value("content-type"));
  set_buffer(in, side(Buffer::kHttpContentLen), head.value("content-length"));
  if (response) {
    set_buffer(in, Buffer::kHttpStatCode, &head.status_code);
    set_buffer(in, Buffer::kHttpStatMsg, &head.status_message);
    set_buffer(in, Buffer::kHttpServer, head.value("server"));
    set_buffer(in, Buffer::kHttpLocation, head.value("location"));
    return;
  }
  const std::pair<Buffer, std::string_view> request_only[] = {
      {Buffer::kHttpReferer, "referer"},
      {Buffer::kHttpAccept, "accept"},
      {Buffer::kHttpAcceptLang, "accept-language"},
      {Buffer::kHttpAcceptEnc, "accept-encoding"},
      {Buffer::kHttpConnection, "connection"}};
  for (const auto& [buffer, name] : request_only) set_buffer(in, buffer, head.value(name));
}

// The response's inspection of an HTTP summary: the request's, seen from the server.
packet::Inspection response_inspection(const packet::Inspection& request) {
  packet::Inspection in = request;
  in.to_server = false;
  std::swap(in.src, in.dst);
  std::swap(in.sport, in.dport);
  in.buffers[static_cast<int>(Buffer::kPayload)] = {};
  in.present[static_cast<int>(Buffer::kPayload)] = false;
  return in;
}

}  // namespace

net::protocols::HttpRuleData http_rule_data(const packet::PacketRuleSet* rules) {
  net::protocols::HttpRuleData data;
  if (rules == nullptr) return data;
  data.request_body = rules->inspects(Buffer::kHttpRequestBody);
  data.response_head = rules->has_response_rules(AppProto::kHttp);
  data.response_body = rules->inspects(Buffer::kHttpResponseBody);
  return data;
}

bool tls_certificates_wanted(const packet::PacketRuleSet* rules) {
  return rules != nullptr &&
         (rules->inspects(Buffer::kTlsCerts) || inspects_certificate_names(*rules));
}

bool PacketMatcher::inspects_head_buffers() const {
  for (int b = static_cast<int>(Buffer::kHttpRequestLine); b < packet::kBufferCount; ++b) {
    if (rules_->inspects(static_cast<Buffer>(b))) return true;
  }
  return false;
}

std::optional<packet::Inspection> PacketMatcher::server_inspection(
    const Event& e, const packet::Inspection& request, ServerBuffers& kept) const {
  if (request.app == AppProto::kHttp) {
    const std::string* text = string_field(e, net::protocols::kHttpResponseHeadField);
    if (text == nullptr) return std::nullopt;  // unanswered
    packet::Inspection in = response_inspection(request);
    set_buffer(in, Buffer::kPayload, text);
    set_buffer(in, Buffer::kHttpResponseBody,
               string_field(e, net::protocols::kHttpResponseBodyField));
    if (inspects_head_buffers()) {
      kept.response_head = net::protocols::http_head_buffers(*text, HttpSide::kResponse);
      set_head_buffers(in, kept.response_head, true);
    }
    return in;
  }
  if (request.app == AppProto::kTls) {
    const std::string* ja3s = string_field(e, "tls.server.ja3s");
    if (ja3s == nullptr) return std::nullopt;  // no ServerHello
    packet::Inspection in = response_inspection(request);
    set_buffer(in, Buffer::kTlsJa3sHash, ja3s);
    set_buffer(in, Buffer::kTlsJa3sString, string_field(e, "tls.server.ja3s_string"));
    const FieldValue* certs = e.find(net::protocols::kTlsCertificatesField);
    const auto* list = certs != nullptr ? std::get_if<StringList>(certs) : nullptr;
    if (list == nullptr) return in;
    set_instances(in, Buffer::kTlsCerts, *list);
    if (list->empty() || !inspects_certificate_names(*rules_)) return in;
    kept.leaf = net::protocols::certificate_names(list->front());
    if (kept.leaf) {
      set_buffer(in, Buffer::kTlsCertSubject, &kept.leaf->subject);
      set_buffer(in, Buffer::kTlsCertIssuer, &kept.leaf->issuer);
      set_buffer(in, Buffer::kTlsCertSerial, &kept.leaf->serial);
    }
    return in;
  }
  return std::nullopt;  // DNS: its rules see the request only
}

void PacketMatcher::set_rules(std::shared_ptr<const packet::PacketRuleSet> rules,
                              std::string pack_name, std::string pack_version) {
  if (rules != rules_) {
    filters_.clear();   // their windows belong to the old rules
    flowbits_.clear();  // and the bits their numbering
  }
  rules_ = std::move(rules);
  pack_name_ = std::move(pack_name);
  pack_version_ = std::move(pack_version);
}

void PacketMatcher::emit(const packet::Inspection& in,
                         std::span<const packet::CompiledPacketRule* const> hits,
                         const packet::AlertContext& context, std::vector<Event>& out) {
  for (const packet::CompiledPacketRule* rule : hits) {
    if (!filters_.admit(*rule, in, context.time_ns)) {
      ++filtered_;
      continue;
    }
    Event& alert = out.emplace_back(packet::make_packet_alert(*rule, in, context));
    if (!pack_name_.empty()) {
      append_string(alert.fields, "pack.name", pack_name_);
      append_string(alert.fields, "pack.version", pack_version_);
    }
    ++alerts_;
  }
}

void PacketMatcher::on_packet(const net::Packet& p, const net::Flow& flow, net::Direction dir,
                              std::vector<Event>& out) {
  if (rules_ == nullptr || !rules_->has_payload_rules()) return;
  packet::Inspection in;
  in.proto = p.proto;
  in.v4 = p.ip_version == 4;
  in.src = p.src;
  in.dst = p.dst;
  in.sport = p.sport;
  in.dport = p.dport;
  in.to_server = dir == net::Direction::kOrig;
  in.established = tcp_established(flow);
  in.buffers[0] = std::string_view(reinterpret_cast<const char*>(p.payload), p.payload_len);
  in.present[0] = true;
  in.has_tcp_flags = p.proto == net::kProtoTcp;
  in.tcp_flags = p.tcp_flags;
  in.has_icmp = p.proto == net::kProtoIcmp || p.proto == net::kProtoIcmpv6;
  in.icmp_type = p.icmp_type;
  in.icmp_code = p.icmp_code;
  hits_.clear();
  packet::FlowBits* bits = bits_for(flow, true);
  rules_->match(in, hits_, bits);
  keep_bits(flow, bits);
  if (hits_.empty()) return;
  packet::AlertContext context;
  context.time_ns = p.ts;
  context.source = source_;
  context.transport = net::transport_name(p.proto);
  context.community_id = net::flow_community_id(flow);
  emit(in, hits_, context, out);
}

packet::FlowBits* PacketMatcher::bits_for(const net::Flow& flow, bool payload) {
  if (!rules_->uses_flowbits(payload)) return nullptr;
  if (flowbits_.empty()) {
    new_bits_ = {};
    return &new_bits_;
  }
  if (auto it = flowbits_.find(flow.key); it != flowbits_.end()) return &it->second;
  new_bits_ = {};
  return &new_bits_;
}

void PacketMatcher::keep_bits(const net::Flow& flow, packet::FlowBits* bits) {
  if (bits == &new_bits_ && !new_bits_.empty()) flowbits_.emplace(flow.key, std::move(new_bits_));
}

void PacketMatcher::on_flow_end(const net::Flow& flow) {
  if (!flowbits_.empty()) flowbits_.erase(flow.key);
}

void PacketMatcher::on_summaries(const net::Flow& flow, std::vector<Event>& events,
                                 std::size_t from) {
  if (rules_ == nullptr) return;
  const std::size_t end = events.size();
  // Of the event being matched: the views of its inspections point into them.
  net::protocols::HttpHeadBuffers request_head;
  ServerBuffers server_side;
  for (std::size_t i = from; i < end; ++i) {
    AppProto app;
    switch (events[i].kind) {
      case EventKind::kDns:
        app = AppProto::kDns;
        break;
      case EventKind::kHttp:
        app = AppProto::kHttp;
        break;
      case EventKind::kTls:
        app = AppProto::kTls;
        break;
      default:
        continue;
    }
    if (!rules_->has_app_rules(app)) continue;
    const Event& e = events[i];
    packet::Inspection in;
    in.app = app;
    const FieldValue* sip = e.find("source.ip");
    const FieldValue* dip = e.find("destination.ip");
    const auto* s = sip != nullptr ? std::get_if<IpAddress>(sip) : nullptr;
    const auto* d = dip != nullptr ? std::get_if<IpAddress>(dip) : nullptr;
    if (s == nullptr || d == nullptr) continue;
    in.src = s->bytes;
    in.dst = d->bytes;
    in.v4 = s->is_v4;
    auto port = [&](std::string_view name) -> std::uint16_t {
      const FieldValue* v = e.find(name);
      const auto* n = v != nullptr ? std::get_if<std::int64_t>(v) : nullptr;
      return n != nullptr && *n >= 0 && *n <= 65535 ? static_cast<std::uint16_t>(*n) : 0;
    };
    in.sport = port("source.port");
    in.dport = port("destination.port");
    const std::string* transport = string_field(e, "network.transport");
    in.proto = transport != nullptr && *transport == "udp" ? net::kProtoUdp : net::kProtoTcp;
    in.to_server = true;
    in.established = true;
    switch (app) {
      case AppProto::kDns:
        set_buffer(in, Buffer::kDnsQuery, string_field(e, "dns.question.name"));
        break;
      case AppProto::kHttp:
        set_buffer(in, Buffer::kHttpUri, string_field(e, "url.original"));
        set_buffer(in, Buffer::kHttpHost, string_field(e, "url.domain"));
        set_buffer(in, Buffer::kHttpMethod, string_field(e, "http.request.method"));
        set_buffer(in, Buffer::kHttpUserAgent, string_field(e, "user_agent.original"));
        set_buffer(in, Buffer::kHttpRequestBody,
                   string_field(e, net::protocols::kHttpRequestBodyField));
        if (!e.raw.empty()) {
          set_buffer(in, Buffer::kPayload, &e.raw);  // the request head
          if (inspects_head_buffers()) {
            request_head = net::protocols::http_head_buffers(e.raw, HttpSide::kRequest);
            set_head_buffers(in, request_head, false);
          }
        }
        break;
      case AppProto::kTls:
        set_buffer(in, Buffer::kTlsSni, string_field(e, "tls.client.server_name"));
        set_buffer(in, Buffer::kTlsJa3Hash, string_field(e, "tls.client.ja3"));
        set_buffer(in, Buffer::kTlsJa3String, string_field(e, "tls.client.ja3_string"));
        break;
      case AppProto::kNone:
        break;
    }
    // Both inspections are matched before any alert is appended: appending may move the events
    // whose strings their buffers view.
    hits_.clear();
    response_hits_.clear();
    packet::FlowBits* bits = bits_for(flow, false);
    rules_->match(in, hits_, bits);
    std::optional<packet::Inspection> response;
    if (rules_->has_response_rules(app)) response = server_inspection(e, in, server_side);
    if (response) rules_->match(*response, response_hits_, bits);
    keep_bits(flow, bits);
    if (hits_.empty() && response_hits_.empty()) continue;
    packet::AlertContext context;
    context.time_ns = e.time_ns;
    context.source = source_;
    context.transport = transport != nullptr ? *transport : "tcp";
    net::CommunityIdInput cid;
    cid.src = in.src;
    cid.dst = in.dst;
    cid.v6 = !in.v4;
    cid.proto = in.proto;
    cid.sport = in.sport;
    cid.dport = in.dport;
    context.community_id = net::community_id_v1(cid);
    // Reserving may move the events the inspections view; emit() reads only their addresses
    // and ports (copied into them), never a buffer.
    events.reserve(events.size() + hits_.size() + response_hits_.size());
    emit(in, hits_, context, events);
    if (response) emit(*response, response_hits_, context, events);
  }
}

}  // namespace soc::agent
