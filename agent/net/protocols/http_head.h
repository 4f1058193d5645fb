// An HTTP/1.x head as sent (its start line and header lines, without the blank line that ends
// it): its lines, the start line, and the header lines with trimmed names and values. Shared by
// the HTTP analyzer (its summary fields, the redaction of credentials) and the packet-rule
// buffers (http_rule_buffers.h), so that all of them split a head the same way.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/ascii.h"

namespace soc::agent::net::protocols {

// Without leading spaces and tabs, and trailing spaces, tabs, CR and LF.
std::string_view http_trim(std::string_view s);

// The line of `head` that starts at `pos`, with its line end: a line ends at LF, or at a CR not
// followed by LF (as some servers read them). Moves `pos` past it.
std::string_view next_http_line(std::string_view head, std::size_t& pos);

// The start line (request or status line), trimmed.
std::string_view http_start_line(std::string_view head);

struct HttpHeaderLine {
  std::string_view name;   // trimmed
  std::string_view value;  // trimmed; with its folded continuation lines joined by one space
};

// Calls f(const HttpHeaderLine&) for each header of `head` (the lines after the start line), in
// order. A line that starts with a space or tab continues the header before it (obsolete line
// folding); another line without a colon is skipped. The views are valid during the call only.
template <typename F>
void for_each_header_line(std::string_view head, F&& f) {
  std::size_t pos = 0;
  next_http_line(head, pos);  // the start line
  HttpHeaderLine header;
  bool pending = false;
  bool folded = false;
  std::string value;  // a folded header's joined value
  auto flush = [&] {
    if (pending) {
      if (folded) header.value = value;
      f(static_cast<const HttpHeaderLine&>(header));
    }
    pending = false;
    folded = false;
  };
  while (pos < head.size()) {
    const std::string_view raw = next_http_line(head, pos);
    if (raw.front() == ' ' || raw.front() == '\t') {
      if (!pending) continue;
      if (!folded) value.assign(header.value);
      folded = true;
      const std::string_view more = http_trim(raw);
      if (!more.empty() && !value.empty()) value += ' ';
      value += more;
      continue;
    }
    flush();
    const std::string_view line = http_trim(raw);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    header = {http_trim(line.substr(0, colon)), http_trim(line.substr(colon + 1))};
    pending = true;
  }
  flush();
}

}  // namespace soc::agent::net::protocols
