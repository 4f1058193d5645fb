#include "agent/net/protocols/tls_analyzer.h"

#include <openssl/evp.h>

#include <algorithm>

#include "agent/net/packet.h"
#include "agent/net/protocols/analyzer_util.h"

namespace soc::agent::net::protocols {
namespace {

constexpr std::size_t kMaxRecord = 16384 + 2048;  // TLSCiphertext bound (RFC 5246 6.2.3)
constexpr std::uint8_t kHandshake = 0x16;
constexpr std::uint16_t kExtServerName = 0x0000;
constexpr std::uint16_t kExtAlpn = 0x0010;

std::string digest_hex(const EVP_MD* md, std::string_view text) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(text.data(), text.size(), out, &len, md, nullptr) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[out[i] >> 4];
    hex += kHex[out[i] & 15];
  }
  return hex;
}

std::string hex4(std::uint16_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  return {kHex[v >> 12 & 15], kHex[v >> 8 & 15], kHex[v >> 4 & 15], kHex[v & 15]};
}

bool read_u16_list(ByteReader& r, std::size_t len, std::vector<std::uint16_t>& out) {
  std::span<const std::uint8_t> body;
  if (len % 2 != 0 || !r.take(len, body)) return false;
  for (std::size_t i = 0; i + 1 < body.size(); i += 2) {
    out.push_back(static_cast<std::uint16_t>(body[i] << 8 | body[i + 1]));
  }
  return true;
}

// ALPN protocol_name_list (RFC 7301 3.1).
bool read_alpn(std::span<const std::uint8_t> data, std::vector<std::string>& out) {
  ByteReader r(data);
  std::uint16_t len = 0;
  if (!r.u16(len) || len != r.remaining()) return false;
  while (r.remaining() > 0) {
    std::uint8_t n = 0;
    std::span<const std::uint8_t> name;
    if (!r.u8(n) || !r.take(n, name)) return false;
    if (out.size() < 16) out.push_back(printable(as_chars(name), 255));
  }
  return true;
}

// Extensions block: type, length, data each.
template <typename OnExt>
bool read_extensions(ByteReader& r, std::vector<std::uint16_t>& types, OnExt on_ext) {
  if (r.remaining() == 0) return true;  // no extensions at all
  std::uint16_t total = 0;
  std::span<const std::uint8_t> block;
  if (!r.u16(total) || !r.take(total, block)) return false;
  ByteReader e(block);
  while (e.remaining() > 0) {
    std::uint16_t type = 0, len = 0;
    std::span<const std::uint8_t> data;
    if (!e.u16(type) || !e.u16(len) || !e.take(len, data)) return false;
    if (types.size() < 256) types.push_back(type);
    if (!on_ext(type, data)) return false;
  }
  return true;
}

std::string join_decimal(const std::vector<std::uint16_t>& v) {
  std::string s;
  for (std::uint16_t x : v) {
    if (is_grease(x)) continue;
    if (!s.empty()) s += '-';
    s += std::to_string(x);
  }
  return s;
}

std::string ja4_version(std::uint16_t v) {
  switch (v) {
    case 0x0304:
      return "13";
    case 0x0303:
      return "12";
    case 0x0302:
      return "11";
    case 0x0301:
      return "10";
    case 0x0300:
      return "s3";
    case 0x0002:
      return "s2";
    case 0xfeff:
      return "d1";
    case 0xfefd:
      return "d2";
    case 0xfefc:
      return "d3";
    default:
      return "00";
  }
}

bool alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string two_digits(std::size_t n) {
  if (n > 99) n = 99;
  return {static_cast<char>('0' + n / 10), static_cast<char>('0' + n % 10)};
}

std::string truncated_sha256(const std::string& text) {
  if (text.empty()) return "000000000000";
  return digest_hex(EVP_sha256(), text).substr(0, 12);
}

}  // namespace

bool is_grease(std::uint16_t v) { return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff); }

std::string tls_version_text(std::uint16_t version) {
  switch (version) {
    case 0x0300:
      return "3.0";
    case 0x0301:
      return "1.0";
    case 0x0302:
      return "1.1";
    case 0x0303:
      return "1.2";
    case 0x0304:
      return "1.3";
    default:
      return {};
  }
}

