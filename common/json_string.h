// JSON string literals from arbitrary bytes, and the UTF-8 checks they rest on.
//
// append_json_string writes `s` as a JSON string: " and \ escaped, control characters as
// \b \f \n \r \t or \u00XX, valid UTF-8 as it is, and each broken UTF-8 sequence (its
// "maximal subpart": a lead byte and the continuation bytes that still fit it) as one U+FFFD,
// so the result is always valid JSON text however the bytes came (raw log lines, agents).
#pragma once

#include <string>
#include <string_view>

namespace soc {

void append_json_string(std::string& out, std::string_view s);

bool is_valid_utf8(std::string_view s);

// `s` with each broken UTF-8 sequence replaced by U+FFFD, as append_json_string writes it.
std::string replace_invalid_utf8(std::string_view s);

}  // namespace soc
