// Byte-level tests of the protocol analyzers (agent/net/protocols): hand-built DNS, TLS, HTTP
// and SSH messages; every truncation of them; hostile lengths and compression pointers. The
// analyzers are driven directly through the FlowAnalyzer interface with a hand-made Flow.
#include <gtest/gtest.h>

#include <random>

#include "agent/net/packet.h"
#include "agent/net/protocols/dns_analyzer.h"
#include "agent/net/protocols/http_analyzer.h"
#include "agent/net/protocols/ssh_analyzer.h"
#include "agent/net/protocols/tls_analyzer.h"
#include "agent/net/protocols/x509_names.h"
#include "net_test_util.h"

namespace soc::agent::net::protocols {
namespace {

using Bytes = std::vector<std::uint8_t>;
using net::testing::int_field;
using net::testing::str_field;

Flow make_flow(std::uint8_t proto, std::uint16_t sport, std::uint16_t dport) {
  Flow f;
  f.proto = proto;
  f.ip_version = 4;
  f.orig_addr = {10, 0, 0, 1};
  f.resp_addr = {10, 0, 0, 2};
  f.orig_port = sport;
  f.resp_port = dport;
  return f;
}

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
void put24(Bytes& b, std::uint32_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 16));
  put16(b, static_cast<std::uint16_t>(v));
}
void put_name(Bytes& b, const std::string& name) {
  std::size_t start = 0;
  while (start < name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    b.push_back(static_cast<std::uint8_t>(dot - start));
    b.insert(b.end(), name.begin() + static_cast<std::ptrdiff_t>(start),
             name.begin() + static_cast<std::ptrdiff_t>(dot));
    start = dot + 1;
  }
  b.push_back(0);
}
Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

std::string list_text(const Event& e, std::string_view name) {
  const FieldValue* v = e.find(name);
  const auto* list = v != nullptr ? std::get_if<StringList>(v) : nullptr;
  if (list == nullptr) return "<none>";
  std::string s;
  for (const auto& x : *list) s += (s.empty() ? "" : ",") + x;
  return s;
}

// ---------------------------------------------------------------- DNS

Bytes dns_query(std::uint16_t id, const std::string& name, std::uint16_t type) {
  Bytes b;
  put16(b, id);
  put16(b, 0x0100);  // RD
  put16(b, 1);
  put16(b, 0);
  put16(b, 0);
  put16(b, 0);
  put_name(b, name);
  put16(b, type);
  put16(b, 1);
  return b;
}

// A response: CNAME then A, both names compressed against the question.
Bytes dns_response(std::uint16_t id) {
  Bytes b;
  put16(b, id);
  put16(b, 0x8180);  // QR RD RA, NOERROR
  put16(b, 1);
  put16(b, 2);
  put16(b, 0);
  put16(b, 0);
  put_name(b, "WWW.Example.com");
  put16(b, 1);
  put16(b, 1);
  // www.example.com CNAME edge.example.com
  put16(b, 0xc00c);
  put16(b, 5);
  put16(b, 1);
  put16(b, 0);
  put16(b, 300);
  Bytes target;
  target.push_back(4);
  for (char c : std::string("edge")) target.push_back(static_cast<std::uint8_t>(c));
  put16(target, 0xc010);  // -> example.com in the question
  put16(b, static_cast<std::uint16_t>(target.size()));
  const std::size_t edge_at = b.size();
  b.insert(b.end(), target.begin(), target.end());
  // edge.example.com A 93.184.216.34
  put16(b, static_cast<std::uint16_t>(0xc000 | edge_at));
  put16(b, 1);
  put16(b, 1);
  put16(b, 0);
  put16(b, 60);
  put16(b, 4);
  for (int x : {93, 184, 216, 34}) b.push_back(static_cast<std::uint8_t>(x));
  return b;
}

TEST(DnsParse, QueryAndCompressedAnswers) {
  auto q = parse_dns_message(dns_query(7, "WWW.Example.com", 28));
  ASSERT_TRUE(q);
  EXPECT_FALSE(q->response);
  EXPECT_EQ(q->qname, "www.example.com");
  EXPECT_EQ(dns_type_name(q->qtype), "AAAA");
  auto r = parse_dns_message(dns_response(7));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->response);
  ASSERT_EQ(r->answers.size(), 2u);
  EXPECT_EQ(r->answers[0], "edge.example.com");
  EXPECT_EQ(r->answers[1], "93.184.216.34");
  EXPECT_EQ(r->ttls[0], 300u);
  EXPECT_EQ(r->resolved_ips, std::vector<std::string>{"93.184.216.34"});
}

TEST(DnsParse, HostilePointersAndLengths) {
  // A name that points at itself.
  Bytes self = dns_query(1, "a", 1);
  self.resize(12);
  put16(self, 0xc00c);
  put16(self, 1);
  put16(self, 1);
  EXPECT_FALSE(parse_dns_message(self));
  // A forward pointer.
  Bytes fwd = dns_query(1, "a", 1);
  fwd.resize(12);
  put16(fwd, 0xc020);
  fwd.resize(64, 0);
  EXPECT_FALSE(parse_dns_message(fwd));
  // Two names pointing at each other (the answer's name at the question, which points back).
  Bytes loop;
  put16(loop, 1);
  put16(loop, 0x8180);
  put16(loop, 1);
  put16(loop, 1);
  put16(loop, 0);
  put16(loop, 0);
  loop.push_back(1);
  loop.push_back('a');
  put16(loop, 0xc014);  // forward, into the answer
  EXPECT_FALSE(parse_dns_message(loop));
  // A name longer than 255 bytes.
  std::string long_name;
  for (int i = 0; i < 10; ++i) long_name += std::string(30, 'x') + ".";
  long_name += "com";
  EXPECT_FALSE(parse_dns_message(dns_query(1, long_name, 1)));
  // Label type bits 01 / 10 are not names.
  Bytes ext = dns_query(1, "a", 1);
  ext[12] = 0x41;
  EXPECT_FALSE(parse_dns_message(ext));
  // Every truncation of a response: no crash; short ones fail, cut answers are dropped.
  const Bytes full = dns_response(9);
  for (std::size_t n = 0; n <= full.size(); ++n) {
    auto m = parse_dns_message(std::span<const std::uint8_t>(full.data(), n));
    if (n < 12) {
      EXPECT_FALSE(m);
    }
    if (m) {
      EXPECT_LE(m->answers.size(), 2u);
    }
  }
  // Random bytes after a valid header.
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    Bytes b(12 + rng() % 200);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    (void)parse_dns_message(b);
  }
}

