#include "signatures/packet/rule_parser.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <utility>

#include "common/ascii.h"
#include "signatures/packet/byte_ops.h"
#include "signatures/packet/classtype.h"
#include "signatures/packet/pcre_translate.h"
#include "signatures/packet/rule_text.h"

namespace soc::packet {
namespace {

// The outcome of one rule: the rule, or the reason it does not load (with what was found of
// its sid and msg, for the issue).
struct RuleOutcome {
  PacketRule rule;
  std::string reason;
  bool ok() const { return reason.empty(); }
};

// A number test's value: N, !N, <N, <=N, >N, >=N or A<>B (strictly between).
std::string parse_number_test(std::string_view key, std::string_view value, NumberTest& t) {
  value = trim(value);
  const std::string bad = std::string(key) + ": expected N, !N, <N, <=N, >N, >=N or A<>B, got '" +
                          std::string(value) + "'";
  if (const std::size_t range = value.find("<>"); range != std::string_view::npos) {
    t.op = NumberTest::Op::kBetween;
    if (!parse_u32(value.substr(0, range), t.a) || !parse_u32(value.substr(range + 2), t.b) ||
        t.a >= t.b) {
      return bad;
    }
    return {};
  }
  struct Prefix {
    std::string_view text;
    NumberTest::Op op;
  };
  static constexpr Prefix kPrefixes[] = {{"<=", NumberTest::Op::kLe}, {">=", NumberTest::Op::kGe},
                                         {"<", NumberTest::Op::kLt},  {">", NumberTest::Op::kGt},
                                         {"!", NumberTest::Op::kNe},  {"=", NumberTest::Op::kEq}};
  t.op = NumberTest::Op::kEq;
  for (const Prefix& p : kPrefixes) {
    if (value.starts_with(p.text)) {
      t.op = p.op;
      value.remove_prefix(p.text.size());
      break;
    }
  }
  return parse_u32(value, t.a) ? std::string() : bad;
}

// A size keyword's value: a number test; urilen may add ",raw" or ",norm" (both inspect the URI
// as sent).
std::string parse_size(std::string_view key, std::string_view value, SizeTest& t) {
  value = trim(value);
  if (const std::size_t comma = value.find(','); comma != std::string_view::npos) {
    const std::string_view form = trim(value.substr(comma + 1));
    if (key != "urilen" || (form != "raw" && form != "norm")) {
      return std::string(key) + ": unexpected '" + std::string(value.substr(comma)) + "'";
    }
    value = trim(value.substr(0, comma));
  }
  return parse_number_test(key, value, t.length);
}

// The bit of a TCP flag letter (Suricata's letters; 1 and 2 are the old names of CWR and ECE);
// 0 when it is none.
std::uint8_t tcp_flag_bit(char c) {
  switch (c) {
    case 'F':
      return 0x01;
    case 'S':
      return 0x02;
    case 'R':
      return 0x04;
    case 'P':
      return 0x08;
    case 'A':
      return 0x10;
    case 'U':
      return 0x20;
    case 'E':
    case '2':
      return 0x40;
    case 'C':
    case '1':
      return 0x80;
    default:
      return 0;
  }
}

// flags:[+*!]LETTERS[+*!][,IGNORED] ; "0" alone: no flag set.
std::string parse_tcp_flags(std::string_view key, std::string_view value, TcpFlagsTest& t) {
  value = trim(value);
  std::string_view ignored;
  if (const std::size_t comma = value.find(','); comma != std::string_view::npos) {
    ignored = trim(value.substr(comma + 1));
    value = trim(value.substr(0, comma));
  }
  const std::string bad = std::string(key) +
                          ": expected flags from FSRPAUCE0 with + * or !, got '" +
                          std::string(value) + "'";
  auto modifier = [&](char c) {
    if (c == '+') t.mode = TcpFlagsTest::Mode::kAll;
    if (c == '*') t.mode = TcpFlagsTest::Mode::kAny;
    if (c == '!') t.mode = TcpFlagsTest::Mode::kNone;
    return c == '+' || c == '*' || c == '!';
  };
  if (!value.empty() && modifier(value.front())) value.remove_prefix(1);
  if (!value.empty() && t.mode == TcpFlagsTest::Mode::kExact && modifier(value.back())) {
    value.remove_suffix(1);
  }
  if (value.empty()) return bad;
  if (value == "0") {
    t.flags = 0;
  } else {
    for (char c : value) {
      const std::uint8_t bit = tcp_flag_bit(c);
      if (bit == 0) return bad;
      t.flags |= bit;
    }
  }
  for (char c : ignored) {
    const std::uint8_t bit = tcp_flag_bit(c);
    if (bit == 0) {
      return std::string(key) + ": expected flags to ignore from FSRPAUCE, got '" +
             std::string(ignored) + "'";
    }
    t.ignore |= bit;
  }
  return {};
}

// Strips the surrounding quotes of an option value; "" when it is not quoted.
bool unquote(std::string_view v, std::string_view& out) {
  v = trim(v);
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return false;
  out = v.substr(1, v.size() - 2);
  return true;
}

// msg-like text: \" \; \\ and \: stand for the character.
std::string unescape_text(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) {
      out += v[++i];
    } else {
      out += v[i];
    }
  }
  return out;
}

