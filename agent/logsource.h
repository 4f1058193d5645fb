// Sigma log-source routing for agent events: what product, categories and services an event
// belongs to, from the source's configuration plus what its decoder found:
//   - a syslog line adds the services "syslog" and "auth" and its program (process.name,
//     lower case, e.g. "sshd", "sudo", "cron");
//   - an auditd event adds the service "auditd", and the category "process_creation" when it
//     holds an EXECVE record;
//   - a web access line adds the category "webserver".
// The configured product (default "linux") is kept; configured categories/services come first.
// A pack's routing entries add a service to the events of a program (set_routing).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/event.h"
#include "signatures/pack/manifest.h"
#include "signatures/sigma/rule_set.h"

namespace soc::agent {

// Caches the derived LogSource per distinct shape, so routing allocates only on the first
// event of each shape, and remembers the last shape, so a run of events of one shape (the usual
// case: one program's lines) costs one pass over each event's fields. Not thread-safe: one per
// source.
class LogSourceRouter {
 public:
  explicit LogSourceRouter(sigma::LogSource configured) : configured_(std::move(configured)) {}
  const sigma::LogSource& route(const Event& event);

  // Uses `routing` (which must stay alive and unchanged while in use: a pack's, held by the
  // caller's rule snapshot) from now on; a different table than before empties the cache.
  void set_routing(const std::vector<pack::RoutingEntry>* routing);

 private:
  sigma::LogSource configured_;
  const std::vector<pack::RoutingEntry>* routing_ = nullptr;
  // The cached log source of shape `key`, derived and cached on first use.
  const sigma::LogSource& lookup(const std::string& key);

  std::map<std::string, sigma::LogSource, std::less<>> cache_;  // shape key -> log source
  // The shape of the previous event (family: static text) and its log source (in cache_).
  std::string_view last_family_;
  std::string last_program_;
  const sigma::LogSource* last_ = nullptr;  // null: none
};

}  // namespace soc::agent
