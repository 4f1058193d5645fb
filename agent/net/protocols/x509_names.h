// The names packet rules match on a server certificate (Suricata's tls.cert_subject,
// tls.cert_issuer, tls.cert_serial), read from its DER by OpenSSL. Untrusted input: a
// certificate OpenSSL cannot parse gives nothing. Pure function; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace soc::agent::net::protocols {

struct CertificateNames {
  std::string subject;  // "C=US, O=Example Inc, CN=www.example.com": in order, short names
  std::string issuer;   // the same form
  std::string serial;   // "0A:1B:FF": the serial number's bytes in upper-case hex
};

std::optional<CertificateNames> certificate_names(std::string_view der);

}  // namespace soc::agent::net::protocols
