#include "agent/net/protocols/http_rule_buffers.h"

#include <unordered_map>

#include "agent/net/protocols/http_head.h"

namespace soc::agent::net::protocols {
namespace {

void append_header(std::string& out, std::string_view name, const std::string& value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

}  // namespace

const std::string* HttpHeadBuffers::value(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals_ascii(n, name)) return &v;
  }
  return nullptr;
}

HttpHeadBuffers http_head_buffers(std::string_view head, HttpSide side) {
  HttpHeadBuffers b;
  b.start_line = std::string(http_start_line(head));
  const std::string_view line = b.start_line;
  if (side == HttpSide::kRequest) {
    const std::size_t last_space = line.rfind(' ');
    if (last_space != std::string_view::npos && line.substr(last_space + 1).starts_with("HTTP/")) {
      b.protocol = std::string(line.substr(last_space + 1));
    }
  } else if (line.starts_with("HTTP/")) {
    const std::size_t space = line.find(' ');
    b.protocol = std::string(line.substr(0, space));
    if (space != std::string_view::npos) {
      const std::string_view rest = http_trim(line.substr(space + 1));
      const std::size_t code_end = rest.find(' ');
      b.status_code = std::string(rest.substr(0, code_end));
      if (code_end != std::string_view::npos) {
        b.status_message = std::string(http_trim(rest.substr(code_end + 1)));
      }
    }
  }
  std::size_t after_start_line = 0;
  next_http_line(head, after_start_line);
  b.header_raw = std::string(head.substr(after_start_line));
  b.header_raw += "\r\n";

  std::unordered_map<std::string, std::size_t> index;  // lower-case name -> b.headers
  for_each_header_line(head, [&b, &index](const HttpHeaderLine& header) {
    const auto [it, added] = index.try_emplace(lower_ascii(header.name), b.headers.size());
    if (added) {
      b.headers.emplace_back(header.name, std::string(header.value));
      return;
    }
    std::string& value = b.headers[it->second].second;
    value += ", ";
    value += header.value;
  });
  const std::string_view cookie = side == HttpSide::kRequest ? "cookie" : "set-cookie";
  b.start = b.start_line + "\r\n";
  b.header_names = "\r\n";
  for (const auto& [name, value] : b.headers) {
    append_header(b.start, name, value);
    if (!iequals_ascii(name, cookie)) append_header(b.header, name, value);
    b.header_names += name;
    b.header_names += "\r\n";
    b.header_lines.push_back(std::string(name) + ": " + value);
  }
  b.start += "\r\n";
  b.header_names += "\r\n";
  return b;
}

}  // namespace soc::agent::net::protocols
