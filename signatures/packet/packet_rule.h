// PacketRule: one parsed Suricata-style rule of the supported subset (see signatures/README.md
// "Packet rules"): its header (protocol, addresses, ports, direction), its metadata (sid, rev,
// msg, classtype, priority), its flow constraints and its detection items (content and pcre),
// each bound to the buffer it inspects. Plain data produced by rule_parser.h and compiled by
// packet_rule_set.h; the regexes are compiled there, not here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "signatures/packet/address_port.h"
#include "signatures/packet/transform.h"

namespace soc::packet {

// What a detection item inspects: the transport payload of each packet, or a field that a
// protocol analyzer filled (the "sticky buffers").
enum class Buffer : std::uint8_t {
  kPayload,           // pkt_data: TCP/UDP/ICMP payload of one packet
  kDnsQuery,          // dns.query: dns.question.name
  kHttpUri,           // http.uri: url.original
  kHttpHost,          // http.host: url.domain
  kHttpMethod,        // http.method: http.request.method
  kHttpUserAgent,     // http.user_agent: user_agent.original
  kTlsSni,            // tls.sni: tls.client.server_name
  kTlsJa3Hash,        // ja3.hash: tls.client.ja3
  kTlsJa3String,      // ja3.string: tls.client.ja3_string
  kTlsJa3sHash,       // ja3s.hash: tls.server.ja3s (the server's: a response buffer)
  kTlsJa3sString,     // ja3s.string: tls.server.ja3s_string (a response buffer)
  kTlsCerts,          // tls.certs: each of the server's certificates, DER (a response
                      // multi-buffer; TLS 1.2 and older)
  kTlsCertSubject,    // tls.cert_subject: the server certificate's subject, "C=US, CN=..."
  kTlsCertIssuer,     // tls.cert_issuer: its issuer, the same form
  kTlsCertSerial,     // tls.cert_serial: its serial number, "0A:1B:..."
  kHttpRequestBody,   // http.request_body: the request body's start
                      // (agent/net/protocols/http_analyzer.h)
  kHttpResponseBody,  // file_data, http.response_body: the response body's start, inflated
  // The request head's buffers (agent/net/protocols/http_rule_buffers.h), up to
  // kHttpRequestHeaderLines:
  kHttpRequestLine,         // http.request_line
  kHttpProtocol,            // http.protocol
  kHttpHeader,              // http.header (without Cookie)
  kHttpHeaderRaw,           // http.header.raw
  kHttpHeaderNames,         // http.header_names
  kHttpStart,               // http.start
  kHttpCookie,              // http.cookie
  kHttpReferer,             // http.referer
  kHttpAccept,              // http.accept
  kHttpAcceptLang,          // http.accept_lang
  kHttpAcceptEnc,           // http.accept_enc
  kHttpConnection,          // http.connection
  kHttpContentType,         // http.content_type
  kHttpContentLen,          // http.content_len
  kHttpRequestHeaderLines,  // http.request_header: each header "Name: value" (a multi-buffer)
  // The response head's buffers, from here to the end: a rule that names one, or asks for
  // to_client, runs on the response (the server as source). http.header, http.cookie ... of a
  // to_client rule are these response forms.
  kHttpResponseLine,         // http.response_line
  kHttpStatCode,             // http.stat_code
  kHttpStatMsg,              // http.stat_msg
  kHttpServer,               // http.server
  kHttpLocation,             // http.location
  kHttpResponseProtocol,     // http.protocol of the response
  kHttpResponseHeader,       // http.header of the response (without Set-Cookie)
  kHttpResponseHeaderRaw,    // http.header.raw of the response
  kHttpResponseHeaderNames,  // http.header_names of the response
  kHttpResponseStart,        // http.start of the response
  kHttpResponseCookie,       // http.cookie of the response (Set-Cookie)
  kHttpResponseContentType,  // http.content_type of the response
  kHttpResponseContentLen,   // http.content_len of the response
  kHttpResponseHeaderLines,  // http.response_header: each header "Name: value" (a multi-buffer)
};
inline constexpr int kBufferCount = 46;
std::string_view buffer_name(Buffer buffer);

// Whether the buffer is a multi-buffer: several instances (one per header, one per
// certificate), inspected one at a time (Inspection::instances). A rule's items and size tests
// on a multi-buffer must all hold on one instance.
bool is_multi_buffer(Buffer buffer);

// The application protocol a buffer belongs to (kNone for the payload).
enum class AppProto : std::uint8_t { kNone, kDns, kHttp, kTls };
AppProto buffer_app(Buffer buffer);

// Whether the buffer is one of the response head's.
bool is_response_buffer(Buffer buffer);

// The response form of a buffer Suricata fills from both sides (http.header -> the response's
// http.header); the buffer itself when it has none.
Buffer response_form(Buffer buffer);

// What byte_test and byte_jump read and do (signatures/packet/byte_ops.h has the semantics).
struct ByteOp {
  enum class Test : std::uint8_t { kLt, kGt, kEq, kLe, kGe, kAnd, kXor };
  std::uint8_t bytes = 1;  // how many: 1-8 as a binary number, 1-23 as text
  bool little_endian = false;
  bool string = false;        // the bytes are the number's digits in `base`
  std::uint8_t base = 0;      // 0: as C's strtoull decides (0x hexadecimal, 0 octal, else decimal)
  std::uint64_t bitmask = 0;  // 0: none; else the value is masked and shifted right
  // byte_test: value `test` this
  Test test = Test::kEq;
  std::uint64_t value = 0;
  // byte_jump
  std::uint32_t multiplier = 1;
  bool align = false;  // round the jump up to a multiple of 4
  bool from_beginning = false;
  bool from_end = false;
  std::int32_t post_offset = 0;
};

// One `content` (or `pcre`) item. Positions follow Suricata: offset/depth are absolute in the
// buffer; distance/within are relative to the end of the previous item's match in the same
// buffer (within counts from the previous end plus distance).
// `isdataat:[!]N[,relative]` is an item too (kIsDataAt, N in `offset`): the buffer has a byte
// at N (absolute), or N more bytes after the previous item's match (relative); negated: not.
// So are `byte_test` (kByteTest: a number read at `offset` passes a test; negated: fails it) and
// `byte_jump` (kByteJump: the position moves by a number read at `offset`), with `byte`.
struct DetectItem {
  enum class Kind : std::uint8_t { kContent, kPcre, kIsDataAt, kByteTest, kByteJump };
  Kind kind = Kind::kContent;
  Buffer buffer = Buffer::kPayload;
  bool negated = false;
  // content
  std::string bytes;  // decoded (|hex| and escapes applied)
  bool nocase = false;
  bool fast_pattern = false;
  bool startswith = false;
  bool endswith = false;
  bool has_offset = false, has_depth = false, has_distance = false, has_within = false;
  std::int32_t offset = 0, depth = 0, distance = 0, within = 0;
  // pcre
  std::string regex;      // RE2 syntax (translated), flags folded in as (?ims)
  bool relative = false;  // pcre /R; for contents: distance or within set
  ByteOp byte;            // byte_test, byte_jump
  int line = 0;
};

// A number against a value (N, !N, <N, <=N, >N, >=N), or strictly between two (A<>B).
struct NumberTest {
  enum class Op : std::uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kBetween };
  Op op = Op::kEq;
  std::uint32_t a = 0;
  std::uint32_t b = 0;  // kBetween's upper bound
  bool holds(std::uint64_t n) const;
};

