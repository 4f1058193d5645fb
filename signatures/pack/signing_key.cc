#include "signatures/pack/signing_key.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "common/openssl_ptr.h"
#include "signatures/pack/pack_file.h"

namespace soc::pack {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kEd25519KeyBytes = 32;
constexpr std::size_t kEd25519SignatureBytes = 64;
constexpr std::size_t kMaxPemBytes = 64u << 10;
constexpr std::size_t kKeyIdHexDigits = 16;
constexpr const char* kSecretKeyFile = "pack_signing.key";
constexpr const char* kPublicKeyFile = "pack_signing.pub";

using BioPtr = OpenSslPtr<BIO, BIO_free>;
using PkeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using PkeyCtxPtr = OpenSslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using MdCtxPtr = OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now, reporting the result (close can report a failed write).
  bool close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

// The OpenSSL error queue as text, emptied.
std::string openssl_error() {
  std::string out;
  for (unsigned long code = ERR_get_error(); code != 0; code = ERR_get_error()) {
    std::array<char, 256> buf{};
    ERR_error_string_n(code, buf.data(), buf.size());
    if (!out.empty()) out += "; ";
    out += buf.data();
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

tl::unexpected<Error> openssl_fail(const std::string& what) {
  return fail(ErrorCode::kInternal, what + ": " + openssl_error());
}

// Never prompts for a passphrase (OpenSSL's default would read the terminal).
int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return -1; }

EVP_PKEY* pkey_of(const std::shared_ptr<void>& key) { return static_cast<EVP_PKEY*>(key.get()); }

std::shared_ptr<void> share(PkeyPtr key) {
  return {key.release(), [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); }};
}

bool is_ed25519(const EVP_PKEY* key) { return EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519; }

BioPtr memory_bio(std::string_view bytes) {
  return BioPtr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

std::string drain(BIO* bio) {
  std::string out(BIO_ctrl_pending(bio), '\0');
  const int n = out.empty() ? 0 : BIO_read(bio, out.data(), static_cast<int>(out.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

std::string mode_text(mode_t mode) {
  std::ostringstream out;
  out << '0' << std::oct << (mode & 07777);
  return out.str();
}

// Reads a small key file; `st` receives its status (taken on the open file).
Result<std::string> read_key_file(const std::string& path, struct stat& st) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) return fail(ErrorCode::kIo, path + ": " + std::strerror(errno));
  if (::fstat(fd.get(), &st) != 0) return fail(ErrorCode::kIo, path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fail(ErrorCode::kIo, path + ": not a regular file");
  if (static_cast<std::size_t>(st.st_size) > kMaxPemBytes) {
    return fail(ErrorCode::kInvalidArgument, path + ": larger than a key file can be (64 KiB)");
  }
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd.get(), out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(ErrorCode::kIo, path + ": " + std::strerror(errno));
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return out;
}

// Writes a new file (or replaces one, with overwrite) with `mode`, not following symlinks.
Result<void> write_key_file(const std::string& path, const std::string& text, mode_t mode,
                            bool overwrite) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (overwrite ? O_TRUNC : O_EXCL);
  Fd fd(::open(path.c_str(), flags, mode));
  if (fd.get() < 0) {
    if (errno == EEXIST) return fail(ErrorCode::kConflict, path + " already exists");
    return fail(ErrorCode::kIo, path + ": " + std::strerror(errno));
  }
  // A replaced file keeps its old mode otherwise; set it before the key goes in.
  if (::fchmod(fd.get(), mode) != 0) {
    return fail(ErrorCode::kIo, path + ": chmod: " + std::strerror(errno));
  }
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(ErrorCode::kIo, path + ": write: " + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || !fd.close()) {
    return fail(ErrorCode::kIo, path + ": " + std::strerror(errno));
  }
  return ok();
}

}  // namespace

// ---- PublicKey ----

Result<PublicKey> PublicKey::from_key(std::shared_ptr<void> key) {
  std::array<unsigned char, kEd25519KeyBytes> raw{};
  std::size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(pkey_of(key), raw.data(), &len) != 1 || len != kEd25519KeyBytes) {
    return openssl_fail("reading the raw public key");
  }
  PublicKey out;
  out.key_ = std::move(key);
  out.id_ = sha256_hex(std::string_view(reinterpret_cast<const char*>(raw.data()), len))
                .substr(0, kKeyIdHexDigits);
  return out;
}

Result<PublicKey> PublicKey::from_pem(std::string_view pem) {
  if (pem.size() > kMaxPemBytes) {
    return fail(ErrorCode::kInvalidArgument, "larger than a key file can be (64 KiB)");
  }
  const BioPtr bio = memory_bio(pem);
  if (!bio) return openssl_fail("memory BIO");
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    ERR_clear_error();
    if (pem.find("PRIVATE KEY-----") != std::string_view::npos) {
      return fail(ErrorCode::kInvalidArgument,
                  "this is a secret key; give the public key (pack_signing.pub)");
    }
    return fail(ErrorCode::kInvalidArgument, "not a PEM public key (-----BEGIN PUBLIC KEY-----)");
  }
  if (!is_ed25519(key.get())) {
    return fail(ErrorCode::kInvalidArgument, "not an Ed25519 key");
  }
  return from_key(share(std::move(key)));
}

