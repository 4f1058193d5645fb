// Variables: the `$NAME` table of rule headers (address groups like HOME_NET, port groups like
// HTTP_PORTS). Starts with defaults like Suricata's stock configuration (HOME_NET the private
// ranges, EXTERNAL_NET = !$HOME_NET, the *_SERVERS groups = $HOME_NET, the usual *_PORTS);
// set() overrides or adds one. Values are rule-header text and may name other variables
// (expansion is bounded by the address/port parsers). Not thread-safe while being modified.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace soc::packet {

class Variables {
 public:
  static Variables defaults();
  // NAME without the '$'.
  void set(std::string name, std::string value) { values_[std::move(name)] = std::move(value); }
  // nullptr when unknown.
  const std::string* find(std::string_view name) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace soc::packet