std::string tls_cipher_name(std::uint16_t suite) {
  struct Name {
    std::uint16_t id;
    const char* name;
  };
  // IANA TLS Cipher Suites registry, the suites seen in practice.
  static constexpr Name kNames[] = {
      {0x0004, "TLS_RSA_WITH_RC4_128_MD5"},
      {0x0005, "TLS_RSA_WITH_RC4_128_SHA"},
      {0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
      {0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"},
      {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"},
      {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"},
      {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"},
      {0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256"},
      {0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256"},
      {0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"},
      {0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"},
      {0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
      {0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
      {0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
      {0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
      {0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"},
      {0x1301, "TLS_AES_128_GCM_SHA256"},
      {0x1302, "TLS_AES_256_GCM_SHA384"},
      {0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
      {0x1304, "TLS_AES_128_CCM_SHA256"},
      {0x1305, "TLS_AES_128_CCM_8_SHA256"},
      {0x5600, "TLS_FALLBACK_SCSV"},
      {0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
      {0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
      {0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"},
      {0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"},
      {0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
      {0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
      {0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
      {0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"},
      {0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
      {0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
      {0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
      {0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
      {0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
      {0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
      {0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
      {0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
      {0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
  };
  for (const Name& n : kNames) {
    if (n.id == suite) return n.name;
  }
  return "0x" + hex4(suite);
}

std::optional<ClientHello> parse_client_hello(std::span<const std::uint8_t> body) {
  ByteReader r(body);
  ClientHello h;
  std::uint8_t sid_len = 0, comp_len = 0;
  std::uint16_t ciphers_len = 0;
  std::span<const std::uint8_t> sid;
  r.u16(h.legacy_version);
  r.skip(32);  // random
  r.u8(sid_len);
  if (sid_len > 32 || !r.take(sid_len, sid)) return std::nullopt;
  h.session_id.assign(sid.begin(), sid.end());
  if (!r.u16(ciphers_len) || !read_u16_list(r, ciphers_len, h.ciphers)) return std::nullopt;
  if (!r.u8(comp_len) || !r.skip(comp_len)) return std::nullopt;
  const bool ok = read_extensions(r, h.extensions, [&](std::uint16_t type, auto data) {
    ByteReader x(data);
    std::uint16_t len = 0;
    switch (type) {
      case kExtServerName: {  // server_name_list (RFC 6066 3)
        if (!x.u16(len) || len != x.remaining()) return false;
        while (x.remaining() > 0) {
          std::uint8_t name_type = 0;
          std::uint16_t n = 0;
          std::span<const std::uint8_t> name;
          if (!x.u8(name_type) || !x.u16(n) || !x.take(n, name)) return false;
          if (name_type == 0 && h.server_name.empty()) {
            h.server_name = printable(as_chars(name), 255);
          }
        }
        return true;
      }
      case 0x000a:  // supported_groups
        return x.u16(len) && len == x.remaining() && read_u16_list(x, len, h.groups);
      case 0x000b: {  // ec_point_formats
        std::uint8_t n = 0;
        std::span<const std::uint8_t> formats;
        if (!x.u8(n) || !x.take(n, formats)) return false;
        h.point_formats.assign(formats.begin(), formats.end());
        return true;
      }
      case 0x000d:  // signature_algorithms
        return x.u16(len) && len == x.remaining() && read_u16_list(x, len, h.signature_algorithms);
      case kExtAlpn:
        return read_alpn(data, h.alpn);
      case 0x002b: {  // supported_versions (client: a list)
        std::uint8_t n = 0;
        return x.u8(n) && n == x.remaining() && read_u16_list(x, n, h.supported_versions);
      }
      default:
        return true;
    }
  });
  if (!ok) return std::nullopt;
  return h;
}

std::optional<ServerHello> parse_server_hello(std::span<const std::uint8_t> body) {
  ByteReader r(body);
  ServerHello h;
  std::uint8_t sid_len = 0, compression = 0;
  std::span<const std::uint8_t> sid;
  r.u16(h.legacy_version);
  r.skip(32);
  r.u8(sid_len);
  if (sid_len > 32 || !r.take(sid_len, sid)) return std::nullopt;
  h.session_id.assign(sid.begin(), sid.end());
  if (!r.u16(h.cipher) || !r.u8(compression)) return std::nullopt;
  (void)compression;
  const bool ok = read_extensions(r, h.extensions, [&](std::uint16_t type, auto data) {
    ByteReader x(data);
    if (type == 0x002b) return x.u16(h.selected_version) && x.remaining() == 0;
    if (type == kExtAlpn) {
      std::vector<std::string> alpn;
      if (!read_alpn(data, alpn)) return false;
      if (!alpn.empty()) h.alpn = alpn.front();
    }
    return true;
  });
  if (!ok) return std::nullopt;
  return h;
}

std::string ja3_string(const ClientHello& h) {
  std::string s = std::to_string(h.legacy_version) + ",";
  s += join_decimal(h.ciphers) + ",";
  s += join_decimal(h.extensions) + ",";
  s += join_decimal(h.groups) + ",";
  std::string formats;
  for (std::uint8_t f : h.point_formats) {
    if (!formats.empty()) formats += '-';
    formats += std::to_string(f);
  }
  return s + formats;
}

std::string ja3s_string(const ServerHello& h) {
  return std::to_string(h.legacy_version) + "," + std::to_string(h.cipher) + "," +
         join_decimal(h.extensions);
}

std::string md5_hex(std::string_view text) { return digest_hex(EVP_md5(), text); }

std::string ja4(const ClientHello& h, char transport) {
  std::uint16_t version = h.legacy_version;
  if (!h.supported_versions.empty()) {
    std::uint16_t best = 0;
    for (std::uint16_t v : h.supported_versions) {
      if (!is_grease(v) && v > best) best = v;
    }
    if (best != 0) version = best;
  }
  std::vector<std::uint16_t> ciphers, exts;
  for (std::uint16_t c : h.ciphers) {
    if (!is_grease(c)) ciphers.push_back(c);
  }
  bool has_sni = false;
  std::size_t ext_count = 0;
  for (std::uint16_t e : h.extensions) {
    if (is_grease(e)) continue;
    ++ext_count;
    if (e == kExtServerName) has_sni = true;
    if (e != kExtServerName && e != kExtAlpn) exts.push_back(e);
  }
  std::string alpn = "00";
  if (!h.alpn.empty() && !h.alpn.front().empty()) {
    const std::string& first = h.alpn.front();
    if (alnum(first.front()) && alnum(first.back())) {
      alpn = {first.front(), first.back()};
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      const auto f = static_cast<unsigned char>(first.front());
      const auto l = static_cast<unsigned char>(first.back());
      alpn = {kHex[f >> 4], kHex[l & 15]};
    }
  }
  std::string a;
  a += transport;
  a += ja4_version(version);
  a += has_sni ? 'd' : 'i';
  a += two_digits(ciphers.size());
  a += two_digits(ext_count);
  a += alpn;

  std::sort(ciphers.begin(), ciphers.end());
  std::string b;
  for (std::uint16_t c : ciphers) {
    if (!b.empty()) b += ',';
    b += hex4(c);
  }
  std::sort(exts.begin(), exts.end());
  std::string c;
  for (std::uint16_t e : exts) {
    if (!c.empty()) c += ',';
    c += hex4(e);
  }
  std::string sigs;
  for (std::uint16_t s : h.signature_algorithms) {
    if (is_grease(s)) continue;
    if (!sigs.empty()) sigs += ',';
    sigs += hex4(s);
  }
  if (!sigs.empty()) c += "_" + sigs;
  return a + "_" + truncated_sha256(b) + "_" +
         (exts.empty() ? "000000000000" : truncated_sha256(c));
}

std::optional<std::vector<std::string>> parse_certificate_chain(
    std::span<const std::uint8_t> body) {
  ByteReader r(body);
  std::uint32_t total = 0;
  if (!r.u24(total) || total != r.remaining()) return std::nullopt;
  std::vector<std::string> chain;
  while (r.remaining() > 0) {
    std::uint32_t len = 0;
    std::span<const std::uint8_t> der;
    if (!r.u24(len) || !r.take(len, der)) return std::nullopt;
    if (der.empty() || chain.size() == kTlsMaxCertificates) continue;  // bounded; none empty
    chain.emplace_back(as_chars(der));
  }
  return chain;
}

void drop_tls_certificates(std::span<Event> events) {
  for (Event& e : events) {
    if (e.kind != EventKind::kTls) continue;
    std::erase_if(e.fields, [](const Field& f) { return f.name == kTlsCertificatesField; });
  }
}

namespace {

constexpr std::uint8_t kHandshakeCertificate = 11;

class TlsAnalyzer final : public FlowAnalyzer {
 public:
  TlsAnalyzer(const std::string& source, bool keep_certificates)
      : source_(source), keep_certificates_(keep_certificates) {}

  void on_payload(const Flow& flow, Direction dir, std::span<const std::uint8_t> bytes, TimeNs ts,
                  std::vector<Event>& out) override {
    Side& s = side_[static_cast<int>(dir)];
    // A gap ended the server's side while its Certificate was awaited: emit now.
    if (certificate_side_ != nullptr && certificate_side_->done && !emitted_) emit(flow, ts, out);
    if (s.done || emitted_ || not_tls_) return;
    s.rec.insert(s.rec.end(), bytes.begin(), bytes.end());
    if (!s.sniffed) {
      if (s.rec.size() < 3) return;
      if (s.rec[0] != kHandshake || s.rec[1] != 3 || s.rec[2] > 4) {
        // The first bytes seen of the connection must be a handshake record.
        if (!side_[0].sniffed && !side_[1].sniffed) not_tls_ = true;
        finish(s);
        return;
      }
      s.sniffed = true;
    }
    std::size_t off = 0;
    while (!s.done && s.rec.size() - off >= 5) {
      const std::uint8_t type = s.rec[off];
      const std::size_t len = static_cast<std::size_t>(s.rec[off + 3] << 8 | s.rec[off + 4]);
      if (type != kHandshake || len > kMaxRecord) {  // hellos come first, in handshake records
        finish(s);
        break;
      }
      if (s.rec.size() - off - 5 < len) break;
      if (s.hs.size() + len > kTlsMaxHandshake) {
        finish(s);
        break;
      }
      s.hs.insert(s.hs.end(), s.rec.begin() + static_cast<std::ptrdiff_t>(off + 5),
                  s.rec.begin() + static_cast<std::ptrdiff_t>(off + 5 + len));
      off += 5 + len;
      handshake(flow, s, ts, out);
    }
    if (!s.done) s.rec.erase(s.rec.begin(), s.rec.begin() + static_cast<std::ptrdiff_t>(off));
    // The server stopped before its Certificate (a resumed session, another record type).
    if (&s == certificate_side_ && s.done && !emitted_) emit(flow, ts, out);
  }

  void on_gap(const Flow& flow, Direction dir, std::uint64_t bytes) override {
    (void)flow;
    (void)bytes;
    finish(side_[static_cast<int>(dir)]);
  }

  void on_end(const Flow& flow, Event& flow_event, std::vector<Event>& out) override {
    if (!emitted_ && (client_ || server_)) emit(flow, flow.last, out);
    if (client_ || server_) set_network_protocol(flow_event, "tls");
  }

  bool wants_more() const override {
    // Awaiting the Certificate (or, after a gap ended that wait, any payload to emit at).
    return !not_tls_ && !emitted_ &&
           (!(side_[0].done && side_[1].done) || certificate_side_ != nullptr);
  }

 private:
  struct Side {
    std::vector<std::uint8_t> rec;  // record bytes not yet consumed
    std::vector<std::uint8_t> hs;   // handshake bytes of the records so far
    bool sniffed = false;
    bool done = false;
  };

  static void finish(Side& s) {
    s.done = true;
    s.rec.clear();
    s.rec.shrink_to_fit();
    s.hs.clear();
    s.hs.shrink_to_fit();
  }

  void handshake(const Flow& flow, Side& s, TimeNs ts, std::vector<Event>& out) {
    while (!s.done && s.hs.size() >= 4) {
      const std::size_t len = static_cast<std::size_t>(s.hs[1]) << 16 |
                              static_cast<std::size_t>(s.hs[2]) << 8 | s.hs[3];
      if (len > kTlsMaxHandshake - 4) {
        finish(s);
        return;
      }
      if (s.hs.size() - 4 < len) return;
      const std::uint8_t type = s.hs[0];
      const std::span<const std::uint8_t> body(s.hs.data() + 4, len);
      if (type == 1 && !client_) {
        client_ = parse_client_hello(body);
        finish(s);
      } else if (type == 2 && !server_) {
        server_ = parse_server_hello(body);
        server_hello_ts_ = ts;
        if (server_ && keep_certificates_ && server_->version() < 0x0304) {
          certificate_side_ = &s;  // TLS 1.3 encrypts it
          s.hs.erase(s.hs.begin(), s.hs.begin() + static_cast<std::ptrdiff_t>(4 + len));
          continue;
        }
        finish(s);
        if (server_) emit(flow, ts, out);
      } else if (&s == certificate_side_) {
        if (type == kHandshakeCertificate) certificates_ = parse_certificate_chain(body);
        finish(s);
        emit(flow, ts, out);
      } else {
        finish(s);
      }
    }
  }

  void emit(const Flow& flow, TimeNs ts, std::vector<Event>& out) {
    emitted_ = true;
    Event e;
    e.kind = EventKind::kTls;
    e.source = source_;
    e.time_ns = server_ ? server_hello_ts_ : ts;  // the ServerHello's, as for every TLS event
    auto& f = e.fields;
    append_endpoints(flow, f);
    append_field<StringList>(f, "event.category", StringList{"network"});
    append_field<StringList>(f, "event.type", StringList{"protocol"});
    append_string(f, "network.protocol", "tls");
    if (client_) {
      const ClientHello& c = *client_;
      if (!c.server_name.empty()) append_string(f, "tls.client.server_name", c.server_name);
      StringList versions, ciphers;
      for (std::uint16_t v : c.supported_versions) {
        if (!is_grease(v) && !tls_version_text(v).empty()) versions.push_back(tls_version_text(v));
      }
      if (versions.empty() && !tls_version_text(c.legacy_version).empty()) {
        versions.push_back(tls_version_text(c.legacy_version));
      }
      append_field<StringList>(f, "tls.client.supported_versions", std::move(versions));
      for (std::uint16_t s : c.ciphers) {
        if (!is_grease(s)) ciphers.push_back(tls_cipher_name(s));
      }
      append_field<StringList>(f, "tls.client.supported_ciphers", std::move(ciphers));
      if (!c.alpn.empty()) append_field<StringList>(f, "tls.client.alpn", c.alpn);
      const std::string ja3 = ja3_string(c);
      append_string(f, "tls.client.ja3", md5_hex(ja3));
      append_string(f, "tls.client.ja3_string", ja3);
      append_string(f, "tls.client.ja4", ja4(c, 't'));
    }
    if (server_) {
      const ServerHello& s = *server_;
      const std::uint16_t v = s.version();
      const std::string text = tls_version_text(v);
      append_string(f, "tls.version", text.empty() ? "0x" + hex4(v) : text);
      append_string(f, "tls.version_protocol", v == 0x0300 ? "ssl" : "tls");
      append_string(f, "tls.cipher", tls_cipher_name(s.cipher));
      if (!s.alpn.empty()) append_string(f, "tls.next_protocol", s.alpn);
      const std::string ja3s = ja3s_string(s);
      append_string(f, "tls.server.ja3s", md5_hex(ja3s));
      append_string(f, "tls.server.ja3s_string", ja3s);
      if (client_ && v < 0x0304) {
        const bool resumed = !s.session_id.empty() && s.session_id == client_->session_id;
        append_field<bool>(f, "tls.resumed", resumed);
      }
    }
    if (certificates_ && !certificates_->empty()) {
      append_field<StringList>(f, kTlsCertificatesField, std::move(*certificates_));
    }
    out.push_back(std::move(e));
  }

  const std::string& source_;
  const bool keep_certificates_;
  // The server's side, once its ServerHello is in and its Certificate may follow.
  const Side* certificate_side_ = nullptr;
  TimeNs server_hello_ts_ = 0;
  std::optional<std::vector<std::string>> certificates_;
  Side side_[2];
  std::optional<ClientHello> client_;
  std::optional<ServerHello> server_;
  bool emitted_ = false;
  bool not_tls_ = false;
};

}  // namespace

std::unique_ptr<FlowAnalyzer> TlsAnalyzerFactory::create(const Flow& flow) {
  if (flow.proto != kProtoTcp) return nullptr;
  return std::make_unique<TlsAnalyzer>(source_, keep_certificates_);
}

}  // namespace soc::agent::net::protocols
