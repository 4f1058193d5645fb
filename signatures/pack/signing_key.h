// Ed25519 keys for signing packs, through OpenSSL's EVP API.
//
// Files: the secret key is PEM PKCS#8 ("-----BEGIN PRIVATE KEY-----"), written with mode 0600;
// the public key is PEM SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----"). A key's id is the
// first 16 hex digits of the SHA-256 of its 32 raw public-key bytes; pack files name the id of
// the key that signed them so that a refusal can say which key it was.
// Every function returns an Error (kIo, kInvalidArgument for a file that is not an Ed25519 key
// of the right kind, kInternal for OpenSSL failures) and never throws.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace soc::pack {

class PublicKey {
 public:
  static Result<PublicKey> load(const std::string& pem_path);
  static Result<PublicKey> from_pem(std::string_view pem);
  const std::string& id() const { return id_; }
  std::string to_pem() const;
  // True when signature (64 bytes) is this key's Ed25519 signature of message.
  bool verify(std::string_view message, std::string_view signature) const;

 private:
  friend class SecretKey;
  // Takes an Ed25519 EVP_PKEY (owned by `key`) and computes its id.
  static Result<PublicKey> from_key(std::shared_ptr<void> key);

  std::shared_ptr<void> key_;  // EVP_PKEY, shared: the class is cheap to copy
  std::string id_;
};

class SecretKey {
 public:
  static Result<SecretKey> generate();
  // Refuses a file readable by group or others (like ssh does), naming the mode.
  static Result<SecretKey> load(const std::string& pem_path);
  PublicKey public_key() const;
  std::string to_pem() const;
  Result<std::string> sign(std::string_view message) const;  // 64 bytes

 private:
  std::shared_ptr<void> key_;  // EVP_PKEY
};

// Writes DIR/pack_signing.key (0600) and DIR/pack_signing.pub, creating DIR (0700) if needed.
// kConflict when either file exists, unless overwrite.
Result<PublicKey> write_new_keypair(const std::string& dir, bool overwrite);

}  // namespace soc::pack