TEST(DnsParse, NetbiosNameAndTxt) {
  Bytes q;
  put16(q, 5);
  put16(q, 0x0110);
  put16(q, 1);
  put16(q, 0);
  put16(q, 0);
  put16(q, 0);
  // "WORKGROUP" padded with spaces, suffix 0x1d, first-level encoded.
  std::string raw = "WORKGROUP";
  raw.resize(15, ' ');
  raw += '\x1d';
  q.push_back(32);
  for (char c : raw) {
    const auto u = static_cast<std::uint8_t>(c);
    q.push_back(static_cast<std::uint8_t>('A' + (u >> 4)));
    q.push_back(static_cast<std::uint8_t>('A' + (u & 15)));
  }
  q.push_back(0);
  put16(q, 32);
  put16(q, 1);
  auto m = parse_dns_message(q, true);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->qname, "workgroup");
  EXPECT_EQ(dns_type_name(m->qtype), "NIMLOC");

  Bytes t = dns_query(6, "t.example", 16);
  t[2] = 0x81;
  t[7] = 1;  // one answer
  put16(t, 0xc00c);
  put16(t, 16);
  put16(t, 1);
  put16(t, 0);
  put16(t, 1);
  put16(t, 9);
  t.push_back(2);
  t.push_back('h');
  t.push_back('i');
  t.push_back(5);
  for (char c : std::string("there")) t.push_back(static_cast<std::uint8_t>(c));
  auto r = parse_dns_message(t);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->answers.size(), 1u);
  EXPECT_EQ(r->answers[0], "TXT 2 hi TXT 5 there");
}

