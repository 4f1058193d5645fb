#include "agent/decode/syslog_decoder.h"

#include <climits>
#include <ctime>
#include <string>
#include <vector>

namespace soc::agent {
namespace {

constexpr std::int64_t kNsPerSec = 1'000'000'000;
constexpr std::int64_t kSecPerDay = 86'400;
constexpr std::int64_t kSecPerHour = 3'600;
// ISO years outside this range would overflow int64 nanoseconds.
constexpr std::int64_t kMinYear = 1678;
constexpr std::int64_t kMaxYear = 2261;
constexpr int kMaxPriority = 191;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Reads exactly `n` digits at s[i]; false when the text is short or not digits.
bool read_digits(std::string_view s, std::size_t i, std::size_t n, int& out) {
  if (i > s.size() || s.size() - i < n) return false;
  int value = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const char c = s[i + k];
    if (!is_digit(c)) return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t yoe = y - era * 400;
  const std::int64_t mp = m > 2 ? m - 3 : m + 9;
  const std::int64_t doy = (153 * mp + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct CivilDate {
  std::int64_t year = 0;
  int month = 0;
  int day = 0;
};

// The date of a day count since 1970-01-01 (the inverse of days_from_civil).
CivilDate civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  CivilDate date;
  date.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  date.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  date.year = yoe + era * 400 + (date.month <= 2 ? 1 : 0);
  return date;
}

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(std::int64_t y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && is_leap(y)) return 29;
  return kDays[m - 1];
}

// A wall-clock time as written in the line; year 0 when the line has none (RFC 3164).
struct WallTime {
  std::int64_t year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  std::int64_t frac_ns = 0;
  bool has_offset = false;
  std::int32_t offset_seconds = 0;
};

std::int64_t wall_seconds(const WallTime& w, std::int64_t year) {
  return days_from_civil(year, w.month, w.day) * kSecPerDay + w.hour * kSecPerHour +
         std::int64_t{w.minute} * 60 + w.second;
}

// "Jan".."Dec" (any case); 0 when not a month.
int month_from_abbrev(std::string_view s) {
  if (s.size() < 3) return 0;
  const auto low = [](char c) { return static_cast<char>(c | 0x20); };
  const char a = low(s[0]);
  const char b = low(s[1]);
  const char c = low(s[2]);
  switch (a) {
    case 'j':
      if (b == 'a' && c == 'n') return 1;
      if (b == 'u' && c == 'n') return 6;
      if (b == 'u' && c == 'l') return 7;
      return 0;
    case 'f':
      return b == 'e' && c == 'b' ? 2 : 0;
    case 'm':
      if (b == 'a' && c == 'r') return 3;
      if (b == 'a' && c == 'y') return 5;
      return 0;
    case 'a':
      if (b == 'p' && c == 'r') return 4;
      if (b == 'u' && c == 'g') return 8;
      return 0;
    case 's':
      return b == 'e' && c == 'p' ? 9 : 0;
    case 'o':
      return b == 'c' && c == 't' ? 10 : 0;
    case 'n':
      return b == 'o' && c == 'v' ? 11 : 0;
    case 'd':
      return b == 'e' && c == 'c' ? 12 : 0;
    default:
      return 0;
  }
}

// Reads ".ddd" (or ",ddd") at s[i]: up to 9 digits kept as nanoseconds, more are skipped.
// Returns the index after it (i when there is no fraction).
std::size_t read_fraction(std::string_view s, std::size_t i, std::int64_t& frac_ns) {
  frac_ns = 0;
  if (i >= s.size() || (s[i] != '.' && s[i] != ',') || i + 1 >= s.size() || !is_digit(s[i + 1])) {
    return i;
  }
  ++i;
  std::int64_t scale = kNsPerSec / 10;
  while (i < s.size() && is_digit(s[i])) {
    frac_ns += (s[i] - '0') * scale;
    scale /= 10;
    ++i;
  }
  return i;
}

// "hh:mm:ss[.frac]" at s[i] (leap second 60 allowed); returns the index after it, or 0.
std::size_t read_clock(std::string_view s, std::size_t i, WallTime& w) {
  if (!read_digits(s, i, 2, w.hour) || s.size() < i + 8 || s[i + 2] != ':' ||
      !read_digits(s, i + 3, 2, w.minute) || s[i + 5] != ':' ||
      !read_digits(s, i + 6, 2, w.second) || w.hour > 23 || w.minute > 59 || w.second > 60) {
    return 0;
  }
  return read_fraction(s, i + 8, w.frac_ns);
}

// "Mmm dd hh:mm:ss[.frac]" (day space- or zero-padded, or one digit); chars consumed or 0.
std::size_t parse_bsd_time(std::string_view s, WallTime& w) {
  if (s.size() < 14 || s[3] != ' ') return 0;
  w.month = month_from_abbrev(s);
  if (w.month == 0) return 0;
  std::size_t i = 4;
  if (s[i] == ' ') ++i;
  if (!read_digits(s, i, 1, w.day)) return 0;
  ++i;
  if (i < s.size() && is_digit(s[i])) {
    w.day = w.day * 10 + (s[i] - '0');
    ++i;
  }
  if (i >= s.size() || s[i] != ' ') return 0;
  if (w.day < 1 || w.day > 31) return 0;
  return read_clock(s, i + 1, w);
}

// "YYYY Mmm dd hh:mm:ss" (syslog-ng with the year first).
std::size_t parse_year_bsd_time(std::string_view s, WallTime& w) {
  int year = 0;
  if (s.size() < 19 || !read_digits(s, 0, 4, year) || s[4] != ' ') return 0;
  const std::size_t n = parse_bsd_time(s.substr(5), w);
  if (n == 0) return 0;
  w.year = year;
  return n + 5;
}

// "Z", "+hh:mm", "+hhmm" or "+hh" at s[i]; returns the index after it (i when absent, 0 when
// malformed).
std::size_t read_offset(std::string_view s, std::size_t i, WallTime& w) {
  if (i >= s.size()) return i;
  if (s[i] == 'Z' || s[i] == 'z') {
    w.has_offset = true;
    return i + 1;
  }
  if (s[i] != '+' && s[i] != '-') return i;
  const int sign = s[i] == '-' ? -1 : 1;
  int hours = 0;
  int minutes = 0;
  if (!read_digits(s, i + 1, 2, hours)) return 0;
  std::size_t j = i + 3;
  if (j < s.size() && s[j] == ':') ++j;
  if (read_digits(s, j, 2, minutes)) {
    j += 2;
  } else if (j != i + 3) {
    return 0;  // "+02:" without minutes
  }
  if (hours > 23 || minutes > 59) return 0;
  w.has_offset = true;
  w.offset_seconds = sign * (hours * 3600 + minutes * 60);
  return j;
}

// "YYYY-MM-DD(T| )hh:mm:ss[.frac][Z|+hh:mm|+hhmm|+hh]"; chars consumed or 0.
std::size_t parse_iso_time(std::string_view s, WallTime& w) {
  int year = 0;
  if (s.size() < 19 || !read_digits(s, 0, 4, year) || s[4] != '-' ||
      !read_digits(s, 5, 2, w.month) || s[7] != '-' || !read_digits(s, 8, 2, w.day) ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ')) {
    return 0;
  }
  w.year = year;
  if (w.year < kMinYear || w.year > kMaxYear || w.month < 1 || w.month > 12 || w.day < 1 ||
      w.day > days_in_month(w.year, w.month)) {
    return 0;
  }
  const std::size_t i = read_clock(s, 11, w);
  if (i == 0) return 0;
  return read_offset(s, i, w);
}

// "<PRI>" with 1-3 digits and a value up to 191; chars consumed or 0.
std::size_t parse_pri(std::string_view s, int& priority) {
  std::size_t i = 1;
  int value = 0;
  while (i < s.size() && i <= 3 && is_digit(s[i])) {
    value = value * 10 + (s[i] - '0');
    ++i;
  }
  if (i == 1 || i >= s.size() || s[i] != '>' || value > kMaxPriority) return 0;
  priority = value;
  return i + 1;
}

bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 18) return false;
  for (const char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

std::int64_t to_int(std::string_view digits) {
  std::int64_t v = 0;
  for (const char c : digits) v = v * 10 + (c - '0');
  return v;
}

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' || c == '-' ||
         c == '_' || c == ':';
}

// Sets tag, program and pid from a raw tag such as "sshd(pam_unix)[123]" or "CRON[9]".
void set_tag(std::string_view raw, SyslogHeader& h) {
  if (raw.size() >= 3 && raw.back() == ']') {
    const std::size_t open = raw.rfind('[');
    if (open != std::string_view::npos && open > 0) {
      const std::string_view pid = raw.substr(open + 1, raw.size() - open - 2);
      if (all_digits(pid)) {
        h.pid = to_int(pid);
        raw = raw.substr(0, open);
      }
    }
  }
  h.tag = raw;
  const std::size_t paren = raw.find('(');
  h.program = (paren != std::string_view::npos && paren > 0) ? raw.substr(0, paren) : raw;
}

// The rest of `s` after `n` chars and at most one space.
std::string_view after_token(std::string_view s, std::size_t n) {
  if (n < s.size() && s[n] == ' ') ++n;
  return n <= s.size() ? s.substr(n) : std::string_view();
}

// "[prog]" or "[prog]:" as written by some old daemons; sets the program.
bool take_bracket_tag(std::string_view token, SyslogHeader& h) {
  if (token.size() < 3 || token.front() != '[') return false;
  std::string_view inner = token;
  if (inner.back() == ':') inner.remove_suffix(1);
  if (inner.size() < 3 || inner.back() != ']') return false;
  inner = inner.substr(1, inner.size() - 2);
  if (inner.find_first_of("[] ") != std::string_view::npos) return false;
  set_tag(inner, h);
  return true;
}

// "TAG:" (any non-space text ending in a colon), or "TAG[PID]" without the colon.
bool take_tag(std::string_view token, SyslogHeader& h) {
  if (token.size() >= 2 && token.back() == ':') {
    set_tag(token.substr(0, token.size() - 1), h);
    return true;
  }
  const std::size_t open = token.find('[');
  if (open != std::string_view::npos && open > 0 && token.back() == ']' &&
      all_digits(token.substr(open + 1, token.size() - open - 2))) {
    set_tag(token, h);
    return true;
  }
  return false;
}

// After the time: "[HOST ]TAG[PID]: MSG", "[HOST ][TAG] MSG" or "HOST MSG".
void parse_host_and_tag(std::string_view s, SyslogHeader& h) {
  const std::string_view first = s.substr(0, s.find(' '));
  if (first.empty()) {
    h.message = s;
    return;
  }
  if (take_bracket_tag(first, h) || (first.back() == ':' && take_tag(first, h))) {
    h.message = after_token(s, first.size());
    return;
  }
  h.hostname = first;
  std::string_view rest = s.substr(first.size());
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  const std::string_view second = rest.substr(0, rest.find(' '));
  if (!second.empty() && (take_bracket_tag(second, h) || take_tag(second, h))) {
    h.message = after_token(rest, second.size());
  } else {
    h.message = rest;
  }
}

// After a <PRI> with no time: "TAG: MSG" or just "MSG".
void parse_tag_only(std::string_view s, SyslogHeader& h) {
  const std::string_view first = s.substr(0, s.find(' '));
  if (!first.empty() && first.back() == ':' && take_tag(first, h)) {
    h.message = after_token(s, first.size());
  } else {
    h.message = s;
  }
}

// journald's short export without a time: "HOST PROG[PID]: MSG" (strict: a plain host name and
// a numeric pid, so that arbitrary text is not taken for syslog).
bool parse_timeless(std::string_view s, SyslogHeader& h) {
  const std::size_t space = s.find(' ');
  if (space == 0 || space == std::string_view::npos) return false;
  const std::string_view host = s.substr(0, space);
  for (const char c : host) {
    if (!is_host_char(c)) return false;
  }
  const std::string_view rest = s.substr(space + 1);
  const std::string_view tag = rest.substr(0, rest.find(' '));
  if (tag.size() < 5 || tag.substr(tag.size() - 2) != "]:") return false;
  const std::size_t open = tag.find('[');
  if (open == 0 || open == std::string_view::npos ||
      !all_digits(tag.substr(open + 1, tag.size() - open - 3))) {
    return false;
  }
  h.hostname = host;
  set_tag(tag.substr(0, tag.size() - 1), h);
  h.message = after_token(rest, tag.size());
  return true;
}

// Next space-terminated RFC 5424 header token ("-" becomes empty); false when missing.
bool next_5424_token(std::string_view& s, std::string_view& token) {
  const std::size_t space = s.find(' ');
  if (space == 0 || space == std::string_view::npos) return false;
  token = s.substr(0, space);
  if (token == "-") token = {};
  s.remove_prefix(space + 1);
  return true;
}

// RFC 5424 STRUCTURED-DATA at the start of s: "-" or one or more "[id k="v" ...]" elements,
// with \" \\ \] escapes inside values. Returns its length, or 0 when malformed.
std::size_t scan_structured_data(std::string_view s) {
  if (s.empty()) return 0;
  if (s[0] == '-') return 1;
  std::size_t i = 0;
  while (i < s.size() && s[i] == '[') {
    bool in_quotes = false;
    ++i;
    for (;; ++i) {
      if (i >= s.size()) return 0;
      const char c = s[i];
      if (in_quotes) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          in_quotes = false;
        }
      } else if (c == '"') {
        in_quotes = true;
      } else if (c == ']') {
        break;
      }
    }
    ++i;
  }
  return i;
}

