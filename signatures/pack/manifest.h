// Manifest: what a pack holds and claims (DESIGN.md "Signatures and packs"). It is the signed
// part of a pack file: every other file is bound to it by its SHA-256.
//
// Serialized as one JSON object (to_json / parse_manifest):
//   {"format": 1, "name": "default", "version": "1.2.0", "min_agent_version": "0.1.0",
//    "created": "2026-11-30T10:00:00Z", "description": "...",
//    "field_mappings": "field_mappings.yaml",
//    "files": [{"path": "rules/linux/x.yml", "kind": "sigma", "sha256": "<64 hex>",
//               "size": 1234}, ...],
//    "routing": [{"program": "sshd-session", "service": "sshd"}, ...],
//    "skipped": [{"path": "rules/x.yml", "line": 3, "rule_id": "...", "reason": "..."}, ...]}
// parse_manifest is strict: unknown keys, wrong types, bad versions, bad hashes, unsafe paths
// (absolute, "..", empty segments, backslashes, control bytes), duplicate paths, a
// field_mappings path that is not a file of kind field_mappings, are all kMalformed errors
// naming the key. A format above kPackFormat is kUnsupported ("pack format 2 is newer than this
// agent supports (1)").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "signatures/pack/pack_version.h"

namespace soc::pack {

inline constexpr int kPackFormat = 1;

enum class PackFileKind { kSigma, kCorrelation, kPacket, kFieldMappings };
std::string_view pack_file_kind_name(PackFileKind kind);  // "sigma", "correlation", ...

struct ManifestFile {
  std::string path;  // relative, '/'-separated, e.g. "rules/linux/ssh_failed.yml"
  PackFileKind kind = PackFileKind::kSigma;
  std::string sha256;  // lower-case hex of the file's bytes
  std::uint64_t size = 0;
  bool operator==(const ManifestFile&) const = default;
};

// Log-source routing carried by the pack: events whose program (process.name, lower case) is
// `program` are also routed to Sigma rules of service `service`, e.g. OpenSSH >= 9.8 logs as
// "sshd-session" but SigmaHQ rules name the service "sshd".
struct RoutingEntry {
  std::string program;
  std::string service;
  bool operator==(const RoutingEntry&) const = default;
};

// A rule left out by `socctl pack build --skip-invalid`, and why.
struct SkippedRule {
  std::string path;
  int line = 0;
  std::string rule_id;
  std::string reason;
  bool operator==(const SkippedRule&) const = default;
};

struct Manifest {
  int format = kPackFormat;
  std::string name;  // [A-Za-z0-9._-]{1,64}
  PackVersion version;
  PackVersion min_agent_version;
  std::string created;  // RFC 3339 UTC, "YYYY-MM-DDTHH:MM:SSZ"
  std::string description;
  std::string field_mappings;  // path of the field-mapping file, "" when the pack has none
  std::vector<ManifestFile> files;
  std::vector<RoutingEntry> routing;
  std::vector<SkippedRule> skipped;
  bool operator==(const Manifest&) const = default;
};

std::string to_json(const Manifest& manifest);  // compact, keys in a fixed order
Result<Manifest> parse_manifest(std::string_view json);

// Whether name is a valid pack name: [A-Za-z0-9._-]{1,64}.
bool is_valid_pack_name(std::string_view name);

// Longest file path a pack may hold.
inline constexpr std::size_t kMaxPackPathBytes = 1024;

// Whether path is a safe relative file path for a pack: 1 to kMaxPackPathBytes bytes,
// '/'-separated, not absolute, no empty, "." or ".." segment, no backslash, no control byte.
bool is_safe_pack_path(std::string_view path);

}  // namespace soc::pack