Result<PublicKey> PublicKey::load(const std::string& pem_path) {
  struct stat st {};
  auto text = read_key_file(pem_path, st);
  if (!text) return tl::unexpected(text.error());
  auto key = from_pem(*text);
  if (!key) return fail(key.error().code, pem_path + ": " + key.error().message);
  return key;
}

std::string PublicKey::to_pem() const {
  if (!key_) return {};
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey_of(key_)) != 1) {
    ERR_clear_error();
    return {};
  }
  return drain(bio.get());
}

bool PublicKey::verify(std::string_view message, std::string_view signature) const {
  if (!key_ || signature.size() != kEd25519SignatureBytes) return false;
  const MdCtxPtr ctx(EVP_MD_CTX_new());
  const bool good =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey_of(key_)) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  if (!good) ERR_clear_error();
  return good;
}

// ---- SecretKey ----

Result<SecretKey> SecretKey::generate() {
  const PkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) return openssl_fail("Ed25519 key generation");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_keygen(ctx.get(), &raw) != 1) return openssl_fail("Ed25519 key generation");
  SecretKey out;
  out.key_ = share(PkeyPtr(raw));
  return out;
}

Result<SecretKey> SecretKey::load(const std::string& pem_path) {
  struct stat st {};
  auto text = read_key_file(pem_path, st);
  if (!text) return tl::unexpected(text.error());
  if ((st.st_mode & 077) != 0) {
    return fail(ErrorCode::kInvalidArgument,
                pem_path + ": secret key has mode " + mode_text(st.st_mode) +
                    ", open to group or others; chmod 600 " + pem_path);
  }
  const std::string_view pem = *text;
  const BioPtr bio = memory_bio(pem);
  if (!bio) return openssl_fail("memory BIO");
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    ERR_clear_error();
    if (pem.find("ENCRYPTED") != std::string_view::npos) {
      return fail(ErrorCode::kInvalidArgument,
                  pem_path + ": encrypted secret keys are not supported");
    }
    if (pem.find("PUBLIC KEY-----") != std::string_view::npos) {
      return fail(ErrorCode::kInvalidArgument,
                  pem_path + ": this is a public key; give the secret key (pack_signing.key)");
    }
    return fail(ErrorCode::kInvalidArgument,
                pem_path + ": not a PEM secret key (-----BEGIN PRIVATE KEY-----)");
  }
  if (!is_ed25519(key.get())) {
    return fail(ErrorCode::kInvalidArgument, pem_path + ": not an Ed25519 key");
  }
  SecretKey out;
  out.key_ = share(std::move(key));
  return out;
}

PublicKey SecretKey::public_key() const {
  if (!key_) return {};
  std::array<unsigned char, kEd25519KeyBytes> raw{};
  std::size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(pkey_of(key_), raw.data(), &len) != 1) {
    ERR_clear_error();
    return {};
  }
  PkeyPtr pub(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), len));
  if (!pub) {
    ERR_clear_error();
    return {};
  }
  auto key = PublicKey::from_key(share(std::move(pub)));
  return key ? std::move(*key) : PublicKey();
}

std::string SecretKey::to_pem() const {
  if (!key_) return {};
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), pkey_of(key_), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    ERR_clear_error();
    return {};
  }
  return drain(bio.get());
}

Result<std::string> SecretKey::sign(std::string_view message) const {
  if (!key_) return fail(ErrorCode::kInvalidArgument, "no secret key");
  const MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey_of(key_)) != 1) {
    return openssl_fail("Ed25519 signing");
  }
  std::string signature(kEd25519SignatureBytes, '\0');
  std::size_t len = signature.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      len != kEd25519SignatureBytes) {
    return openssl_fail("Ed25519 signing");
  }
  return signature;
}

Result<PublicKey> write_new_keypair(const std::string& dir, bool overwrite) {
  std::error_code ec;
  const fs::path folder(dir);
  if (!fs::exists(folder, ec)) {
    if (folder.has_parent_path()) fs::create_directories(folder.parent_path(), ec);
    if (ec) return fail(ErrorCode::kIo, dir + ": " + ec.message());
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return fail(ErrorCode::kIo, dir + ": " + std::strerror(errno));
    }
  } else if (!fs::is_directory(folder, ec)) {
    return fail(ErrorCode::kIo, dir + ": not a folder");
  }
  const std::string secret_path = (folder / kSecretKeyFile).string();
  const std::string public_path = (folder / kPublicKeyFile).string();
  if (!overwrite) {
    for (const std::string& path : {secret_path, public_path}) {
      if (fs::exists(fs::symlink_status(path, ec))) {
        return fail(ErrorCode::kConflict, path + " already exists");
      }
    }
  }
  auto secret = SecretKey::generate();
  if (!secret) return tl::unexpected(secret.error());
  const PublicKey pub = secret->public_key();
  const std::string secret_pem = secret->to_pem();
  const std::string public_pem = pub.to_pem();
  if (pub.id().empty() || secret_pem.empty() || public_pem.empty()) {
    return fail(ErrorCode::kInternal, "could not encode the new key pair");
  }
  if (auto r = write_key_file(secret_path, secret_pem, 0600, overwrite); !r) {
    return tl::unexpected(r.error());
  }
  if (auto r = write_key_file(public_path, public_pem, 0644, overwrite); !r) {
    return tl::unexpected(r.error());
  }
  return pub;
}

}  // namespace soc::pack