TEST(DnsAnalyzer, UdpTransactionsAndUnanswered) {
  DnsAnalyzerFactory factory("test");
  Flow flow = make_flow(kProtoUdp, 40000, 53);
  EXPECT_EQ(factory.create(make_flow(kProtoUdp, 40000, 54)), nullptr);
  auto a = factory.create(flow);
  ASSERT_NE(a, nullptr);
  std::vector<Event> out;
  a->on_payload(flow, Direction::kOrig, dns_query(7, "WWW.Example.com", 1), 1000, out);
  a->on_payload(flow, Direction::kOrig, dns_query(8, "lost.example", 1), 1500, out);
  a->on_payload(flow, Direction::kResp, dns_response(7), 3000, out);
  ASSERT_EQ(out.size(), 1u);
  const Event& e = out[0];
  EXPECT_EQ(e.kind, EventKind::kDns);
  EXPECT_EQ(*str_field(e, "dns.question.name"), "www.example.com");
  EXPECT_EQ(*str_field(e, "dns.question.type"), "A");
  EXPECT_EQ(*str_field(e, "dns.question.class"), "IN");
  EXPECT_EQ(*str_field(e, "dns.id"), "7");
  EXPECT_EQ(*str_field(e, "dns.response_code"), "NOERROR");
  EXPECT_EQ(list_text(e, "dns.answers.data"), "edge.example.com,93.184.216.34");
  EXPECT_EQ(list_text(e, "dns.answers.ttl"), "300,60");
  EXPECT_EQ(list_text(e, "dns.resolved_ip"), "93.184.216.34");
  EXPECT_EQ(list_text(e, "dns.header_flags"), "RD,RA");
  EXPECT_EQ(*int_field(e, "event.duration"), 2000);
  EXPECT_EQ(*int_field(e, "destination.port"), 53);
  Event flow_event;
  a->on_end(flow, flow_event, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(*str_field(out[1], "dns.question.name"), "lost.example");
  EXPECT_EQ(out[1].find("dns.response_code"), nullptr);
  EXPECT_EQ(*str_field(flow_event, "network.protocol"), "dns");
}

TEST(DnsAnalyzer, TcpFramingByteByByteAndPendingBound) {
  DnsAnalyzerFactory factory;
  Flow flow = make_flow(kProtoTcp, 40000, 53);
  auto a = factory.create(flow);
  std::vector<Event> out;
  auto framed = [](const Bytes& m) {
    Bytes b;
    put16(b, static_cast<std::uint16_t>(m.size()));
    b.insert(b.end(), m.begin(), m.end());
    return b;
  };
  for (std::uint8_t c : framed(dns_query(7, "www.example.com", 1))) {
    a->on_payload(flow, Direction::kOrig, std::span<const std::uint8_t>(&c, 1), 1, out);
  }
  for (std::uint8_t c : framed(dns_response(7))) {
    a->on_payload(flow, Direction::kResp, std::span<const std::uint8_t>(&c, 1), 2, out);
  }
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(list_text(out[0], "dns.answers.data"), "edge.example.com,93.184.216.34");

  // Many unanswered queries: at most kDnsMaxPending are held, the rest are emitted early.
  Flow udp = make_flow(kProtoUdp, 40001, 53);
  auto b = factory.create(udp);
  out.clear();
  for (int i = 0; i < 200; ++i) {
    b->on_payload(udp, Direction::kOrig, dns_query(static_cast<std::uint16_t>(i), "x.y", 1), i,
                  out);
  }
  EXPECT_EQ(out.size(), 200 - kDnsMaxPending);
  Event fe;
  b->on_end(udp, fe, out);
  EXPECT_EQ(out.size(), 200u);
}

TEST(DnsAnalyzer, TruncatedAndGarbageNeverCrash) {
  DnsAnalyzerFactory factory;
  const Bytes full = dns_response(3);
  for (std::uint8_t proto : {kProtoUdp, kProtoTcp}) {
    for (std::size_t n = 0; n <= full.size(); ++n) {
      Flow flow = make_flow(proto, 53, 53);
      auto a = factory.create(flow);
      std::vector<Event> out;
      a->on_payload(flow, Direction::kResp, std::span<const std::uint8_t>(full.data(), n), 1, out);
      a->on_gap(flow, Direction::kOrig, 10);
      Event fe;
      a->on_end(flow, fe, out);
    }
  }
}

// ---------------------------------------------------------------- TLS

Bytes ext(std::uint16_t type, const Bytes& data) {
  Bytes b;
  put16(b, type);
  put16(b, static_cast<std::uint16_t>(data.size()));
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

Bytes handshake(std::uint8_t type, const Bytes& body) {
  Bytes b{type, static_cast<std::uint8_t>(body.size() >> 16),
          static_cast<std::uint8_t>(body.size() >> 8), static_cast<std::uint8_t>(body.size())};
  b.insert(b.end(), body.begin(), body.end());
  return b;
}

Bytes record(const Bytes& payload) {
  Bytes b{0x16, 3, 1};
  put16(b, static_cast<std::uint16_t>(payload.size()));
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes client_hello_body() {
  Bytes b;
  put16(b, 0x0303);
  b.resize(b.size() + 32, 0);
  b.push_back(0);  // session id
  const std::uint16_t ciphers[] = {0x0a0a, 0x1301, 0x1302, 0xc02f, 0x002f};
  put16(b, sizeof ciphers);
  for (auto c : ciphers) put16(b, c);
  b.push_back(1);
  b.push_back(0);
  Bytes exts;
  auto add = [&](const Bytes& e) { exts.insert(exts.end(), e.begin(), e.end()); };
  add(ext(0x1a1a, {}));
  Bytes sni;
  const std::string host = "Example.COM";
  put16(sni, static_cast<std::uint16_t>(host.size() + 3));
  sni.push_back(0);
  put16(sni, static_cast<std::uint16_t>(host.size()));
  sni.insert(sni.end(), host.begin(), host.end());
  add(ext(0x0000, sni));
  Bytes alpn;
  put16(alpn, 12);
  alpn.push_back(2);
  alpn.push_back('h');
  alpn.push_back('2');
  alpn.push_back(8);
  for (char c : std::string("http/1.1")) alpn.push_back(static_cast<std::uint8_t>(c));
  add(ext(0x0010, alpn));
  Bytes groups;
  put16(groups, 6);
  put16(groups, 0x2a2a);
  put16(groups, 0x001d);
  put16(groups, 0x0017);
  add(ext(0x000a, groups));
  add(ext(0x000b, {1, 0}));
  Bytes sigs;
  put16(sigs, 6);
  put16(sigs, 0x0403);
  put16(sigs, 0x0804);
  put16(sigs, 0x0401);
  add(ext(0x000d, sigs));
  Bytes versions{6};
  put16(versions, 0x3a3a);
  put16(versions, 0x0304);
  put16(versions, 0x0303);
  add(ext(0x002b, versions));
  add(ext(0x0017, {}));
  put16(b, static_cast<std::uint16_t>(exts.size()));
  b.insert(b.end(), exts.begin(), exts.end());
  return b;
}

Bytes server_hello_body() {
  Bytes b;
  put16(b, 0x0303);
  b.resize(b.size() + 32, 0);
  b.push_back(0);
  put16(b, 0x1301);
  b.push_back(0);
  Bytes exts = ext(0x002b, {0x03, 0x04});
  Bytes alpn;
  put16(alpn, 3);
  alpn.push_back(2);
  alpn.push_back('h');
  alpn.push_back('2');
  const Bytes a = ext(0x0010, alpn);
  exts.insert(exts.end(), a.begin(), a.end());
  put16(b, static_cast<std::uint16_t>(exts.size()));
  b.insert(b.end(), exts.begin(), exts.end());
  return b;
}

TEST(TlsParse, ClientHelloFingerprints) {
  auto h = parse_client_hello(client_hello_body());
  ASSERT_TRUE(h);
  EXPECT_EQ(h->server_name, "Example.COM");
  EXPECT_EQ(ja3_string(*h), "771,4865-4866-49199-47,0-16-10-11-13-43-23,29-23,0");
  // Expected digests computed independently (Python hashlib) from the strings above.
  EXPECT_EQ(md5_hex(ja3_string(*h)), "7feaefe2fb10a5869ee857fe8a12fa3e");
  // JA4: TCP, TLS 1.3 (supported_versions), SNI, 4 ciphers, 7 extensions, ALPN "h2";
  // sha256("002f,1301,1302,c02f") and sha256("000a,000b,000d,0017,002b_0403,0804,0401").
  EXPECT_EQ(ja4(*h), "t13d0407h2_f0ee03a69c40_1fdf4de06b7e");
  auto s = parse_server_hello(server_hello_body());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->version(), 0x0304);
  EXPECT_EQ(s->alpn, "h2");
  EXPECT_EQ(ja3s_string(*s), "771,4865,43-16");
  EXPECT_EQ(md5_hex(ja3s_string(*s)), "2b83a23dea22815f9c4ffaaeaebdc796");
  EXPECT_EQ(tls_cipher_name(0x1301), "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(tls_cipher_name(0xabcd), "0xabcd");
  EXPECT_TRUE(is_grease(0xfafa));
  EXPECT_FALSE(is_grease(0x0a0b));
}

TEST(TlsParse, Ja4EdgeCases) {
  ClientHello h;
  h.legacy_version = 0x0301;
  EXPECT_EQ(ja4(h), "t10i000000_000000000000_000000000000");
  h.alpn = {"\x01x"};
  h.extensions = {0x0010};
  EXPECT_EQ(ja4(h).substr(0, 10), "t10i000108");  // non-alphanumeric ALPN: hex nibbles
}

TEST(TlsParse, TruncationsNeverCrash) {
  const Bytes ch = client_hello_body();
  const Bytes sh = server_hello_body();
  for (std::size_t n = 0; n < ch.size(); ++n) {
    (void)parse_client_hello(std::span<const std::uint8_t>(ch.data(), n));
  }
  for (std::size_t n = 0; n < sh.size(); ++n) {
    EXPECT_FALSE(parse_server_hello(std::span<const std::uint8_t>(sh.data(), n)) && n < 38);
  }
  // Hostile inner lengths: every byte set to 0xff in turn.
  for (std::size_t i = 0; i < ch.size(); ++i) {
    Bytes bad = ch;
    bad[i] = 0xff;
    (void)parse_client_hello(bad);
  }
}

// `before_end`: how many events were out before the flow's end.
std::vector<Event> run_tls(const Bytes& client, const Bytes& server, std::size_t piece,
                           Event* flow_event = nullptr, bool keep_certificates = false,
                           std::size_t* before_end = nullptr) {
  TlsAnalyzerFactory factory;
  factory.keep_certificates(keep_certificates);
  Flow flow = make_flow(kProtoTcp, 50000, 8443);
  auto a = factory.create(flow);
  std::vector<Event> out;
  for (std::size_t i = 0; i < client.size(); i += piece) {
    const std::size_t n = std::min(piece, client.size() - i);
    a->on_payload(flow, Direction::kOrig, std::span<const std::uint8_t>(&client[i], n), 1, out);
  }
  for (std::size_t i = 0; i < server.size(); i += piece) {
    const std::size_t n = std::min(piece, server.size() - i);
    a->on_payload(flow, Direction::kResp, std::span<const std::uint8_t>(&server[i], n), 2, out);
  }
  if (before_end != nullptr) *before_end = out.size();
  Event fe;
  a->on_end(flow, fe, out);
  if (flow_event != nullptr) *flow_event = fe;
  return out;
}

TEST(TlsAnalyzer, HelloAcrossSegmentsAndRecords) {
  // The ClientHello split over two records, delivered one byte at a time.
  const Bytes hs = handshake(1, client_hello_body());
  const std::size_t half = hs.size() / 2;
  Bytes client = record(Bytes(hs.begin(), hs.begin() + static_cast<std::ptrdiff_t>(half)));
  const Bytes second = record(Bytes(hs.begin() + static_cast<std::ptrdiff_t>(half), hs.end()));
  client.insert(client.end(), second.begin(), second.end());
  const Bytes server = record(handshake(2, server_hello_body()));
  for (std::size_t piece : {1u, 7u, 1000u}) {
    Event fe;
    auto out = run_tls(client, server, piece, &fe);
    ASSERT_EQ(out.size(), 1u) << piece;
    const Event& e = out[0];
    EXPECT_EQ(e.kind, EventKind::kTls);
    EXPECT_EQ(*str_field(e, "tls.client.server_name"), "Example.COM");
    EXPECT_EQ(*str_field(e, "tls.version"), "1.3");
    EXPECT_EQ(*str_field(e, "tls.cipher"), "TLS_AES_128_GCM_SHA256");
    EXPECT_EQ(*str_field(e, "tls.next_protocol"), "h2");
    EXPECT_EQ(list_text(e, "tls.client.alpn"), "h2,http/1.1");
    EXPECT_EQ(list_text(e, "tls.client.supported_versions"), "1.3,1.2");
    EXPECT_EQ(*str_field(e, "tls.client.ja3"), "7feaefe2fb10a5869ee857fe8a12fa3e");
    EXPECT_EQ(*str_field(e, "tls.client.ja4"), "t13d0407h2_f0ee03a69c40_1fdf4de06b7e");
    EXPECT_EQ(*str_field(e, "tls.server.ja3s"), "2b83a23dea22815f9c4ffaaeaebdc796");
    EXPECT_EQ(*str_field(fe, "network.protocol"), "tls");
  }
  // Only a ClientHello: emitted at the end, without server fields.
  auto only = run_tls(client, {}, 1000);
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0].find("tls.version"), nullptr);
  // Not TLS: nothing, and the analyzer stops wanting payload.
  TlsAnalyzerFactory factory;
  Flow flow = make_flow(kProtoTcp, 1, 2);
  auto a = factory.create(flow);
  std::vector<Event> out;
  a->on_payload(flow, Direction::kOrig, bytes_of("GET / HTTP/1.1\r\n"), 1, out);
  EXPECT_FALSE(a->wants_more());
}

// A TLS 1.2 ServerHello (no supported_versions): TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256.
Bytes server_hello_12_body() {
  Bytes b;
  put16(b, 0x0303);
  b.resize(b.size() + 32, 0);
  b.push_back(0);
  put16(b, 0xc02f);
  b.push_back(0);
  put16(b, 0);
  return b;
}

Bytes certificate_body(const std::vector<std::string>& chain) {
  Bytes list;
  for (const std::string& der : chain) {
    put24(list, static_cast<std::uint32_t>(der.size()));
    list.insert(list.end(), der.begin(), der.end());
  }
  Bytes b;
  put24(b, static_cast<std::uint32_t>(list.size()));
  b.insert(b.end(), list.begin(), list.end());
  return b;
}

TEST(TlsParse, CertificateChain) {
  auto chain = parse_certificate_chain(certificate_body({"leaf-der", "ca-der"}));
  ASSERT_TRUE(chain);
  EXPECT_EQ(*chain, (std::vector<std::string>{"leaf-der", "ca-der"}));
  EXPECT_EQ(parse_certificate_chain(certificate_body({})), std::vector<std::string>{});
  Bytes bad = certificate_body({"leaf-der"});
  bad[5] = 0x20;  // the certificate claims more bytes than the list holds
  EXPECT_FALSE(parse_certificate_chain(bad));
  // Empty entries are skipped, and at most kTlsMaxCertificates are kept.
  EXPECT_EQ(parse_certificate_chain(certificate_body({"", "a", ""})),
            std::vector<std::string>{"a"});
  EXPECT_EQ(parse_certificate_chain(certificate_body(std::vector<std::string>(40, "c")))->size(),
            kTlsMaxCertificates);
  const Bytes good = certificate_body({"leaf-der", "ca-der"});
  for (std::size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(parse_certificate_chain(std::span<const std::uint8_t>(good.data(), n)));
  }
}

// With tls.certs in the rules, a TLS 1.2 server is followed to its Certificate: the event
// carries the chain, and drop_tls_certificates() removes it. A server that sends something else
// after its ServerHello (a resumed session), or a malformed chain, gives the event without
// certificates; TLS 1.3 (encrypted certificates) and rules without tls.certs never wait.
TEST(TlsAnalyzer, CertificatesKeptForTheRules) {
  const Bytes client = record(handshake(1, client_hello_body()));
  Bytes flight = handshake(2, server_hello_12_body());
  const Bytes certs = handshake(11, certificate_body({"leaf-der", "ca-der"}));
  flight.insert(flight.end(), certs.begin(), certs.end());
  const Bytes done = handshake(14, {});
  flight.insert(flight.end(), done.begin(), done.end());
  for (std::size_t piece : {1u, 7u, 1000u}) {
    std::size_t before_end = 0;
    auto out = run_tls(client, record(flight), piece, nullptr, true, &before_end);
    EXPECT_EQ(before_end, 1u);  // at the Certificate
    ASSERT_EQ(out.size(), 1u) << piece;
    EXPECT_EQ(*str_field(out[0], "tls.version"), "1.2");
    EXPECT_EQ(list_text(out[0], kTlsCertificatesField), "leaf-der,ca-der") << piece;
    drop_tls_certificates(out);
    EXPECT_EQ(out[0].find(kTlsCertificatesField), nullptr);
    EXPECT_EQ(*str_field(out[0], "tls.version"), "1.2");
  }
  // Each handshake message in a record of its own.
  Bytes records = record(handshake(2, server_hello_12_body()));
  const Bytes cert_record = record(certs);
  records.insert(records.end(), cert_record.begin(), cert_record.end());
  auto split = run_tls(client, records, 5, nullptr, true);
  ASSERT_EQ(split.size(), 1u);
  EXPECT_EQ(list_text(split[0], kTlsCertificatesField), "leaf-der,ca-der");
  // Not kept without tls.certs rules.
  auto plain = run_tls(client, record(flight), 1000);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].find(kTlsCertificatesField), nullptr);
  // A resumed session: ChangeCipherSpec follows the ServerHello.
  Bytes resumed = record(handshake(2, server_hello_12_body()));
  const Bytes change_cipher_spec{0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
  resumed.insert(resumed.end(), change_cipher_spec.begin(), change_cipher_spec.end());
  std::size_t before_end = 0;
  auto r = run_tls(client, resumed, 1000, nullptr, true, &before_end);
  EXPECT_EQ(before_end, 1u);  // at the ChangeCipherSpec
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].find(kTlsCertificatesField), nullptr);
  EXPECT_EQ(*str_field(r[0], "tls.cipher"), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  // A chain whose lengths do not add up.
  Bytes bad_chain = certificate_body({"leaf-der"});
  bad_chain[0] = 0x7f;
  Bytes bad_flight = handshake(2, server_hello_12_body());
  const Bytes bad_certs = handshake(11, bad_chain);
  bad_flight.insert(bad_flight.end(), bad_certs.begin(), bad_certs.end());
  auto b = run_tls(client, record(bad_flight), 1000, nullptr, true, &before_end);
  EXPECT_EQ(before_end, 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].find(kTlsCertificatesField), nullptr);
  // TLS 1.3: emitted at the ServerHello.
  auto t13 =
      run_tls(client, record(handshake(2, server_hello_body())), 1000, nullptr, true, &before_end);
  EXPECT_EQ(before_end, 1u);  // at the ServerHello
  ASSERT_EQ(t13.size(), 1u);
  EXPECT_EQ(*str_field(t13[0], "tls.version"), "1.3");
  // A TLS 1.2 ServerHello alone: the Certificate may still come, so nothing before the end.
  auto waiting = run_tls(client, record(handshake(2, server_hello_12_body())), 1000, nullptr, true,
                         &before_end);
  EXPECT_EQ(before_end, 0u);
  ASSERT_EQ(waiting.size(), 1u);
  // A gap ends the wait: the next payload, from either side, emits the event, at the
  // ServerHello's time.
  TlsAnalyzerFactory factory;
  factory.keep_certificates(true);
  Flow flow = make_flow(kProtoTcp, 50000, 443);
  auto a = factory.create(flow);
  std::vector<Event> out;
  a->on_payload(flow, Direction::kOrig, client, 1, out);
  a->on_payload(flow, Direction::kResp, record(handshake(2, server_hello_12_body())), 2, out);
  a->on_gap(flow, Direction::kResp, 100);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(a->wants_more());
  a->on_payload(flow, Direction::kOrig, bytes_of("\x14\x03\x03"), 3, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].time_ns, 2);
  EXPECT_FALSE(a->wants_more());
}