// content text: |hex| blocks, escapes \" \; \\ \: and \|.
Result<std::string> decode_content(std::string_view v) {
  std::string out;
  bool hex = false;
  int pending = -1;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (hex) {
      if (c == '|') {
        if (pending >= 0)
          return fail(ErrorCode::kInvalidArgument, "content: odd number of hex digits");
        hex = false;
      } else if (c == ' ') {
        if (pending >= 0)
          return fail(ErrorCode::kInvalidArgument, "content: space inside a hex byte");
      } else {
        const int h = hex_digit_value(c);
        if (h < 0) {
          return fail(ErrorCode::kInvalidArgument,
                      std::string("content: bad hex character '") + c + "'");
        }
        if (pending < 0) {
          pending = h;
        } else {
          out += static_cast<char>(pending * 16 + h);
          pending = -1;
        }
      }
      continue;
    }
    if (c == '|') {
      hex = true;
    } else if (c == '\\') {
      if (i + 1 >= v.size()) return fail(ErrorCode::kInvalidArgument, "content: ends with '\\'");
      const char n = v[++i];
      if (n != '"' && n != ';' && n != '\\' && n != ':' && n != '|') {
        return fail(ErrorCode::kInvalidArgument,
                    std::string("content: invalid escape '\\") + n + "'");
      }
      out += n;
    } else if (c == '"') {
      return fail(ErrorCode::kInvalidArgument, "content: unescaped '\"'");
    } else {
      out += c;
    }
  }
  if (hex) return fail(ErrorCode::kInvalidArgument, "content: unterminated |hex| block");
  if (out.empty()) return fail(ErrorCode::kInvalidArgument, "content: empty");
  return out;
}

// Splits the header on whitespace, keeping [...] lists whole.
std::vector<std::string_view> header_tokens(std::string_view h) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < h.size()) {
    while (i < h.size() && is_rule_space(h[i])) ++i;
    if (i >= h.size()) break;
    const std::size_t start = i;
    int depth = 0;
    while (i < h.size() && (depth > 0 || !is_rule_space(h[i]))) {
      if (h[i] == '[') ++depth;
      if (h[i] == ']' && depth > 0) --depth;
      ++i;
    }
    out.push_back(h.substr(start, i - start));
    if (out.size() > 16) break;
  }
  return out;
}

struct Option {
  std::string_view key;
  std::string_view value;  // trimmed; empty for a flag keyword
  bool has_value = false;
};

// Splits "k1:v1; k2; k3:v3;" on unescaped ';'.
Result<std::vector<Option>> split_options(std::string_view body) {
  std::vector<Option> out;
  std::size_t i = 0;
  while (i < body.size()) {
    while (i < body.size() && is_rule_space(body[i])) ++i;
    if (i >= body.size()) break;
    const std::size_t start = i;
    bool quoted = false;
    while (i < body.size()) {
      if (body[i] == '\\' && i + 1 < body.size()) {
        i += 2;
        continue;
      }
      if (body[i] == '"') quoted = !quoted;
      if (body[i] == ';' && !quoted) break;
      ++i;
    }
    if (i >= body.size()) {
      return fail(ErrorCode::kInvalidArgument,
                  "option '" + std::string(trim(body.substr(start))) + "' not terminated by ';'");
    }
    const std::string_view opt = body.substr(start, i - start);
    ++i;
    Option o;
    const std::size_t colon = opt.find(':');
    if (colon == std::string_view::npos) {
      o.key = trim(opt);
    } else {
      o.key = trim(opt.substr(0, colon));
      o.value = trim(opt.substr(colon + 1));
      o.has_value = true;
    }
    if (o.key.empty()) return fail(ErrorCode::kInvalidArgument, "empty option name");
    out.push_back(o);
    if (out.size() > 4096) return fail(ErrorCode::kInvalidArgument, "too many options");
  }
  return out;
}

