// Builds a pack from a source folder, for `socctl pack build DIR --key SECRET -o FILE`.
//
// The folder:
//   pack.yaml             name, version, min_agent_version (default: this agent's version),
//                         description, routing (list of {program, service}); unknown keys are
//                         errors
//   field_mappings.yaml   the Sigma field mappings (optional)
//   rules/**.yml|yaml     Sigma rules, run on agents          (kind sigma)
//   correlation/**.yml    Sigma correlation rules, collector  (kind correlation)
//   packet_rules/**.rules Suricata-style rules                (kind packet)
// Anything else in the folder is ignored (e.g. samples/). Files are read in path order.
//
// Every Sigma rule is compiled with the pack's field mappings, every packet rule with the
// default variables (signatures/packet/variables.h). A rule that does not parse or
// compile fails the build (the error lists every one as "file:line: [id] title: reason")
// unless skip_invalid, which leaves those rules' documents in their files but records them in
// manifest.skipped (agents then report the same rules as not compiling, which is expected).
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "signatures/pack/pack_file.h"
#include "signatures/sigma/compile_issue.h"

namespace soc::pack {

struct BuildOptions {
  bool skip_invalid = false;
  TimeNs created_ns = 0;  // 0: now
};

struct BuiltPack {
  std::string bytes;  // the signed pack file
  Manifest manifest;
  std::size_t rules_compiled = 0;            // Sigma
  std::size_t packet_rules_compiled = 0;     // packet_rules/
  std::vector<sigma::CompileIssue> skipped;  // with skip_invalid
};

Result<BuiltPack> build_pack(const std::string& dir, const SecretKey& key,
                             const BuildOptions& options);

}  // namespace soc::pack
