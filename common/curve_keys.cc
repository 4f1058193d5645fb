#include "common/curve_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace soc {
namespace {

std::string trim(std::string s) {
  const auto end = s.find_last_not_of(" \t\r\n");
  s.erase(end == std::string::npos ? 0 : end + 1);
  const auto begin = s.find_first_not_of(" \t\r\n");
  s.erase(0, begin == std::string::npos ? s.size() : begin);
  return s;
}

Result<void> write_file(const std::string& path, const std::string& content, mode_t mode,
                        bool overwrite) {
  const int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | (overwrite ? 0 : O_EXCL);
  const int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0) {
    const std::string why =
        errno == EEXIST ? "already exists (refusing to replace a key)" : std::strerror(errno);
    return fail(ErrorCode::kIo, path + ": " + why);
  }
  // Set the mode before writing: an existing wider file must never hold the new secret.
  const bool fchmod_ok = ::fchmod(fd, mode) == 0;
  const std::string line = content + "\n";
  const bool written =
      fchmod_ok && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const bool synced = written && ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return fail(ErrorCode::kIo, path + ": write failed");
  return ok();
}

Result<std::string> read_key_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(ErrorCode::kIo, path + ": cannot read key file");
  std::string line;
  std::getline(in, line);
  line = trim(line);
  if (!is_valid_z85_key(line))
    return fail(ErrorCode::kInvalidArgument, path + ": not a Z85 CURVE key (40 characters)");
  return line;
}

}  // namespace

bool is_valid_z85_key(const std::string& text) {
  if (text.size() != kZ85KeyLength) return false;
  std::array<std::uint8_t, 32> raw{};
  return zmq_z85_decode(raw.data(), text.c_str()) != nullptr;
}

Result<CurveKeypair> generate_curve_keypair() {
  std::array<char, kZ85KeyLength + 1> pub{};
  std::array<char, kZ85KeyLength + 1> sec{};
  if (zmq_curve_keypair(pub.data(), sec.data()) != 0) {
    return fail(ErrorCode::kUnsupported,
                std::string("CURVE keypair generation failed: ") + zmq_strerror(zmq_errno()));
  }
  return CurveKeypair{pub.data(), sec.data()};
}

Result<void> write_keypair(const std::string& dir, const CurveKeypair& keys, bool overwrite) {
  std::error_code ec;
  // Only a folder made here is restricted to its owner; an existing one keeps its mode.
  if (std::filesystem::create_directories(dir, ec)) ::chmod(dir.c_str(), 0700);
  if (ec) return fail(ErrorCode::kIo, dir + ": cannot create folder: " + ec.message());
  auto secret = write_file(dir + "/secret.key", keys.secret_key, 0600, overwrite);
  if (!secret) return secret;
  return write_file(dir + "/public.key", keys.public_key, 0644, true);
}

Result<CurveKeypair> load_keypair(const std::string& dir) {
  auto pub = read_key_file(dir + "/public.key");
  if (!pub) return tl::unexpected(pub.error());
  const std::string secret_path = dir + "/secret.key";
  auto sec = read_key_file(secret_path);
  if (!sec) return tl::unexpected(sec.error());
  std::array<char, kZ85KeyLength + 1> derived{};
  if (zmq_curve_public(derived.data(), sec->c_str()) != 0 || *pub != derived.data()) {
    return fail(
        ErrorCode::kInvalidArgument,
        dir + ": public.key does not belong to secret.key (regenerate with keygen --force)");
  }
  struct stat st {};
  if (::stat(secret_path.c_str(), &st) == 0 && (st.st_mode & 0077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", st.st_mode & 0777);
    return fail(ErrorCode::kInvalidArgument, secret_path + ": readable by others (mode " + mode +
                                                 "); run: chmod 600 " + secret_path);
  }
  return CurveKeypair{*pub, *sec};
}

Result<std::string> resolve_public_key(const std::string& text_or_path) {
  const std::string text = trim(text_or_path);
  if (is_valid_z85_key(text)) return text;
  if (std::filesystem::exists(text)) return read_key_file(text);
  return fail(ErrorCode::kInvalidArgument,
              "'" + text + "' is neither a Z85 CURVE public key (40 characters) nor a key file");
}

}  // namespace soc
