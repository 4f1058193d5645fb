// An HTTP/1.x head as sent (its start line and header lines, without the blank line that ends
// it): the start line, and the header lines with trimmed names and values. Shared by the HTTP
// analyzer (its summary fields) and the packet-rule buffers of a request (http_rule_buffers.h).
// Pure functions; thread-safe.
#pragma once

#include <string_view>

namespace soc::agent::net::protocols {

// Without leading spaces and tabs, and trailing spaces, tabs and CR.
std::string_view http_trim(std::string_view s);

// ASCII case-insensitive equality (header names).
bool iequals_ascii(std::string_view a, std::string_view b);

// The start line (request or status line): up to the first LF, trimmed.
std::string_view http_start_line(std::string_view head);

struct HttpHeaderLine {
  std::string_view name;   // trimmed
  std::string_view value;  // trimmed
};

// Calls f(const HttpHeaderLine&) for each line after the start line that has a colon, in
// order (lines end at LF; a line without a colon, such as a folded continuation, is skipped).
template <typename F>
void for_each_header_line(std::string_view head, F&& f) {
  std::size_t eol = head.find('\n');
  while (eol != std::string_view::npos) {
    const std::size_t start = eol + 1;
    eol = head.find('\n', start);
    const std::string_view line =
        http_trim(head.substr(start, eol == std::string_view::npos ? eol : eol - start));
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    f(HttpHeaderLine{http_trim(line.substr(0, colon)), http_trim(line.substr(colon + 1))});
  }
}

}  // namespace soc::agent::net::protocols
