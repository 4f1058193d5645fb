#include "common/event.h"

#include <arpa/inet.h>

#include <cstring>

namespace soc {

namespace {
constexpr std::array<std::string_view, 7> kKindNames = {"log", "flow",  "dns",  "http",
                                                        "tls", "alert", "agent"};
}

std::string_view event_kind_name(EventKind kind) {
  return kKindNames[static_cast<std::size_t>(kind)];
}

std::optional<EventKind> parse_event_kind(std::string_view name) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) return static_cast<EventKind>(i);
  }
  return std::nullopt;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  if (inet_pton(AF_INET, buf, ip.bytes.data()) == 1) {
    ip.is_v4 = true;
    return ip;
  }
  if (inet_pton(AF_INET6, buf, ip.bytes.data()) == 1) {
    ip.is_v4 = false;
    return ip;
  }
  return std::nullopt;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  const char* out = inet_ntop(is_v4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return out != nullptr ? std::string(out) : std::string();
}

const FieldValue* Event::find(std::string_view name) const {
  for (const Field& f : fields) {
    if (f.name == name) return &f.value;
  }
  return nullptr;
}

std::size_t approximate_size(const Event& event) {
  constexpr std::size_t kPerEvent = 16;
  constexpr std::size_t kPerField = 4;
  std::size_t n = kPerEvent + event.raw.size() + event.source.size();
  for (const Field& f : event.fields) {
    n += kPerField + f.name.size();
    if (const auto* s = std::get_if<std::string>(&f.value)) {
      n += s->size();
    } else if (const auto* list = std::get_if<StringList>(&f.value)) {
      for (const std::string& item : *list) n += kPerField + item.size();
    } else {
      n += 16;  // numbers, bools and addresses
    }
  }
  return n;
}

}  // namespace soc
