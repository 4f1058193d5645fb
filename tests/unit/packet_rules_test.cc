// Packet rules: the parser (each keyword, header syntax, errors) and the matcher (positions,
// nocase, pcre, sticky buffers, flow, header) on hand-built inspections.
#include <gtest/gtest.h>

#include "signatures/packet/address_port.h"
#include "signatures/packet/packet_alert.h"
#include "signatures/packet/packet_rule_set.h"
#include "signatures/packet/pcre_translate.h"
#include "signatures/packet/rule_parser.h"

namespace soc::packet {
namespace {

const Variables& vars() {
  static const Variables v = Variables::defaults();
  return v;
}

PacketRule parse_ok(const std::string& text) {
  auto r = parse_packet_rule(text, vars());
  EXPECT_TRUE(r.has_value()) << text << ": " << (r ? "" : r.error().message);
  return r ? std::move(*r) : PacketRule{};
}

std::string parse_error(const std::string& text) {
  auto r = parse_packet_rule(text, vars());
  EXPECT_FALSE(r.has_value()) << text;
  return r ? "" : r.error().message;
}

std::array<std::uint8_t, 16> ip(const char* text) { return IpAddress::parse(text)->bytes; }

TEST(PacketRuleParser, HeaderAndMetadata) {
  PacketRule r = parse_ok(
      "alert tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (msg:\"Test \\\"quoted\\\"\"; "
      "classtype:trojan-activity; sid:1000; rev:3; gid:1; reference:url,x; metadata:a b;)");
  EXPECT_EQ(r.sid, 1000u);
  EXPECT_EQ(r.rev, 3u);
  EXPECT_EQ(r.msg, "Test \"quoted\"");
  EXPECT_EQ(r.classtype, "trojan-activity");
  EXPECT_EQ(r.priority, 1);  // from the classtype
  EXPECT_EQ(r.ip_proto, 6);
  EXPECT_TRUE(r.src.matches(ip("192.168.1.5"), true));
  EXPECT_FALSE(r.src.matches(ip("8.8.8.8"), true));
  EXPECT_TRUE(r.dst.matches(ip("8.8.8.8"), true));
  EXPECT_FALSE(r.dst.matches(ip("10.1.1.1"), true));
  EXPECT_TRUE(r.dport.matches(80));
  EXPECT_FALSE(r.dport.matches(8080));
  EXPECT_EQ(parse_ok("alert ip any any -> any any (priority:2; classtype:trojan-activity; "
                     "sid:1;)")
                .priority,
            2);
  EXPECT_EQ(parse_ok("alert ip any any -> any any (sid:1;)").priority, 3);
}

// The port set of `text` holds every port of `in` and none of `out`.
void expect_ports(std::string_view text, std::initializer_list<std::uint16_t> in,
                  std::initializer_list<std::uint16_t> out) {
  auto set = PortSet::parse(text, vars());
  ASSERT_TRUE(set) << text;
  for (std::uint16_t port : in) EXPECT_TRUE(set->matches(port)) << text << ": " << port;
  for (std::uint16_t port : out) EXPECT_FALSE(set->matches(port)) << text << ": " << port;
}

// The address set of `text` holds every address of `in` and none of `out` (IPv4 or IPv6 as
// written).
void expect_addresses(std::string_view text, std::initializer_list<const char*> in,
                      std::initializer_list<const char*> out) {
  auto set = AddressSet::parse(text, vars());
  ASSERT_TRUE(set) << text;
  auto test = [&](const char* address) {
    const auto parsed = IpAddress::parse(address);
    EXPECT_TRUE(parsed) << address;
    return parsed && set->matches(parsed->bytes, parsed->is_v4);
  };
  for (const char* a : in) EXPECT_TRUE(test(a)) << text << ": " << a;
  for (const char* a : out) EXPECT_FALSE(test(a)) << text << ": " << a;
}

TEST(PacketRuleParser, AddressSetEdges) {
  // A network's first and last address, and its neighbours; host bits in the text ignored.
  expect_addresses("10.1.2.3/16", {"10.1.0.0", "10.1.255.255"}, {"10.0.255.255", "10.2.0.0"});
  expect_addresses("2001:db8::/32", {"2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"},
                   {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::"});
  // Each family's sets match only that family; `any` and negations span both.
  expect_addresses("1.2.3.4", {"1.2.3.4"}, {"::102:304", "1.2.3.5"});
  expect_addresses("::1", {"::1"}, {"0.0.0.1"});
  expect_addresses("!1.2.3.4", {"1.2.3.5", "::1", "::102:304"}, {"1.2.3.4"});
  expect_addresses("any", {"0.0.0.0", "255.255.255.255", "::", "ffff::"}, {});
  expect_addresses("[0.0.0.0/0]", {"0.0.0.0", "255.255.255.255"}, {"::"});
  expect_addresses("[::/0,!::1]", {"::", "::2", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
                   {"::1", "1.2.3.4"});
  // Adjacent and overlapping members merge; a negation inside a negation adds back.
  expect_addresses("[10.0.0.0/9,10.128.0.0/9,!10.0.0.0/31]", {"10.0.0.2", "10.255.255.255"},
                   {"10.0.0.0", "10.0.0.1", "11.0.0.0"});
  expect_addresses("![10.0.0.0/8,![10.1.0.0/16]]", {"10.1.2.3", "11.0.0.1"}, {"10.2.0.1"});
  expect_addresses("[255.255.255.255,!255.255.255.254/31]", {}, {"255.255.255.255"});
}

TEST(PacketRuleParser, AddressesAndPorts) {
  auto a = AddressSet::parse("[10.0.0.0/8,!10.1.0.0/16,2001:db8::/32]", vars());
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->matches(ip("10.2.3.4"), true));
  EXPECT_FALSE(a->matches(ip("10.1.3.4"), true));
  EXPECT_FALSE(a->matches(ip("11.0.0.1"), true));
  EXPECT_TRUE(a->matches(ip("2001:db8::1"), false));
  auto n = AddressSet::parse("![1.2.3.4,5.6.7.8]", vars());
  ASSERT_TRUE(n);
  EXPECT_FALSE(n->matches(ip("1.2.3.4"), true));
  EXPECT_TRUE(n->matches(ip("1.2.3.5"), true));
  auto p = PortSet::parse("[1024:,!8080,:21]", vars());
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->matches(1024));
  EXPECT_TRUE(p->matches(65535));
  EXPECT_FALSE(p->matches(8080));
  EXPECT_TRUE(p->matches(21));
  EXPECT_FALSE(p->matches(22));
  auto r = PortSet::parse("!$HTTP_PORTS", vars());
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->matches(80));
  EXPECT_TRUE(r->matches(81));
  Variables custom = Variables::defaults();
  custom.set("HOME_NET", "[203.0.113.0/24]");
  auto home = AddressSet::parse("$EXTERNAL_NET", custom);
  ASSERT_TRUE(home);
  EXPECT_FALSE(home->matches(ip("203.0.113.9"), true));
  EXPECT_TRUE(home->matches(ip("192.168.0.1"), true));
  EXPECT_FALSE(AddressSet::parse("$NOPE", vars()));
  EXPECT_FALSE(AddressSet::parse("[1.2.3.4", vars()));
  EXPECT_FALSE(AddressSet::parse("1.2.3.4/33", vars()));
  // Nested negation, overlapping and adjacent ranges, both ends of the port space.
  expect_ports("[1:10,![3:5,!4]]", {1, 2, 4, 6, 10}, {0, 3, 5, 11});
  expect_ports("[80:90,85:100,101]", {80, 95, 101}, {79, 102});
  expect_ports("[!1:65534]", {0, 65535}, {1, 65534});
  expect_ports("!0:", {}, {0, 65535});
  EXPECT_TRUE(PortSet().matches(12345));  // a default set is `any`
  // Equal text, equal sets and hashes (rules share the header test); different, not equal.
  EXPECT_EQ(*PortSet::parse("$HTTP_PORTS", vars()), *PortSet::parse("$HTTP_PORTS", vars()));
  EXPECT_EQ(PortSet::parse("$HTTP_PORTS", vars())->hash(),
            PortSet::parse("$HTTP_PORTS", vars())->hash());
  EXPECT_FALSE(*PortSet::parse("80", vars()) == *PortSet::parse("81", vars()));
  EXPECT_EQ(*AddressSet::parse("$HOME_NET", vars()), *AddressSet::parse("$HOME_NET", vars()));
  EXPECT_EQ(AddressSet::parse("$HOME_NET", vars())->hash(),
            AddressSet::parse("$HOME_NET", vars())->hash());
  EXPECT_FALSE(*AddressSet::parse("$HOME_NET", vars()) ==
               *AddressSet::parse("$EXTERNAL_NET", vars()));
  EXPECT_FALSE(PortSet::parse("70000", vars()));
  EXPECT_FALSE(PortSet::parse("10:5", vars()));
  Variables loop = Variables::defaults();
  loop.set("A", "$B");
  loop.set("B", "[$A]");
  EXPECT_FALSE(AddressSet::parse("$A", loop));  // bounded, not a hang
}

TEST(PacketRuleParser, ContentAndModifiers) {
  PacketRule r = parse_ok(
      "alert tcp any any -> any any (content:\"GET |20 2F|a\\;b\"; nocase; offset:1; depth:20; "
      "content:!\"x\"; distance:-2; within:5; fast_pattern; content:\"y\"; startswith; "
      "content:\"z\"; endswith; sid:7;)");
  ASSERT_EQ(r.items.size(), 4u);
  EXPECT_EQ(r.items[0].bytes, "GET  /a;b");
  EXPECT_TRUE(r.items[0].nocase);
  EXPECT_EQ(r.items[0].offset, 1);
  EXPECT_EQ(r.items[0].depth, 20);
  EXPECT_TRUE(r.items[1].negated);
  EXPECT_TRUE(r.items[1].relative);
  EXPECT_EQ(r.items[1].distance, -2);
  EXPECT_EQ(r.items[1].within, 5);
  EXPECT_TRUE(r.items[1].fast_pattern);
  EXPECT_TRUE(r.items[2].startswith);
  EXPECT_TRUE(r.items[3].endswith);
}

TEST(PacketRuleParser, StickyBuffersAndLegacyModifiers) {
  PacketRule r = parse_ok(
      "alert http any any -> any any (flow:established,to_server; http.method; content:\"POST\"; "
      "http.uri; content:\"/login\"; http.host; content:\"example\"; http.user_agent; "
      "content:\"curl\"; sid:8;)");
  ASSERT_EQ(r.items.size(), 4u);
  EXPECT_EQ(r.items[0].buffer, Buffer::kHttpMethod);
  EXPECT_EQ(r.items[1].buffer, Buffer::kHttpUri);
  EXPECT_EQ(r.items[2].buffer, Buffer::kHttpHost);
  EXPECT_EQ(r.items[3].buffer, Buffer::kHttpUserAgent);
  EXPECT_EQ(r.app, AppProto::kHttp);
  EXPECT_EQ(r.flow_dir, FlowDir::kToServer);
  EXPECT_EQ(r.flow_state, FlowState::kEstablished);
  PacketRule legacy = parse_ok(
      "alert tcp any any -> any any (content:\"/x\"; http_uri; content:\"h\"; http_host; "
      "uricontent:\"q\"; sid:9;)");
  EXPECT_EQ(legacy.items[0].buffer, Buffer::kHttpUri);
  EXPECT_EQ(legacy.items[1].buffer, Buffer::kHttpHost);
  EXPECT_EQ(legacy.items[2].buffer, Buffer::kHttpUri);
  EXPECT_EQ(legacy.app, AppProto::kHttp);
  EXPECT_EQ(parse_ok("alert dns any any -> any any (dns_query; content:\"evil\"; sid:10;)")
                .items[0]
                .buffer,
            Buffer::kDnsQuery);
  EXPECT_EQ(
      parse_ok("alert tls any any -> any any (tls.sni; content:\"evil\"; sid:11;)").items[0].buffer,
      Buffer::kTlsSni);
  EXPECT_EQ(parse_ok("alert udp any any -> any any (flow:to_client,stateless; sid:12;)").flow_dir,
            FlowDir::kToClient);
}

// The request's buffers: dotted sticky names, old underscore sticky names (http_accept ...),
// old content modifiers (http_header, http_raw_header, http_cookie, http_client_body); a buffer
// Suricata also fills from responses is refused for a to_client rule (only requests are
// inspected).
TEST(PacketRuleParser, RequestBuffers) {
  const std::pair<const char*, Buffer> sticky[] = {
      {"http.header", Buffer::kHttpHeader},
      {"http.header.raw", Buffer::kHttpHeaderRaw},
      {"http.cookie", Buffer::kHttpCookie},
      {"http.request_line", Buffer::kHttpRequestLine},
      {"http_request_line", Buffer::kHttpRequestLine},
      {"http.protocol", Buffer::kHttpProtocol},
      {"http.header_names", Buffer::kHttpHeaderNames},
      {"http.start", Buffer::kHttpStart},
      {"http.referer", Buffer::kHttpReferer},
      {"http_referer", Buffer::kHttpReferer},
      {"http.accept", Buffer::kHttpAccept},
      {"http.accept_lang", Buffer::kHttpAcceptLang},
      {"http_accept_enc", Buffer::kHttpAcceptEnc},
      {"http.connection", Buffer::kHttpConnection},
      {"http.content_type", Buffer::kHttpContentType},
      {"http_content_len", Buffer::kHttpContentLen},
      {"http.request_body", Buffer::kHttpRequestBody},
      {"http.request_header", Buffer::kHttpRequestHeaderLines},
  };
  for (const auto& [name, buffer] : sticky) {
    const PacketRule r = parse_ok(std::string("alert http any any -> any any (") + name +
                                  "; content:\"x\"; sid:1;)");
    ASSERT_EQ(r.items.size(), 1u) << name;
    EXPECT_EQ(r.items[0].buffer, buffer) << name;
    EXPECT_EQ(r.app, AppProto::kHttp) << name;
    EXPECT_EQ(buffer_name(buffer).substr(5), std::string_view(name).substr(5)) << name;
  }
  const PacketRule legacy = parse_ok(
      "alert tcp any any -> any any (content:\"A\"; http_header; content:\"B\"; "
      "http_raw_header; content:\"C\"; http_cookie; content:\"D\"; http_client_body; sid:2;)");
  EXPECT_EQ(legacy.items[0].buffer, Buffer::kHttpHeader);
  EXPECT_EQ(legacy.items[1].buffer, Buffer::kHttpHeaderRaw);
  EXPECT_EQ(legacy.items[2].buffer, Buffer::kHttpCookie);
  EXPECT_EQ(legacy.items[3].buffer, Buffer::kHttpRequestBody);
  EXPECT_EQ(legacy.app, AppProto::kHttp);
  // Underscore names of content modifiers are not sticky buffers.
  EXPECT_EQ(parse_error("alert http any any -> any any (http_header; content:\"x\"; sid:3;)"),
            "http_header without a preceding content");
}

// The TLS buffers: ja3.hash and ja3.string are the client's, ja3s.hash, ja3s.string and
// tls.certs the server's (a to_server rule naming one does not load); tls.certs is a
// multi-buffer of the certificates.
TEST(PacketRuleParser, TlsBuffers) {
  const std::pair<const char*, Buffer> sticky[] = {
      {"ja3.hash", Buffer::kTlsJa3Hash},     {"ja3_hash", Buffer::kTlsJa3Hash},
      {"ja3.string", Buffer::kTlsJa3String}, {"ja3s.hash", Buffer::kTlsJa3sHash},
      {"ja3s_hash", Buffer::kTlsJa3sHash},   {"ja3s.string", Buffer::kTlsJa3sString},
      {"tls.certs", Buffer::kTlsCerts},
  };
  for (const auto& [name, buffer] : sticky) {
    const PacketRule r =
        parse_ok(std::string("alert tls any any -> any any (") + name + "; content:\"x\"; sid:1;)");
    ASSERT_EQ(r.items.size(), 1u) << name;
    EXPECT_EQ(r.items[0].buffer, buffer) << name;
    EXPECT_EQ(r.app, AppProto::kTls) << name;
  }
  EXPECT_TRUE(is_multi_buffer(Buffer::kTlsCerts));
  EXPECT_FALSE(is_multi_buffer(Buffer::kTlsJa3sHash));
  EXPECT_EQ(parse_error("alert tls any any -> any any (flow:to_server; tls.certs; content:\"x\"; "
                        "sid:2;)"),
            "tls.certs is a response's, and the rule asks for to_server");
  EXPECT_EQ(parse_error("alert http any any -> any any (ja3.hash; content:\"x\"; sid:3;)"),
            "buffer ja3.hash does not belong to protocol http");
}

// The response's buffers, and the response forms of http.header ... in a to_client rule (the
// flow keyword may come after the buffer).
TEST(PacketRuleParser, ResponseBuffers) {
  const PacketRule r = parse_ok(
      "alert http any any -> any any (http.stat_code; content:\"404\"; http.stat_msg; "
      "content:\"Not\"; http.server; content:\"nginx\"; http.location; content:\"/x\"; "
      "http.response_line; content:\"HTTP/1.1\"; content:\"200\"; http_stat_code; sid:1;)");
  const Buffer expected[] = {Buffer::kHttpStatCode,     Buffer::kHttpStatMsg,
                             Buffer::kHttpServer,       Buffer::kHttpLocation,
                             Buffer::kHttpResponseLine, Buffer::kHttpStatCode};
  ASSERT_EQ(r.items.size(), std::size(expected));
  for (std::size_t i = 0; i < r.items.size(); ++i) {
    EXPECT_EQ(r.items[i].buffer, expected[i]) << i;
    EXPECT_TRUE(is_response_buffer(r.items[i].buffer)) << i;
  }
  const PacketRule flags =
      parse_ok("alert http any any -> any any (pcre:\"/^4/S\"; pcre:\"/Found/Y\"; sid:5;)");
  EXPECT_EQ(flags.items[0].buffer, Buffer::kHttpStatCode);
  EXPECT_EQ(flags.items[1].buffer, Buffer::kHttpStatMsg);
  const PacketRule to_client = parse_ok(
      "alert http any any -> any any (http.header; content:\"Server\"; http.cookie; "
      "content:\"id=\"; http.uri; content:\"/a\"; flow:established,to_client; sid:2;)");
  EXPECT_EQ(to_client.items[0].buffer, Buffer::kHttpResponseHeader);
  EXPECT_EQ(to_client.items[1].buffer, Buffer::kHttpResponseCookie);
  EXPECT_EQ(to_client.items[2].buffer, Buffer::kHttpUri);  // the request's, seen with it
  EXPECT_EQ(buffer_name(Buffer::kHttpResponseHeader), "http.header");
  // file_data: the response body, or in a to_server rule the request body (an upload).
  const PacketRule bodies = parse_ok(
      "alert http any any -> any any (file_data; content:\"<html\"; content:\"x\"; "
      "http_server_body; http.response_body; content:\"y\"; sid:6;)");
  for (const DetectItem& item : bodies.items) EXPECT_EQ(item.buffer, Buffer::kHttpResponseBody);
  EXPECT_EQ(parse_ok("alert http any any -> any any (flow:established,to_server; file.data; "
                     "content:\"MZ\"; sid:7;)")
                .items[0]
                .buffer,
            Buffer::kHttpRequestBody);
  // Without a direction, a response's buffer makes the rule a response rule: its http.header
  // is the response's too. With to_server, a response's buffer is refused.
  const PacketRule implied = parse_ok(
      "alert http any any -> any any (http.stat_code; content:\"200\"; http.header; "
      "content:\"Server\"; sid:8;)");
  EXPECT_EQ(implied.items[1].buffer, Buffer::kHttpResponseHeader);
  EXPECT_EQ(parse_error("alert http any any -> any any (flow:to_server; http.stat_code; "
                        "content:\"200\"; sid:9;)"),
            "http.stat_code is a response's, and the rule asks for to_server");
  EXPECT_EQ(parse_error("alert http any any -> any any (flow:to_server; http.response_body; "
                        "content:\"x\"; sid:10;)"),
            "http.response_body is a response's, and the rule asks for to_server");
  EXPECT_EQ(parse_ok("alert http any any -> any any (flow:to_server; http.header; "
                     "content:\"x\"; sid:3;)")
                .items[0]
                .buffer,
            Buffer::kHttpHeader);
}

TEST(PacketRuleParser, Pcre) {
  PacketRule r =
      parse_ok("alert tcp any any -> any any (content:\"a\"; pcre:\"/^b\\d+/Ri\"; sid:3;)");
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_EQ(r.items[1].kind, DetectItem::Kind::kPcre);
  EXPECT_TRUE(r.items[1].relative);
  EXPECT_EQ(r.items[1].regex, "(?i)^b\\d+");
  PacketRule u = parse_ok("alert http any any -> any any (pcre:!\"/c/U\"; sid:4;)");
  ASSERT_EQ(u.items.size(), 1u);
  EXPECT_TRUE(u.items[0].negated);
  EXPECT_EQ(u.items[0].buffer, Buffer::kHttpUri);
  auto z = translate_pcre("/end\\Z/s");
  ASSERT_TRUE(z);
  EXPECT_EQ(z->pattern, "(?s)end(?:\\n?\\z)");
  // Buffer flags choose the buffer (not another than a sticky buffer's).
  const PacketRule flags = parse_ok(
      "alert http any any -> any any (pcre:\"/a/H\"; pcre:\"/b/C\"; pcre:\"/c/M\"; "
      "pcre:\"/d/D\"; pcre:\"/e/V\"; pcre:\"/f/W\"; pcre:\"/g/I\"; sid:5;)");
  ASSERT_EQ(flags.items.size(), 7u);
  EXPECT_EQ(flags.items[0].buffer, Buffer::kHttpHeader);
  EXPECT_EQ(flags.items[1].buffer, Buffer::kHttpCookie);
  EXPECT_EQ(flags.items[2].buffer, Buffer::kHttpMethod);
  EXPECT_EQ(flags.items[3].buffer, Buffer::kHttpHeaderRaw);
  EXPECT_EQ(flags.items[4].buffer, Buffer::kHttpUserAgent);
  EXPECT_EQ(flags.items[5].buffer, Buffer::kHttpHost);
  EXPECT_EQ(flags.items[6].buffer, Buffer::kHttpUri);
  EXPECT_EQ(parse_ok("alert http any any -> any any (pcre:\"/a/P\"; sid:6;)").items[0].buffer,
            Buffer::kHttpRequestBody);
  EXPECT_EQ(parse_error("alert http any any -> any any (http.uri; pcre:\"/a/H\"; sid:7;)"),
            "pcre buffer flag for http.header after sticky buffer http.uri");
  EXPECT_EQ(
      parse_ok("alert http any any -> any any (http.uri; pcre:\"/a/U\"; sid:8;)").items[0].buffer,
      Buffer::kHttpUri);
  EXPECT_EQ(parse_ok("alert http any any -> any any (pcre:\"/a/Q\"; sid:9;)").items[0].buffer,
            Buffer::kHttpResponseBody);
  EXPECT_NE(parse_error("alert tcp any any -> any any (pcre:\"/a/x\"; sid:1;)").find("'x'"),
            std::string::npos);
  // RE2 refuses lookaround when the set compiles it: an issue naming the rule.
  std::vector<CompileIssue> issues;
  auto set = PacketRuleSet::compile(
      {parse_ok("alert tcp any any -> any any (pcre:\"/a(?=b)/\"; sid:44;)")}, issues);
  ASSERT_TRUE(set);
  EXPECT_TRUE((*set)->rules().empty());
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].rule_id, "44");
  EXPECT_NE(issues[0].reason.find("not supported by RE2"), std::string::npos);
}