// Per buffer (in enum order): its sticky-buffer keyword, protocol, whether it is a response's,
// and whether its old underscore name (http_accept ...) is a sticky buffer too rather than a
// content modifier. A keyword Suricata fills from both sides appears twice, request form first.
struct BufferInfo {
  Buffer buffer;
  std::string_view name;
  AppProto app;
  bool response;
  bool underscore_sticky;
};
constexpr BufferInfo kBuffers[] = {
    {Buffer::kPayload, "pkt_data", AppProto::kNone, false, false},
    {Buffer::kDnsQuery, "dns.query", AppProto::kDns, false, true},
    {Buffer::kHttpUri, "http.uri", AppProto::kHttp, false, false},
    {Buffer::kHttpHost, "http.host", AppProto::kHttp, false, false},
    {Buffer::kHttpMethod, "http.method", AppProto::kHttp, false, false},
    {Buffer::kHttpUserAgent, "http.user_agent", AppProto::kHttp, false, false},
    {Buffer::kTlsSni, "tls.sni", AppProto::kTls, false, true},
    {Buffer::kTlsJa3Hash, "ja3.hash", AppProto::kTls, false, true},
    {Buffer::kTlsJa3String, "ja3.string", AppProto::kTls, false, true},
    {Buffer::kTlsJa3sHash, "ja3s.hash", AppProto::kTls, true, true},
    {Buffer::kTlsJa3sString, "ja3s.string", AppProto::kTls, true, true},
    {Buffer::kTlsCerts, "tls.certs", AppProto::kTls, true, false},
    {Buffer::kTlsCertSubject, "tls.cert_subject", AppProto::kTls, true, true},
    {Buffer::kTlsCertIssuer, "tls.cert_issuer", AppProto::kTls, true, true},
    {Buffer::kTlsCertSerial, "tls.cert_serial", AppProto::kTls, true, true},
    {Buffer::kHttpRequestBody, "http.request_body", AppProto::kHttp, false, false},
    {Buffer::kHttpResponseBody, "http.response_body", AppProto::kHttp, true, false},
    {Buffer::kHttpRequestLine, "http.request_line", AppProto::kHttp, false, true},
    {Buffer::kHttpProtocol, "http.protocol", AppProto::kHttp, false, true},
    {Buffer::kHttpHeader, "http.header", AppProto::kHttp, false, false},
    {Buffer::kHttpHeaderRaw, "http.header.raw", AppProto::kHttp, false, false},
    {Buffer::kHttpHeaderNames, "http.header_names", AppProto::kHttp, false, true},
    {Buffer::kHttpStart, "http.start", AppProto::kHttp, false, true},
    {Buffer::kHttpCookie, "http.cookie", AppProto::kHttp, false, false},
    {Buffer::kHttpReferer, "http.referer", AppProto::kHttp, false, true},
    {Buffer::kHttpAccept, "http.accept", AppProto::kHttp, false, true},
    {Buffer::kHttpAcceptLang, "http.accept_lang", AppProto::kHttp, false, true},
    {Buffer::kHttpAcceptEnc, "http.accept_enc", AppProto::kHttp, false, true},
    {Buffer::kHttpConnection, "http.connection", AppProto::kHttp, false, true},
    {Buffer::kHttpContentType, "http.content_type", AppProto::kHttp, false, true},
    {Buffer::kHttpContentLen, "http.content_len", AppProto::kHttp, false, true},
    {Buffer::kHttpRequestHeaderLines, "http.request_header", AppProto::kHttp, false, false},
    {Buffer::kHttpResponseLine, "http.response_line", AppProto::kHttp, true, true},
    {Buffer::kHttpStatCode, "http.stat_code", AppProto::kHttp, true, false},
    {Buffer::kHttpStatMsg, "http.stat_msg", AppProto::kHttp, true, false},
    {Buffer::kHttpServer, "http.server", AppProto::kHttp, true, false},
    {Buffer::kHttpLocation, "http.location", AppProto::kHttp, true, false},
    {Buffer::kHttpResponseProtocol, "http.protocol", AppProto::kHttp, true, true},
    {Buffer::kHttpResponseHeader, "http.header", AppProto::kHttp, true, false},
    {Buffer::kHttpResponseHeaderRaw, "http.header.raw", AppProto::kHttp, true, false},
    {Buffer::kHttpResponseHeaderNames, "http.header_names", AppProto::kHttp, true, true},
    {Buffer::kHttpResponseStart, "http.start", AppProto::kHttp, true, true},
    {Buffer::kHttpResponseCookie, "http.cookie", AppProto::kHttp, true, false},
    {Buffer::kHttpResponseContentType, "http.content_type", AppProto::kHttp, true, true},
    {Buffer::kHttpResponseContentLen, "http.content_len", AppProto::kHttp, true, true},
    {Buffer::kHttpResponseHeaderLines, "http.response_header", AppProto::kHttp, true, false},
};
static_assert(std::size(kBuffers) == kBufferCount);

constexpr bool underscore_names_have_a_dot() {
  for (const BufferInfo& b : kBuffers) {
    if (b.underscore_sticky && b.name.find('.') == std::string_view::npos) return false;
  }
  return true;
}
static_assert(underscore_names_have_a_dot(), "sticky_buffer() swaps the first '.' for '_'");

constexpr bool buffers_in_enum_order() {
  for (int i = 0; i < kBufferCount; ++i) {
    if (static_cast<int>(kBuffers[i].buffer) != i) return false;
  }
  return true;
}
static_assert(buffers_in_enum_order());

const BufferInfo& info(Buffer buffer) { return kBuffers[static_cast<int>(buffer)]; }

std::optional<Buffer> sticky_buffer(std::string_view key) {
  if (key == "http.uri.raw") return Buffer::kHttpUri;  // we keep the URI as sent
  if (key == "http.host.raw") return Buffer::kHttpHost;
  // A request's body in a to_server rule (see parse_rule), else the response's.
  if (key == "file_data" || key == "file.data") return Buffer::kHttpResponseBody;
  for (const BufferInfo& b : kBuffers) {
    if (key == b.name) return b.buffer;
    // dns_query, tls_sni, http_accept ...: the dot of the name written as '_'.
    const std::size_t dot = b.name.find('.');
    if (b.underscore_sticky && key.size() == b.name.size() &&
        key.substr(0, dot) == b.name.substr(0, dot) && key[dot] == '_' &&
        key.substr(dot + 1) == b.name.substr(dot + 1)) {
      return b.buffer;
    }
  }
  return std::nullopt;
}