// Certificates OpenSSL cannot read give no names (the real ones: packet_pcap_test.cc).
TEST(TlsParse, CertificateNamesOfGarbage) {
  EXPECT_FALSE(certificate_names(""));
  EXPECT_FALSE(certificate_names("leaf-der"));
  EXPECT_FALSE(certificate_names(std::string("\x30\x82\xff\xff\x30\x03", 6)));
  EXPECT_FALSE(certificate_names(std::string(4096, '\x30')));
}

TEST(TlsAnalyzer, TruncatedAndHostileStreams) {
  const Bytes client = record(handshake(1, client_hello_body()));
  const Bytes server = record(handshake(2, server_hello_body()));
  for (std::size_t n = 0; n <= client.size(); ++n) {
    (void)run_tls(Bytes(client.begin(), client.begin() + static_cast<std::ptrdiff_t>(n)), server,
                  13);
  }
  // A handshake length far beyond the bound, and an oversized record.
  Bytes huge{0x16, 3, 1, 0x00, 0x08, 0x01, 0xff, 0xff, 0xff, 0, 0, 0, 0};
  EXPECT_TRUE(run_tls(huge, {}, 1).empty());
  Bytes big_record{0x16, 3, 1, 0xff, 0xff, 1};
  EXPECT_TRUE(run_tls(big_record, {}, 1).empty());
}

