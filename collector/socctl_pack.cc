#include "collector/socctl_pack.h"

#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "common/write_file_durably.h"
#include "signatures/pack/pack_builder.h"
#include "signatures/pack/pack_file.h"
#include "signatures/pack/signing_key.h"

namespace soc::collector {
namespace {

namespace fs = std::filesystem;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int complain(const std::string& message, int code) {
  std::cerr << "socctl: " << message << "\n";
  return code;
}

// Text from an unverified pack, safe for a terminal: control bytes shown as '?'.
std::string printable(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) c = '?';
  }
  return out;
}

// Reads a pack file; at most one byte more than a pack may be, so read_pack refuses a larger one
// without this reading all of it.
Result<std::string> read_pack_file(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return fail(ErrorCode::kIo,
                path + ": " + (fs::exists(path, ec) ? "not a regular file" : "no such file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, path + ": cannot read");
  std::string bytes(pack::kMaxPackBytes + 1, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (in.bad()) return fail(ErrorCode::kIo, path + ": cannot read");
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

// Writes bytes to path so that readers see the old file or the whole new one (the folder's
// fsync is best effort: the file is in place, and some filesystems refuse it).
Result<void> write_atomically(const std::string& path, const std::string& bytes) {
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string tmp =
      (dir / ("." + target.filename().string() + ".tmp" + std::to_string(::getpid()))).string();
  return write_file_durably(path, bytes, tmp, 0644, FolderSync::kBestEffort);
}

std::string files_by_kind(const pack::Manifest& m) {
  constexpr std::array<pack::PackFileKind, 4> kKinds = {
      pack::PackFileKind::kSigma, pack::PackFileKind::kCorrelation, pack::PackFileKind::kPacket,
      pack::PackFileKind::kFieldMappings};
  std::string out = std::to_string(m.files.size());
  std::string sep = ": ";
  for (const pack::PackFileKind kind : kKinds) {
    std::size_t n = 0;
    for (const pack::ManifestFile& f : m.files) n += f.kind == kind ? 1 : 0;
    if (n == 0) continue;
    out += sep + std::to_string(n) + " " + std::string(pack::pack_file_kind_name(kind));
    sep = ", ";
  }
  return out;
}

}  // namespace

int pack_keygen(const std::string& out_dir, bool force) {
  auto key = pack::write_new_keypair(out_dir, force);
  if (!key) {
    if (key.error().code == ErrorCode::kConflict) {
      return complain(key.error().message + " (--force replaces the key pair)", kExitFailure);
    }
    return complain(key.error().message, kExitUsage);
  }
  const fs::path dir(out_dir);
  std::cout << "key id: " << key->id() << "\n"
            << "secret key: " << (dir / "pack_signing.key").string()
            << " (mode 0600; signs packs, keep it off agents)\n"
            << "public key: " << (dir / "pack_signing.pub").string()
            << " (goes in packs.trusted_keys of agents and the collector)\n";
  return kExitOk;
}

int pack_build(const std::string& dir, const std::string& secret_key_path,
               const std::string& out_file, bool skip_invalid) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return complain(dir + ": not a pack folder", kExitUsage);
  const fs::path out_path(out_file);
  const fs::path out_dir = out_path.has_parent_path() ? out_path.parent_path() : fs::path(".");
  if (out_path.filename().empty() || !fs::is_directory(out_dir, ec)) {
    return complain("-o " + out_file + ": no such folder for the pack file", kExitUsage);
  }
  auto key = pack::SecretKey::load(secret_key_path);
  if (!key) return complain("--key: " + key.error().message, kExitUsage);
  pack::BuildOptions options;
  options.skip_invalid = skip_invalid;
  auto built = pack::build_pack(dir, *key, options);
  if (!built) return complain(built.error().message, kExitFailure);
  for (sigma::CompileIssue issue : built->skipped) {
    if (!issue.file.empty()) issue.file = (fs::path(dir) / issue.file).string();
    std::cerr << "socctl: skipped " << sigma::format_issue(issue) << "\n";
  }
  if (auto written = write_atomically(out_file, built->bytes); !written) {
    return complain(written.error().message, kExitFailure);
  }
  std::cout << "built " << built->manifest.name << " " << built->manifest.version.to_string()
            << ": " << built->manifest.files.size() << " files, " << built->rules_compiled
            << " rules compiled, " << built->skipped.size() << " skipped -> " << out_file << "\n";
  return kExitOk;
}

int pack_verify(const std::string& file, const std::vector<std::string>& pubkey_paths) {
  if (pubkey_paths.empty()) return complain("give at least one --pubkey", kExitUsage);
  std::vector<pack::PublicKey> trusted;
  for (const std::string& path : pubkey_paths) {
    auto key = pack::PublicKey::load(path);
    if (!key) return complain("--pubkey: " + key.error().message, kExitUsage);
    trusted.push_back(std::move(*key));
  }
  auto bytes = read_pack_file(file);
  if (!bytes) return complain(bytes.error().message, kExitUsage);
  auto verified = pack::read_pack(*bytes, trusted);
  if (!verified) {
    std::cout << file << ": refused: " << verified.error().message << "\n";
    return kExitFailure;
  }
  std::cout << file << ": ok, " << verified->manifest.name << " "
            << verified->manifest.version.to_string() << " signed by " << verified->signer_id
            << "\n";
  return kExitOk;
}

int pack_inspect(const std::string& file, bool json) {
  auto bytes = read_pack_file(file);
  if (!bytes) return complain(bytes.error().message, kExitUsage);
  auto peeked = pack::peek_manifest(*bytes);
  if (!peeked) return complain(file + ": " + peeked.error().message, kExitFailure);
  const pack::Manifest& m = peeked->manifest;
  if (json) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(pack::to_json(m), nullptr, false);
    if (j.is_discarded()) return complain(file + ": manifest does not re-encode", kExitFailure);
    j["signer_id"] = peeked->signer_id;
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << file << "\n"
            << "  name:              " << m.name << "\n"
            << "  version:           " << m.version.to_string() << "\n"
            << "  min agent version: " << m.min_agent_version.to_string() << "\n"
            << "  created:           " << m.created << "\n";
  if (!m.description.empty()) {
    std::cout << "  description:       " << printable(m.description) << "\n";
  }
  std::cout << "  signer:            " << peeked->signer_id
            << " (not verified: socctl pack verify checks it)\n"
            << "  field mappings:    " << (m.field_mappings.empty() ? "none" : m.field_mappings)
            << "\n"
            << "  files:             " << files_by_kind(m) << "\n"
            << "  routing:           ";
  if (m.routing.empty()) std::cout << "none";
  for (std::size_t i = 0; i < m.routing.size(); ++i) {
    std::cout << (i > 0 ? ", " : "") << printable(m.routing[i].program) << " -> "
              << printable(m.routing[i].service);
  }
  std::cout << "\n  skipped rules:     " << m.skipped.size() << "\n";
  for (const pack::SkippedRule& s : m.skipped) {
    std::cout << "    " << s.path << ":" << s.line << ": "
              << (s.rule_id.empty() ? "" : "[" + printable(s.rule_id) + "] ") << printable(s.reason)
              << "\n";
  }
  return kExitOk;
}

}  // namespace soc::collector