// Legacy content modifiers that move the previous content to a buffer.
std::optional<Buffer> content_modifier_buffer(std::string_view key) {
  if (key == "http_uri" || key == "http_raw_uri") return Buffer::kHttpUri;
  if (key == "http_host" || key == "http_raw_host") return Buffer::kHttpHost;
  if (key == "http_method") return Buffer::kHttpMethod;
  if (key == "http_user_agent") return Buffer::kHttpUserAgent;
  if (key == "http_header") return Buffer::kHttpHeader;
  if (key == "http_raw_header") return Buffer::kHttpHeaderRaw;
  if (key == "http_cookie") return Buffer::kHttpCookie;
  if (key == "http_client_body") return Buffer::kHttpRequestBody;
  if (key == "http_server_body") return Buffer::kHttpResponseBody;
  if (key == "http_stat_code") return Buffer::kHttpStatCode;
  if (key == "http_stat_msg") return Buffer::kHttpStatMsg;
  return std::nullopt;
}

bool informational(std::string_view key) {
  return key == "reference" || key == "metadata" || key == "target" || key == "rawbytes";
}

// What the rule's header protocol means.
bool set_protocol(std::string_view proto, PacketRule& rule) {
  rule.proto = std::string(proto);
  if (proto == "tcp" || proto == "tcp-pkt") {  // tcp-pkt: per packet, as every rule here is
    rule.ip_proto = 6;
  } else if (proto == "udp") {
    rule.ip_proto = 17;
  } else if (proto == "icmp") {
    rule.ip_proto = 1;  // ICMP and ICMPv6 (matched in packet_rule_set.cc)
  } else if (proto == "ip" || proto == "pkthdr") {
    rule.ip_proto = 0;
  } else if (proto == "http" || proto == "http1") {
    rule.ip_proto = 6;
    rule.app = AppProto::kHttp;
  } else if (proto == "tls") {
    rule.ip_proto = 6;
    rule.app = AppProto::kTls;
  } else if (proto == "dns") {
    rule.ip_proto = 0;  // UDP or TCP
    rule.app = AppProto::kDns;
  } else {
    return false;
  }
  return true;
}

// isdataat:[!]N[,relative][,rawbytes] into `item`.
std::string parse_isdataat(std::string_view value, DetectItem& item) {
  item.kind = DetectItem::Kind::kIsDataAt;
  const std::vector<std::string_view> parts = split_commas(value);
  std::string_view n = parts[0];
  if (!n.empty() && n.front() == '!') {
    item.negated = true;
    n = trim(n.substr(1));
  }
  if (!parse_i32(n, item.offset) || item.offset < 0) {
    return "isdataat: expected a number, got '" + std::string(n) + "'" +
           std::string(kNoByteExtract);
  }
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (parts[i] == "relative") {
      item.relative = true;
    } else if (parts[i] != "rawbytes") {
      return "isdataat: unsupported option '" + std::string(parts[i]) + "'";
    }
  }
  return {};
}

// flowbits:set|unset|toggle|isset|isnotset,NAME[|NAME...|&NAME...] or flowbits:noalert.
std::string parse_flowbits(std::string_view value, PacketRule& rule) {
  const std::size_t comma = value.find(',');
  const std::string_view command = trim(value.substr(0, comma));
  if (comma == std::string_view::npos) {
    if (command == "noalert") {
      rule.noalert = true;
      return {};
    }
    return "flowbits: expected 'noalert' or a command and a name, got '" + std::string(value) + "'";
  }
  static constexpr std::pair<std::string_view, FlowbitOp::Kind> kCommands[] = {
      {"set", FlowbitOp::Kind::kSet},
      {"unset", FlowbitOp::Kind::kUnset},
      {"toggle", FlowbitOp::Kind::kToggle},
      {"isset", FlowbitOp::Kind::kIsSet},
      {"isnotset", FlowbitOp::Kind::kIsNotSet}};
  FlowbitOp op;
  bool known = false;
  for (const auto& [name, kind] : kCommands) {
    if (command == name) {
      op.kind = kind;
      known = true;
    }
  }
  if (!known) return "unsupported flowbits command " + std::string(command);
  const std::string_view names = trim(value.substr(comma + 1));
  const bool has_or = names.find('|') != std::string_view::npos;
  const bool has_and = names.find('&') != std::string_view::npos;
  if (has_or && has_and) return "flowbits: names joined by both '|' and '&'";
  if (has_or && !op.is_condition()) return "flowbits: '|' only joins the names of a condition";
  op.any = has_or;
  const char separator = has_or ? '|' : '&';
  for (std::size_t i = 0; i <= names.size();) {
    std::size_t end = names.find(separator, i);
    if (end == std::string_view::npos) end = names.size();
    const std::string_view name = trim(names.substr(i, end - i));
    i = end + 1;
    if (name.empty() || name.size() > 256 ||
        name.find_first_of(" \t,;\"") != std::string_view::npos) {
      return "flowbits: bad name '" + std::string(name) + "'";
    }
    op.names.emplace_back(name);
  }
  rule.flowbits.push_back(std::move(op));
  return {};
}

std::string parse_flow(std::string_view value, PacketRule& rule) {
  std::size_t i = 0;
  while (i <= value.size()) {
    std::size_t comma = value.find(',', i);
    if (comma == std::string_view::npos) comma = value.size();
    const std::string_view w = trim(value.substr(i, comma - i));
    i = comma + 1;
    if (w.empty()) return "flow: empty option";
    if (w == "to_server" || w == "from_client") {
      rule.flow_dir = FlowDir::kToServer;
    } else if (w == "to_client" || w == "from_server") {
      rule.flow_dir = FlowDir::kToClient;
    } else if (w == "established") {
      rule.flow_state = FlowState::kEstablished;
    } else if (w == "not_established") {
      rule.flow_state = FlowState::kNotEstablished;
    } else if (w == "stateless") {
      rule.flow_state = FlowState::kStateless;
    } else {
      return "unsupported flow option " + std::string(w);
    }
  }
  return {};
}

