// The buffers of an HTTP head that packet rules inspect beyond the summary's fields (Suricata's
// http.header, http.cookie, http.request_line, http.stat_code ...), built from a head as sent: a
// request's (the http event's raw text) or a response's (kHttpResponseHeadField), before
// redact_http_credentials(). Either is at most kHttpMaxRawHead bytes, so the headers after that
// are not seen.
//
// Normalisation (as Suricata's HTTP parser does): names keep their case, values lose leading and
// trailing spaces and tabs; a header sent more than once is one entry, at its first place, with
// its values joined by ", ". http.header leaves out the cookie header of its side (Cookie in a
// request, Set-Cookie in a response: http.cookie has it); http.start and http.header_names keep
// every header.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace soc::agent::net::protocols {

enum class HttpSide : std::uint8_t { kRequest, kResponse };

struct HttpHeadBuffers {
  std::string start_line;  // http.request_line or http.response_line, without its line end
  std::string protocol;    // http.protocol: "HTTP/1.1"; empty when the start line names none
  std::string header;      // http.header: "Name: value\r\n" per header, the cookie header left out
  std::string header_raw;  // http.header.raw: the header lines as sent, then "\r\n"
  std::string header_names;  // http.header_names: "\r\n", "Name\r\n" per header, "\r\n"
  std::string start;  // http.start: start line, "\r\n", every header as in http.header, "\r\n"
  // http.request_header / http.response_header, a multi-buffer: "Name: value" per header (every
  // header, in order).
  std::vector<std::string> header_lines;
  // Responses: the status line's code ("404") and message ("Not Found"); empty for a request.
  std::string status_code, status_message;
  // Each header: its name as first sent and its (joined) value.
  std::vector<std::pair<std::string_view, std::string>> headers;

  // The value of the header `name` (case-insensitive), nullptr when the head has none.
  const std::string* value(std::string_view name) const;
};

// The buffers of `head` (start line and header lines). The result refers to `head` (header
// names): keep `head` alive while using it.
HttpHeadBuffers http_head_buffers(std::string_view head, HttpSide side);

}  // namespace soc::agent::net::protocols