// ---------------------------------------------------------------- HTTP

std::vector<Event> run_http(const std::string& client, const std::string& server, std::size_t piece,
                            Event* flow_event = nullptr) {
  HttpAnalyzerFactory factory;
  factory.keep({true, true, true});
  Flow flow = make_flow(kProtoTcp, 50000, 80);
  auto a = factory.create(flow);
  std::vector<Event> out;
  const Bytes c = bytes_of(client), s = bytes_of(server);
  for (std::size_t i = 0; i < c.size(); i += piece) {
    a->on_payload(flow, Direction::kOrig,
                  std::span<const std::uint8_t>(&c[i], std::min(piece, c.size() - i)), 1, out);
  }
  for (std::size_t i = 0; i < s.size(); i += piece) {
    a->on_payload(flow, Direction::kResp,
                  std::span<const std::uint8_t>(&s[i], std::min(piece, s.size() - i)), 2, out);
  }
  Event fe;
  a->on_end(flow, fe, out);
  if (flow_event != nullptr) *flow_event = fe;
  return out;
}

TEST(HttpAnalyzer, PipelinedRequestsWithBodies) {
  const std::string client =
      "GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: www.example.com:8080\r\nUser-Agent: curl/8.0\r\n\r\n"
      "POST /upload HTTP/1.1\r\nHost: www.example.com\r\nContent-Type: text/plain\r\n"
      "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n"
      "HEAD /h HTTP/1.0\r\n\r\n";
  const std::string server =
      "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 5\r\n\r\n"
      "abcde"
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
  for (std::size_t piece : {1u, 5u, 4096u}) {
    Event fe;
    auto out = run_http(client, server, piece, &fe);
    ASSERT_EQ(out.size(), 3u) << piece;
    EXPECT_EQ(*str_field(out[0], "http.request.method"), "GET");
    EXPECT_EQ(*str_field(out[0], "url.original"), "/a/b?x=1&y=2");
    EXPECT_EQ(*str_field(out[0], "url.path"), "/a/b");
    EXPECT_EQ(*str_field(out[0], "url.query"), "x=1&y=2");
    EXPECT_EQ(*str_field(out[0], "url.domain"), "www.example.com");
    EXPECT_EQ(*int_field(out[0], "url.port"), 8080);
    EXPECT_EQ(*str_field(out[0], "user_agent.original"), "curl/8.0");
    EXPECT_EQ(*str_field(out[0], "http.version"), "1.1");
    EXPECT_EQ(*int_field(out[0], "http.response.status_code"), 200);
    EXPECT_EQ(*str_field(out[0], "http.response.mime_type"), "text/html");
    EXPECT_EQ(*int_field(out[0], "http.response.body.bytes"), 5);
    EXPECT_EQ(*str_field(out[1], "http.request.method"), "POST");
    EXPECT_EQ(*int_field(out[1], "http.request.body.bytes"), 11);
    EXPECT_EQ(*int_field(out[1], "http.response.status_code"), 201);
    EXPECT_EQ(*int_field(out[1], "http.response.body.bytes"), 3);
    EXPECT_EQ(*str_field(out[2], "http.request.method"), "HEAD");
    EXPECT_EQ(*int_field(out[2], "http.response.body.bytes"), 0);  // HEAD: no body
    EXPECT_EQ(*str_field(fe, "network.protocol"), "http");
  }
}