template <typename T>
using Named = std::pair<std::string_view, T>;

constexpr Named<AlertFilter::Type> kFilterTypes[] = {{"limit", AlertFilter::Type::kLimit},
                                                     {"threshold", AlertFilter::Type::kThreshold},
                                                     {"both", AlertFilter::Type::kBoth}};
constexpr Named<AlertFilter::Track> kFilterTracks[] = {{"by_src", AlertFilter::Track::kBySrc},
                                                       {"by_dst", AlertFilter::Track::kByDst},
                                                       {"by_both", AlertFilter::Track::kByBoth},
                                                       {"by_rule", AlertFilter::Track::kByRule},
                                                       {"by_flow", AlertFilter::Track::kByFlow}};

// The value `name` stands for in `table`; nullopt when it is none of them.
template <typename T, std::size_t N>
std::optional<T> find_named(const Named<T> (&table)[N], std::string_view name) {
  for (const auto& [text, value] : table) {
    if (text == name) return value;
  }
  return std::nullopt;
}

// threshold: type limit|threshold|both, track by_src|by_dst|by_both|by_rule|by_flow, count N,
// seconds N (any order); detection_filter: the same without type.
std::string parse_alert_filter(std::string_view key, std::string_view value, AlertFilter& f) {
  const bool detection = key == "detection_filter";
  if (detection) f.type = AlertFilter::Type::kDetection;
  bool has_type = detection, has_track = false, has_count = false, has_seconds = false;
  const std::string name(key);
  for (std::size_t i = 0; i <= value.size();) {
    std::size_t comma = value.find(',', i);
    if (comma == std::string_view::npos) comma = value.size();
    const std::string_view part = trim(value.substr(i, comma - i));
    i = comma + 1;
    const std::size_t space = part.find_first_of(" \t");
    const std::string_view k = part.substr(0, space);
    const std::string_view v = space == std::string_view::npos ? "" : trim(part.substr(space));
    if (k == "type" && !detection) {
      const auto type = find_named(kFilterTypes, v);
      if (!type) {
        return name + ": type must be limit, threshold or both, got '" + std::string(v) + "'";
      }
      f.type = *type;
      has_type = true;
    } else if (k == "track") {
      const auto track = find_named(kFilterTracks, v);
      if (!track) {
        return name + ": track must be by_src, by_dst, by_both, by_rule or by_flow, got '" +
               std::string(v) + "'";
      }
      f.track = *track;
      has_track = true;
    } else if (k == "count" || k == "seconds") {
      std::uint32_t n = 0;
      if (!parse_u32(v, n) || (k == "seconds" && n == 0) ||
          (k == "count" && n == 0 && !detection)) {
        return name + ": " + std::string(k) + " expects a positive number, got '" + std::string(v) +
               "'";
      }
      (k == "count" ? f.count : f.seconds) = n;
      (k == "count" ? has_count : has_seconds) = true;
    } else {
      return name + ": unexpected '" + std::string(part) + "'";
    }
  }
  if (!has_type || !has_track || !has_count || !has_seconds) {
    return name + (detection ? ": needs track, count and seconds"
                             : ": needs type, track, count and seconds");
  }
  return {};
}

