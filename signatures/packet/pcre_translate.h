// PCRE to RE2: turns a rule's `pcre:"/pattern/flags"` into an RE2 pattern plus the flags that
// concern matching. Translated: \Z (end, or before a final newline) and \h (horizontal space);
// flags i m s become (?ims), G becomes (?U), A anchors at the start (of the buffer, or of the
// relative position with R), R is relative, the buffer flags select a sticky buffer (U and I
// http.uri, M http.method, P http.request_body, H http.header, D http.header.raw, C http.cookie,
// V http.user_agent, W and Z http.host, S http.stat_code, Y http.stat_msg, Q the response
// body), B, O and E are accepted (no effect here). Everything else is refused with a specific
// reason: flag x (RE2 has no extended mode), and whatever RE2 itself cannot run in linear time
// (backreferences, lookaround, atomic groups, possessive quantifiers) is reported when the set
// compiles the regex. Pure function; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "signatures/packet/packet_rule.h"

namespace soc::packet {

struct TranslatedPcre {
  std::string pattern;           // RE2 syntax, flags folded in
  bool relative = false;         // R
  bool anchored = false;         // A
  std::optional<Buffer> buffer;  // a buffer flag's buffer
};

// `value` is the option value without the quotes and without a leading '!'.
// Errors (kUnsupported or kInvalidArgument): the reason, e.g. "pcre flag 'H' not supported".
Result<TranslatedPcre> translate_pcre(std::string_view value);

}  // namespace soc::packet
