#include "collector/web/api_tokens.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/write_file_durably.h"

namespace soc::collector {
namespace {

constexpr std::string_view kTokenPrefix = "soc_";
constexpr char kHexDigits[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<TokenHash> parse_hash_hex(std::string_view hex) {
  TokenHash hash{};
  if (hex.size() != hash.size() * 2) return std::nullopt;
  for (std::size_t i = 0; i < hash.size(); ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    hash[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return hash;
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace

std::string_view api_role_name(ApiRole role) {
  return role == ApiRole::kAdmin ? "admin" : "analyst";
}

std::optional<ApiRole> parse_api_role(std::string_view name) {
  if (name == "analyst") return ApiRole::kAnalyst;
  if (name == "admin") return ApiRole::kAdmin;
  return std::nullopt;
}

Result<std::string> generate_api_token() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return fail(ErrorCode::kInternal, "RAND_bytes failed: no random token could be made");
  }
  std::string token(kTokenPrefix);
  for (unsigned char b : bytes) {
    token += kHexDigits[b >> 4];
    token += kHexDigits[b & 15];
  }
  return token;
}

TokenHash hash_api_token(std::string_view token) {
  TokenHash hash{};
  unsigned int size = 0;
  // EVP_Digest with SHA-256 cannot fail on a valid input buffer; a zero hash would match nothing.
  if (EVP_Digest(token.data(), token.size(), hash.data(), &size, EVP_sha256(), nullptr) != 1) {
    hash.fill(0);
  }
  return hash;
}

std::string token_hash_hex(const TokenHash& hash) {
  std::string hex;
  hex.reserve(hash.size() * 2);
  for (std::uint8_t b : hash) {
    hex += kHexDigits[b >> 4];
    hex += kHexDigits[b & 15];
  }
  return hex;
}

bool is_valid_token_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
  }
  return true;
}

Result<ApiTokens> ApiTokens::parse(std::string_view text, const std::string& origin) {
  ApiTokens out;
  std::istringstream in{std::string(text)};
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto bad = [&](const std::string& what) {
      std::string where = origin;
      where += ':';
      where += std::to_string(number);
      where += ": ";
      return fail(ErrorCode::kInvalidArgument, where + what);
    };
    std::istringstream fields(line);
    std::string name, role, hex, extra;
    fields >> name;
    if (name.empty() || name[0] == '#') continue;
    fields >> role >> hex >> extra;
    if (hex.empty() || !extra.empty()) return bad("expected NAME ROLE SHA256HEX");
    if (!is_valid_token_name(name)) {
      return bad("token name '" + name + "': expected 1-64 of A-Z a-z 0-9 . _ -");
    }
    const auto parsed_role = parse_api_role(role);
    if (!parsed_role) return bad("role '" + role + "': expected analyst or admin");
    const auto hash = parse_hash_hex(hex);
    if (!hash) return bad("hash of '" + name + "': expected 64 hex digits (SHA-256)");
    if (auto added = out.add(name, *parsed_role, *hash); !added) {
      return bad(added.error().message);
    }
  }
  return out;
}

Result<ApiTokens> ApiTokens::load(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return fail(ErrorCode::kNotFound, path + ": no such tokens file");
    return fail(ErrorCode::kIo, path + ": " + errno_text());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const std::string why = errno_text();
    ::close(fd);
    return fail(ErrorCode::kIo, path + ": " + why);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(ErrorCode::kInvalidArgument, path + ": not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return fail(ErrorCode::kInvalidArgument, path + ": mode " + mode +
                                                 " lets group or others at the token hashes; "
                                                 "expected 0600 (chmod 600 " +
                                                 path + ")");
  }
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string message = path;
      message += ": ";
      message += errno_text();
      ::close(fd);
      return fail(ErrorCode::kIo, message);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > (16u << 20)) {
      ::close(fd);
      return fail(ErrorCode::kTooLarge, path + ": larger than 16 MiB");
    }
  }
  ::close(fd);
  return parse(text, path);
}

Result<ApiTokens> ApiTokens::load_or_empty(const std::string& path) {
  auto loaded = load(path);
  if (!loaded && loaded.error().code == ErrorCode::kNotFound) return ApiTokens{};
  return loaded;
}

std::string ApiTokens::to_text() const {
  std::string text =
      "# HTTP API bearer tokens: NAME ROLE SHA256(token). Managed by `socctl token`.\n";
  for (const ApiToken& t : tokens_) {
    text += t.name + " " + std::string(api_role_name(t.role)) + " " + token_hash_hex(t.hash) + "\n";
  }
  return text;
}

Result<void> ApiTokens::save(const std::string& path) const {
  const std::filesystem::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path(), ec);
  return write_file_durably(path, to_text(), path + ".tmp", 0600);
}

Result<void> ApiTokens::add(const std::string& name, ApiRole role, const TokenHash& hash) {
  if (!is_valid_token_name(name)) {
    return fail(ErrorCode::kInvalidArgument,
                "token name '" + name + "': expected 1-64 of A-Z a-z 0-9 . _ -");
  }
  for (const ApiToken& t : tokens_) {
    if (t.name == name) {
      return fail(ErrorCode::kConflict, "a token named '" + name + "' exists (revoke it first)");
    }
  }
  tokens_.push_back(ApiToken{name, role, hash});
  return ok();
}

bool ApiTokens::revoke(const std::string& name) {
  return std::erase_if(tokens_, [&](const ApiToken& t) { return t.name == name; }) > 0;
}

std::optional<ApiToken> ApiTokens::authenticate(std::string_view presented) const {
  const TokenHash hash = hash_api_token(presented);
  const ApiToken* found = nullptr;
  for (const ApiToken& t : tokens_) {  // every entry, no early exit
    if (CRYPTO_memcmp(t.hash.data(), hash.data(), hash.size()) == 0) found = &t;
  }
  if (found == nullptr) return std::nullopt;
  return *found;
}

}  // namespace soc::collector