RuleOutcome parse_rule(std::string_view line, const Variables& vars) {
  RuleOutcome out;
  PacketRule& rule = out.rule;
  rule.text = std::string(line.substr(0, std::min<std::size_t>(line.size(), kMaxRuleBytes)));
  if (line.size() > kMaxRuleBytes) {
    out.reason = "rule longer than " + std::to_string(kMaxRuleBytes) + " bytes";
    return out;
  }
  const std::size_t open = line.find('(');
  const std::string_view tail = trim(line.substr(open == std::string_view::npos ? 0 : open));
  if (open == std::string_view::npos || tail.back() != ')') {
    out.reason = "expected 'action proto src port -> dst port (options)'";
    return out;
  }
  const std::string_view body = tail.substr(1, tail.size() - 2);

  // Options first, so that an issue can name the sid and msg whatever else is wrong.
  auto options = split_options(body);
  if (options) {
    for (const Option& o : *options) {
      if (o.key == "sid") parse_u32(o.value, rule.sid);
      if (o.key == "msg") {
        std::string_view m;
        if (unquote(o.value, m)) rule.msg = unescape_text(m);
      }
    }
  }

  const auto tokens = header_tokens(line.substr(0, open));
  if (tokens.size() != 7) {
    out.reason = "header needs 7 parts (action proto src port -> dst port), found " +
                 std::to_string(tokens.size());
    return out;
  }
  rule.action = std::string(tokens[0]);
  if (rule.action != "alert") {
    out.reason = "unsupported action " + rule.action + " (only alert)";
    return out;
  }
  if (!set_protocol(tokens[1], rule)) {
    out.reason = "unsupported protocol " + std::string(tokens[1]);
    return out;
  }
  if (tokens[4] == "<>") {
    rule.bidirectional = true;
  } else if (tokens[4] != "->") {
    out.reason = "bad direction '" + std::string(tokens[4]) + "' (expected -> or <>)";
    return out;
  }
  auto src = AddressSet::parse(tokens[2], vars);
  auto sport = PortSet::parse(tokens[3], vars);
  auto dst = AddressSet::parse(tokens[5], vars);
  auto dport = PortSet::parse(tokens[6], vars);
  for (const Error* e : {src ? nullptr : &src.error(), sport ? nullptr : &sport.error(),
                         dst ? nullptr : &dst.error(), dport ? nullptr : &dport.error()}) {
    if (e != nullptr) {
      out.reason = "header: " + e->message;
      return out;
    }
  }
  rule.src = std::move(*src);
  rule.sport = std::move(*sport);
  rule.dst = std::move(*dst);
  rule.dport = std::move(*dport);
  if (!options) {
    out.reason = options.error().message;
    return out;
  }

  rule.items.reserve(options->size());  // last_content stays valid
  Buffer current = Buffer::kPayload;
  bool file_data = false;  // file_data or file.data named: its side depends on the direction
  DetectItem* last_content = nullptr;
  bool explicit_priority = false;
  bool has_sid = false;
  auto need_content = [&](std::string_view key) -> bool {
    if (last_content != nullptr) return true;
    out.reason = std::string(key) + " without a preceding content";
    return false;
  };
  auto need_value = [&](const Option& o) -> bool {
    if (o.has_value && !o.value.empty()) return true;
    out.reason = std::string(o.key) + " needs a value";
    return false;
  };
  for (const Option& o : *options) {
    const std::string_view key = o.key;
    if (key == "msg") {
      std::string_view m;
      if (!unquote(o.value, m)) {
        out.reason = "msg must be quoted";
        return out;
      }
    } else if (key == "sid" || key == "rev" || key == "gid" || key == "priority") {
      std::uint32_t v = 0;
      if (!parse_u32(o.value, v)) {
        out.reason = std::string(key) + ": expected a number, got '" + std::string(o.value) + "'";
        return out;
      }
      if (key == "sid") {
        rule.sid = v;
        has_sid = true;
      } else if (key == "rev") {
        rule.rev = v;
      } else if (key == "gid") {
        rule.gid = v;
      } else {
        if (v < 1 || v > 255) {
          out.reason = "priority: expected 1 to 255";
          return out;
        }
        rule.priority = static_cast<int>(v);
        explicit_priority = true;
      }
    } else if (key == "classtype") {
      if (!need_value(o)) return out;
      rule.classtype = std::string(o.value);
      if (!explicit_priority) rule.priority = classtype_priority(rule.classtype).value_or(3);
    } else if (informational(key)) {
      continue;
    } else if (key == "content" || key == "uricontent") {
      if (!need_value(o)) return out;
      DetectItem item;
      std::string_view v = o.value;
      if (!v.empty() && v.front() == '!') {
        item.negated = true;
        v = trim(v.substr(1));
      }
      std::string_view q;
      if (!unquote(v, q)) {
        out.reason = std::string(key) + " must be quoted";
        return out;
      }
      auto bytes = decode_content(q);
      if (!bytes) {
        out.reason = bytes.error().message;
        return out;
      }
      item.bytes = std::move(*bytes);
      item.buffer = key == "uricontent" ? Buffer::kHttpUri : current;
      rule.items.push_back(std::move(item));
      last_content = &rule.items.back();
    } else if (key == "nocase") {
      if (!need_content(key)) return out;
      last_content->nocase = true;
    } else if (key == "fast_pattern") {
      if (!need_content(key)) return out;
      last_content->fast_pattern = true;  // "only" and "offset,length" forms: the whole content
    } else if (key == "startswith" || key == "endswith") {
      if (!need_content(key)) return out;
      (key == "startswith" ? last_content->startswith : last_content->endswith) = true;
    } else if (key == "offset" || key == "depth" || key == "distance" || key == "within") {
      if (!need_content(key)) return out;
      std::int32_t v = 0;
      if (!parse_i32(o.value, v)) {
        out.reason = std::string(key) + ": expected a number, got '" + std::string(o.value) + "'" +
                     std::string(kNoByteExtract);
        return out;
      }
      if ((key == "offset" || key == "depth" || key == "within") && v < 0) {
        out.reason = std::string(key) + ": must not be negative";
        return out;
      }
      if (key == "offset") {
        last_content->has_offset = true;
        last_content->offset = v;
      } else if (key == "depth") {
        last_content->has_depth = true;
        last_content->depth = v;
      } else if (key == "distance") {
        last_content->has_distance = true;
        last_content->distance = v;
        last_content->relative = true;
      } else {
        last_content->has_within = true;
        last_content->within = v;
        last_content->relative = true;
      }
      if ((last_content->has_offset || last_content->has_depth) && last_content->relative) {
        out.reason = "content mixes offset/depth with distance/within";
        return out;
      }
    } else if (auto moved = content_modifier_buffer(key)) {
      if (!need_content(key)) return out;
      last_content->buffer = *moved;
    } else if (auto sticky = sticky_buffer(key)) {
      current = *sticky;
      last_content = nullptr;
      file_data = file_data || key == "file_data" || key == "file.data";
    } else if (key == "pcre") {
      if (!need_value(o)) return out;
      DetectItem item;
      item.kind = DetectItem::Kind::kPcre;
      std::string_view v = o.value;
      if (!v.empty() && v.front() == '!') {
        item.negated = true;
        v = trim(v.substr(1));
      }
      std::string_view q;
      if (!unquote(v, q)) {
        out.reason = "pcre must be quoted";
        return out;
      }
      auto t = translate_pcre(q);
      if (!t) {
        out.reason = t.error().message;
        return out;
      }
      item.regex = std::move(t->pattern);
      item.relative = t->relative;
      item.startswith = t->anchored;
      if (t->buffer && current != Buffer::kPayload && *t->buffer != current) {
        out.reason = "pcre buffer flag for " + std::string(buffer_name(*t->buffer)) +
                     " after sticky buffer " + std::string(buffer_name(current));
        return out;
      }
      item.buffer = t->buffer.value_or(current);
      rule.items.push_back(std::move(item));
      last_content = nullptr;
    } else if (key == "flow") {
      if (!need_value(o)) return out;
      out.reason = parse_flow(o.value, rule);
      if (!out.ok()) return out;
    } else if (auto transform = transform_named(key)) {
      const bool has_content =
          std::any_of(rule.items.begin(), rule.items.end(),
                      [current](const DetectItem& d) { return d.buffer == current; }) ||
          std::any_of(rule.sizes.begin(), rule.sizes.end(),
                      [current](const SizeTest& t) { return t.buffer == current; });
      if (has_content) {
        out.reason = std::string(key) + " after content of " + std::string(buffer_name(current)) +
                     " (transforms come first)";
        return out;
      }
      auto entry =
          std::find_if(rule.transforms.begin(), rule.transforms.end(),
                       [current](const BufferTransforms& t) { return t.buffer == current; });
      if (entry == rule.transforms.end()) {
        entry = rule.transforms.insert(rule.transforms.end(), BufferTransforms{current, {}});
      }
      entry->transforms.push_back(*transform);
    } else if (key == "isdataat" || key == "byte_test" || key == "byte_jump") {
      if (!need_value(o)) return out;
      DetectItem item;
      out.reason = key == "isdataat"    ? parse_isdataat(o.value, item)
                   : key == "byte_test" ? parse_byte_test(o.value, item)
                                        : parse_byte_jump(o.value, item);
      if (!out.ok()) return out;
      // A relative one goes with the item before it, whose buffer a modifier may have changed
      // (content:"x"; http_uri; isdataat:1,relative); another one with the current buffer.
      item.buffer = item.relative && !rule.items.empty() ? rule.items.back().buffer : current;
      // Modifiers after it still belong to the content before it (the vector may move).
      const std::ptrdiff_t last = last_content != nullptr ? last_content - rule.items.data() : -1;
      rule.items.push_back(std::move(item));
      last_content = last >= 0 ? &rule.items[static_cast<std::size_t>(last)] : nullptr;
    } else if (key == "noalert") {
      rule.noalert = true;
    } else if (key == "flowbits") {
      if (!need_value(o)) return out;
      out.reason = parse_flowbits(o.value, rule);
      if (!out.ok()) return out;
    } else if (key == "threshold" || key == "detection_filter") {
      if (!need_value(o)) return out;
      auto& slot = key == "threshold" ? rule.threshold : rule.detection_filter;
      if (slot) {
        out.reason = std::string(key) + " given twice";
        return out;
      }
      AlertFilter f;
      out.reason = parse_alert_filter(key, o.value, f);
      if (!out.ok()) return out;
      slot = f;
    } else if (key == "flags" || key == "tcp.flags") {
      if (!need_value(o)) return out;
      TcpFlagsTest t;
      out.reason = parse_tcp_flags(key, o.value, t);
      if (!out.ok()) return out;
      rule.tcp_flags = t;
    } else if (key == "itype" || key == "icode") {
      if (!need_value(o)) return out;
      NumberTest t;
      out.reason = parse_number_test(key, o.value, t);
      if (!out.ok()) return out;
      (key == "itype" ? rule.icmp_type : rule.icmp_code) = t;
    } else if (key == "dsize" || key == "bsize" || key == "urilen") {
      if (!need_value(o)) return out;
      SizeTest t;
      if (key == "dsize") {
        t.buffer = Buffer::kPayload;
      } else if (key == "urilen") {
        t.buffer = Buffer::kHttpUri;
      } else if (current == Buffer::kPayload) {
        out.reason = "bsize without a sticky buffer before it";
        return out;
      } else {
        t.buffer = current;
      }
      out.reason = parse_size(key, o.value, t);
      if (!out.ok()) return out;
      rule.sizes.push_back(t);
    } else {
      out.reason = "unsupported keyword " + std::string(key);
      return out;
    }
  }
  if (!has_sid) {
    out.reason = "missing sid";
    return out;
  }
  // One kind of buffer per rule: the packet payload, or the fields of one protocol.
  std::vector<Buffer> used;
  used.reserve(rule.items.size() + rule.sizes.size());
  for (const DetectItem& item : rule.items) used.push_back(item.buffer);
  for (const SizeTest& t : rule.sizes) used.push_back(t.buffer);
  AppProto buffers_app = AppProto::kNone;
  std::optional<Buffer> app_buffer;
  bool payload = false;
  for (const Buffer b : used) {
    const AppProto a = buffer_app(b);
    if (a == AppProto::kNone) {
      payload = true;
    } else if (buffers_app != AppProto::kNone && buffers_app != a) {
      out.reason = "buffers " + std::string(buffer_name(*app_buffer)) + " and " +
                   std::string(buffer_name(b)) + " of different protocols in one rule";
      return out;
    } else {
      buffers_app = a;
      app_buffer = b;
    }
  }
  // The side the rule inspects. file_data in a to_server rule is the request body (an upload).
  // A rule that asks for to_client or names a buffer only responses have inspects the response:
  // its http.header ... are the response's.
  auto each_buffer = [&rule](auto&& change) {
    for (DetectItem& item : rule.items) item.buffer = change(item.buffer);
    for (SizeTest& t : rule.sizes) t.buffer = change(t.buffer);
    for (BufferTransforms& t : rule.transforms) t.buffer = change(t.buffer);
  };
  if (file_data && rule.flow_dir == FlowDir::kToServer) {
    each_buffer(
        [](Buffer b) { return b == Buffer::kHttpResponseBody ? Buffer::kHttpRequestBody : b; });
  }
  std::optional<Buffer> response_buffer;
  each_buffer([&response_buffer](Buffer b) {
    if (is_response_buffer(b)) response_buffer = b;
    return b;
  });
  if (response_buffer && rule.flow_dir == FlowDir::kToServer) {
    out.reason = std::string(buffer_name(*response_buffer)) +
                 " is a response's, and the rule asks for to_server";
    return out;
  }
  if (response_buffer || rule.flow_dir == FlowDir::kToClient) each_buffer(response_form);
  if (app_buffer && rule.app != AppProto::kNone && buffers_app != rule.app) {
    out.reason = "buffer " + std::string(buffer_name(*app_buffer)) +
                 " does not belong to protocol " + rule.proto;
    return out;
  }
  // Payload items next to HTTP buffers are matched on the request as sent (its head), when
  // the rule is evaluated on the HTTP summary; other protocols' summaries keep no payload.
  if (app_buffer && payload && buffers_app != AppProto::kHttp) {
    out.reason = "payload content together with " + std::string(buffer_name(*app_buffer)) +
                 " in one rule is not supported (only with http buffers)";
    return out;
  }
  if (rule.app == AppProto::kNone) rule.app = buffers_app;
  return out;
}

}  // namespace

