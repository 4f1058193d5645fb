// Minimal leveled logging to stderr, one line per record:
//   2026-11-29T21:00:00.000000000Z INFO  collector: message
// Thread-safe (one write(2) per line). Programs call set_log_level() once at start-up.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace soc {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void set_log_level(LogLevel level);
// Parses "debug" | "info" | "warn" | "error"; false when the name is unknown.
bool parse_log_level(std::string_view name, LogLevel& out);
bool log_enabled(LogLevel level);
void log_line(LogLevel level, std::string_view component, std::string_view message);

namespace detail {
template <typename... Args>
std::string concat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}
}  // namespace detail

// log(LogLevel::kInfo, "agent", "sent ", n, " events");
template <typename... Args>
void log(LogLevel level, std::string_view component, const Args&... args) {
  if (log_enabled(level)) log_line(level, component, detail::concat(args...));
}

}  // namespace soc
