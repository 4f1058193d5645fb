#include "agent/net/protocols/x509_names.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "common/openssl_ptr.h"

namespace soc::agent::net::protocols {
namespace {

// "C=US, O=..., CN=...": the attributes in certificate order, short names, ", " between them,
// UTF-8 values without RFC 2253 escaping.
std::optional<std::string> name_text(const X509_NAME* name) {
  OpenSslPtr<BIO, BIO_free> bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || name == nullptr) return std::nullopt;
  constexpr unsigned long kFlags =
      XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | ASN1_STRFLGS_UTF8_CONVERT;
  if (X509_NAME_print_ex(bio.get(), name, 0, kFlags) < 0) return std::nullopt;
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  if (n < 0 || data == nullptr) return std::string();
  return std::string(data, static_cast<std::size_t>(n));
}

std::string serial_text(const ASN1_INTEGER* serial) {
  OpenSslPtr<BIGNUM, BN_free> bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (bn == nullptr) return {};
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()));
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out += ':';
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

}  // namespace

std::optional<CertificateNames> certificate_names(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  OpenSslPtr<X509, X509_free> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (cert == nullptr) {
    ERR_clear_error();  // leave no stale error for the thread's next OpenSSL call
    return std::nullopt;
  }
  auto subject = name_text(X509_get_subject_name(cert.get()));
  auto issuer = name_text(X509_get_issuer_name(cert.get()));
  if (!subject || !issuer) return std::nullopt;
  return CertificateNames{std::move(*subject), std::move(*issuer),
                          serial_text(X509_get0_serialNumber(cert.get()))};
}

}  // namespace soc::agent::net::protocols