bool NumberTest::holds(std::uint64_t n) const {
  switch (op) {
    case Op::kEq:
      return n == a;
    case Op::kNe:
      return n != a;
    case Op::kLt:
      return n < a;
    case Op::kLe:
      return n <= a;
    case Op::kGt:
      return n > a;
    case Op::kGe:
      return n >= a;
    case Op::kBetween:
      return n > a && n < b;
  }
  return false;
}

bool TcpFlagsTest::holds(std::uint8_t packet_flags) const {
  const std::uint8_t f = packet_flags & static_cast<std::uint8_t>(~ignore);
  switch (mode) {
    case Mode::kExact:
      return f == flags;
    case Mode::kAll:
      return (f & flags) == flags;
    case Mode::kAny:
      return (f & flags) != 0;
    case Mode::kNone:
      return (f & flags) == 0;
  }
  return false;
}

std::string_view buffer_name(Buffer buffer) { return info(buffer).name; }

AppProto buffer_app(Buffer buffer) { return info(buffer).app; }

bool is_response_buffer(Buffer buffer) { return info(buffer).response; }

bool is_multi_buffer(Buffer buffer) {
  return buffer == Buffer::kHttpRequestHeaderLines || buffer == Buffer::kHttpResponseHeaderLines ||
         buffer == Buffer::kTlsCerts;
}

