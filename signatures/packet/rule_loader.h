// Packet-rule loading from disk: every `*.rules` file of the given files and folders (folders
// walked recursively, files in sorted order) parsed and compiled into one PacketRuleSet, with
// the issues of the rules that did not load. Used by the tests, benchmarks and tools; the
// agent gets its packet rules from the pack (signatures/pack/compiled_pack.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "signatures/packet/packet_rule_set.h"

namespace soc::packet {

struct LoadedPacketRules {
  std::shared_ptr<const PacketRuleSet> set;
  std::vector<CompileIssue> issues;
  std::size_t total = 0;  // rules seen; set->rules().size() loaded
};

// Errors: a path that does not exist or a file that cannot be read (kIo), or the set's own.
Result<LoadedPacketRules> load_packet_rules(const std::vector<std::string>& paths,
                                            const Variables& vars,
                                            PacketRuleSetOptions options = {});

}  // namespace soc::packet
