#include "agent/packet_matcher.h"

#include "agent/net/community_id.h"
#include "agent/net/flow_event.h"
#include "agent/net/protocols/http_analyzer.h"
#include "agent/net/protocols/http_rule_buffers.h"
#include "signatures/packet/packet_alert.h"

namespace soc::agent {
namespace {

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

// The request head's buffers (http.header ...); each present when the request has it.
void set_request_head_buffers(packet::Inspection& in,
                              const net::protocols::HttpRequestBuffers& head) {
  set_buffer(in, Buffer::kHttpRequestLine, &head.request_line);
  if (!head.protocol.empty()) set_buffer(in, Buffer::kHttpProtocol, &head.protocol);
  set_buffer(in, Buffer::kHttpHeader, &head.header);
  set_buffer(in, Buffer::kHttpHeaderRaw, &head.header_raw);
  set_buffer(in, Buffer::kHttpHeaderNames, &head.header_names);
  set_buffer(in, Buffer::kHttpStart, &head.start);
  const std::pair<Buffer, const std::optional<std::string>*> single[] = {
      {Buffer::kHttpCookie, &head.cookie},
      {Buffer::kHttpReferer, &head.referer},
      {Buffer::kHttpAccept, &head.accept},
      {Buffer::kHttpAcceptLang, &head.accept_lang},
      {Buffer::kHttpAcceptEnc, &head.accept_enc},
      {Buffer::kHttpConnection, &head.connection},
      {Buffer::kHttpContentType, &head.content_type},
      {Buffer::kHttpContentLen, &head.content_len}};
  for (const auto& [buffer, value] : single) {
    if (value->has_value()) set_buffer(in, buffer, &**value);
  }
}

}  // namespace

bool PacketMatcher::inspects_request_head_buffers() const {
  for (int b = static_cast<int>(Buffer::kHttpRequestLine); b < packet::kBufferCount; ++b) {
    if (rules_->inspects(static_cast<Buffer>(b))) return true;
  }
  return false;
}

void PacketMatcher::set_rules(std::shared_ptr<const packet::PacketRuleSet> rules,
                              std::string pack_name, std::string pack_version) {
  if (rules != rules_) filters_.clear();  // their windows belong to the old rules
  rules_ = std::move(rules);
  pack_name_ = std::move(pack_name);
  pack_version_ = std::move(pack_version);
}

void PacketMatcher::emit(const packet::Inspection& in, const packet::AlertContext& context,
                         std::vector<Event>& out) {
  for (const packet::CompiledPacketRule* rule : hits_) {
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
  rules_->match(in, hits_);
  if (hits_.empty()) return;
  packet::AlertContext context;
  context.time_ns = p.ts;
  context.source = source_;
  context.transport = net::transport_name(p.proto);
  context.community_id = net::flow_community_id(flow);
  emit(in, context, out);
}

void PacketMatcher::on_events(std::vector<Event>& events, std::size_t from) {
  if (rules_ == nullptr) return;
  const std::size_t end = events.size();
  net::protocols::HttpRequestBuffers head_buffers;  // of the event being matched
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
          if (inspects_request_head_buffers()) {
            head_buffers = net::protocols::http_request_buffers(e.raw);
            set_request_head_buffers(in, head_buffers);
          }
        }
        break;
      case AppProto::kTls:
        set_buffer(in, Buffer::kTlsSni, string_field(e, "tls.client.server_name"));
        break;
      case AppProto::kNone:
        break;
    }
    hits_.clear();
    rules_->match(in, hits_);
    if (hits_.empty()) continue;
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
    emit(in, context, events);
  }
}

}  // namespace soc::agent
