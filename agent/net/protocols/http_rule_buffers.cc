#include "agent/net/protocols/http_rule_buffers.h"

#include <utility>
#include <vector>

#include "agent/net/protocols/http_head.h"

namespace soc::agent::net::protocols {
namespace {

struct Header {
  std::string_view name;
  std::string value;
};

// The headers of `head` in order, repeated names merged into their first entry.
std::vector<Header> merged_headers(std::string_view head) {
  std::vector<Header> headers;
  for_each_header_line(head, [&headers](const HttpHeaderLine& line) {
    for (Header& h : headers) {
      if (!iequals_ascii(h.name, line.name)) continue;
      h.value += ", ";
      h.value += line.value;
      return;
    }
    headers.push_back({line.name, std::string(line.value)});
  });
  return headers;
}

std::optional<std::string> value_of(const std::vector<Header>& headers, std::string_view name) {
  for (const Header& h : headers) {
    if (iequals_ascii(h.name, name)) return h.value;
  }
  return std::nullopt;
}

void append_header(std::string& out, const Header& h) {
  out += h.name;
  out += ": ";
  out += h.value;
  out += "\r\n";
}

}  // namespace

HttpRequestBuffers http_request_buffers(std::string_view head) {
  HttpRequestBuffers b;
  b.request_line = std::string(http_start_line(head));
  const std::size_t last_space = b.request_line.rfind(' ');
  if (last_space != std::string::npos &&
      std::string_view(b.request_line).substr(last_space + 1).starts_with("HTTP/")) {
    b.protocol = b.request_line.substr(last_space + 1);
  }
  const std::size_t first_nl = head.find('\n');
  if (first_nl != std::string_view::npos) b.header_raw = std::string(head.substr(first_nl + 1));
  b.header_raw += "\r\n";

  const std::vector<Header> headers = merged_headers(head);
  b.start = b.request_line + "\r\n";
  b.header_names = "\r\n";
  for (const Header& h : headers) {
    append_header(b.start, h);
    if (!iequals_ascii(h.name, "cookie")) append_header(b.header, h);
    b.header_names += h.name;
    b.header_names += "\r\n";
  }
  b.start += "\r\n";
  b.header_names += "\r\n";

  b.cookie = value_of(headers, "cookie");
  b.referer = value_of(headers, "referer");
  b.accept = value_of(headers, "accept");
  b.accept_lang = value_of(headers, "accept-language");
  b.accept_enc = value_of(headers, "accept-encoding");
  b.connection = value_of(headers, "connection");
  b.content_type = value_of(headers, "content-type");
  b.content_len = value_of(headers, "content-length");
  return b;
}

}  // namespace soc::agent::net::protocols
