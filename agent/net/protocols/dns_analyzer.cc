#include "agent/net/protocols/dns_analyzer.h"

#include <deque>

#include "agent/net/packet.h"
#include "agent/net/protocols/analyzer_util.h"

namespace soc::agent::net::protocols {
namespace {

constexpr std::size_t kMaxNameBytes = 255;  // RFC 1035 2.3.4, wire length
constexpr int kMaxPointers = 64;

bool dns_port(std::uint16_t p) { return p == 53 || p == 137 || p == 5353 || p == 5355; }

void append_label_char(std::string& out, std::uint8_t c) {
  if (c > 0x20 && c < 0x7f) {
    out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  } else {
    out += '\\';
    out += static_cast<char>('0' + c / 100);
    out += static_cast<char>('0' + c / 10 % 10);
    out += static_cast<char>('0' + c % 10);
  }
}

// NetBIOS first-level encoding (RFC 1001 14.1): 32 letters 'A'..'P' encode 16 bytes; the last
// byte is the service suffix, trailing spaces pad the name.
bool decode_netbios(std::span<const std::uint8_t> label, std::string& out) {
  if (label.size() != 32) return false;
  std::string name;
  for (std::size_t i = 0; i < 32; i += 2) {
    const std::uint8_t hi = label[i], lo = label[i + 1];
    if (hi < 'A' || hi > 'P' || lo < 'A' || lo > 'P') return false;
    name += static_cast<char>((hi - 'A') << 4 | (lo - 'A'));
  }
  name.resize(15);
  while (!name.empty() && (name.back() == ' ' || name.back() == '\0')) name.pop_back();
  for (char c : name) append_label_char(out, static_cast<std::uint8_t>(c));
  return true;
}

// Reads a possibly compressed name starting at `pos`; `next` gets the offset after the name as
// it appears at pos. Pointers must point before the start of the segment that holds them, so
// every jump goes strictly backwards (no loops), and at most kMaxPointers are followed.
bool read_name(std::span<const std::uint8_t> msg, std::size_t pos, std::string& out,
               std::size_t& next, bool netbios) {
  out.clear();
  std::size_t cur = pos;
  std::size_t segment_start = pos;
  std::size_t wire_len = 1;
  bool jumped = false;
  int pointers = 0;
  bool first = true;
  for (;;) {
    if (cur >= msg.size()) return false;
    const std::uint8_t len = msg[cur];
    if ((len & 0xc0) == 0xc0) {
      if (cur + 1 >= msg.size()) return false;
      const std::size_t target = static_cast<std::size_t>(len & 0x3f) << 8 | msg[cur + 1];
      if (target >= segment_start || ++pointers > kMaxPointers) return false;
      if (!jumped) next = cur + 2;
      jumped = true;
      cur = segment_start = target;
      continue;
    }
    if ((len & 0xc0) != 0) return false;  // extended label types (RFC 6891) are not names
    if (len == 0) {
      if (!jumped) next = cur + 1;
      return true;
    }
    if (msg.size() - cur - 1 < len) return false;
    wire_len += len + 1u;
    if (wire_len > kMaxNameBytes) return false;
    const auto label = msg.subspan(cur + 1, len);
    if (!first) out += '.';
    if (!(first && netbios && decode_netbios(label, out))) {
      for (std::uint8_t c : label) append_label_char(out, c);
    }
    first = false;
    cur += 1u + len;
  }
}

std::string ip_text(std::span<const std::uint8_t> rdata) {
  IpAddress ip;
  ip.is_v4 = rdata.size() == 4;
  std::copy(rdata.begin(), rdata.end(), ip.bytes.begin());
  return ip.to_string();
}

// The answer data in Zeek's dns.log form; false when the type has none we show.
bool answer_data(std::span<const std::uint8_t> msg, std::size_t rdata_pos, std::uint16_t rdlen,
                 std::uint16_t type, std::string& out) {
  const auto rdata = msg.subspan(rdata_pos, rdlen);
  std::size_t next = 0;
  switch (type) {
    case 1:  // A
      if (rdlen != 4) return false;
      out = ip_text(rdata);
      return true;
    case 28:  // AAAA
      if (rdlen != 16) return false;
      out = ip_text(rdata);
      return true;
    case 2:   // NS
    case 5:   // CNAME
    case 12:  // PTR
    case 39:  // DNAME
    case 6:   // SOA: the primary name server
      return read_name(msg.first(rdata_pos + rdlen), rdata_pos, out, next, false);
    case 15:  // MX: preference, exchange
      return rdlen > 2 && read_name(msg.first(rdata_pos + rdlen), rdata_pos + 2, out, next, false);
    case 33:  // SRV: priority, weight, port, target
      return rdlen > 6 && read_name(msg.first(rdata_pos + rdlen), rdata_pos + 6, out, next, false);
    case 16:  // TXT: character-strings, each shown as "TXT <len> <text>"
    case 99: {
      out.clear();
      std::size_t i = 0;
      while (i < rdata.size()) {
        const std::size_t n = rdata[i];
        if (rdata.size() - i - 1 < n) return false;
        if (!out.empty()) out += ' ';
        out += type == 16 ? "TXT " : "SPF ";
        out += std::to_string(n);
        out += ' ';
        out += printable(as_chars(rdata.subspan(i + 1, n)), 255);
        i += 1 + n;
      }
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

std::string dns_type_name(std::uint16_t type) {
  switch (type) {
    case 1:
      return "A";
    case 2:
      return "NS";
    case 5:
      return "CNAME";
    case 6:
      return "SOA";
    case 12:
      return "PTR";
    case 13:
      return "HINFO";
    case 15:
      return "MX";
    case 16:
      return "TXT";
    case 28:
      return "AAAA";
    case 32:
      return "NIMLOC";
    case 33:
      return "SRV";
    case 35:
      return "NAPTR";
    case 39:
      return "DNAME";
    case 41:
      return "OPT";
    case 43:
      return "DS";
    case 46:
      return "RRSIG";
    case 47:
      return "NSEC";
    case 48:
      return "DNSKEY";
    case 50:
      return "NSEC3";
    case 52:
      return "TLSA";
    case 64:
      return "SVCB";
    case 65:
      return "HTTPS";
    case 99:
      return "SPF";
    case 251:
      return "IXFR";
    case 252:
      return "AXFR";
    case 255:
      return "ANY";
    case 257:
      return "CAA";
    default:
      return "TYPE" + std::to_string(type);
  }
}

std::string dns_rcode_name(std::uint8_t rcode) {
  static constexpr const char* kNames[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                           "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                           "NXRRSET", "NOTAUTH", "NOTZONE"};
  if (rcode < std::size(kNames)) return kNames[rcode];
  return "RCODE" + std::to_string(rcode);
}

std::string dns_class_name(std::uint16_t cls) {
  switch (cls) {
    case 1:
      return "IN";
    case 3:
      return "CH";
    case 4:
      return "HS";
    case 254:
      return "NONE";
    case 255:
      return "ANY";
    default:
      return "CLASS" + std::to_string(cls);
  }
}

std::optional<DnsMessage> parse_dns_message(std::span<const std::uint8_t> bytes, bool netbios) {
  ByteReader r(bytes);
  DnsMessage m;
  std::uint16_t flags = 0;
  r.u16(m.id);
  r.u16(flags);
  r.u16(m.qdcount);
  r.u16(m.ancount);
  r.u16(m.nscount);
  r.u16(m.arcount);
  if (!r.ok()) return std::nullopt;
  m.response = (flags & 0x8000) != 0;
  m.opcode = static_cast<std::uint8_t>(flags >> 11 & 0xf);
  m.aa = (flags & 0x0400) != 0;
  m.tc = (flags & 0x0200) != 0;
  m.rd = (flags & 0x0100) != 0;
  m.ra = (flags & 0x0080) != 0;
  m.ad = (flags & 0x0020) != 0;
  m.cd = (flags & 0x0010) != 0;
  m.rcode = static_cast<std::uint8_t>(flags & 0xf);
  std::size_t pos = 12;
  // The first question is the transaction's; further ones are skipped.
  for (std::uint16_t q = 0; q < m.qdcount; ++q) {
    std::string name;
    std::size_t next = 0;
    if (!read_name(bytes, pos, name, next, netbios)) return std::nullopt;
    if (bytes.size() - next < 4) return std::nullopt;
    if (q == 0) {
      m.has_question = true;
      m.qname = std::move(name);
      m.qtype = static_cast<std::uint16_t>(bytes[next] << 8 | bytes[next + 1]);
      m.qclass = static_cast<std::uint16_t>(bytes[next + 2] << 8 | bytes[next + 3]);
    }
    pos = next + 4;
  }
  // Answer records; a message cut inside them keeps the answers before the cut.
  for (std::uint16_t a = 0; a < m.ancount; ++a) {
    std::string name;
    std::size_t next = 0;
    if (!read_name(bytes, pos, name, next, netbios)) break;
    if (bytes.size() - next < 10) break;
    const auto type = static_cast<std::uint16_t>(bytes[next] << 8 | bytes[next + 1]);
    const std::uint32_t ttl = static_cast<std::uint32_t>(bytes[next + 4]) << 24 |
                              static_cast<std::uint32_t>(bytes[next + 5]) << 16 |
                              static_cast<std::uint32_t>(bytes[next + 6]) << 8 | bytes[next + 7];
    const auto rdlen = static_cast<std::uint16_t>(bytes[next + 8] << 8 | bytes[next + 9]);
    const std::size_t rdata_pos = next + 10;
    if (bytes.size() - rdata_pos < rdlen) break;
    pos = rdata_pos + rdlen;
    // A response without a question (mDNS announcements) is about its first record's name.
    if (!m.has_question && a == 0) {
      m.qname = name;
      m.qtype = 0;
    }
    std::string data;
    if (m.answers.size() >= kDnsMaxAnswers) continue;
    if (!answer_data(bytes, rdata_pos, rdlen, type, data)) continue;
    if (type == 1 || type == 28) m.resolved_ips.push_back(data);
    m.answers.push_back(std::move(data));
    m.ttls.push_back(ttl);
    m.answer_types.push_back(dns_type_name(type));
  }
  return m;
}

namespace {

class DnsAnalyzer final : public FlowAnalyzer {
 public:
  DnsAnalyzer(const Flow& flow, const std::string& source)
      : source_(source),
        netbios_(flow.orig_port == 137 || flow.resp_port == 137),
        mdns_(flow.orig_port == 5353 || flow.resp_port == 5353) {}

  void on_payload(const Flow& flow, Direction dir, std::span<const std::uint8_t> bytes, TimeNs ts,
                  std::vector<Event>& out) override {
    if (flow.proto != kProtoTcp) {
      handle(flow, dir, bytes, ts, out);
      return;
    }
    // DNS over TCP: each message is preceded by its 2-byte length (RFC 1035 4.2.2).
    auto& buf = tcp_buf_[static_cast<int>(dir)];
    if (broken_[static_cast<int>(dir)]) return;
    buf.insert(buf.end(), bytes.begin(), bytes.end());
    std::size_t off = 0;
    while (buf.size() - off >= 2) {
      const std::size_t len = static_cast<std::size_t>(buf[off] << 8 | buf[off + 1]);
      if (buf.size() - off - 2 < len) break;
      handle(flow, dir, std::span<const std::uint8_t>(buf).subspan(off + 2, len), ts, out);
      off += 2 + len;
    }
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(off));
  }

  void on_gap(const Flow& flow, Direction dir, std::uint64_t bytes) override {
    (void)flow;
    (void)bytes;
    // The length framing is lost: stop reading this direction.
    broken_[static_cast<int>(dir)] = true;
    tcp_buf_[static_cast<int>(dir)].clear();
    tcp_buf_[static_cast<int>(dir)].shrink_to_fit();
  }

  void on_end(const Flow& flow, Event& flow_event, std::vector<Event>& out) override {
    while (!pending_.empty()) {
      emit_unanswered(flow, out);
    }
    if (messages_ > 0) set_network_protocol(flow_event, "dns");
    if (malformed_ > 0) append_int(flow_event.fields, "dns.malformed", malformed_);
  }

  bool wants_more() const override { return !(broken_[0] && broken_[1]); }

 private:
  struct Pending {
    DnsMessage msg;
    TimeNs ts;
    Direction dir;
  };

  void emit_unanswered(const Flow& flow, std::vector<Event>& out) {
    const Pending& p = pending_.front();
    out.push_back(make_event(flow, &p.msg, p.ts, nullptr, 0, p.dir == Direction::kResp));
    pending_.pop_front();
  }

  // The event's source is the querier: the sender of the query, the receiver of a response.
  void handle(const Flow& flow, Direction dir, std::span<const std::uint8_t> bytes, TimeNs ts,
              std::vector<Event>& out) {
    auto msg = parse_dns_message(bytes, netbios_);
    if (!msg) {
      ++malformed_;
      return;
    }
    ++messages_;
    if (mdns_) msg->qclass &= 0x7fff;  // mDNS: top bit is unicast-response / cache-flush
    if (!msg->response) {
      if (pending_.size() >= kDnsMaxPending) emit_unanswered(flow, out);
      pending_.push_back(Pending{std::move(*msg), ts, dir});
      return;
    }
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      if (it->msg.id != msg->id) continue;
      out.push_back(make_event(flow, &it->msg, it->ts, &*msg, ts, it->dir == Direction::kResp));
      pending_.erase(it);
      return;
    }
    // A response without its query: its receiver asked, unless it went to a group address
    // (mDNS/LLMNR announcements), where no querier is known and the flow's order stays.
    const bool to_group =
        flow.ip_version == 4 ? flow.resp_addr[0] >= 224 : flow.resp_addr[0] == 0xff;
    out.push_back(make_event(flow, nullptr, ts, &*msg, ts, dir == Direction::kOrig && !to_group));
  }

  Event make_event(const Flow& flow, const DnsMessage* query, TimeNs query_ts,
                   const DnsMessage* response, TimeNs response_ts, bool swap) const {
    Event e;
    e.kind = EventKind::kDns;
    e.source = source_;
    e.time_ns = query != nullptr ? query_ts : response_ts;
    auto& f = e.fields;
    append_endpoints(flow, f, swap);
    append_field<StringList>(f, "event.category", StringList{"network"});
    append_field<StringList>(f, "event.type", StringList{"protocol"});
    append_string(f, "network.protocol", "dns");
    const DnsMessage& head = query != nullptr ? *query : *response;
    const DnsMessage& q = query != nullptr && query->has_question ? *query : head;
    append_string(f, "dns.id", std::to_string(head.id));
    append_string(f, "dns.type", response != nullptr ? "answer" : "query");
    append_string(f, "dns.op_code",
                  head.opcode == 0   ? "QUERY"
                  : head.opcode == 4 ? "NOTIFY"
                  : head.opcode == 5 ? "UPDATE"
                                     : std::to_string(head.opcode));
    const DnsMessage& qsrc = q.has_question || response == nullptr ? q : *response;
    append_string(f, "dns.question.name", qsrc.qname);
    if (qsrc.has_question) {
      append_string(f, "dns.question.type", dns_type_name(qsrc.qtype));
      append_string(f, "dns.question.class", dns_class_name(qsrc.qclass));
    }
    if (response != nullptr) {
      const DnsMessage& r = *response;
      append_string(f, "dns.response_code", dns_rcode_name(r.rcode));
      StringList flags;
      if (r.aa) flags.emplace_back("AA");
      if (r.tc) flags.emplace_back("TC");
      if (r.rd) flags.emplace_back("RD");
      if (r.ra) flags.emplace_back("RA");
      if (r.ad) flags.emplace_back("AD");
      if (r.cd) flags.emplace_back("CD");
      append_field<StringList>(f, "dns.header_flags", std::move(flags));
      if (!r.answers.empty()) {
        append_field<StringList>(f, "dns.answers.data", r.answers);
        StringList ttls;
        for (std::uint32_t t : r.ttls) ttls.push_back(std::to_string(t));
        append_field<StringList>(f, "dns.answers.ttl", std::move(ttls));
        append_field<StringList>(f, "dns.answers.type", r.answer_types);
      }
      if (!r.resolved_ips.empty()) append_field<StringList>(f, "dns.resolved_ip", r.resolved_ips);
      if (query != nullptr && response_ts >= query_ts) {
        append_int(f, "event.duration", response_ts - query_ts);
      }
    } else {
      StringList flags;
      if (q.rd) flags.emplace_back("RD");
      if (q.cd) flags.emplace_back("CD");
      append_field<StringList>(f, "dns.header_flags", std::move(flags));
    }
    return e;
  }

  const std::string& source_;
  bool netbios_;
  bool mdns_;
  std::deque<Pending> pending_;
  std::vector<std::uint8_t> tcp_buf_[2];
  bool broken_[2] = {false, false};
  std::int64_t messages_ = 0;
  std::int64_t malformed_ = 0;
};

}  // namespace

std::unique_ptr<FlowAnalyzer> DnsAnalyzerFactory::create(const Flow& flow) {
  if (flow.proto != kProtoUdp && flow.proto != kProtoTcp) return nullptr;
  if (!dns_port(flow.orig_port) && !dns_port(flow.resp_port)) return nullptr;
  return std::make_unique<DnsAnalyzer>(flow, source_);
}

}  // namespace soc::agent::net::protocols
