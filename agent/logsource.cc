#include "agent/logsource.h"

#include <algorithm>
#include <cctype>

namespace soc::agent {
namespace {

constexpr std::size_t kMaxCachedShapes = 256;

bool has_execve(const FieldValue* v) {
  if (v == nullptr) return false;
  if (const auto* list = std::get_if<StringList>(v)) {
    return std::find(list->begin(), list->end(), "EXECVE") != list->end();
  }
  if (const auto* s = std::get_if<std::string>(v)) return *s == "EXECVE";
  return false;
}

void add(std::vector<std::string>& set, std::string value) {
  if (std::find(set.begin(), set.end(), value) == set.end()) set.push_back(std::move(value));
}

// What routing depends on: the family the decoder recognised ("auditd", "auditd:execve", "web",
// "syslog", "plain") and, for syslog, the program (process.name); views into static text and
// into the event.
struct Shape {
  std::string_view family;
  std::string_view program;
};

// One pass over the fields (this runs for every event).
Shape shape_of(const Event& event) {
  bool audit = false, web = false, syslog_message = false;
  const FieldValue* message_types = nullptr;
  const std::string* program = nullptr;
  using namespace std::string_view_literals;  // views compare sizes before bytes
  for (const Field& f : event.fields) {
    const std::string_view n = f.name;
    switch (n.size()) {  // most names are none of these: one jump rejects them
      case "auditd.sequence"sv.size():
        audit = audit || n == "auditd.sequence"sv;
        break;
      case "auditd.message_types"sv.size():
        if (n == "auditd.message_types"sv) message_types = &f.value;
        break;
      case "http.request.method"sv.size():
        web = web || n == "http.request.method"sv;
        break;
      case "process.name"sv.size():  // also the size of "url.original"
        if (n == "process.name"sv) {
          if (program == nullptr) program = std::get_if<std::string>(&f.value);
        } else {
          web = web || n == "url.original"sv;
        }
        break;
      case "log.syslog.message"sv.size():
        syslog_message = syslog_message || n == "log.syslog.message"sv;
        break;
      default:
        break;
    }
  }
  if (audit) return {has_execve(message_types) ? "auditd:execve"sv : "auditd"sv, {}};
  if (web) return {"web"sv, {}};
  if (program != nullptr && syslog_message) return {"syslog"sv, *program};
  return {"plain"sv, {}};
}

}  // namespace

const sigma::LogSource& LogSourceRouter::route(const Event& event) {
  const Shape shape = shape_of(event);
  if (last_ != nullptr && shape.family == last_family_ && shape.program == last_program_) {
    return *last_;
  }
  std::string key(shape.family);
  if (shape.family == "syslog") key.append(":").append(shape.program);
  const sigma::LogSource& found = lookup(key);
  last_family_ = shape.family;
  last_program_.assign(shape.program);
  last_ = &found;
  return found;
}

const sigma::LogSource& LogSourceRouter::lookup(const std::string& key) {
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;

  sigma::LogSource ls = configured_;
  if (ls.product.empty()) ls.product = "linux";
  if (key.starts_with("auditd")) {
    add(ls.services, "auditd");
    if (key == "auditd:execve") add(ls.categories, "process_creation");
  } else if (key == "web") {
    add(ls.categories, "webserver");
  } else if (key.starts_with("syslog:")) {
    add(ls.services, "syslog");
    add(ls.services, "auth");
    std::string program = key.substr(7);
    std::transform(program.begin(), program.end(), program.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    // "sshd-session" and "sshd(pam_unix)" are sshd for routing.
    if (program.starts_with("sshd")) program = "sshd";
    if (routing_ != nullptr) {
      for (const pack::RoutingEntry& entry : *routing_) {
        if (entry.program == program) add(ls.services, entry.service);
      }
    }
    add(ls.services, program);
  }
  if (cache_.size() >= kMaxCachedShapes) {  // hostile logs: many program names
    cache_.clear();
    last_ = nullptr;
  }
  return cache_.emplace(key, std::move(ls)).first->second;
}

void LogSourceRouter::set_routing(const std::vector<pack::RoutingEntry>* routing) {
  if (routing == routing_) return;
  routing_ = routing;
  cache_.clear();
  last_ = nullptr;
}

}  // namespace soc::agent
