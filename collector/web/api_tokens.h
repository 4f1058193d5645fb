// ApiTokens: the bearer tokens of the HTTP API, kept hashed in a tokens file.
//
// A token is "soc_" + 64 hex digits (32 random bytes from OpenSSL's RAND_bytes); it is shown once
// when made and only its SHA-256 is kept. The file has one token per line, `NAME ROLE SHA256HEX`
// (`#` comments and blank lines are ignored), and must not be readable or writable by group or
// others (mode 0600): load() refuses it otherwise. Names are 1-64 of A-Z a-z 0-9 . _ - and
// unique; the name is the actor recorded when the token acknowledges or closes an incident.
//
// Roles: analyst (events, incidents, ack and close) and admin (also agents and packs).
//
// Contract: plain values, no shared state; every function returns an Error instead of throwing.
// authenticate() compares the presented token's hash with every entry in constant time
// (CRYPTO_memcmp, no early exit), so timing tells nothing about which bytes matched.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace soc::collector {

enum class ApiRole { kAnalyst, kAdmin };
std::string_view api_role_name(ApiRole role);  // analyst, admin
std::optional<ApiRole> parse_api_role(std::string_view name);

using TokenHash = std::array<std::uint8_t, 32>;  // SHA-256

struct ApiToken {
  std::string name;
  ApiRole role = ApiRole::kAnalyst;
  TokenHash hash{};
};

// A new random token ("soc_" + 64 hex digits). kInternal if the random generator fails.
Result<std::string> generate_api_token();
TokenHash hash_api_token(std::string_view token);
std::string token_hash_hex(const TokenHash& hash);

bool is_valid_token_name(std::string_view name);

class ApiTokens {
 public:
  // Parses a tokens file's text; errors name origin and the line.
  static Result<ApiTokens> parse(std::string_view text, const std::string& origin);
  // Reads path: kNotFound when absent, kInvalidArgument when group/other may read or write it
  // or a line does not parse.
  static Result<ApiTokens> load(const std::string& path);
  // load(), or no tokens when the file does not exist yet.
  static Result<ApiTokens> load_or_empty(const std::string& path);

  // Writes the file atomically (temporary file, fsync, rename) with mode 0600.
  Result<void> save(const std::string& path) const;
  std::string to_text() const;

  const std::vector<ApiToken>& tokens() const { return tokens_; }
  // kInvalidArgument for a bad name, kConflict when the name exists.
  Result<void> add(const std::string& name, ApiRole role, const TokenHash& hash);
  // false when there is no such name.
  bool revoke(const std::string& name);

  // The entry whose hash is the presented token's; nullopt when none is.
  std::optional<ApiToken> authenticate(std::string_view presented) const;

 private:
  std::vector<ApiToken> tokens_;
};

}  // namespace soc::collector