// Converts a wall time to ns since the epoch, reading it in `zone` unless it has its own offset.
TimeNs to_time_ns(const WallTime& w, std::int64_t year, const SyslogTimeZone& zone) {
  const std::int64_t wall = wall_seconds(w, year);
  const std::int64_t utc = w.has_offset ? wall - w.offset_seconds : zone.wall_to_utc(wall);
  return utc * kNsPerSec + w.frac_ns;
}

// The year of an RFC 3164 time: the latest year, from the current one in `zone` back, that does
// not put the time more than a day after `now` (compared in wall-clock time); false when none of
// the last five years does (e.g. Feb 29 far from a leap year).
bool infer_year(const WallTime& w, TimeNs now, const SyslogTimeZone& zone, std::int64_t& year) {
  const std::int64_t now_s = floor_div(now, kNsPerSec);
  const std::int64_t now_wall = now_s + zone.offset_at(now_s);
  // The year of today's wall-clock date, remembered per thread for the day it was computed on.
  thread_local std::int64_t cached_day = INT64_MIN;
  thread_local std::int64_t cached_year = 0;
  const std::int64_t today = floor_div(now_wall, kSecPerDay);
  if (today != cached_day) {
    cached_year = civil_from_days(today).year;
    cached_day = today;
  }
  const std::int64_t this_year = cached_year;
  for (std::int64_t y = this_year; y >= this_year - 4; --y) {
    if (y < kMinYear || y > kMaxYear || w.day > days_in_month(y, w.month)) continue;
    if (wall_seconds(w, y) <= now_wall + kSecPerDay) {
      year = y;
      return true;
    }
  }
  return false;
}

}  // namespace

