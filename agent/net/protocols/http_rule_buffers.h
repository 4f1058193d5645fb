// The buffers of an HTTP request that packet rules inspect beyond the summary's fields
// (Suricata's http.header, http.cookie, http.request_line ...), built from the request head as
// sent: the http event's raw text, before redact_http_credentials(). That text is at most
// kHttpMaxRawHead bytes, so the headers after it are not seen.
//
// Normalisation (as Suricata's HTTP parser does): names keep their case, values lose leading and
// trailing spaces and tabs; a header sent more than once is one entry, at its first place, with
// its values joined by ", ". http.header leaves out Cookie (it has http.cookie); http.start and
// http.header_names keep every header.
// Pure function; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace soc::agent::net::protocols {

struct HttpRequestBuffers {
  std::string request_line;  // http.request_line: the request line, without its line end
  std::string protocol;      // http.protocol: "HTTP/1.1", empty for an HTTP/0.9 request
  std::string header;        // http.header: "Name: value\r\n" per header, Cookie left out
  std::string header_raw;    // http.header.raw: the header lines as sent, then "\r\n"
  std::string header_names;  // http.header_names: "\r\n", "Name\r\n" per header, "\r\n"
  std::string start;  // http.start: request line, "\r\n", every header as in http.header, "\r\n"
  // The value of one header each (joined when repeated); nullopt when the request has none.
  std::optional<std::string> cookie, referer, accept, accept_lang, accept_enc, connection,
      content_type, content_len;
};

HttpRequestBuffers http_request_buffers(std::string_view head);

}  // namespace soc::agent::net::protocols
