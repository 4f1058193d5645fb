#include "agent/net/protocols/http_head.h"

namespace soc::agent::net::protocols {

std::string_view http_trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string_view next_http_line(std::string_view head, std::size_t& pos) {
  const std::size_t start = pos;
  std::size_t end = start;
  while (end < head.size() && head[end] != '\n' &&
         !(head[end] == '\r' && (end + 1 == head.size() || head[end + 1] != '\n'))) {
    ++end;
  }
  if (end < head.size()) ++end;  // the LF or lone CR
  pos = end;
  return head.substr(start, end - start);
}

std::string_view http_start_line(std::string_view head) {
  std::size_t pos = 0;
  return http_trim(next_http_line(head, pos));
}

}  // namespace soc::agent::net::protocols