Result<SyslogTimeZone> SyslogTimeZone::parse(std::string_view spec) {
  if (spec.empty() || spec == "local") return local();
  if (spec == "UTC" || spec == "utc" || spec == "Z" || spec == "GMT" || spec == "UTC0" ||
      spec == "Etc/UTC") {
    return utc();
  }
  WallTime w;
  const std::size_t n = read_offset(spec, 0, w);
  if (n == spec.size() && w.has_offset && spec[0] != 'Z' && spec[0] != 'z') {
    return fixed(w.offset_seconds);
  }
  return fail(ErrorCode::kUnsupported,
              "time zone '" + std::string(spec) +
                  "': only UTC, local or a fixed offset (+HH:MM, -HHMM, +HH) are supported");
}

std::int64_t SyslogTimeZone::wall_to_utc(std::int64_t wall_seconds) const {
  if (!local_) return wall_seconds - offset_;
  // mktime per hour of wall time, cached per thread (log lines arrive in time order).
  thread_local std::int64_t cached_hour = INT64_MIN;
  thread_local std::int64_t cached_offset = 0;
  const std::int64_t hour = floor_div(wall_seconds, kSecPerHour);
  if (hour != cached_hour) {
    const std::int64_t days = floor_div(hour * kSecPerHour, kSecPerDay);
    const CivilDate date = civil_from_days(days);
    std::tm tm{};
    tm.tm_year = static_cast<int>(date.year - 1900);
    tm.tm_mon = date.month - 1;
    tm.tm_mday = date.day;
    tm.tm_hour = static_cast<int>(hour - days * 24);
    tm.tm_isdst = -1;
    const std::time_t t = std::mktime(&tm);
    cached_offset = t == static_cast<std::time_t>(-1) ? 0 : hour * kSecPerHour - t;
    cached_hour = hour;
  }
  return wall_seconds - cached_offset;
}

