// CURVE keypairs (ZeroMQ CurveZMQ) as Z85 text: generation, key files, validation.
// A key folder holds public.key (mode 0644) and secret.key (mode 0600), one Z85 line each.
#pragma once

#include <string>

#include "common/result.h"

namespace soc {

inline constexpr std::size_t kZ85KeyLength = 40;  // a 32-byte key in Z85

struct CurveKeypair {
  std::string public_key;  // Z85
  std::string secret_key;  // Z85
};

// True when text is 40 Z85 characters that decode to a 32-byte key.
bool is_valid_z85_key(const std::string& text);

Result<CurveKeypair> generate_curve_keypair();

// Writes dir/public.key and dir/secret.key (creating dir, mode 0700). Refuses to replace an
// existing secret key unless overwrite is set.
Result<void> write_keypair(const std::string& dir, const CurveKeypair& keys, bool overwrite);

// Reads and validates dir/public.key and dir/secret.key: both well-formed, the public key
// derived from the secret one, and the secret file not readable by group or others.
Result<CurveKeypair> load_keypair(const std::string& dir);

// A public key given in a config or on the command line: either the Z85 text itself or the path
// of a file holding it.
Result<std::string> resolve_public_key(const std::string& text_or_path);

}  // namespace soc
