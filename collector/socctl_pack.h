// `socctl pack keygen|build|verify|inspect`: making and checking signed packs, no collector
// needed (publishing is socctl_publish.h). See signatures/pack/ for the format.
//   socctl pack keygen --out-dir DIR [--force]
//   socctl pack build DIR --key SECRET -o FILE [--skip-invalid]
//   socctl pack verify FILE --pubkey PUB [--pubkey PUB]...
//   socctl pack inspect FILE [--json]
// Exit codes: 0 ok, 1 failure (a pack that does not build or is refused), 2 usage error (a path
// or key that cannot be used). Error messages go to stderr and start with "socctl: ".
#pragma once

#include <string>
#include <vector>

namespace soc::collector {

// Writes OUT_DIR/pack_signing.key (0600) and OUT_DIR/pack_signing.pub; prints the key id and
// both paths. Existing files are kept (exit 1) unless force.
int pack_keygen(const std::string& out_dir, bool force);

// Builds and signs the pack folder `dir` into out_file (written atomically: a temporary file
// beside it, then rename). On success prints
// "built NAME VERSION: N files, C rules compiled, S skipped -> FILE"; otherwise prints every
// problem as "file:line: [id] title: reason" to stderr and exits 1.
int pack_build(const std::string& dir, const std::string& secret_key_path,
               const std::string& out_file, bool skip_invalid);

// Checks the signature against the given public keys, and every file. Prints
// "FILE: ok, NAME VERSION signed by KEYID" (exit 0) or "FILE: refused: REASON" (exit 1).
int pack_verify(const std::string& file, const std::vector<std::string>& pubkey_paths);

// Shows the manifest without checking the signature: name, version, minimum agent version,
// creation time, signer id, files by kind, routing and skipped rules; with json, the manifest
// JSON with "signer_id" added.
int pack_inspect(const std::string& file, bool json);

}  // namespace soc::collector