std::int64_t SyslogTimeZone::offset_at(std::int64_t utc_seconds) const {
  if (!local_) return offset_;
  thread_local std::int64_t cached_hour = INT64_MIN;
  thread_local std::int64_t cached_offset = 0;
  const std::int64_t hour = floor_div(utc_seconds, kSecPerHour);
  if (hour != cached_hour) {
    const std::time_t t = static_cast<std::time_t>(hour * kSecPerHour);
    std::tm tm{};
    cached_offset = localtime_r(&t, &tm) != nullptr ? tm.tm_gmtoff : 0;
    cached_hour = hour;
  }
  return cached_offset;
}

bool SyslogDecoder::parse(std::string_view line, SyslogHeader& h) const {
  h = SyslogHeader{};
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  std::string_view s = line;
  if (!s.empty() && s[0] == '<') {
    const std::size_t n = parse_pri(s, h.priority);
    if (n == 0) return false;
    s.remove_prefix(n);
    if (s.size() >= 2 && s[0] == '1' && s[1] == ' ') {
      // RFC 5424: TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]
      s.remove_prefix(2);
      h.rfc5424 = true;
      std::string_view stamp;
      std::string_view app;
      std::string_view proc;
      if (!next_5424_token(s, stamp) || !next_5424_token(s, h.hostname) ||
          !next_5424_token(s, app) || !next_5424_token(s, proc) || !next_5424_token(s, h.msg_id)) {
        return false;
      }
      if (!stamp.empty()) {
        WallTime w;
        if (parse_iso_time(stamp, w) != stamp.size()) return false;
        h.has_time = true;
        h.time_ns = to_time_ns(w, w.year, zone_);
      }
      h.tag = app;
      h.program = app;
      if (all_digits(proc)) {
        h.pid = to_int(proc);
      } else {
        h.proc_id = proc;
      }
      const std::size_t sd = scan_structured_data(s);
      if (sd == 0 || (sd < s.size() && s[sd] != ' ')) return false;
      if (s[0] != '-') h.structured_data = s.substr(0, sd);
      h.message = sd < s.size() ? s.substr(sd + 1) : std::string_view();
      if (h.message.substr(0, 3) == "\xEF\xBB\xBF") h.message.remove_prefix(3);
      return true;
    }
  }
  WallTime w;
  std::size_t n = parse_bsd_time(s, w);
  if (n == 0) n = parse_year_bsd_time(s, w);
  if (n == 0) n = parse_iso_time(s, w);
  if (n == 0) {
    if (h.priority >= 0) {
      parse_tag_only(s, h);
      return true;
    }
    return parse_timeless(s, h);
  }
  if (n >= s.size() || s[n] != ' ') return false;
  std::int64_t year = w.year;
  if (year == 0 && !infer_year(w, now_(), zone_, year)) return false;
  if (w.day > days_in_month(year, w.month)) return false;
  h.has_time = true;
  h.time_ns = to_time_ns(w, year, zone_);
  s.remove_prefix(n);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  if (s.empty()) return true;
  parse_host_and_tag(s, h);
  return true;
}

