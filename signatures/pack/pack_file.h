// Pack file: one file holding a signed manifest and the files it lists (DESIGN.md "Signatures
// and packs"). The reader is a parser of untrusted bytes (fuzzed: tests/fuzz/fuzz_pack.cc).
//
// Layout: one msgpack array
//   ["soc-pack", format, manifest_json (bin), key_id (str), signature (bin 64),
//    codec (0 plain, 1 zstd), files (bin: a msgpack array of [path (str), content (bin)])]
// The signature is Ed25519 over "soc-pack-manifest-v1" + '\0' + manifest_json, so it covers
// every file through the manifest's SHA-256 list.
//
// read_pack checks, in this order, and refuses with a reason naming what failed:
//   size and structure (kMalformed / kTooLarge), format (kUnsupported when newer than
//   kPackFormat), signature against the trusted keys (kInvalidArgument: "signed by key <id>,
//   which is not trusted" / "bad signature (tampered or wrong key)"), the manifest (see
//   manifest.h), then the files: exactly the manifest's paths, each with its size and SHA-256
//   (kMalformed: "file rules/x.yml does not match its SHA-256 in the manifest").
// Limits: 64 MiB per pack file (before and after decompression), 20,000 files, 4 MiB per file.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "signatures/pack/manifest.h"
#include "signatures/pack/signing_key.h"

namespace soc::pack {

inline constexpr std::size_t kMaxPackBytes = 64u << 20;
inline constexpr std::size_t kMaxPackFiles = 20'000;
inline constexpr std::size_t kMaxPackFileBytes = 4u << 20;

// A pack whose signature, manifest and files were all checked.
struct VerifiedPack {
  Manifest manifest;
  std::map<std::string, std::string> files;  // path -> content, exactly the manifest's files
  std::string signer_id;                     // id of the trusted key that signed it
};

// Builds a pack file. The manifest's file list (sha256, size) must already describe `files`
// (make_manifest_files below does that); kInvalidArgument otherwise.
Result<std::string> write_pack(const Manifest& manifest,
                               const std::map<std::string, std::string>& files,
                               const SecretKey& key);

// Fills manifest.files from files: sha256 and size of each, kind by its folder (see
// pack_builder.h), in path order.
void make_manifest_files(Manifest& manifest, const std::map<std::string, std::string>& files);

Result<VerifiedPack> read_pack(std::string_view bytes, const std::vector<PublicKey>& trusted);

// Reads only the manifest and signer id, without checking the signature: for `socctl pack
// inspect` on a pack whose key the user may not have. Structure errors as read_pack.
struct UnverifiedManifest {
  Manifest manifest;
  std::string signer_id;
};
Result<UnverifiedManifest> peek_manifest(std::string_view bytes);

// Lower-case hex SHA-256.
std::string sha256_hex(std::string_view bytes);

}  // namespace soc::pack