Buffer response_form(Buffer buffer) {
  if (info(buffer).response) return buffer;
  for (const BufferInfo& b : kBuffers) {
    if (b.response && b.name == info(buffer).name) return b.buffer;
  }
  return buffer;
}

Result<PacketRule> parse_packet_rule(std::string_view line, const Variables& vars) {
  RuleOutcome o = parse_rule(trim(line), vars);
  if (!o.ok()) return fail(ErrorCode::kInvalidArgument, o.reason);
  return std::move(o.rule);
}

ParsedPacketRules parse_packet_rules(std::string_view text, const std::string& file,
                                     const Variables& vars) {
  ParsedPacketRules out;
  if (text.size() > kMaxRuleFileBytes) {
    out.issues.push_back(
        {file, 0, "", "", "rule file larger than " + std::to_string(kMaxRuleFileBytes) + " bytes"});
    return out;
  }
  std::size_t pos = 0;
  int line_no = 0;
  std::string joined;
  int start_line = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (joined.empty()) {
      const std::string_view t = trim(line);
      if (t.empty() || t.front() == '#') continue;
      start_line = line_no;
    }
    const std::string_view t = trim(line);
    if (!t.empty() && t.back() == '\\' && joined.size() < kMaxRuleBytes + 1) {
      joined.append(t.substr(0, t.size() - 1));
      if (pos < text.size()) continue;
    } else {
      joined.append(line);
    }
    ++out.total;
    RuleOutcome o = parse_rule(trim(joined), vars);
    joined.clear();
    if (o.ok()) {
      o.rule.file = file;
      o.rule.line = start_line;
      out.rules.push_back(std::move(o.rule));
    } else {
      out.issues.push_back({file, start_line, o.rule.sid != 0 ? std::to_string(o.rule.sid) : "",
                            o.rule.msg, std::move(o.reason)});
    }
  }
  return out;
}

}  // namespace soc::packet
