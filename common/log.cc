#include "common/log.h"

#include <unistd.h>

#include <atomic>

#include "common/clock.h"

namespace soc {
namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO ";
    case LogLevel::kWarn:
      return "WARN ";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?";
}
}  // namespace

void set_log_level(LogLevel level) { g_level = static_cast<int>(level); }

bool parse_log_level(std::string_view name, LogLevel& out) {
  if (name == "debug") {
    out = LogLevel::kDebug;
  } else if (name == "info") {
    out = LogLevel::kInfo;
  } else if (name == "warn") {
    out = LogLevel::kWarn;
  } else if (name == "error") {
    out = LogLevel::kError;
  } else {
    return false;
  }
  return true;
}

bool log_enabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

void log_line(LogLevel level, std::string_view component, std::string_view message) {
  std::string line = format_rfc3339(now_ns());
  line += ' ';
  line += level_name(level);
  line += ' ';
  line += component;
  line += ": ";
  line += message;
  line += '\n';
  // One write per line so concurrent threads never interleave within a line.
  ssize_t written = ::write(STDERR_FILENO, line.data(), line.size());
  (void)written;
}

}  // namespace soc