// The summary's raw text is the request head as sent (a response without a request seen has
// none); redact_http_credentials() replaces the credential values, folded lines and lines
// ended by a lone CR included.
TEST(HttpAnalyzer, RawTextIsTheRequestHeadAndCredentialsAreRedacted) {
  const std::string head =
      "GET /private HTTP/1.1\r\nHost: h.example\r\nAuthorization: Basic\r\n YWRtaW46c2VjcmV0\r\n"
      "cookie:session=abc123\r\nX-Cookie-Note: keep\r\nX-A: 1\rCookie: s=2\r\n"
      "Proxy-Authorization : Bearer t0k3n\n";
  for (std::size_t piece : {1u, 7u, 4096u}) {
    auto out = run_http(head + "\r\n", "HTTP/1.1 204 No Content\r\n\r\n", piece);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].raw, head) << piece;
    out.push_back(out[0]);
    out.back().kind = EventKind::kLog;  // only http events are touched
    redact_http_credentials(out);
    EXPECT_EQ(out[0].raw,
              "GET /private HTTP/1.1\r\nHost: h.example\r\nAuthorization: <redacted>\r\n"
              "cookie: <redacted>\r\nX-Cookie-Note: keep\r\nX-A: 1\rCookie: <redacted>\r\n"
              "Proxy-Authorization : <redacted>\n")
        << piece;
    EXPECT_EQ(out[1].raw, head);
  }
  auto lone = run_http("", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 100);
  for (const Event& e : lone) EXPECT_TRUE(e.raw.empty());
}