void SyslogDecoder::emit(const SyslogHeader& h, Event& event) {
  emit_fields(h, event.fields);
  if (h.has_time) event.time_ns = h.time_ns;
}

void SyslogDecoder::emit_fields(const SyslogHeader& h, std::vector<Field>& f) {
  if (h.priority >= 0) {
    append_int(f, "log.syslog.facility.code", h.priority >> 3);
    append_int(f, "log.syslog.severity.code", h.priority & 7);
  }
  if (!h.hostname.empty()) append_string(f, "host.hostname", h.hostname);
  if (!h.program.empty()) append_string(f, "process.name", h.program);
  if (h.pid >= 0) append_int(f, "process.pid", h.pid);
  if (h.tag.size() != h.program.size()) append_string(f, "log.syslog.appname", h.tag);
  if (!h.proc_id.empty()) append_string(f, "log.syslog.procid", h.proc_id);
  if (!h.msg_id.empty()) append_string(f, "log.syslog.msgid", h.msg_id);
  if (!h.structured_data.empty()) append_string(f, "log.syslog.structured_data", h.structured_data);
  append_string(f, "log.syslog.message", h.message);
}

bool SyslogDecoder::decode(Event& event) const {
  SyslogHeader header;
  if (!parse(event.raw, header)) return false;
  event.fields.reserve(event.fields.size() + 10);
  emit(header, event);
  return true;
}

}  // namespace soc::agent
