#include "agent/logsource.h"

#include <algorithm>
#include <cctype>

namespace soc::agent {
namespace {

constexpr std::size_t kMaxCachedShapes = 256;

const std::string* string_field(const Event& event, std::string_view name) {
  const FieldValue* v = event.find(name);
  return v != nullptr ? std::get_if<std::string>(v) : nullptr;
}

bool has_execve(const Event& event) {
  const FieldValue* v = event.find("auditd.message_types");
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

}  // namespace

const sigma::LogSource& LogSourceRouter::route(const Event& event) {
  // The shape: which family the decoder recognised, plus the program name for syslog.
  std::string key;
  if (event.find("auditd.sequence") != nullptr) {
    key = has_execve(event) ? "auditd:execve" : "auditd";
  } else if (event.find("http.request.method") != nullptr ||
             event.find("url.original") != nullptr) {
    key = "web";
  } else if (const std::string* program = string_field(event, "process.name");
             program != nullptr && event.find("log.syslog.message") != nullptr) {
    key = "syslog:" + *program;
  } else {
    key = "plain";
  }
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
  if (cache_.size() >= kMaxCachedShapes) cache_.clear();  // hostile logs: many program names
  return cache_.emplace(std::move(key), std::move(ls)).first->second;
}

void LogSourceRouter::set_routing(const std::vector<pack::RoutingEntry>* routing) {
  if (routing == routing_) return;
  routing_ = routing;
  cache_.clear();
}

}  // namespace soc::agent