TEST(PacketRuleParser, Flowbits) {
  const PacketRule r = parse_ok(
      "alert http any any -> any any (flowbits:isset,a|b; flowbits:isnotset,c&d; "
      "flowbits:set,e; flowbits:unset,f&g; flowbits:toggle,h; flowbits:noalert; sid:1;)");
  ASSERT_EQ(r.flowbits.size(), 5u);
  EXPECT_EQ(r.flowbits[0].kind, FlowbitOp::Kind::kIsSet);
  EXPECT_TRUE(r.flowbits[0].any);
  EXPECT_EQ(r.flowbits[0].names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.flowbits[1].kind, FlowbitOp::Kind::kIsNotSet);
  EXPECT_FALSE(r.flowbits[1].any);
  EXPECT_EQ(r.flowbits[1].names, (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(r.flowbits[3].names, (std::vector<std::string>{"f", "g"}));
  EXPECT_EQ(r.flowbits[4].kind, FlowbitOp::Kind::kToggle);
  EXPECT_TRUE(r.noalert);
  EXPECT_TRUE(parse_ok("alert tcp any any -> any any (content:\"x\"; noalert; sid:2;)").noalert);
  EXPECT_EQ(parse_error("alert tcp any any -> any any (flowbits:count,a; sid:3;)"),
            "unsupported flowbits command count");
  EXPECT_EQ(parse_error("alert tcp any any -> any any (flowbits:set,a|b; sid:4;)"),
            "flowbits: '|' only joins the names of a condition");
  EXPECT_EQ(parse_error("alert tcp any any -> any any (flowbits:isset,a|b&c; sid:5;)"),
            "flowbits: names joined by both '|' and '&'");
  EXPECT_EQ(parse_error("alert tcp any any -> any any (flowbits:isset,a||b; sid:6;)"),
            "flowbits: bad name ''");
  EXPECT_EQ(parse_error("alert tcp any any -> any any (flowbits:set; sid:7;)"),
            "flowbits: expected 'noalert' or a command and a name, got 'set'");
}

TEST(PacketRuleParser, Transforms) {
  const PacketRule r = parse_ok(
      "alert dns any any -> any any (dns.query; dotprefix; to_lowercase; content:\".evil.test\"; "
      "endswith; sid:1;)");
  ASSERT_EQ(r.transforms.size(), 1u);
  EXPECT_EQ(r.transforms[0].buffer, Buffer::kDnsQuery);
  EXPECT_EQ(r.transforms[0].transforms,
            (std::vector<Transform>{Transform::kDotPrefix, Transform::kToLowercase}));
  EXPECT_TRUE(r.transforms_of(Buffer::kHttpUri).empty());
  EXPECT_EQ(parse_error("alert http any any -> any any (http.uri; content:\"a\"; url_decode; "
                        "sid:2;)"),
            "url_decode after content of http.uri (transforms come first)");
  // A to_server file_data rule inspects the request body: its transforms move with it.
  const PacketRule upload = parse_ok(
      "alert http any any -> any any (flow:to_server; file_data; url_decode; content:\"a b\"; "
      "sid:3;)");
  EXPECT_EQ(upload.transforms[0].buffer, Buffer::kHttpRequestBody);
  EXPECT_EQ(parse_ok("alert tcp-pkt any any -> any any (content:\"x\"; sid:4;)").ip_proto, 6);
}

TEST(PacketRuleParser, UnsupportedAndMalformedAreReported) {
  EXPECT_EQ(parse_error("alert tcp any any -> any any (content:\"a\"; xbits:set,x; sid:1;)"),
            "unsupported keyword xbits");
  EXPECT_EQ(parse_error("alert smb any any -> any any (sid:1;)"), "unsupported protocol smb");
  EXPECT_EQ(parse_error("drop tcp any any -> any any (sid:1;)"),
            "unsupported action drop (only alert)");
  EXPECT_EQ(parse_error("alert tcp any any -> any any (flow:only_stream; sid:1;)"),
            "unsupported flow option only_stream");
  EXPECT_EQ(parse_error("alert tcp any any -> any any (msg:\"x\";)"), "missing sid");
  EXPECT_EQ(parse_error("alert tcp any any -> any any (nocase; sid:1;)"),
            "nocase without a preceding content");
  EXPECT_EQ(parse_error("alert tcp any any -> any any (content:\"|4\"; sid:1;)"),
            "content: unterminated |hex| block");
  EXPECT_EQ(parse_error("alert tcp any any -> any any (content:\"|4g|\"; sid:1;)"),
            "content: bad hex character 'g'");
  EXPECT_EQ(parse_error("alert tcp any any -> any any (content:\"a\"; sid:1)"),
            "option 'sid:1' not terminated by ';'");
  EXPECT_EQ(parse_error("alert tcp any any any any (sid:1;)"),
            "header needs 7 parts (action proto src port -> dst port), found 6");
  EXPECT_EQ(parse_error("alert tcp any any => any any (sid:1;)"),
            "bad direction '=>' (expected -> or <>)");
  EXPECT_EQ(parse_error("alert tcp $NOPE any -> any any (sid:1;)"),
            "header: unknown variable $NOPE");
  EXPECT_EQ(parse_error("alert tcp any any -> any any (content:\"a\"; depth:x; sid:1;)"),
            "depth: expected a number, got 'x' (variables from byte_extract are not supported)");
  EXPECT_EQ(
      parse_error("alert tcp any any -> any any (content:\"a\"; dns.query; content:\"b\"; sid:1;)"),
      "payload content together with dns.query in one rule is not supported (only with http "
      "buffers)");
  EXPECT_EQ(parse_error("alert dns any any -> any any (http.uri; content:\"b\"; sid:1;)"),
            "buffer http.uri does not belong to protocol dns");
}

TEST(PacketRuleParser, FileIssuesNameLineAndSid) {
  const std::string text =
      "# comment\n"
      "\n"
      "alert tcp any any -> any any (msg:\"ok\"; content:\"a\"; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"bad\"; byte_extract:1,0,len; sid:2;)\n"
      "alert tcp any any -> any any (msg:\"continued\"; \\\n"
      "  content:\"b\"; sid:3;)\n"
      "garbage\n";
  ParsedPacketRules parsed = parse_packet_rules(text, "f.rules", vars());
  EXPECT_EQ(parsed.total, 4u);
  ASSERT_EQ(parsed.rules.size(), 2u);
  EXPECT_EQ(parsed.rules[1].sid, 3u);
  EXPECT_EQ(parsed.rules[1].line, 5);
  ASSERT_EQ(parsed.issues.size(), 2u);
  EXPECT_EQ(parsed.issues[0].line, 4);
  EXPECT_EQ(parsed.issues[0].rule_id, "2");
  EXPECT_EQ(parsed.issues[0].title, "bad");
  EXPECT_EQ(parsed.issues[0].reason, "unsupported keyword byte_extract");
  EXPECT_EQ(parsed.issues[1].line, 7);
  EXPECT_EQ(parsed.issues[1].reason, "expected 'action proto src port -> dst port (options)'");
}

// dsize (payload), bsize (the sticky buffer before it) and urilen (http.uri): a number, !N,
// <, <=, >, >= or an exclusive range; bad forms name the keyword and what it expects.
TEST(PacketRuleParser, SizeTests) {
  PacketRule r = parse_ok(
      "alert tcp any any -> any any (dsize:>10; http.uri; bsize:5<>20; urilen:!7,norm; sid:1;)");
  ASSERT_EQ(r.sizes.size(), 3u);
  EXPECT_EQ(r.sizes[0].buffer, Buffer::kPayload);
  EXPECT_EQ(r.sizes[0].length.op, NumberTest::Op::kGt);
  EXPECT_EQ(r.sizes[0].length.a, 10u);
  EXPECT_EQ(r.sizes[1].buffer, Buffer::kHttpUri);
  EXPECT_EQ(r.sizes[1].length.op, NumberTest::Op::kBetween);
  EXPECT_EQ(r.sizes[1].length.b, 20u);
  EXPECT_EQ(r.sizes[2].buffer, Buffer::kHttpUri);
  EXPECT_EQ(r.sizes[2].length.op, NumberTest::Op::kNe);
  EXPECT_EQ(r.app, AppProto::kHttp);
  PacketRule d = parse_ok("alert udp any any -> any 53 (dns.query; bsize:<=64; sid:2;)");
  ASSERT_EQ(d.sizes.size(), 1u);
  EXPECT_EQ(d.sizes[0].buffer, Buffer::kDnsQuery);
  EXPECT_EQ(d.sizes[0].length.op, NumberTest::Op::kLe);
  EXPECT_EQ(d.app, AppProto::kDns);
  const NumberTest between{NumberTest::Op::kBetween, 5, 8};
  EXPECT_FALSE(between.holds(5));
  EXPECT_TRUE(between.holds(6));
  EXPECT_FALSE(between.holds(8));
  EXPECT_EQ(parse_error("alert tcp any any -> any any (bsize:3; sid:1;)"),
            "bsize without a sticky buffer before it");
  EXPECT_EQ(parse_error("alert tcp any any -> any any (dsize:9<>2; sid:1;)"),
            "dsize: expected N, !N, <N, <=N, >N, >=N or A<>B, got '9<>2'");
  EXPECT_EQ(parse_error("alert tcp any any -> any any (dsize:>x; sid:1;)"),
            "dsize: expected N, !N, <N, <=N, >N, >=N or A<>B, got '>x'");
  EXPECT_EQ(parse_error("alert tcp any any -> any any (dsize:3,raw; sid:1;)"),
            "dsize: unexpected ',raw'");
  EXPECT_EQ(parse_error("alert tcp any any -> any any (dns.query; bsize:3; http.uri; "
                        "content:\"a\"; sid:1;)"),
            "buffers http.uri and dns.query of different protocols in one rule");
}

// --- matcher -------------------------------------------------------------------------------

std::shared_ptr<const PacketRuleSet> compile(const std::vector<std::string>& texts,
                                             bool prefilter = true) {
  std::vector<PacketRule> rules;
  for (const std::string& t : texts) rules.push_back(parse_ok(t));
  std::vector<CompileIssue> issues;
  PacketRuleSetOptions options;
  options.use_prefilter = prefilter;
  auto set = PacketRuleSet::compile(std::move(rules), issues, options);
  EXPECT_TRUE(set);
  EXPECT_TRUE(issues.empty());
  return set ? *set : nullptr;
}

Inspection tcp_packet(std::string_view payload, bool to_server = true, bool established = true) {
  Inspection in;
  in.proto = 6;
  in.src = ip("192.168.1.10");
  in.dst = ip("93.184.216.34");
  in.sport = 40000;
  in.dport = 80;
  in.to_server = to_server;
  in.established = established;
  in.buffers[0] = payload;
  in.present[0] = true;
  return in;
}

// An HTTP summary from 192.168.1.10:40000 to 192.168.1.20:80 with no buffer yet.
Inspection http_summary() {
  Inspection in;
  in.app = AppProto::kHttp;
  in.proto = 6;
  in.src = ip("192.168.1.10");
  in.dst = ip("192.168.1.20");
  in.sport = 40000;
  in.dport = 80;
  in.established = true;
  return in;
}

void put(Inspection& in, Buffer b, std::string_view v) {
  in.buffers[static_cast<int>(b)] = v;
  in.present[static_cast<int>(b)] = true;
}

void put_instances(Inspection& in, Buffer b, std::span<const std::string> instances) {
  in.instances[static_cast<int>(b)] = instances;
  in.present[static_cast<int>(b)] = true;
}

std::vector<std::uint32_t> sids(const PacketRuleSet& set, const Inspection& in,
                                FlowBits* bits = nullptr) {
  std::vector<const CompiledPacketRule*> hits;
  set.match(in, hits, bits);
  std::vector<std::uint32_t> out;
  for (const auto* h : hits) out.push_back(h->rule.sid);
  return out;
}

bool hit(const std::string& rule, std::string_view payload) {
  auto set = compile({rule});
  auto plain = compile({rule}, false);
  const bool a = !sids(*set, tcp_packet(payload)).empty();
  EXPECT_EQ(a, !sids(*plain, tcp_packet(payload)).empty()) << rule;  // same without prefilter
  return a;
}

TEST(PacketRuleMatcher, Positions) {
  const std::string r = "alert tcp any any -> any any (content:\"abc\"; offset:2; depth:5; sid:1;)";
  EXPECT_TRUE(hit(r, "xxabcyy"));
  EXPECT_FALSE(hit(r, "xabcyyy"));   // before offset
  EXPECT_TRUE(hit(r, "xxyyabc"));    // ends at offset+depth
  EXPECT_FALSE(hit(r, "xxyyyabc"));  // ends beyond offset+depth
  const std::string rel =
      "alert tcp any any -> any any (content:\"AllWork\"; content:\"Dull\"; distance:1; "
      "within:5; sid:1;)";
  EXPECT_TRUE(hit(rel, "AllWork Dull"));
  EXPECT_TRUE(hit(rel, "AllWork.xDull"));    // ends 1 + 5 after
  EXPECT_FALSE(hit(rel, "AllWork..xDull"));  // ends 7 after: beyond distance + within
  EXPECT_FALSE(hit(rel, "AllWorkDull"));     // distance 1 not met
  // Backtracking: the first "a=" is followed too far by "1", the second is not.
  EXPECT_TRUE(hit("alert tcp any any -> any any (content:\"a=\"; content:\"1\"; within:1; sid:1;)",
                  "a=xxxx a=1"));
  EXPECT_TRUE(
      hit("alert tcp any any -> any any (content:\"b\"; content:\"a\"; distance:-2; "
          "within:1; sid:1;)",
          "ab"));
  EXPECT_TRUE(hit("alert tcp any any -> any any (content:\"GET\"; startswith; sid:1;)", "GET /"));
  EXPECT_FALSE(hit("alert tcp any any -> any any (content:\"GET\"; startswith; sid:1;)", " GET /"));
  EXPECT_TRUE(hit("alert tcp any any -> any any (content:\"exe\"; endswith; sid:1;)", "a.exe"));
  EXPECT_FALSE(hit("alert tcp any any -> any any (content:\"exe\"; endswith; sid:1;)", "a.exe "));
}

TEST(PacketRuleMatcher, NocaseNegationHexPcre) {
  EXPECT_TRUE(hit("alert tcp any any -> any any (content:\"select\"; nocase; sid:1;)", "SeLeCt"));
  EXPECT_FALSE(hit("alert tcp any any -> any any (content:\"select\"; sid:1;)", "SELECT"));
  EXPECT_TRUE(hit("alert tcp any any -> any any (content:\"a\"; content:!\"b\"; sid:1;)", "ac"));
  EXPECT_FALSE(hit("alert tcp any any -> any any (content:\"a\"; content:!\"b\"; sid:1;)", "acb"));
  EXPECT_TRUE(
      hit("alert tcp any any -> any any (content:\"a\"; content:!\"b\"; within:1; "
          "sid:1;)",
          "acb"));
  EXPECT_TRUE(hit("alert tcp any any -> any any (content:\"|00 ff|\"; sid:1;)",
                  std::string_view("x\0\xff", 3)));
  EXPECT_TRUE(
      hit("alert tcp any any -> any any (content:\"id=\"; pcre:\"/^\\d{3}/R\"; sid:1;)", "id=123"));
  EXPECT_FALSE(
      hit("alert tcp any any -> any any (content:\"id=\"; pcre:\"/^\\d{3}/R\"; sid:1;)", "id=12x"));
  EXPECT_TRUE(
      hit("alert tcp any any -> any any (pcre:\"/UNION\\s+SELECT/i\"; sid:1;)", "1 union  select"));
  EXPECT_FALSE(hit("alert tcp any any -> any any (content:\"x\"; pcre:!\"/y/\"; sid:1;)", "xy"));
}

TEST(PacketRuleMatcher, HeaderAndFlow) {
  auto set = compile({
      "alert tcp any any -> any 80 (content:\"q\"; sid:1;)",
      "alert tcp any any -> any 81 (content:\"q\"; sid:2;)",
      "alert udp any any -> any any (content:\"q\"; sid:3;)",
      "alert tcp any any -> any any (flow:to_client; content:\"q\"; sid:4;)",
      "alert tcp any any -> any any (flow:established,to_server; content:\"q\"; sid:5;)",
      "alert tcp any any -> 10.0.0.0/8 any (content:\"q\"; sid:6;)",
      "alert tcp any 80 <> any any (content:\"q\"; sid:7;)",
      "alert ip any any -> any any (sid:8;)",
      "alert tcp any any -> any any (flow:not_established; content:\"q\"; sid:9;)",
  });
  EXPECT_EQ(sids(*set, tcp_packet("q")), (std::vector<std::uint32_t>{1, 5, 7, 8}));
  EXPECT_EQ(sids(*set, tcp_packet("q", false, false)), (std::vector<std::uint32_t>{1, 4, 7, 8, 9}));
  EXPECT_EQ(sids(*set, tcp_packet("z")), (std::vector<std::uint32_t>{8}));
}

// Rules with the same header share one header test per inspection; rules whose headers differ
// in one part (a port, `<>`, the protocol) do not. Hits come in rule order whatever order the
// prefilter finds their literals in, and sets of different sizes share the matcher's scratch.
TEST(PacketRuleMatcher, SharedHeadersAndRuleOrder) {
  auto set = compile({
      "alert tcp any any -> any 80 (content:\"ccc\"; sid:1;)",
      "alert tcp any any -> any 80 (content:\"bbb\"; sid:2;)",
      "alert tcp any any -> any 81 (content:\"aaa\"; sid:3;)",
      "alert tcp any any -> any 80 (content:\"aaa\"; sid:4;)",
      "alert tcp any 80 <> any any (content:\"aaa\"; sid:5;)",
      "alert tcp any 80 -> any any (content:\"aaa\"; sid:6;)",
      "alert udp any any -> any 80 (content:\"aaa\"; sid:7;)",
      "alert tcp any any -> any 80 (dsize:>0; sid:8;)",
      "alert tcp any any -> any 80 (content:\"aaa\"; flowbits:set,x; sid:9;)",
      "alert tcp any any -> any 80 (flowbits:isset,x; content:\"bbb\"; sid:10;)",
  });
  const std::vector<std::uint32_t> expected{1, 2, 4, 5, 8, 9, 10};
  FlowBits bits;
  EXPECT_EQ(sids(*set, tcp_packet("aaa bbb ccc"), &bits), expected);
  auto small = compile({"alert tcp any any -> any 80 (content:\"zzz\"; sid:20;)"});
  EXPECT_EQ(sids(*small, tcp_packet("zzz")), (std::vector<std::uint32_t>{20}));
  EXPECT_TRUE(sids(*small, tcp_packet("aaa bbb ccc")).empty());
  FlowBits again;
  EXPECT_EQ(sids(*set, tcp_packet("ccc bbb aaa"), &again), expected);
  auto plain = compile(
      {
          "alert tcp any any -> any 80 (content:\"ccc\"; sid:1;)",
          "alert tcp any any -> any 80 (content:\"aaa\"; sid:4;)",
      },
      false);
  EXPECT_EQ(sids(*plain, tcp_packet("ccc aaa")), (std::vector<std::uint32_t>{1, 4}));
}

// Header results are cached per thread for the last two address and port tuples: packets of
// alternating flows, a third flow, and another set in between each get their own results.
TEST(PacketRuleMatcher, HeaderResultsFollowTheInspection) {
  auto set = compile({
      "alert tcp any any -> 10.0.0.0/8 80 (content:\"q\"; sid:1;)",
      "alert tcp any any -> any 81 (content:\"q\"; sid:2;)",
  });
  Inspection to_ten = tcp_packet("q");
  to_ten.dst = ip("10.1.1.1");
  Inspection to_81 = tcp_packet("q");
  to_81.dport = 81;
  const Inspection neither = tcp_packet("q");
  Inspection reply = to_ten;  // the other direction of to_ten's flow
  std::swap(reply.src, reply.dst);
  std::swap(reply.sport, reply.dport);
  using Sids = std::vector<std::uint32_t>;
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(sids(*set, to_ten), Sids{1});
    EXPECT_EQ(sids(*set, to_81), Sids{2});
    EXPECT_EQ(sids(*set, to_ten), Sids{1});
    EXPECT_EQ(sids(*set, reply), Sids{});
    EXPECT_EQ(sids(*set, neither), Sids{});
  }
  auto other = compile({"alert tcp any any -> any any (content:\"q\"; sid:3;)"});
  EXPECT_EQ(sids(*other, neither), Sids{3});
  EXPECT_EQ(sids(*set, neither), Sids{});
  EXPECT_EQ(sids(*other, to_ten), Sids{3});
  EXPECT_EQ(sids(*set, to_ten), Sids{1});
  // Every input of the header tests is part of the key: the protocol, the source port, the
  // address family, and the set (two sets numbered alike).
  auto protocols = compile({
      "alert udp any any -> any 80 (content:\"q\"; sid:40;)",
      "alert tcp any 40000 -> any 80 (content:\"q\"; sid:41;)",
      "alert tcp any any -> 10.0.0.0/8 any (content:\"q\"; sid:42;)",
  });
  Inspection udp = neither;
  udp.proto = 17;
  Inspection other_sport = neither;
  other_sport.sport = 40001;
  Inspection v6 = to_ten;  // the same 16 bytes as an IPv6 address
  v6.v4 = false;
  EXPECT_EQ(sids(*protocols, neither), Sids{41});
  EXPECT_EQ(sids(*protocols, udp), Sids{40});
  EXPECT_EQ(sids(*protocols, other_sport), Sids{});
  EXPECT_EQ(sids(*protocols, to_ten), (Sids{41, 42}));
  EXPECT_EQ(sids(*protocols, v6), Sids{41});
  auto port_80 = compile({"alert tcp any any -> any 80 (content:\"q\"; sid:50;)"});
  auto port_81 = compile({"alert tcp any any -> any 81 (content:\"q\"; sid:51;)"});
  EXPECT_EQ(sids(*port_80, neither), Sids{50});
  EXPECT_EQ(sids(*port_81, neither), Sids{});
}

// Rules without a literal: an ICMP rule also sees ICMPv6, and a rule whose destination ports
// name one port twice is evaluated once (one hit, its flowbit toggled once).
TEST(PacketRuleMatcher, RulesWithoutLiteralIndexedByProtocolAndPort) {
  auto set = compile({
      "alert icmp any any -> any any (sid:1;)",
      "alert tcp any any -> any [80,80:81] (dsize:>0; sid:2;)",
      "alert tcp any any -> any [80,80] (flowbits:toggle,t; sid:3;)",
      "alert tcp any any -> any any (flowbits:isset,t; content:\"q\"; sid:4;)",
  });
  using Sids = std::vector<std::uint32_t>;
  Inspection icmp6 = tcp_packet("");
  icmp6.proto = 58;
  icmp6.v4 = false;
  icmp6.present[0] = false;
  EXPECT_EQ(sids(*set, icmp6), Sids{1});
  FlowBits bits;
  EXPECT_EQ(sids(*set, tcp_packet("q"), &bits), (Sids{2, 3, 4}));
}

// flags / tcp.flags (exact, +, *, !, 0, ignored bits) and itype / icode hold on packets only.
TEST(PacketRuleMatcher, TcpFlagsAndIcmp) {
  auto set = compile({
      "alert tcp any any -> any any (flags:S; sid:1;)",
      "alert tcp any any -> any any (tcp.flags:S,CE; sid:2;)",
      "alert tcp any any -> any any (flags:+A; sid:3;)",
      "alert tcp any any -> any any (flags:*FR; sid:4;)",
      "alert tcp any any -> any any (flags:!A; sid:5;)",
      "alert tcp any any -> any any (flags:0; sid:6;)",
      "alert icmp any any -> any any (itype:8; icode:0; sid:7;)",
      "alert icmp any any -> any any (itype:>10; sid:8;)",
  });
  auto tcp = [](std::uint8_t flags) {
    Inspection in = tcp_packet("");
    in.has_tcp_flags = true;
    in.tcp_flags = flags;
    return in;
  };
  EXPECT_EQ(sids(*set, tcp(0x02)), (std::vector<std::uint32_t>{1, 2, 5}));             // SYN
  EXPECT_EQ(sids(*set, tcp(0x02 | 0x40 | 0x80)), (std::vector<std::uint32_t>{2, 5}));  // +ECE CWR
  EXPECT_EQ(sids(*set, tcp(0x12)), (std::vector<std::uint32_t>{3}));                   // SYN-ACK
  EXPECT_EQ(sids(*set, tcp(0x14)), (std::vector<std::uint32_t>{3, 4}));                // RST-ACK
  EXPECT_EQ(sids(*set, tcp(0x00)), (std::vector<std::uint32_t>{5, 6}));                // null scan
  EXPECT_TRUE(sids(*set, tcp_packet("")).empty());  // no flags known (a summary)
  Inspection icmp = tcp_packet("");
  icmp.proto = 1;
  icmp.has_icmp = true;
  icmp.icmp_type = 8;
  EXPECT_EQ(sids(*set, icmp), (std::vector<std::uint32_t>{7}));
  icmp.icmp_code = 1;
  EXPECT_TRUE(sids(*set, icmp).empty());
  icmp.icmp_type = 13;
  EXPECT_EQ(sids(*set, icmp), (std::vector<std::uint32_t>{8}));
  EXPECT_EQ(parse_error("alert tcp any any -> any any (flags:SX; sid:1;)"),
            "flags: expected flags from FSRPAUCE0 with + * or !, got 'SX'");
  EXPECT_EQ(parse_error("alert icmp any any -> any any (itype:x; sid:1;)"),
            "itype: expected N, !N, <N, <=N, >N, >=N or A<>B, got 'x'");
}

// Size tests hold or fail on their own buffer; a urilen rule is an HTTP rule.
TEST(PacketRuleMatcher, SizeTests) {
  EXPECT_TRUE(hit("alert tcp any any -> any any (dsize:3; sid:1;)", "abc"));
  EXPECT_FALSE(hit("alert tcp any any -> any any (dsize:3; sid:1;)", "abcd"));
  EXPECT_TRUE(hit("alert tcp any any -> any any (content:\"GET\"; dsize:>=4; sid:1;)", "GET /"));
  EXPECT_FALSE(hit("alert tcp any any -> any any (content:\"GET\"; dsize:<4; sid:1;)", "GET /"));
  auto set =
      compile({"alert tcp any any -> any any (urilen:>10; sid:1;)",
               "alert http any any -> any any (http.uri; content:\"/a\"; bsize:<4; sid:2;)"});
  for (const auto& r : set->rules()) EXPECT_TRUE(r->app_rule) << r->rule.sid;
  Inspection http = http_summary();
  put(http, Buffer::kHttpUri, "/a/b/c/d/e/f");
  EXPECT_EQ(sids(*set, http), (std::vector<std::uint32_t>{1}));
  put(http, Buffer::kHttpUri, "/a");
  EXPECT_EQ(sids(*set, http), (std::vector<std::uint32_t>{2}));
  http.present[static_cast<int>(Buffer::kHttpUri)] = false;  // no URI: neither can hold
  EXPECT_TRUE(sids(*set, http).empty());
  EXPECT_TRUE(sids(*set, tcp_packet("/a/b/c/d/e/f")).empty());  // not run on packets
}

// Rules without a literal worth prefiltering (none, or shorter than 3 bytes) are looked up by
// destination port when they are one-way TCP/UDP rules naming a few ports: the same hits as
// evaluating every rule.
TEST(PacketRuleMatcher, RulesWithoutLiteralsMatchAsWithoutPrefilter) {
  const std::vector<std::string> rules = {
      "alert tcp any any -> any 80 (sid:1;)",
      "alert tcp any any -> any [80,443,8000:8080] (content:\"ab\"; sid:2;)",
      "alert tcp any any -> any !80 (sid:3;)",
      "alert tcp any 80 -> any any (sid:4;)",
      "alert tcp any any <> any 40000 (sid:5;)",
      "alert udp any any -> any 80 (sid:6;)",
      "alert tcp any any -> any 1024:65535 (sid:7;)",
      "alert tcp any any -> any 8080 (sid:8;)",
      "alert ip any any -> any 80 (sid:9;)",
      "alert tcp any any -> any 80 (content:\"|00 01|\"; content:\"abcd\"; sid:10;)",
  };
  auto set = compile(rules);
  auto plain = compile(rules, false);
  for (const std::uint16_t dport : std::vector<std::uint16_t>{80, 443, 8000, 8080, 8081, 40000}) {
    for (const bool reply : {false, true}) {
      Inspection in = tcp_packet("xxabcd|yy");
      in.dport = dport;
      if (reply) std::swap(in.sport, in.dport);
      EXPECT_EQ(sids(*set, in), sids(*plain, in)) << dport << (reply ? " reply" : "");
    }
  }
  Inspection web = tcp_packet("ab");
  EXPECT_EQ(sids(*set, web), (std::vector<std::uint32_t>{1, 2, 5, 9}));  // 5: from port 40000
  web.proto = 17;
  EXPECT_EQ(sids(*set, web), (std::vector<std::uint32_t>{6, 9}));
}

TEST(PacketRuleMatcher, StickyBuffersOnSummaries) {
  auto set = compile({
      "alert http any any -> any any (http.uri; content:\"union\"; nocase; content:\"select\"; "
      "nocase; distance:0; sid:1;)",
      "alert http any any -> any any (http.user_agent; content:\"Nmap\"; sid:2;)",
      "alert dns any any -> any any (dns.query; content:\"evil.example\"; endswith; sid:3;)",
      "alert tls any any -> any any (tls.sni; content:\"bad.test\"; sid:4;)",
      "alert http any any -> any any (http.host; content:\"victim\"; http.method; "
      "content:\"GET\"; sid:5;)",
      "alert tcp any any -> any any (content:\"union\"; sid:6;)",
  });
  Inspection http = http_summary();
  put(http, Buffer::kHttpUri, "/sqli/?id=1+UNION+SELECT+null");
  put(http, Buffer::kHttpUserAgent, "Mozilla/5.0 (compatible; Nmap Scripting Engine)");
  put(http, Buffer::kHttpHost, "victim.test");
  put(http, Buffer::kHttpMethod, "GET");
  EXPECT_EQ(sids(*set, http), (std::vector<std::uint32_t>{1, 2, 5}));
  Inspection dns = http;
  dns.app = AppProto::kDns;
  dns.present = {};
  put(dns, Buffer::kDnsQuery, "www.evil.example");
  EXPECT_EQ(sids(*set, dns), (std::vector<std::uint32_t>{3}));
  put(dns, Buffer::kDnsQuery, "www.evil.example.org");
  EXPECT_TRUE(sids(*set, dns).empty());
  Inspection tls = http;
  tls.app = AppProto::kTls;
  tls.present = {};
  EXPECT_TRUE(sids(*set, tls).empty());  // no SNI
  put(tls, Buffer::kTlsSni, "www.bad.test");
  EXPECT_EQ(sids(*set, tls), (std::vector<std::uint32_t>{4}));
}

// Rules on the request's buffers match only where the request has the buffer, and it is not
// empty: a rule on http.cookie never matches a request without a Cookie header, even negated.
TEST(PacketRuleMatcher, RequestBuffers) {
  auto set = compile({
      "alert http any any -> any any (http.header; content:\"Accept|3a 20|*/*|0d 0a|\"; sid:1;)",
      "alert http any any -> any any (http.cookie; content:\"session=\"; startswith; sid:2;)",
      "alert http any any -> any any (http.cookie; content:!\"admin\"; sid:3;)",
      "alert http any any -> any any (http.header_names; content:\"|0d 0a|Host|0d 0a|Accept|0d "
      "0a|\"; sid:4;)",
      "alert http any any -> any any (http.referer; content:\"evil\"; sid:5;)",
      "alert http any any -> any any (content:\"Accept\"; http_header; http.request_line; "
      "pcre:\"/^GET \\/ HTTP\\/1\\.1$/\"; sid:6;)",
      "alert http any any -> any any (http.request_body; content:\"pass=\"; sid:7;)",
      "alert http any any -> any any (http.header; content:!\"User-Agent\"; sid:8;)",
  });
  Inspection with_cookie = http_summary();
  put(with_cookie, Buffer::kHttpHeader, "Host: a.test\r\nAccept: */*\r\n");
  put(with_cookie, Buffer::kHttpHeaderNames, "\r\nHost\r\nAccept\r\nCookie\r\n\r\n");
  put(with_cookie, Buffer::kHttpCookie, "session=1");
  put(with_cookie, Buffer::kHttpRequestLine, "GET / HTTP/1.1");
  EXPECT_EQ(sids(*set, with_cookie), (std::vector<std::uint32_t>{1, 2, 3, 4, 6, 8}));
  Inspection without_cookie = with_cookie;
  without_cookie.present[static_cast<int>(Buffer::kHttpCookie)] = false;
  EXPECT_EQ(sids(*set, without_cookie), (std::vector<std::uint32_t>{1, 4, 6, 8}));
  put(without_cookie, Buffer::kHttpRequestBody, "user=a&pass=x");
  EXPECT_EQ(sids(*set, without_cookie), (std::vector<std::uint32_t>{1, 4, 6, 7, 8}));
  // A request without headers: its http.header is empty, where no content is looked for.
  Inspection bare = http_summary();
  put(bare, Buffer::kHttpHeader, "");
  put(bare, Buffer::kHttpRequestLine, "GET / HTTP/1.1");
  EXPECT_TRUE(sids(*set, bare).empty());
}

// http.request_header and http.response_header are multi-buffers: each header line is inspected
// on its own, and all of a rule's items and size tests on it must hold on one line. A pattern
// spanning two lines, or a bsize that only the whole buffer has, matches nothing.
TEST(PacketRuleMatcher, HeaderLinesAreInspectedOneAtATime) {
  auto set = compile({
      "alert http any any -> any any (http.request_header; content:\"Key|3a 20|\"; startswith; "
      "pcre:\"/^[a-z0-9]{8}$/R\"; bsize:13; sid:1;)",
      "alert http any any -> any any (http.request_header; content:\"Host\"; startswith; "
      "content:\"evil\"; sid:2;)",
      "alert http any any -> any any (http.request_header; content:\"a.test|0d 0a|Key\"; sid:3;)",
      "alert http any any -> any any (http.request_header; bsize:>100; sid:4;)",
      "alert http any any -> any any (http.response_header; content:\"Server|3a 20|nginx\"; "
      "startswith; sid:5;)",
      "alert http any any -> any any (http.request_header; content:!\"Host\"; sid:6;)",
  });
  ASSERT_EQ(set->rules().size(), 6u);
  Inspection request = http_summary();
  const std::vector<std::string> lines = {"Host: a.test", "Key: abcd1234", "User-Agent: evil"};
  put_instances(request, Buffer::kHttpRequestHeaderLines, lines);
  EXPECT_EQ(sids(*set, request), (std::vector<std::uint32_t>{1, 6}));
  const std::vector<std::string> longer_key = {"Host: a.test", "Key: abcd12345"};
  put_instances(request, Buffer::kHttpRequestHeaderLines, longer_key);
  EXPECT_EQ(sids(*set, request), (std::vector<std::uint32_t>{6}));
  const std::vector<std::string> evil_host = {"Host: evil.test"};
  put_instances(request, Buffer::kHttpRequestHeaderLines, evil_host);
  EXPECT_EQ(sids(*set, request), (std::vector<std::uint32_t>{2}));
  const std::vector<std::string> long_header = {"X: " + std::string(120, 'x')};
  put_instances(request, Buffer::kHttpRequestHeaderLines, long_header);
  EXPECT_EQ(sids(*set, request), (std::vector<std::uint32_t>{4, 6}));
  Inspection response = request;
  response.to_server = false;
  const std::vector<std::string> server = {"Date: today", "Server: nginx/1.2"};
  put_instances(response, Buffer::kHttpResponseHeaderLines, server);
  EXPECT_EQ(sids(*set, response), (std::vector<std::uint32_t>{5}));
  // No headers, no instance: nothing matches, negated content included.
  Inspection bare = http_summary();
  put_instances(bare, Buffer::kHttpRequestHeaderLines, {});
  EXPECT_TRUE(sids(*set, bare).empty());
}

// isdataat: absolute (a byte at N) or relative to the previous match (N more bytes), negated;
// it does not move the position, and modifiers after it belong to the content before it.
TEST(PacketRuleMatcher, IsDataAt) {
  const std::string relative =
      "alert tcp any any -> any any (content:\"AB\"; isdataat:2,relative; sid:1;)";
  EXPECT_TRUE(hit(relative, "xxABcd"));
  EXPECT_FALSE(hit(relative, "xxABc"));
  const std::string absolute = "alert tcp any any -> any any (content:\"a\"; isdataat:5; sid:2;)";
  EXPECT_TRUE(hit(absolute, "abcdef"));
  EXPECT_FALSE(hit(absolute, "abcde"));
  const std::string nothing_after =
      "alert tcp any any -> any any (content:\"AB\"; isdataat:!1,relative; sid:3;)";
  EXPECT_TRUE(hit(nothing_after, "xxAB"));
  EXPECT_FALSE(hit(nothing_after, "xxABc"));
  const std::string then_content =
      "alert tcp any any -> any any (content:\"ab\"; isdataat:1,relative,rawbytes; nocase; "
      "content:\"cd\"; distance:0; within:2; sid:4;)";
  EXPECT_TRUE(hit(then_content, "xABcd"));
  EXPECT_FALSE(hit(then_content, "xABxcd"));
  EXPECT_EQ(parse_error("alert tcp any any -> any any (content:\"a\"; isdataat:n; sid:5;)"),
            "isdataat: expected a number, got 'n' (variables from byte_extract are not "
            "supported)");
  EXPECT_EQ(parse_error("alert tcp any any -> any any (content:\"a\"; isdataat:1,far; sid:6;)"),
            "isdataat: unsupported option 'far'");
}

// byte_test reads a number where a rule says and tests it, without moving the position.
TEST(PacketRuleMatcher, ByteTest) {
  const std::string header = "alert tcp any any -> any any (";
  // Big-endian by default; "<" on the third byte, as in ET's DNS rules.
  const std::string small = header + "content:\"AB\"; byte_test:1,<,4,2; sid:1;)";
  EXPECT_TRUE(hit(small, std::string("AB\x03x", 4)));
  EXPECT_FALSE(hit(small, std::string("AB\x04x", 4)));
  EXPECT_FALSE(hit(small, "AB"));  // nothing to read: no match, negated or not
  const std::string two_bytes = header + "content:\"Q\"; byte_test:2,>=,0x0102,0,relative; sid:2;)";
  EXPECT_TRUE(hit(two_bytes, std::string("Q\x01\x02", 3)));
  EXPECT_FALSE(hit(two_bytes, std::string("Q\x01\x01", 3)));
  const std::string little =
      header + "content:\"Q\"; byte_test:2,=,0x0201,0,relative,little; sid:3;)";
  EXPECT_TRUE(hit(little, std::string("Q\x01\x02", 3)));
  // Bits: & some in common, !& none; a bitmask masks and shifts before the test.
  const std::string any_bit = header + "content:\"F\"; byte_test:1,&,0x80,0,relative; sid:4;)";
  EXPECT_TRUE(hit(any_bit, "F\x81"));
  EXPECT_FALSE(hit(any_bit, "F\x7f"));
  const std::string no_bit = header + "content:\"F\"; byte_test:1,!&,0x80,0,relative; sid:5;)";
  EXPECT_TRUE(hit(no_bit, "F\x7f"));
  EXPECT_FALSE(hit(no_bit, "F\x81"));
  const std::string masked =
      header + "content:\"F\"; byte_test:1,=,3,0,relative,bitmask 0x30; sid:6;)";
  EXPECT_TRUE(hit(masked, "F\xb5"));   // 0xb5 & 0x30 = 0x30, >> 4 = 3
  EXPECT_FALSE(hit(masked, "F\xa5"));  // 0x20 >> 4 = 2
  // Digits in the text, as ET's length checks read them.
  const std::string digits =
      header + "content:\"len=\"; byte_test:5,<,65537,0,relative,string,dec; sid:7;)";
  EXPECT_TRUE(hit(digits, "len=65536;"));
  EXPECT_FALSE(hit(digits, "len=99999;"));
  EXPECT_FALSE(hit(digits, "len=abcde;"));  // not a number
  EXPECT_TRUE(
      hit(header + "content:\"x\"; byte_test:3,=,0x1f,0,relative,string,hex; sid:8;)", "x 1fz"));
  EXPECT_TRUE(hit(header + "content:\"x\"; byte_test:1,!=,7,0,relative; sid:9;)", "x\x08"));
  // A string without a base is read as C's strtoull reads it: 0x hexadecimal, 0 octal, a sign.
  const std::string auto_base =
      header + "content:\"n=\"; byte_test:4,=,16,0,relative,string; sid:20;)";
  EXPECT_TRUE(hit(auto_base, "n=0x10"));
  EXPECT_TRUE(hit(auto_base, "n=0020"));
  EXPECT_TRUE(hit(auto_base, "n=  16"));
  EXPECT_FALSE(hit(auto_base, "n=0x1g"));  // 1, then a letter that is no hex digit
  EXPECT_TRUE(hit(header + "content:\"n=\"; byte_test:2,>,1000,0,relative,string,dec; sid:21;)",
                  "n=-1"));  // a minus wraps around
  EXPECT_TRUE(hit(header + "content:\"n=\"; byte_test:3,=,2,0,relative,string,dec,bitmask 6; "
                           "sid:22;)",
                  "n=5  "));  // 5 & 6 = 4, shifted by one: 2
  EXPECT_TRUE(hit(header + "content:\"v\"; byte_test:1,=,010,0,relative; sid:23;)",
                  "v\x08"));  // the value as C reads it: 010 is octal
  // A test that is not relative sits between a content and the one relative to it: the first
  // content still tries its next occurrence.
  const std::string between =
      header +
      "content:\"A\"; byte_test:1,=,0x41,0; content:\"B\"; distance:0; within:1; "
      "sid:24;)";
  EXPECT_TRUE(hit(between, "AxAB"));
  EXPECT_TRUE(hit(header + "content:\"A\"; isdataat:3; content:\"B\"; distance:0; within:1; "
                           "sid:25;)",
                  "AxAB"));
  // A relative test after a content that occurs twice: the second occurrence passes.
  const std::string retry = header + "content:\"K\"; byte_test:1,=,0x39,0,relative; sid:10;)";
  EXPECT_TRUE(hit(retry, "K1 K9"));
  EXPECT_FALSE(hit(retry, "K1 K8"));

  EXPECT_EQ(parse_error(header + "content:\"a\"; byte_test:1,<,len,0; sid:11;)"),
            "byte_test: expected a value, got 'len' (variables from byte_extract are not "
            "supported)");
  EXPECT_EQ(parse_error(header + "content:\"a\"; byte_test:9,<,1,0; sid:12;)"),
            "byte_test: a binary number takes 1-8 bytes");
  EXPECT_EQ(parse_error(header + "content:\"a\"; byte_test:1,~,1,0; sid:13;)"),
            "byte_test: unknown operator '~'");
  EXPECT_EQ(parse_error(header + "content:\"a\"; byte_test:1,<,1,0,dce; sid:14;)"),
            "byte_test: dce (DCERPC stub data) is not supported");
  EXPECT_EQ(parse_error(header + "content:\"a\"; byte_test:1,<,1,0,hex; sid:15;)"),
            "byte_test: a base needs 'string'");
  EXPECT_EQ(parse_error(header + "content:\"a\"; byte_test:1,<,1; sid:16;)"),
            "byte_test: expected bytes, operator, value and offset");
}

// byte_jump moves the position that relative items after it start from.
TEST(PacketRuleMatcher, ByteJump) {
  const std::string header = "alert tcp any any -> any any (";
  // A length-prefixed field skipped, then the content right after it.
  const std::string skip = header +
                           "content:\"L\"; byte_jump:1,0,relative; content:\"END\"; distance:0; "
                           "within:3; sid:1;)";
  EXPECT_TRUE(hit(skip,
                  "L\x03"
                  "abcEND"));
  EXPECT_FALSE(hit(skip,
                   "L\x02"
                   "abcEND"));
  EXPECT_FALSE(hit(skip,
                   "L\x09"
                   "abcEND"));  // past the end: no match
  // Multiplier, align, post_offset; from_beginning and from_end.
  EXPECT_TRUE(hit(header + "content:\"M\"; byte_jump:1,0,relative,multiplier 2,post_offset 1; "
                           "content:\"Z\"; distance:0; within:1; sid:2;)",
                  "M\x02"
                  "....-Z"));
  EXPECT_TRUE(hit(header + "content:\"A\"; byte_jump:1,0,relative,align; content:\"Z\"; "
                           "distance:0; within:1; sid:3;)",
                  "A\x03"
                  "....Z"));  // 3 rounds up to 4
  EXPECT_TRUE(hit(header + "byte_jump:1,0,from_beginning; content:\"Z\"; distance:0; within:1; "
                           "sid:4;)",
                  "\x03"
                  "..Z"));
  EXPECT_TRUE(hit(header + "content:\"E\"; byte_jump:1,0,relative,from_end,post_offset -3; "
                           "content:\"xyz\"; distance:0; sid:5;)",
                  std::string("E\x00....xyz", 9)));
  // A string length, and a jump before the start lands on it.
  EXPECT_TRUE(hit(header + "content:\"n=\"; byte_jump:2,0,relative,string,dec; content:\"!\"; "
                           "distance:0; within:1; sid:6;)",
                  "n=03abc!"));
  EXPECT_TRUE(hit(header + "content:\"B\"; byte_jump:1,0,relative,post_offset -100; "
                           "content:\"B\"; distance:0; within:1; sid:7;)",
                  std::string("B\x00", 2)));
  // A jump may land on the very end (nothing after it), not past it.
  const std::string to_the_end =
      header + "content:\"J\"; byte_jump:1,0,relative; isdataat:!1,relative; sid:11;)";
  EXPECT_TRUE(hit(to_the_end,
                  "J\x02"
                  "ab"));
  EXPECT_FALSE(hit(to_the_end,
                   "J\x01"
                   "ab"));
  EXPECT_FALSE(hit(to_the_end,
                   "J\x03"
                   "ab"));
  // Eight bytes, and a negative relative offset.
  EXPECT_TRUE(hit(header + "content:\"Q\"; byte_jump:8,0,relative,little; content:\"Z\"; "
                           "distance:0; within:1; sid:12;)",
                  std::string("Q\x01\0\0\0\0\0\0\0.Z", 11)));
  EXPECT_TRUE(hit(header + "content:\"XY\"; byte_test:1,=,0x58,-2,relative; sid:13;)", "XY"));
  EXPECT_EQ(parse_error(header + "content:\"a\"; byte_jump:1,0,from_end,from_beginning; sid:8;)"),
            "byte_jump: from_beginning and from_end together");
  EXPECT_EQ(parse_error(header + "content:\"a\"; byte_jump:1,0,bitmask 1; sid:9;)"),
            "byte_jump: unsupported option 'bitmask 1'");
  EXPECT_EQ(parse_error(header + "content:\"a\"; byte_jump:1,0,multiplier 0; sid:10;)"),
            "byte_jump: expected a multiplier of 1-65535, got '0'");
}

// Transforms change what a rule sees of a buffer (its items and bsize), not the buffer: other
// rules see it as it is. A literal on a transformed buffer is not a prefilter literal (the
// prefilter scans untransformed buffers), so such a rule is still found.
TEST(PacketRuleMatcher, TransformsApplyToTheRuleAlone) {
  for (const bool prefilter : {true, false}) {
    auto set = compile(
        {
            "alert dns any any -> any any (dns.query; dotprefix; content:\".evil.test\"; "
            "endswith; sid:1;)",
            "alert dns any any -> any any (dns.query; content:\".evil.test\"; endswith; sid:2;)",
            "alert dns any any -> any any (dns.query; to_uppercase; bsize:9; "
            "content:\"EVIL.TEST\"; "
            "sid:3;)",
            "alert dns any any -> any any (dns.query; strip_whitespace; bsize:9; "
            "content:\"evil.test\"; "
            "sid:4;)",
            "alert dns any any -> any any (dns.query; to_md5; content:\"|91 b0 ff a0|\"; "
            "startswith; sid:5;)",
        },
        prefilter);
    Inspection dns = http_summary();
    dns.app = AppProto::kDns;
    put(dns, Buffer::kDnsQuery, "evil.test");
    // md5("evil.test") = 91b0ffa0...
    EXPECT_EQ(sids(*set, dns), (std::vector<std::uint32_t>{1, 3, 4, 5})) << prefilter;
    put(dns, Buffer::kDnsQuery, "www.evil.test");
    EXPECT_EQ(sids(*set, dns), (std::vector<std::uint32_t>{1, 2})) << prefilter;
    put(dns, Buffer::kDnsQuery, "notevil.test");
    EXPECT_TRUE(sids(*set, dns).empty()) << prefilter;
    put(dns, Buffer::kDnsQuery, "evil .te st");
    EXPECT_EQ(sids(*set, dns), (std::vector<std::uint32_t>{4})) << prefilter;
  }
}

// Flowbits: conditions read the flow's bits, matches apply their actions; within one
// inspection the rules with conditions run after the others, so they see what it set; noalert
// rules act but never alert. Without bits (nullptr) nothing is set and actions are dropped.
TEST(PacketRuleMatcher, FlowbitsCarryStateBetweenInspections) {
  auto set = compile({
      "alert tcp any any -> any any (flowbits:isset,login; content:\"RETR\"; sid:1;)",
      "alert tcp any any -> any any (content:\"USER\"; flowbits:set,login; flowbits:noalert; "
      "sid:2;)",
      "alert tcp any any -> any any (content:\"QUIT\"; flowbits:unset,login; sid:3;)",
      "alert tcp any any -> any any (flowbits:isnotset,login; content:\"RETR\"; sid:4;)",
      "alert tcp any any -> any any (flowbits:isset,nope|login; flowbits:toggle,seen; "
      "content:\"RETR\"; sid:5;)",
      "alert tcp any any -> any any (flowbits:isset,seen&login; content:\"LIST\"; sid:6;)",
  });
  ASSERT_EQ(set->rules().size(), 6u);
  ASSERT_TRUE(set->uses_flowbits(/*payload=*/true));
  EXPECT_FALSE(set->uses_flowbits(/*payload=*/false));
  FlowBits bits;
  EXPECT_EQ(sids(*set, tcp_packet("RETR a"), &bits), (std::vector<std::uint32_t>{4}));
  EXPECT_TRUE(bits.empty());
  EXPECT_TRUE(sids(*set, tcp_packet("LIST"), &bits).empty());
  EXPECT_TRUE(sids(*set, tcp_packet("USER x"), &bits).empty());  // noalert, but sets the bit
  EXPECT_FALSE(bits.empty());
  EXPECT_EQ(sids(*set, tcp_packet("RETR a"), &bits), (std::vector<std::uint32_t>{1, 5}));
  EXPECT_EQ(sids(*set, tcp_packet("LIST"), &bits), (std::vector<std::uint32_t>{6}));
  EXPECT_EQ(sids(*set, tcp_packet("QUIT"), &bits), (std::vector<std::uint32_t>{3}));
  EXPECT_TRUE(sids(*set, tcp_packet("LIST"), &bits).empty());
  EXPECT_EQ(sids(*set, tcp_packet("RETR a"), &bits), (std::vector<std::uint32_t>{4}));
  // One inspection that sets and checks: the setter runs first.
  FlowBits fresh;
  EXPECT_EQ(sids(*set, tcp_packet("USER x RETR a"), &fresh), (std::vector<std::uint32_t>{1, 5}));
  // No flow state at hand.
  EXPECT_EQ(sids(*set, tcp_packet("USER x RETR a"), nullptr), (std::vector<std::uint32_t>{4}));
  // A chain within one packet: a rule that checks and sets runs before one that only checks,
  // whatever their order in the file.
  auto chain = compile({
      "alert tcp any any -> any any (flowbits:isset,b; content:\"X\"; sid:10;)",
      "alert tcp any any -> any any (flowbits:isset,a; flowbits:set,b; content:\"X\"; sid:11;)",
      "alert tcp any any -> any any (content:\"X\"; flowbits:set,a; sid:12;)",
  });
  FlowBits chained;
  EXPECT_EQ(sids(*chain, tcp_packet("X"), &chained), (std::vector<std::uint32_t>{10, 11, 12}));
}

// Response rules (a response buffer, or to_client) run only on the response's inspection
// (to_server false), request rules only on the request's: a summary never alerts twice for one
// rule. A to_client rule may name request buffers too (the transaction's).
TEST(PacketRuleMatcher, ResponseRulesRunOnTheResponse) {
  auto set = compile({
      "alert http any any -> any any (http.stat_code; content:\"404\"; sid:1;)",
      "alert http any any -> any any (flow:to_client; http.header; content:\"Server|3a 20|nginx\"; "
      "sid:2;)",
      "alert http any any -> any any (http.uri; content:\"/admin\"; sid:3;)",
      "alert http any any -> any any (flow:established,to_client; http.uri; content:\"/admin\"; "
      "http.stat_code; content:\"200\"; sid:4;)",
      "alert http any any -> any any (http.header; content:\"Server\"; sid:5;)",
  });
  Inspection request = http_summary();
  put(request, Buffer::kHttpUri, "/admin/login");
  put(request, Buffer::kHttpHeader, "Host: a\r\n");
  EXPECT_EQ(sids(*set, request), (std::vector<std::uint32_t>{3}));
  Inspection response = request;
  response.to_server = false;
  put(response, Buffer::kHttpStatCode, "404");
  put(response, Buffer::kHttpResponseHeader, "Server: nginx/1.2\r\n");
  EXPECT_EQ(sids(*set, response), (std::vector<std::uint32_t>{1, 2}));
  put(response, Buffer::kHttpStatCode, "200");
  EXPECT_EQ(sids(*set, response), (std::vector<std::uint32_t>{2, 4}));
}

// A rule that mixes payload content with http buffers is an HTTP rule: its payload items match
// the summary's request head, its http items their buffers, each chain on its own; the literal
// the prefilter looks for may be in either.
TEST(PacketRuleMatcher, PayloadAndHttpBuffersInOneRule) {
  auto set = compile({
      "alert tcp any any -> any any (flow:to_server,established; uricontent:\"/a/Drk.syn?\"; "
      "nocase; content:\"adcontext\"; nocase; sid:1;)",
      "alert tcp any any -> any any (content:\"Cookie|3a| session\"; pcre:\"/\\/login$/U\"; "
      "sid:2;)",
      "alert tcp any any -> any any (content:\"one\"; http_uri; content:\"one\"; offset:1; "
      "depth:10; content:\"two\"; http_uri; distance:3; within:4; sid:3;)",
  });
  ASSERT_EQ(set->rules().size(), 3u);
  for (const auto& r : set->rules()) EXPECT_EQ(r->rule.app, AppProto::kHttp) << r->rule.sid;
  Inspection http = http_summary();
  put(http, Buffer::kHttpUri, "/a/Drk.syn?AdContext=1");
  put(http, Buffer::kPayload, "GET /a/Drk.syn?AdContext=1 HTTP/1.1\r\nHost: x\r\n");
  EXPECT_EQ(sids(*set, http), (std::vector<std::uint32_t>{1}));
  // The payload chain needs the head: a summary without one does not match.
  Inspection no_head = http;
  no_head.present[static_cast<int>(Buffer::kPayload)] = false;
  EXPECT_TRUE(sids(*set, no_head).empty());
  // Each chain on its own buffer: the uri has /login, the head the cookie.
  put(http, Buffer::kHttpUri, "/app/login");
  put(http, Buffer::kPayload, "POST /app/login HTTP/1.1\r\nCookie: session=1\r\n");
  EXPECT_EQ(sids(*set, http), (std::vector<std::uint32_t>{2}));
  // suricata-verify uricontent-03: the head chain holds, the uri chain's "two" is out of reach.
  put(http, Buffer::kHttpUri, "/one/two/three/six");
  put(http, Buffer::kPayload, "POST /one/two/three/six HTTP/1.0\r\n");
  EXPECT_TRUE(sids(*set, http).empty());
  // A packet never runs them.
  Inspection packet = http;
  packet.app = AppProto::kNone;
  EXPECT_TRUE(sids(*set, packet).empty());
}

TEST(PacketRuleMatcher, AlertFields) {
  auto set =
      compile({"alert tcp any any -> any any (msg:\"m\"; content:\"q\"; "
               "classtype:web-application-attack; sid:77; rev:2;)"});
  std::vector<const CompiledPacketRule*> hits;
  const Inspection in = tcp_packet("q");
  set->match(in, hits);
  ASSERT_EQ(hits.size(), 1u);
  AlertContext ctx{123, "eth0", "tcp", "1:abc"};
  const Event alert = make_packet_alert(*hits[0], in, ctx);
  EXPECT_EQ(alert.kind, EventKind::kAlert);
  EXPECT_EQ(alert.time_ns, 123);
  EXPECT_EQ(std::get<std::string>(*alert.find("rule.id")), "77");
  EXPECT_EQ(std::get<std::string>(*alert.find("rule.name")), "m");
  EXPECT_EQ(std::get<std::int64_t>(*alert.find("rule.rev")), 2);
  EXPECT_EQ(std::get<std::string>(*alert.find("rule.category")), "web-application-attack");
  EXPECT_EQ(std::get<std::int64_t>(*alert.find("event.severity")), 1);
  EXPECT_EQ(std::get<std::string>(*alert.find("rule.level")), "high");  // priority 1
  EXPECT_EQ(std::get<IpAddress>(*alert.find("source.ip")).to_string(), "192.168.1.10");
  EXPECT_EQ(std::get<std::int64_t>(*alert.find("destination.port")), 80);
  EXPECT_EQ(std::get<std::string>(*alert.find("network.community_id")), "1:abc");
  EXPECT_EQ(alert.raw,
            "[1:77:2] m [Classification: web-application-attack] [Priority: 1] {TCP} "
            "192.168.1.10:40000 -> 93.184.216.34:80");
}

TEST(PacketRuleMatcher, DuplicateSidIsAnIssue) {
  std::vector<CompileIssue> issues;
  auto set = PacketRuleSet::compile({parse_ok("alert tcp any any -> any any (sid:5;)"),
                                     parse_ok("alert udp any any -> any any (sid:5;)")},
                                    issues);
  ASSERT_TRUE(set);
  EXPECT_EQ((*set)->rules().size(), 1u);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].reason, "duplicate sid 5");
}

}  // namespace
}  // namespace soc::packet