// A size test (`dsize` on the payload, `bsize` on a sticky buffer, `urilen` on http.uri): the
// inspected buffer's length.
struct SizeTest {
  Buffer buffer = Buffer::kPayload;
  NumberTest length;
};

// `flags` / `tcp.flags`: the TCP flags of a packet (bits as on the wire, FIN = 0x01 ... CWR =
// 0x80), with the bits of `ignore` cleared first. kExact: exactly `flags` (none for "0");
// kAll (+): at least those; kAny (*): any of them; kNone (!): none of them.
struct TcpFlagsTest {
  enum class Mode : std::uint8_t { kExact, kAll, kAny, kNone };
  Mode mode = Mode::kExact;
  std::uint8_t flags = 0;
  std::uint8_t ignore = 0;
  bool holds(std::uint8_t packet_flags) const;
};

// `threshold` or `detection_filter`: which of a rule's matches raise an alert, counted per
// tracked address (or pair, or the whole rule) within windows of `seconds` (alert_filter.h).
struct AlertFilter {
  enum class Type : std::uint8_t {
    kLimit,      // the first `count` matches of each window
    kThreshold,  // every `count`-th match of a window
    kBoth,       // once per window, at its `count`-th match
    kDetection,  // detection_filter: every match after the first `count` of a window
  };
  enum class Track : std::uint8_t { kBySrc, kByDst, kByBoth, kByRule, kByFlow };
  Type type = Type::kLimit;
  Track track = Track::kBySrc;
  std::uint32_t count = 1;
  std::uint32_t seconds = 60;
};

