#include "agent/net/community_id.h"

#include <openssl/evp.h>

#include <cstring>
#include <memory>

#include "agent/net/packet.h"
#include "common/openssl_ptr.h"

namespace soc::agent::net {
namespace {

// Writes the base64 (RFC 4648, padded) of data to out, which holds (len + 2) / 3 * 4 chars;
// returns the number written.
std::size_t write_base64(const unsigned char* data, std::size_t len, char* out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char* o = out;
  for (std::size_t i = 0; i < len; i += 3) {
    const std::uint32_t n = (static_cast<std::uint32_t>(data[i]) << 16) |
                            (i + 1 < len ? static_cast<std::uint32_t>(data[i + 1]) << 8 : 0) |
                            (i + 2 < len ? data[i + 2] : 0);
    *o++ = kAlphabet[(n >> 18) & 63];
    *o++ = kAlphabet[(n >> 12) & 63];
    *o++ = i + 1 < len ? kAlphabet[(n >> 6) & 63] : '=';
    *o++ = i + 2 < len ? kAlphabet[n & 63] : '=';
  }
  return static_cast<std::size_t>(o - out);
}

// SHA-1, fetched once: an implicit fetch per digest (EVP_sha1()) costs more than the hash.
const EVP_MD* sha1() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  return md;
}

// One SHA-1 context per thread, set up once and reused: EVP_Digest would allocate and free one
// per hash. Null when OpenSSL has no SHA-1 or fails.
EVP_MD_CTX* thread_sha1_context() {
  thread_local OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free> ctx = [] {
    OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free> c(EVP_MD_CTX_new());
    if (c && (sha1() == nullptr || EVP_DigestInit_ex2(c.get(), sha1(), nullptr) != 1)) c.reset();
    return c;
  }();
  return ctx.get();
}

// SHA-1 of data into digest; false when OpenSSL has no SHA-1 or fails. The context is restarted
// with its digest kept (a null type): naming the digest again cost about 120 of the 420 ns a
// hash took.
bool sha1_digest(const unsigned char* data, std::size_t len, unsigned char* digest,
                 unsigned int* digest_len) {
  EVP_MD_CTX* ctx = thread_sha1_context();
  return ctx != nullptr && EVP_DigestInit_ex2(ctx, nullptr, nullptr) == 1 &&
         EVP_DigestUpdate(ctx, data, len) == 1 && EVP_DigestFinal_ex(ctx, digest, digest_len) == 1;
}

}  // namespace

std::string community_id_v1(const CommunityIdInput& in, std::uint16_t seed) {
  const std::size_t alen = in.v6 ? 16 : 4;
  const bool has_ports = in.proto == kProtoTcp || in.proto == kProtoUdp || in.proto == kProtoIcmp ||
                         in.proto == kProtoIcmpv6 || in.proto == 132;
  const std::uint8_t* a = in.src.data();
  const std::uint8_t* b = in.dst.data();
  std::uint16_t pa = has_ports ? in.sport : 0;
  std::uint16_t pb = has_ports ? in.dport : 0;
  const int cmp = std::memcmp(a, b, alen);
  const bool ordered = in.one_way || cmp < 0 || (cmp == 0 && pa <= pb);
  if (!ordered) {
    std::swap(a, b);
    std::swap(pa, pb);
  }
  unsigned char buf[2 + 16 + 16 + 2 + 4];
  std::size_t n = 0;
  buf[n++] = static_cast<unsigned char>(seed >> 8);
  buf[n++] = static_cast<unsigned char>(seed);
  std::memcpy(buf + n, a, alen);
  n += alen;
  std::memcpy(buf + n, b, alen);
  n += alen;
  buf[n++] = in.proto;
  buf[n++] = 0;
  if (has_ports) {
    buf[n++] = static_cast<unsigned char>(pa >> 8);
    buf[n++] = static_cast<unsigned char>(pa);
    buf[n++] = static_cast<unsigned char>(pb >> 8);
    buf[n++] = static_cast<unsigned char>(pb);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (!sha1_digest(buf, n, digest, &digest_len)) return "";
  // Built in place and copied once: appending char by char cost more than the base64 itself.
  char text[2 + (EVP_MAX_MD_SIZE + 2) / 3 * 4];
  text[0] = '1';
  text[1] = ':';
  return {text, 2 + write_base64(digest, digest_len, text + 2)};
}

}  // namespace soc::agent::net
