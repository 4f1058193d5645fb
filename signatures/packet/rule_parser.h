// Packet-rule parser: Suricata rule text (one rule per line, `\` continues a line, `#` starts
// a comment) to PacketRules of the supported subset (signatures/README.md "Packet rules").
//
// Every rule either loads or gets exactly one CompileIssue naming its file, line and sid with
// a specific reason: "unsupported keyword flowbits", "unsupported protocol smb", "pcre flag 'H'
// not supported ...", "content: bad hex ...". A rule with anything unsupported does not load;
// nothing is silently ignored (only the informational keywords reference, metadata, target
// and the no-op rawbytes are accepted without effect). Regexes are checked for RE2 when the
// set compiles (packet_rule_set.h). Bounded and safe on any input; pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "signatures/packet/packet_rule.h"
#include "signatures/packet/variables.h"
#include "signatures/sigma/compile_issue.h"

namespace soc::packet {

using sigma::CompileIssue;

struct ParsedPacketRules {
  std::vector<PacketRule> rules;
  std::vector<CompileIssue> issues;  // rule_id = the sid as text ("" when not found)
  std::size_t total = 0;             // rules seen (loaded + with an issue)
};

inline constexpr std::size_t kMaxRuleFileBytes = 64 << 20;
inline constexpr std::size_t kMaxRuleBytes = 64 << 10;

// Parses every rule of `text` (from `file`, for the issues).
ParsedPacketRules parse_packet_rules(std::string_view text, const std::string& file,
                                     const Variables& vars);

// Parses one rule (no comments, no continuation lines). The issue's file is empty.
Result<PacketRule> parse_packet_rule(std::string_view line, const Variables& vars);

}  // namespace soc::packet