// The response body's start rides on the event too, inflated when gzip or deflate encoded, in
// Content-Length or chunked framing.
TEST(HttpAnalyzer, ResponseBodyStartIsInflatedForRulesThenRemoved) {
  const std::string page = "<html><script>eval(unescape('%75'))</script>" + std::string(200, ' ');
  const std::string gz = net::testing::compressed(page, 31);
  std::string chunked;
  for (std::size_t i = 0; i < gz.size(); i += 10) {
    const std::string part = gz.substr(i, 10);
    char size[8];
    std::snprintf(size, sizeof size, "%zx", part.size());
    chunked += std::string(size) + "\r\n" + part + "\r\n";
  }
  chunked += "0\r\n\r\n";
  const std::string server =
      "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + std::to_string(gz.size()) +
      "\r\n\r\n" + gz +
      "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked +
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nplain";
  for (std::size_t piece : {1u, 13u, 65536u}) {
    auto out = run_http("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n",
                        server, piece);
    ASSERT_EQ(out.size(), 3u) << piece;
    EXPECT_EQ(*str_field(out[0], kHttpResponseBodyField), page) << piece;
    EXPECT_EQ(*str_field(out[1], kHttpResponseBodyField), page) << piece;
    EXPECT_EQ(*str_field(out[2], kHttpResponseBodyField), "plain") << piece;
    EXPECT_EQ(*int_field(out[0], "http.response.body.bytes"), static_cast<std::int64_t>(gz.size()));
    redact_http_credentials(out);
    for (const Event& e : out) EXPECT_EQ(e.find(kHttpResponseBodyField), nullptr);
  }
}

// The response head rides on the event for the packet rules' response buffers (Set-Cookie
// included), and redact_http_credentials() removes it.
TEST(HttpAnalyzer, ResponseHeadIsKeptForRulesThenRemoved) {
  const std::string response_head =
      "HTTP/1.1 302 Found\r\nSet-Cookie: sid=42\r\nLocation: /x\r\nContent-Length: 0\r\n";
  for (std::size_t piece : {1u, 7u, 4096u}) {
    auto out =
        run_http("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n", response_head + "\r\n", piece);
    ASSERT_EQ(out.size(), 2u) << piece;
    EXPECT_EQ(*str_field(out[0], kHttpResponseHeadField), response_head) << piece;
    EXPECT_EQ(out[1].find(kHttpResponseHeadField), nullptr);  // unanswered
    redact_http_credentials(out);
    EXPECT_EQ(out[0].find(kHttpResponseHeadField), nullptr);
    EXPECT_EQ(*int_field(out[0], "http.response.status_code"), 302);
  }
}