// Transforms (transform.h) that one rule applies to one buffer before its items and size tests
// on it see it.
struct BufferTransforms {
  Buffer buffer = Buffer::kPayload;
  std::vector<Transform> transforms;  // in the order written
};

// `flowbits`: named bits on the flow (signatures/packet/flow_bits.h). The conditions (isset,
// isnotset) must hold for the rule to match; the actions (set, unset, toggle) apply when it
// matches. `names` holds one name, or several joined by '|' (a condition: any of them) or '&'
// (all of them; actions: each of them).
struct FlowbitOp {
  enum class Kind : std::uint8_t { kSet, kUnset, kToggle, kIsSet, kIsNotSet };
  Kind kind = Kind::kSet;
  std::vector<std::string> names;
  bool any = false;  // '|': any of the names; otherwise all of them
  bool is_condition() const { return kind == Kind::kIsSet || kind == Kind::kIsNotSet; }
};

enum class FlowDir : std::uint8_t { kAny, kToServer, kToClient };
enum class FlowState : std::uint8_t { kAny, kEstablished, kNotEstablished, kStateless };

struct PacketRule {
  // header
  std::string action = "alert";
  std::string proto;               // as written: tcp udp icmp ip http dns tls ...
  std::uint8_t ip_proto = 0;       // 0 = any IP protocol
  AppProto app = AppProto::kNone;  // the protocol keyword names an application protocol
  AddressSet src, dst;
  PortSet sport, dport;
  bool bidirectional = false;  // <>
  // metadata
  std::uint32_t sid = 0;
  std::uint32_t gid = 1;
  std::uint32_t rev = 0;
  std::string msg;
  std::string classtype;
  int priority = 3;  // from the classtype unless `priority` is given
  // flow
  FlowDir flow_dir = FlowDir::kAny;
  FlowState flow_state = FlowState::kAny;
  // detection
  std::vector<DetectItem> items;
  std::vector<SizeTest> sizes;
  std::vector<BufferTransforms> transforms;  // at most one entry per buffer
  // The transforms of `buffer` (empty when none).
  std::span<const Transform> transforms_of(Buffer buffer) const {
    for (const BufferTransforms& t : transforms) {
      if (t.buffer == buffer) return t.transforms;
    }
    return {};
  }
  // packet header tests (packets only: a summary has no flags or ICMP header)
  std::optional<TcpFlagsTest> tcp_flags;
  std::optional<NumberTest> icmp_type;  // itype
  std::optional<NumberTest> icmp_code;  // icode
  // flow state
  std::vector<FlowbitOp> flowbits;
  bool noalert = false;  // `noalert` / `flowbits:noalert`: matches only act on flowbits
  // alerting (applied detection_filter first, then threshold)
  std::optional<AlertFilter> detection_filter;
  std::optional<AlertFilter> threshold;
  // where it came from
  std::string file;
  int line = 0;
  std::string text;  // the rule as written (one line)
};

}  // namespace soc::packet
