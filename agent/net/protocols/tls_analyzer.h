// TLS ClientHello / ServerHello as a FlowAnalyzer: one `tls` event per connection, emitted when
// the ServerHello has been parsed (or at flow end with whatever hello was seen). Fields: SNI,
// negotiated version (supported_versions for TLS 1.3), cipher, ALPN, JA3/JA3S, JA4; see
// agent/net/protocols/README.md. When the packet rules ask for tls.certs (or a certificate's names)
// (TlsAnalyzerFactory::keep_certificates), a server that negotiated TLS 1.2 or older is followed
// to the handshake message after its ServerHello: if that is its Certificate, the event also
// carries the certificates (kTlsCertificatesField), which drop_tls_certificates() removes before
// the event leaves the agent.
//
// Contract: the factory attaches an analyzer to every TCP flow that carries payload; the analyzer
// sniffs the first payload of each direction and gives up (wants_more() false) unless it is a TLS
// handshake record (0x16 0x03 0x00..0x04), so TLS is found on any port. Records may span segments
// and a hello may span records; at most kTlsMaxHandshake bytes of handshake are held per direction,
// and a record longer than TLS allows ends the analysis of that direction. Parsing never reads
// past its input. Single-threaded; no exceptions.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "agent/net/flow_analyzer.h"

namespace soc::agent::net::protocols {

inline constexpr std::size_t kTlsMaxHandshake = 64 * 1024;

struct ClientHello {
  std::uint16_t legacy_version = 0;
  std::vector<std::uint16_t> ciphers;  // as sent, GREASE included
  std::vector<std::uint16_t> extensions;
  std::vector<std::uint16_t> groups;
  std::vector<std::uint8_t> point_formats;
  std::vector<std::uint16_t> signature_algorithms;
  std::vector<std::uint16_t> supported_versions;
  std::vector<std::string> alpn;
  std::string server_name;  // the first host_name of server_name, printable-escaped
  std::vector<std::uint8_t> session_id;
};

struct ServerHello {
  std::uint16_t legacy_version = 0;
  std::uint16_t cipher = 0;
  std::vector<std::uint16_t> extensions;
  std::uint16_t selected_version = 0;  // supported_versions extension, 0 when absent
  std::string alpn;
  std::vector<std::uint8_t> session_id;
  std::uint16_t version() const {
    return selected_version != 0 ? selected_version : legacy_version;
  }
};

// The body of a handshake message (after its 4-byte header); nullopt when malformed.
std::optional<ClientHello> parse_client_hello(std::span<const std::uint8_t> body);
std::optional<ServerHello> parse_server_hello(std::span<const std::uint8_t> body);
// A TLS 1.2 (or older) Certificate message's body: the DER certificates, the server's first, at
// most kTlsMaxCertificates of them (empty entries skipped); nullopt when the lengths do not add
// up.
inline constexpr std::size_t kTlsMaxCertificates = 16;
std::optional<std::vector<std::string>> parse_certificate_chain(std::span<const std::uint8_t> body);

// The server's certificates (DER, a StringList), kept on the tls event for the packet rules'
// tls.certs only.
inline constexpr std::string_view kTlsCertificatesField = "tls.server.certificates.der";
// Removes kTlsCertificatesField from the tls events (before they leave the agent: the rules are
// done with them, and they are large).
void drop_tls_certificates(std::span<Event> events);

bool is_grease(std::uint16_t v);
// "1.2", "1.3", "1.0", "3.0" (SSL 3) ...; protocol "tls" or "ssl". Empty for unknown values.
std::string tls_version_text(std::uint16_t version);
// The IANA name for common cipher suites ("TLS_AES_128_GCM_SHA256"), else "0x" + 4 hex digits.
std::string tls_cipher_name(std::uint16_t suite);

std::string ja3_string(const ClientHello& hello);
std::string ja3s_string(const ServerHello& hello);
// JA4 (FoxIO): a_b_c with `transport` 't' (TCP) or 'q' (QUIC).
std::string ja4(const ClientHello& hello, char transport = 't');
std::string md5_hex(std::string_view text);

class TlsAnalyzerFactory final : public FlowAnalyzerFactory {
 public:
  explicit TlsAnalyzerFactory(std::string source = {}) : source_(std::move(source)) {}
  std::string_view name() const override { return "tls"; }
  std::unique_ptr<FlowAnalyzer> create(const Flow& flow) override;
  // Whether new analyzers keep the server's certificates (the rules inspect tls.certs).
  void keep_certificates(bool keep) { keep_certificates_ = keep; }

 private:
  std::string source_;
  bool keep_certificates_ = false;
};

}  // namespace soc::agent::net::protocols
