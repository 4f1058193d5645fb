#include "agent/decode/web_access_decoder.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

namespace soc::agent {
namespace {

using std::string_view;

// Seconds that still fit TimeNs (int64 ns): about +-292 years around 1970.
constexpr std::int64_t kMaxSeconds = 9'000'000'000;

constexpr std::size_t kMaxTimeSearch = 4096;  // the '[' of the time must start before this
constexpr std::size_t kMaxPrefixTokens = 16;
constexpr std::size_t kMaxChain = 8;  // addresses kept from an X-Forwarded-For chain

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_blank(char c) { return c == ' ' || c == '\t'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

string_view trim(string_view s) {
  while (!s.empty() && (is_blank(s.front()) || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// Non-negative decimal integer of at most 18 digits; nullopt otherwise.
std::optional<std::int64_t> parse_uint(string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, std::int64_t m, std::int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool fixed_digits(string_view s, std::size_t pos, std::size_t n, std::int64_t& out) {
  if (pos + n > s.size()) return false;
  std::int64_t v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

int month_number(string_view m) {
  if (m.size() != 3) return 0;
  switch (m[0]) {
    case 'J':
      return m == "Jan" ? 1 : m == "Jun" ? 6 : m == "Jul" ? 7 : 0;
    case 'F':
      return m == "Feb" ? 2 : 0;
    case 'M':
      return m == "Mar" ? 3 : m == "May" ? 5 : 0;
    case 'A':
      return m == "Apr" ? 4 : m == "Aug" ? 8 : 0;
    case 'S':
      return m == "Sep" ? 9 : 0;
    case 'O':
      return m == "Oct" ? 10 : 0;
    case 'N':
      return m == "Nov" ? 11 : 0;
    case 'D':
      return m == "Dec" ? 12 : 0;
    default:
      return 0;
  }
}

bool is_dash(string_view s) { return s.size() == 1 && s[0] == '-'; }

// "10/Oct/2000:13:55:36 -0700" (optionally ".123" after the seconds, zone optional = UTC).
std::optional<TimeNs> parse_clf_time(string_view s) {
  std::int64_t day = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (s.size() < 20 || !fixed_digits(s, 0, 2, day) || s[2] != '/' || s[6] != '/' || s[11] != ':' ||
      s[14] != ':' || s[17] != ':') {
    return std::nullopt;
  }
  const int month = month_number(s.substr(3, 3));
  if (month == 0 || !fixed_digits(s, 7, 4, year) || !fixed_digits(s, 12, 2, hour) ||
      !fixed_digits(s, 15, 2, minute) || !fixed_digits(s, 18, 2, second)) {
    return std::nullopt;
  }
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::size_t pos = 20;
  std::int64_t frac_ns = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    std::int64_t scale = 100'000'000;
    while (pos < s.size() && is_digit(s[pos])) {
      frac_ns += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
  }
  std::int64_t offset_s = 0;
  while (pos < s.size() && s[pos] == ' ') ++pos;
  if (pos < s.size()) {
    const char sign = s[pos];
    std::int64_t oh = 0, om = 0;
    if (sign == 'Z' && pos + 1 == s.size()) {
      offset_s = 0;
    } else if ((sign == '+' || sign == '-') && fixed_digits(s, pos + 1, 2, oh)) {
      std::size_t mpos = pos + 3;
      if (mpos < s.size() && s[mpos] == ':') ++mpos;
      if (!fixed_digits(s, mpos, 2, om) || mpos + 2 != s.size() || oh > 23 || om > 59) {
        return std::nullopt;
      }
      offset_s = (oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
    } else {
      return std::nullopt;
    }
  }
  const std::int64_t days = days_from_civil(year, month, day);
  const std::int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_s;
  if (secs > kMaxSeconds || secs < -kMaxSeconds) return std::nullopt;  // TimeNs range
  return secs * 1'000'000'000 + frac_ns;
}

// Index of the closing quote of a quoted field whose opening quote is at `open`, honouring
// backslash escapes (Apache writes \" inside fields); npos when unterminated.
std::size_t closing_quote(string_view s, std::size_t open) {
  std::size_t from = open + 1;
  while (from < s.size()) {
    const void* hit = std::memchr(s.data() + from, '"', s.size() - from);
    if (hit == nullptr) return string_view::npos;
    const auto q = static_cast<std::size_t>(static_cast<const char*>(hit) - s.data());
    std::size_t backslashes = 0;
    while (q - backslashes > open + 1 && s[q - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return q;
    from = q + 1;
  }
  return string_view::npos;
}

// Dotted-quad IPv4 without leading zeros (what inet_pton accepts), without a library call.
bool parse_ipv4(string_view s, IpAddress& ip) {
  std::size_t i = 0;
  for (std::size_t part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
    const std::size_t start = i;
    unsigned v = 0;
    while (i < s.size() && is_digit(s[i]) && i - start < 3)
      v = v * 10 + static_cast<unsigned>(s[i++] - '0');
    if (i == start || v > 255 || (i - start > 1 && s[start] == '0')) return false;
    ip.bytes[part] = static_cast<std::uint8_t>(v);
  }
  ip.is_v4 = true;
  return i == s.size();
}

std::optional<IpAddress> parse_ip(string_view s) {
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  if (s.empty() || s.size() > 45) return std::nullopt;
  IpAddress ip;
  if (is_digit(s.front()) && parse_ipv4(s, ip)) return ip;
  if (s.find(':') == string_view::npos) return std::nullopt;
  // Cheap rejection before inet_pton: an address has only hex digits, '.' and ':'.
  for (char c : s) {
    if (hex_value(c) < 0 && c != '.' && c != ':') return std::nullopt;
  }
  return IpAddress::parse(s);
}

// Loopback, private, link-local, CGNAT, unspecified and unique-local addresses (v4 and v6,
// including v4-mapped v6) are not public.
bool is_public(const IpAddress& ip) {
  const auto& b = ip.bytes;
  auto v4_public = [](std::uint8_t a, std::uint8_t b1) {
    if (a == 0 || a == 10 || a == 127) return false;
    if (a == 172 && (b1 & 0xF0) == 16) return false;
    if (a == 192 && b1 == 168) return false;
    if (a == 169 && b1 == 254) return false;
    if (a == 100 && (b1 & 0xC0) == 64) return false;
    return true;
  };
  if (ip.is_v4) return v4_public(b[0], b[1]);
  bool mapped = true;
  for (int i = 0; i < 10; ++i) mapped = mapped && b[static_cast<std::size_t>(i)] == 0;
  if (mapped && b[10] == 0xFF && b[11] == 0xFF) return v4_public(b[12], b[13]);
  bool zero_prefix = true;
  for (int i = 0; i < 15; ++i) zero_prefix = zero_prefix && b[static_cast<std::size_t>(i)] == 0;
  if (zero_prefix && (b[15] == 0 || b[15] == 1)) return false;  // :: and ::1
  if ((b[0] & 0xFE) == 0xFC) return false;                      // fc00::/7
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return false;      // fe80::/10
  return true;
}

struct Chain {
  std::array<IpAddress, kMaxChain> ips;
  std::size_t size = 0;
  void add(const IpAddress& ip) {
    if (size < kMaxChain) ips[size++] = ip;
  }
};

// Adds the IP entries of a comma-separated list to `chain` (entries that are not addresses,
// such as "unknown", are skipped). Returns the number of entries, and sets all_ips when every
// entry is an address.
std::size_t add_list(string_view list, Chain* chain, bool& all_ips) {
  all_ips = true;
  std::size_t entries = 0;
  while (true) {
    const std::size_t comma = list.find(',');
    const string_view entry = trim(list.substr(0, comma));
    if (!entry.empty()) {
      ++entries;
      if (auto ip = parse_ip(entry)) {
        if (chain != nullptr) chain->add(*ip);
      } else {
        all_ips = false;
      }
    }
    if (comma == string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  if (entries == 0) all_ips = false;
  return entries;
}

bool is_quoted(string_view tok) { return tok.size() >= 2 && tok.front() == '"'; }
string_view unquote(string_view tok) {
  return is_quoted(tok) ? tok.substr(1, tok.size() - 2) : tok;
}

// A token in the client position that is an address or a list of addresses.
bool is_address_token(string_view tok) {
  bool all_ips = false;
  return add_list(unquote(tok), nullptr, all_ips) > 0 && all_ips;
}

std::string percent_decode(string_view s) {
  if (s.find('%') == string_view::npos) return std::string(s);
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

bool is_tchar(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

struct Request {
  string_view method;
  string_view target;
  string_view version;
  bool valid = false;
};

// "METHOD target HTTP/x.y" (the version is optional, the target may contain spaces).
Request split_request(string_view r) {
  Request out;
  const std::size_t sp = r.find(' ');
  if (sp == string_view::npos || sp == 0 || sp > 32) return out;
  const string_view method = r.substr(0, sp);
  for (char c : method) {
    if (!is_tchar(c)) return out;
  }
  string_view rest = trim(r.substr(sp + 1));
  if (rest.empty()) return out;
  const std::size_t last = rest.rfind(' ');
  if (last != string_view::npos) {
    const string_view v = rest.substr(last + 1);
    if (v.size() > 5 && v.substr(0, 5) == "HTTP/") {
      out.version = v.substr(5);
      rest = trim(rest.substr(0, last));
    }
  }
  if (rest.empty()) return out;
  out.method = method;
  out.target = rest;
  out.valid = true;
  return out;
}

bool iequals_prefix(string_view s, string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// "host", "host:port", "[v6]:port" -> host and optional port.
void split_host_port(string_view hp, string_view& host, std::optional<std::int64_t>& port) {
  host = hp;
  port.reset();
  if (!hp.empty() && hp.front() == '[') {
    const std::size_t close = hp.find(']');
    if (close == string_view::npos) return;
    host = hp.substr(1, close - 1);
    if (close + 1 < hp.size() && hp[close + 1] == ':') port = parse_uint(hp.substr(close + 2));
    return;
  }
  const std::size_t colon = hp.rfind(':');
  if (colon == string_view::npos || hp.find(':') != colon) return;  // none, or a bare IPv6
  const auto p = parse_uint(hp.substr(colon + 1));
  if (p && *p <= 65535) {
    host = hp.substr(0, colon);
    port = p;
  }
}

}  // namespace

bool WebAccessDecoder::decode(Event& event) const {
  const string_view line = trim(event.raw);
  if (line.size() < 20) return false;

  // 1. The time: "[dd/Mon/yyyy:..." preceded by a blank; everything before it is the prefix.
  std::size_t lb = string_view::npos;
  const std::size_t search_end = line.size() < kMaxTimeSearch ? line.size() : kMaxTimeSearch;
  for (std::size_t i = 1; i + 4 < search_end; ++i) {
    const void* hit = std::memchr(line.data() + i, '[', search_end - 4 - i);
    if (hit == nullptr) break;
    i = static_cast<std::size_t>(static_cast<const char*>(hit) - line.data());
    if (is_blank(line[i - 1]) && is_digit(line[i + 1]) && line[i + 3] == '/') {
      lb = i;
      break;
    }
  }
  if (lb == string_view::npos) return false;
  const std::size_t rb = line.find(']', lb);
  if (rb == string_view::npos) return false;
  const auto time_ns = parse_clf_time(line.substr(lb + 1, rb - lb - 1));
  if (!time_ns) return false;

  // 2. Prefix tokens: quoted tokens whole, "a, b" lists merged.
  const string_view prefix = trim(line.substr(0, lb));
  std::array<string_view, kMaxPrefixTokens> tok;
  std::size_t ntok = 0;
  for (std::size_t i = 0; i < prefix.size();) {
    if (is_blank(prefix[i])) {
      ++i;
      continue;
    }
    std::size_t end;
    if (prefix[i] == '"') {
      const std::size_t close = closing_quote(prefix, i);
      if (close == string_view::npos) return false;
      end = close + 1;
    } else {
      end = i;
      while (end < prefix.size() && !is_blank(prefix[end])) ++end;
    }
    const string_view t = prefix.substr(i, end - i);
    if (ntok > 0 && tok[ntok - 1].back() == ',') {
      const char* start = tok[ntok - 1].data();
      tok[ntok - 1] = string_view(start, static_cast<std::size_t>(t.data() + t.size() - start));
    } else {
      if (ntok == kMaxPrefixTokens) return false;
      tok[ntok++] = t;
    }
    i = end;
  }
  if (ntok == 0) return false;

  std::size_t k = 0;
  string_view vhost;
  std::optional<IpAddress> ip0;  // tok[0] when it is one address (parsed once)
  if (!is_quoted(tok[0])) {
    const bool list0 = tok[0].find(',') != string_view::npos;
    if (!list0) ip0 = parse_ip(tok[0]);
    const bool addr0 = ip0.has_value() || (list0 && is_address_token(tok[0]));
    if (!addr0 && ((ntok >= 2 && is_address_token(tok[1])) || (ntok >= 4 && is_dash(tok[2])))) {
      vhost = tok[0];
      k = 1;
      ip0.reset();
    }
  }
  if (k >= ntok) return false;

  Chain chain;
  std::size_t xff_entries = 0;  // addresses in the chain that came from X-Forwarded-For
  string_view peer_text;        // the peer when it is not an address (a hostname)
  bool all_ips = false;
  if (is_quoted(tok[k])) {
    // A leading quoted X-Forwarded-For, then the peer.
    add_list(unquote(tok[k]), &chain, all_ips);
    xff_entries = chain.size;
    ++k;
    if (k >= ntok) return false;
    if (auto ip = parse_ip(tok[k])) {
      chain.add(*ip);
    } else {
      peer_text = tok[k];
    }
    ++k;
  } else if (tok[k].find(',') != string_view::npos) {
    const std::size_t entries = add_list(tok[k], &chain, all_ips);
    if (!all_ips || entries == 0) return false;
    ++k;
    if (k < ntok && !is_quoted(tok[k]) && !is_dash(tok[k])) {
      if (auto ip = parse_ip(tok[k])) {  // "list peer - -"
        chain.add(*ip);
        ++k;
      }
    }
    xff_entries = chain.size > 0 ? chain.size - 1 : 0;
  } else {
    if (k == 0 && ip0) {
      chain.add(*ip0);
    } else if (auto ip = parse_ip(tok[k])) {
      chain.add(*ip);
    } else {
      peer_text = tok[k];
    }
    ++k;
  }
  string_view user;
  const std::size_t rest = ntok - k;
  if (rest == 1) {
    user = tok[k];
  } else if (rest >= 2) {
    const char* start = tok[k + 1].data();
    const string_view last = tok[ntok - 1];
    user = string_view(start, static_cast<std::size_t>(last.data() + last.size() - start));
  }

  // 3. After the time: "request" status bytes ["referrer" "agent" [extras]].
  std::size_t pos = rb + 1;
  auto skip_blanks = [&]() {
    while (pos < line.size() && is_blank(line[pos])) ++pos;
  };
  skip_blanks();
  if (pos < line.size() && line[pos] != '"') {
    // A server name between the time and the request ("%t %v \"%r\"").
    const std::size_t start = pos;
    while (pos < line.size() && !is_blank(line[pos]) && line[pos] != '"') ++pos;
    if (vhost.empty()) vhost = line.substr(start, pos - start);
    skip_blanks();
  }
  if (pos >= line.size() || line[pos] != '"') return false;
  const std::size_t req_close = closing_quote(line, pos);
  if (req_close == string_view::npos) return false;
  const string_view request = line.substr(pos + 1, req_close - pos - 1);
  pos = req_close + 1;
  auto next_word = [&]() {
    skip_blanks();
    const std::size_t start = pos;
    while (pos < line.size() && !is_blank(line[pos])) ++pos;
    return line.substr(start, pos - start);
  };
  const string_view status_text = next_word();
  std::optional<std::int64_t> status = parse_uint(status_text);
  if (!status && !is_dash(status_text)) return false;
  std::optional<std::int64_t> bytes;
  skip_blanks();
  if (pos < line.size() && line[pos] != '"') {
    const string_view bytes_text = next_word();
    bytes = parse_uint(bytes_text);
    if (!bytes && !is_dash(bytes_text)) return false;
  }
  std::optional<string_view> referrer, agent;
  string_view xff_trailing;
  for (int field = 0; pos < line.size(); ++field) {
    skip_blanks();
    if (pos >= line.size()) break;
    string_view value;
    bool quoted = false;
    if (line[pos] == '"') {
      const std::size_t close = closing_quote(line, pos);
      if (close == string_view::npos) break;  // an unterminated trailing field is ignored
      value = line.substr(pos + 1, close - pos - 1);
      quoted = true;
      pos = close + 1;
    } else {
      value = next_word();
    }
    if (field == 0 && quoted) {
      referrer = value;
    } else if (field == 1 && quoted && referrer) {
      agent = value;
    } else if (quoted && xff_trailing.empty() && xff_entries == 0) {
      bool ips = false;
      if (add_list(value, nullptr, ips) > 0 && ips) xff_trailing = value;
    }
  }
  if (!xff_trailing.empty()) {
    // The peer goes after the forwarded entries.
    Chain c;
    add_list(xff_trailing, &c, all_ips);
    xff_entries = c.size;
    for (std::size_t i = 0; i < chain.size; ++i) c.add(chain.ips[i]);
    chain = c;
  }

  // 4. Emit.
  std::vector<Field>& f = event.fields;
  f.reserve(f.size() + 12);  // 12 * 72 bytes stays within malloc's per-thread cache
  if (chain.size > 0) {
    std::size_t src = 0;
    if (chain.size > 1) {
      for (std::size_t i = 0; i < chain.size; ++i) {
        if (is_public(chain.ips[i])) {
          src = i;
          break;
        }
      }
    }
    append_field<IpAddress>(f, "source.ip", chain.ips[src]);
    if (chain.size > 1 && xff_entries > 0 && xff_entries < chain.size) {
      append_field<IpAddress>(f, "client.ip", chain.ips[chain.size - 1]);
    }
    if (chain.size > 1) {
      StringList related;
      related.reserve(chain.size);
      for (std::size_t i = 0; i < chain.size; ++i) related.push_back(chain.ips[i].to_string());
      append_field<StringList>(f, "related.ip", std::move(related));
    }
  } else if (!peer_text.empty() && !is_dash(peer_text)) {
    append_string(f, "source.domain", peer_text);
  }
  if (user.find_first_not_of("- ") != string_view::npos) append_string(f, "user.name", user);

  const Request req = split_request(request);
  string_view url_domain;
  std::optional<std::int64_t> url_port;
  if (req.valid) {
    append_string(f, "http.request.method", req.method);
    append_string(f, "url.original", req.target);
    string_view path_query;
    const string_view t = req.target;
    if (t.front() == '/') {
      path_query = t;
    } else if (iequals_prefix(t, "http://") || iequals_prefix(t, "https://")) {
      const std::size_t scheme_end = t.find(':');
      append_string(f, "url.scheme", t.substr(0, scheme_end));
      const string_view after = t.substr(scheme_end + 3);
      const std::size_t auth_end = after.find_first_of("/?#");
      split_host_port(after.substr(0, auth_end), url_domain, url_port);
      if (auth_end != string_view::npos) path_query = after.substr(auth_end);
    }
    if (!path_query.empty()) {
      const std::size_t q = path_query.find('?');
      const string_view path = path_query.substr(0, q);
      if (!path.empty()) append_field<std::string>(f, "url.path", percent_decode(path));
      if (q != string_view::npos && q + 1 < path_query.size()) {
        append_field<std::string>(f, "url.query", percent_decode(path_query.substr(q + 1)));
      }
    }
    if (!req.version.empty()) append_string(f, "http.version", req.version);
  } else if (!request.empty() && !is_dash(request)) {
    append_string(f, "url.original", request);
  }
  if (url_domain.empty() && !vhost.empty()) split_host_port(vhost, url_domain, url_port);
  if (!url_domain.empty()) append_string(f, "url.domain", url_domain);
  if (url_port) append_field<std::int64_t>(f, "url.port", *url_port);

  if (status) append_field<std::int64_t>(f, "http.response.status_code", *status);
  if (bytes) append_field<std::int64_t>(f, "http.response.body.bytes", *bytes);
  if (referrer && !referrer->empty()) append_string(f, "http.request.referrer", *referrer);
  if (agent && !agent->empty()) append_string(f, "user_agent.original", *agent);
  event.time_ns = *time_ns;
  return true;
}

}  // namespace soc::agent