// The start of each request body (chunk framing removed, at most kHttpMaxKeptBody bytes, none
// after a gap) rides on the event for the packet rules' http.request_body, and
// redact_http_credentials() removes it: bodies carry passwords.
TEST(HttpAnalyzer, RequestBodyStartIsKeptForRulesThenRemoved) {
  const std::string big(kHttpMaxKeptBody + 100, 'a');
  const std::string client =
      "POST /login HTTP/1.1\r\nContent-Length: 17\r\n\r\nuser=a&pass=s3cr3"
      "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
      "POST /big HTTP/1.1\r\nContent-Length: " +
      std::to_string(big.size()) + "\r\n\r\n" + big + "GET /none HTTP/1.1\r\n\r\n";
  for (std::size_t piece : {1u, 9u, 65536u}) {
    auto out = run_http(client, "", piece);
    ASSERT_EQ(out.size(), 4u) << piece;
    EXPECT_EQ(*str_field(out[0], kHttpRequestBodyField), "user=a&pass=s3cr3") << piece;
    EXPECT_EQ(*str_field(out[1], kHttpRequestBodyField), "hello world") << piece;
    EXPECT_EQ(*str_field(out[2], kHttpRequestBodyField), big.substr(0, kHttpMaxKeptBody));
    EXPECT_EQ(out[3].find(kHttpRequestBodyField), nullptr);
    redact_http_credentials(out);
    for (const Event& e : out) EXPECT_EQ(e.find(kHttpRequestBodyField), nullptr);
    EXPECT_EQ(*int_field(out[2], "http.request.body.bytes"), static_cast<std::int64_t>(big.size()));
  }
  // Bytes lost inside the body: what came before is kept, nothing after. And nothing at all
  // when no rule asks for bodies (the factory's default).
  for (const bool keep : {true, false}) {
    HttpAnalyzerFactory factory;
    if (keep) factory.keep({true, true, true});
    Flow flow = make_flow(kProtoTcp, 50000, 80);
    auto a = factory.create(flow);
    std::vector<Event> out;
    a->on_payload(flow, Direction::kOrig,
                  bytes_of("POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\nabcd"), 1, out);
    a->on_gap(flow, Direction::kOrig, 4);
    a->on_payload(flow, Direction::kOrig, bytes_of("ijkl"), 2, out);
    a->on_payload(flow, Direction::kResp,
                  bytes_of("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), 3, out);
    Event fe;
    a->on_end(flow, fe, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(*int_field(out[0], "http.request.body.bytes"), 12);
    if (!keep) {
      EXPECT_EQ(out[0].find(kHttpRequestBodyField), nullptr);
      EXPECT_EQ(out[0].find(kHttpResponseHeadField), nullptr);
      EXPECT_EQ(out[0].find(kHttpResponseBodyField), nullptr);
      continue;
    }
    EXPECT_EQ(*str_field(out[0], kHttpRequestBodyField), "abcd");
    EXPECT_EQ(*str_field(out[0], kHttpResponseBodyField), "ok");
  }
}

// A response whose body's end was lost (the gap runs to its Content-Length) is still answered
// to its own request: the next response pairs with the next request, not with this one.
TEST(HttpAnalyzer, GapToTheEndOfAResponseBodyKeepsThePairing) {
  HttpAnalyzerFactory factory;
  Flow flow = make_flow(kProtoTcp, 50000, 80);
  auto a = factory.create(flow);
  std::vector<Event> out;
  a->on_payload(flow, Direction::kOrig, bytes_of("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n"),
                1, out);
  a->on_payload(flow, Direction::kResp,
                bytes_of("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"), 2, out);
  a->on_gap(flow, Direction::kResp, 7);
  a->on_payload(flow, Direction::kResp,
                bytes_of("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"), 3, out);
  Event fe;
  a->on_end(flow, fe, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(*str_field(out[0], "url.original"), "/a");
  EXPECT_EQ(*int_field(out[0], "http.response.status_code"), 200);
  EXPECT_EQ(*int_field(out[0], "http.response.body.bytes"), 10);
  EXPECT_EQ(*str_field(out[1], "url.original"), "/b");
  EXPECT_EQ(*int_field(out[1], "http.response.status_code"), 404);
}

TEST(HttpAnalyzer, SniffingAndBounds) {
  EXPECT_TRUE(run_http("\x16\x03\x01\x00\x10", "", 100).empty());
  EXPECT_TRUE(run_http("get / HTTP/1.1\r\n\r\n", "", 100).empty());
  // A header block beyond the bound ends the client side: no event for it.
  const std::string huge = "GET / HTTP/1.1\r\nX: " + std::string(kHttpMaxHeader, 'a') + "\r\n\r\n";
  EXPECT_TRUE(run_http(huge, "", 1000).empty());
  // Unanswered request, response until close, absolute-form target.
  auto out = run_http("GET http://h.example/p?q HTTP/1.1\r\nHost: h.example\r\n\r\n",
                      "HTTP/1.0 404 Not Found\r\n\r\nnot here", 3);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(*str_field(out[0], "url.path"), "/p");
  EXPECT_EQ(*int_field(out[0], "http.response.status_code"), 404);
  EXPECT_EQ(*int_field(out[0], "http.response.body.bytes"), 8);
  // Every truncation of a pipelined exchange, and hostile chunk sizes.
  const std::string c = "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /2 HTTP/1.1\r\n\r\n";
  const std::string s = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n";
  for (std::size_t n = 0; n <= c.size(); ++n) (void)run_http(c.substr(0, n), s, 2);
  for (std::size_t n = 0; n <= s.size(); ++n) (void)run_http(c, s.substr(0, n), 1);
}

// A TCP flow picked up mid-way (no SYN seen) is oriented by port guesses: when its responder
// sends the first request line, that side is the client and the event's source. With a SYN
// seen, a responder that speaks first is not an HTTP client.
TEST(HttpAnalyzer, MidwayFlowTakesTheRequesterForTheClient) {
  HttpAnalyzerFactory factory;
  for (const bool syn_seen : {false, true}) {
    Flow flow = make_flow(kProtoTcp, 80, 6666);
    flow.tcp = std::make_unique<TcpConn>();
    flow.tcp->orig.syn_seen = syn_seen;
    auto a = factory.create(flow);
    std::vector<Event> out;
    const Bytes request = bytes_of("GET /x HTTP/1.0\r\nHost: h\r\n\r\n");
    const Bytes response = bytes_of("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
    a->on_payload(flow, Direction::kResp, request, 1, out);
    a->on_payload(flow, Direction::kOrig, response, 2, out);
    Event fe;
    a->on_end(flow, fe, out);
    if (syn_seen) {
      EXPECT_TRUE(out.empty());
      continue;
    }
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(net::testing::ip_field(out[0], "source.ip"), "10.0.0.2");
    EXPECT_EQ(*int_field(out[0], "source.port"), 6666);
    EXPECT_EQ(net::testing::ip_field(out[0], "destination.ip"), "10.0.0.1");
    EXPECT_EQ(*str_field(out[0], "url.original"), "/x");
    EXPECT_EQ(*int_field(out[0], "http.response.status_code"), 200);
  }
  // Both sides speak before a request line is complete: not taken for HTTP (the bytes of the
  // two sides are never joined).
  Flow flow = make_flow(kProtoTcp, 80, 6666);
  flow.tcp = std::make_unique<TcpConn>();
  auto a = factory.create(flow);
  std::vector<Event> out;
  a->on_payload(flow, Direction::kResp, bytes_of("GE"), 1, out);
  a->on_payload(flow, Direction::kOrig, bytes_of("POST /x HTTP/1.1\r\n\r\n"), 2, out);
  a->on_payload(flow, Direction::kResp, bytes_of("T / HTTP/1.1\r\n\r\n"), 3, out);
  Event fe;
  a->on_end(flow, fe, out);
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(a->wants_more());
}

// ---------------------------------------------------------------- SSH

TEST(SshAnalyzer, Banners) {
  SshAnalyzerFactory factory;
  Flow flow = make_flow(kProtoTcp, 50000, 22);
  auto a = factory.create(flow);
  std::vector<Event> out;
  a->on_payload(flow, Direction::kResp, bytes_of("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n\0\0"), 1, out);
  for (char c : std::string("SSH-2.0-PuTTY_0.78\r\n")) {
    const auto b = static_cast<std::uint8_t>(c);
    a->on_payload(flow, Direction::kOrig, std::span<const std::uint8_t>(&b, 1), 2, out);
  }
  EXPECT_FALSE(a->wants_more());
  Event fe;
  a->on_end(flow, fe, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(*str_field(fe, "ssh.server"), "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3");
  EXPECT_EQ(*str_field(fe, "ssh.client"), "SSH-2.0-PuTTY_0.78");
  EXPECT_EQ(*str_field(fe, "network.protocol"), "ssh");

  auto b = factory.create(flow);
  b->on_payload(flow, Direction::kOrig, bytes_of("SSX-"), 1, out);
  EXPECT_FALSE(b->wants_more());
  auto c = factory.create(flow);
  c->on_payload(flow, Direction::kOrig, bytes_of("SSH-" + std::string(1000, 'x')), 1, out);
  Event fe2;
  c->on_end(flow, fe2, out);
  EXPECT_EQ(fe2.find("ssh.client"), nullptr);  // longer than a banner may be
}

}  // namespace
}  // namespace soc::agent::net::protocols
