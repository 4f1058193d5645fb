#include "agent/decode/auth_decoders.h"

#include <array>
#include <optional>
#include <string>
#include <utility>

namespace soc::agent {
namespace {

using Fields = std::vector<Field>;
constexpr std::size_t kNpos = std::string_view::npos;

// ---------------------------------------------------------------------------------------------
// Scanning helpers. All take and return views into the caller's text.

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool consume(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

bool consume_suffix(std::string_view& s, std::string_view suffix) {
  if (!s.ends_with(suffix)) return false;
  s.remove_suffix(suffix.size());
  return true;
}

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string_view trim(std::string_view s) { return trim_left(trim_right(s)); }

// The text up to the first space (all of s when there is none).
std::string_view first_token(std::string_view s) { return s.substr(0, s.find(' ')); }

bool all_digits(std::string_view s, std::size_t max_len = 18) {
  if (s.empty() || s.size() > max_len) return false;
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

// Leading digits of s (possibly none).
std::string_view leading_digits(std::string_view s) {
  std::size_t n = 0;
  while (n < s.size() && is_digit(s[n])) ++n;
  return s.substr(0, n);
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool istarts_with(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(s[i]) != lower(prefix[i])) return false;
  }
  return true;
}

bool icontains(std::string_view s, std::string_view needle) {
  if (needle.size() > s.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= s.size(); ++i) {
    if (istarts_with(s.substr(i), needle)) return true;
  }
  return false;
}

// Dotted-quad IPv4 as inet_pton accepts it (no leading zeros), without its string copy.
bool parse_ipv4(std::string_view s, IpAddress& out) {
  IpAddress ip;
  std::size_t i = 0;
  for (std::size_t part = 0; part < 4; ++part) {
    const std::size_t start = i;
    int value = 0;
    while (i < s.size() && is_digit(s[i]) && i - start < 3) value = value * 10 + (s[i++] - '0');
    const std::size_t digits = i - start;
    if (digits == 0 || value > 255 || (digits > 1 && s[start] == '0')) return false;
    ip.bytes[part] = static_cast<std::uint8_t>(value);
    if (part < 3) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  if (i != s.size()) return false;
  ip.is_v4 = true;
  out = ip;
  return true;
}

// A host text as an address: "[...]" brackets and an IPv6 zone ("%eth0") are dropped and
// IPv4-mapped IPv6 ("::ffff:1.2.3.4") becomes IPv4.
std::optional<IpAddress> parse_ip(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty() || text.size() > 64) return std::nullopt;
  if (text.find(':') == kNpos) {
    IpAddress v4;
    if (!parse_ipv4(text, v4)) return std::nullopt;
    return v4;
  }
  for (const char c : text) {
    const bool ok =
        is_digit(c) || is_alpha(c) || c == '.' || c == ':' || c == '%' || c == '_' || c == '-';
    if (!ok) return std::nullopt;
  }
  if (istarts_with(text, "::ffff:") && text.find('.') != kNpos) {
    IpAddress v4;
    if (parse_ipv4(text.substr(7), v4)) return v4;
  }
  const std::size_t zone = text.find('%');
  return IpAddress::parse(zone == kNpos ? text : text.substr(0, zone));
}

// A DNS name (letters, digits, '.', '-', '_'), as sshd and PAM print a resolved peer.
bool is_hostname(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (const char c : s) {
    if (!is_alpha(c) && !is_digit(c) && c != '.' && c != '-' && c != '_') return false;
  }
  return true;
}

// A peer as written in a line: an address (parsed once) or a DNS name.
struct Host {
  std::string_view text;  // empty: no peer
  bool is_ip = false;
  IpAddress ip;
};

// Sets `out` from an address or a DNS name; false (out unchanged) for any other text.
bool resolve_host(std::string_view text, Host& out) {
  if (const auto ip = parse_ip(text)) {
    out.text = text;
    out.is_ip = true;
    out.ip = *ip;
    return true;
  }
  if (!is_hostname(text)) return false;
  out.text = text;
  out.is_ip = false;
  return true;
}

// Sets `out` only from an address.
bool resolve_ip(std::string_view text, Host& out) {
  Host h;
  if (!resolve_host(text, h) || !h.is_ip) return false;
  out = h;
  return true;
}

bool is_port(std::string_view s) { return all_digits(s, 5) && to_int(s) <= 65535; }

// ---------------------------------------------------------------------------------------------
// What a body decoder found, emitted in one place so that every decoder uses the same names.

struct Record {
  std::string_view action;
  std::string_view outcome;   // "success" / "failure" / empty
  std::string_view category;  // one ECS category
  bool has_user = false;      // user.name may legitimately be empty ("Invalid user  from ...")
  std::string_view user;
  std::string_view user_id;
  std::string_view target_user;
  std::string_view target_user_id;
  std::string_view target_group;
  std::string_view group_name;
  std::string_view group_id;
  Host source;                     // source.ip or source.domain
  std::string_view source_domain;  // a name known separately (reverse mapping)
  std::string_view source_port;
  std::string_view source_user;
  Host dest;
  std::string_view dest_port;
  std::string_view method;
  std::string_view reason;
  std::string_view command;
  std::string_view working_directory;
  std::string_view tty;
  std::string_view real_uid;
  std::string_view effective_uid;
  std::string_view logname;
  std::string_view pam_module;
  std::string_view pam_service;
  std::int64_t failure_count = 0;
  bool invalid_user = false;
};

void add_if(Fields& f, std::string_view name, std::string_view value) {
  if (!value.empty()) append_string(f, name, value);
}

// source.ip (an address) or source.domain (a name); nothing when there is no host.
void add_host(Fields& f, std::string_view ip_name, std::string_view domain_name, const Host& host) {
  if (host.text.empty()) return;
  if (host.is_ip) {
    append_field<IpAddress>(f, ip_name, host.ip);
  } else {
    append_string(f, domain_name, host.text);
  }
}

void add_port(Fields& f, std::string_view name, std::string_view port) {
  if (is_port(port)) append_int(f, name, to_int(port));
}

void emit(const Record& r, Fields& f) {
  append_string(f, "event.action", r.action);
  add_if(f, "event.outcome", r.outcome);
  if (!r.category.empty()) {
    append_field<StringList>(f, "event.category", 1, std::string(r.category));
  }
  if (r.has_user) append_string(f, "user.name", r.user);
  add_if(f, "user.id", r.user_id);
  add_if(f, "user.target.name", r.target_user);
  add_if(f, "user.target.id", r.target_user_id);
  add_if(f, "user.target.group.name", r.target_group);
  add_if(f, "group.name", r.group_name);
  add_if(f, "group.id", r.group_id);
  add_host(f, "source.ip", "source.domain", r.source);
  if (!r.source_domain.empty() && is_hostname(r.source_domain)) {
    append_string(f, "source.domain", r.source_domain);
  }
  add_port(f, "source.port", r.source_port);
  add_if(f, "source.user.name", r.source_user);
  add_host(f, "destination.ip", "destination.domain", r.dest);
  add_port(f, "destination.port", r.dest_port);
  add_if(f, "ssh.method", r.method);
  if (r.invalid_user) append_field<bool>(f, "ssh.invalid_user", true);
  add_if(f, "event.reason", r.reason);
  add_if(f, "process.command_line", r.command);
  add_if(f, "process.working_directory", r.working_directory);
  add_if(f, "process.tty.name", r.tty);
  add_if(f, "process.real_user.id", r.real_uid);
  add_if(f, "process.user.id", r.effective_uid);
  add_if(f, "pam.logname", r.logname);
  add_if(f, "pam.module", r.pam_module);
  add_if(f, "pam.service", r.pam_service);
  if (r.failure_count > 0) append_int(f, "pam.failure_count", r.failure_count);
}

// ---------------------------------------------------------------------------------------------
// sshd

// After "from ": HOST [port N] [ssh1|ssh2] then the end, ": trailing info" or " [preauth]".
bool parse_from_tail(std::string_view t, Record& r) {
  const std::string_view host = first_token(t);
  Host peer;
  if (host.empty() || !resolve_host(host, peer)) return false;
  std::string_view rest = t.substr(host.size());
  std::string_view port;
  if (consume(rest, " port ")) {
    port = leading_digits(rest);
    if (!is_port(port)) return false;
    rest.remove_prefix(port.size());
  }
  if (!consume(rest, " ssh2")) consume(rest, " ssh1");
  if (!rest.empty() && rest[0] != ':' && rest != " [preauth]") return false;
  r.source = peer;
  r.source_port = port;
  return true;
}

// "[invalid user ]USER from HOST ..." as in "Failed password for ...": USER is everything up to
// the first " from " whose tail is a well-formed endpoint (user names may contain " from ").
bool parse_user_from(std::string_view s, Record& r) {
  if (consume(s, "invalid user ") || consume(s, "illegal user ")) r.invalid_user = true;
  if (s.starts_with("from ") && parse_from_tail(s.substr(5), r)) {
    r.has_user = true;
    r.user = {};
    return true;
  }
  for (std::size_t k = s.find(" from "); k != kNpos; k = s.find(" from ", k + 1)) {
    if (parse_from_tail(s.substr(k + 6), r)) {
      r.has_user = true;
      r.user = s.substr(0, k);
      return true;
    }
  }
  return false;
}

// "HOST[ port N][ [preauth]]" ending `s`; returns the text before HOST (without its space).
bool parse_host_at_end(std::string_view s, Record& r, std::string_view& before) {
  s = trim_right(s);
  consume_suffix(s, " [preauth]");
  const std::size_t last_space = s.rfind(' ');
  std::string_view port;
  if (last_space != kNpos && is_port(s.substr(last_space + 1)) &&
      s.substr(0, last_space).ends_with(" port")) {
    port = s.substr(last_space + 1);
    s = s.substr(0, last_space - 5);
  }
  const std::size_t host_start = s.rfind(' ') == kNpos ? 0 : s.rfind(' ') + 1;
  const std::string_view host = s.substr(host_start);
  if (!resolve_host(host, r.source)) return false;
  r.source_port = port;
  before = host_start == 0 ? std::string_view() : s.substr(0, host_start - 1);
  return true;
}

// "USER from HOST[ port N][ [preauth]]" anchored at the end: the last " from " wins.
bool parse_user_from_at_end(std::string_view s, Record& r) {
  s = trim_right(s);
  for (std::size_t k = s.rfind(" from "); k != kNpos;
       k = k == 0 ? kNpos : s.rfind(" from ", k - 1)) {
    std::string_view before;
    Record probe;
    if (parse_host_at_end(s.substr(k + 6), probe, before) && before.empty()) {
      r.source = probe.source;
      r.source_port = probe.source_port;
      r.has_user = true;
      r.user = s.substr(0, k);
      return true;
    }
  }
  return false;
}

// "[invalid user |authenticating user |user ]USER " before a host, as in "Connection closed by".
bool parse_user_qualifier(std::string_view before, Record& r) {
  if (before.empty()) return true;
  if (consume(before, "invalid user ") || consume(before, "illegal user ")) {
    r.invalid_user = true;
  } else if (!consume(before, "authenticating user ") && !consume(before, "user ")) {
    return false;
  }
  r.has_user = true;
  r.user = before;
  return true;
}

void set_event(Record& r, std::string_view action, std::string_view outcome,
               std::string_view category) {
  r.action = action;
  r.outcome = outcome;
  r.category = category;
}

// "HOST[ port N]: REST" (IPv6 hosts contain ':', so the port form is tried first); sets the
// source and returns REST.
bool parse_host_colon(std::string_view s, Record& r, std::string_view& rest) {
  const std::string_view host = first_token(s);
  std::string_view after = s.substr(host.size());
  if (consume(after, " port ")) {
    const std::string_view port = leading_digits(after);
    after.remove_prefix(port.size());
    Host peer;
    if (!is_port(port) || !consume(after, ":") || !resolve_host(host, peer)) return false;
    r.source = peer;
    r.source_port = port;
    rest = trim_left(after);
    return true;
  }
  const std::size_t colon = s.find(": ");
  if (colon == kNpos || s.substr(0, colon).find(' ') != kNpos ||
      !resolve_host(s.substr(0, colon), r.source)) {
    return false;
  }
  rest = s.substr(colon + 2);
  return true;
}

std::string_view without_preauth(std::string_view s) {
  s = trim_right(s);
  consume_suffix(s, " [preauth]");
  return s;
}

bool sshd_login(std::string_view rest, std::string_view action, std::string_view outcome,
                Record& r) {
  const std::size_t space = rest.find(' ');
  if (space == kNpos || space == 0) return false;
  r.method = rest.substr(0, space);
  std::string_view tail = rest.substr(space + 1);
  if (!consume(tail, "for ") || !parse_user_from(tail, r)) return false;
  set_event(r, action, outcome, "authentication");
  return true;
}

bool sshd_accepted(std::string_view rest, Record& r) {
  return sshd_login(rest, "ssh_login", "success", r);
}
bool sshd_failed(std::string_view rest, Record& r) {
  return sshd_login(rest, "ssh_login", "failure", r);
}
bool sshd_postponed(std::string_view rest, Record& r) {
  return sshd_login(rest, "ssh_auth_postponed", "", r);
}
bool sshd_partial(std::string_view rest, Record& r) {
  return sshd_login(rest, "ssh_auth_partial", "", r);
}

bool sshd_invalid_user(std::string_view rest, Record& r) {
  if (!parse_user_from_at_end(rest, r)) return false;
  r.invalid_user = true;
  set_event(r, "invalid_user", "failure", "authentication");
  return true;
}

// "Connection closed by", "Connection reset by", "Disconnected from":
// [invalid user |authenticating user |user ]USER HOST[ port N][ [preauth]].
bool sshd_closed(std::string_view rest, Record& r) {
  std::string_view before;
  if (!parse_host_at_end(rest, r, before) || !parse_user_qualifier(before, r)) return false;
  set_event(r, "ssh_disconnect", "", "network");
  return true;
}

// "Disconnecting: Too many authentication failures[ for [invalid user ]X][ [preauth]]" or
// another reason (a protocol error without a peer address).
bool sshd_disconnecting_colon(std::string_view rest, Record& r) {
  rest = without_preauth(rest);
  if (consume(rest, "Too many authentication failures")) {
    if (consume(rest, " for ")) {
      if (consume(rest, "invalid user ") || consume(rest, "illegal user ")) r.invalid_user = true;
      r.has_user = true;
      r.user = rest;
    }
    set_event(r, "ssh_max_auth_attempts", "failure", "authentication");
    return true;
  }
  if (rest.empty()) return false;
  r.reason = rest;
  set_event(r, "ssh_protocol_error", "failure", "network");
  return true;
}

// "Disconnecting [invalid |authenticating ]user USER HOST port N[: REASON][ [preauth]]".
bool sshd_disconnecting(std::string_view rest, Record& r) {
  rest = without_preauth(rest);
  for (std::size_t k = rest.find(" port "); k != kNpos; k = rest.find(" port ", k + 1)) {
    std::string_view after = rest.substr(k + 6);
    const std::string_view port = leading_digits(after);
    after.remove_prefix(port.size());
    if (!is_port(port) || (!after.empty() && !consume(after, ":"))) continue;
    std::string_view before;
    Record probe;
    if (!parse_host_at_end(rest.substr(0, k), probe, before)) continue;
    if (!parse_user_qualifier(before, r)) return false;
    r.source = probe.source;
    r.source_port = port;
    r.reason = trim_left(after);
    set_event(r, "ssh_disconnect", "", "network");
    return true;
  }
  return false;
}

// "Received disconnect from HOST[ port N]:CODE: REASON[ [preauth]]".
bool sshd_received_disconnect(std::string_view rest, Record& r) {
  std::string_view after;
  if (!parse_host_colon(rest, r, after)) return false;
  const std::string_view code = leading_digits(after);
  after.remove_prefix(code.size());
  if (code.empty() || !consume(after, ":")) return false;
  r.reason = without_preauth(trim_left(after));
  set_event(r, "ssh_disconnect", "", "network");
  return true;
}

bool sshd_max_attempts(std::string_view rest, Record& r) {
  if (!parse_user_from(without_preauth(rest), r)) return false;
  set_event(r, "ssh_max_auth_attempts", "failure", "authentication");
  return true;
}

bool sshd_no_identification(std::string_view rest, Record& r) {
  std::string_view before;
  if (!parse_host_at_end(rest, r, before) || !before.empty()) return false;
  set_event(r, "ssh_no_identification", "failure", "network");
  return true;
}

// "reverse mapping checking getaddrinfo for NAME [IP] failed[ - POSSIBLE BREAK-IN ATTEMPT!]".
bool sshd_reverse_mapping(std::string_view rest, Record& r) {
  const std::size_t open = rest.find(" [");
  if (open == kNpos) return false;
  const std::size_t close = rest.find(']', open);
  if (close == kNpos || !rest.substr(close + 1).starts_with(" failed")) return false;
  if (!resolve_ip(rest.substr(open + 2, close - open - 2), r.source)) return false;
  r.source_domain = rest.substr(0, open);
  set_event(r, "ssh_reverse_mapping_failed", "failure", "network");
  return true;
}

// "Address IP maps to NAME, but this does not map back to the address[ - POSSIBLE ...]".
bool sshd_address_maps(std::string_view rest, Record& r) {
  const std::size_t maps = rest.find(" maps to ");
  if (maps == kNpos) return false;
  const std::string_view ip = rest.substr(0, maps);
  std::string_view tail = rest.substr(maps + 9);
  const std::size_t comma = tail.find(", but this does not map back");
  if (comma == kNpos || !resolve_ip(ip, r.source)) return false;
  r.source_domain = tail.substr(0, comma);
  set_event(r, "ssh_reverse_mapping_failed", "failure", "network");
  return true;
}

// "Unable to negotiate with HOST[ port N]: no matching X found. Their offer: ..." or
// "Unable to negotiate a key exchange method".
bool sshd_unable_to_negotiate(std::string_view rest, Record& r) {
  if (consume(rest, "with ")) {
    std::string_view reason;
    if (!parse_host_colon(rest, r, reason)) return false;
    reason = without_preauth(reason);
    const std::size_t offer = reason.find(". Their offer:");
    r.reason = offer == kNpos ? reason : reason.substr(0, offer);
  } else {
    r.reason = "unable to negotiate a key exchange method";
  }
  set_event(r, "ssh_kex_failed", "failure", "network");
  return true;
}

bool sshd_kex_identification(std::string_view rest, Record& r) {
  r.reason = without_preauth(rest);
  set_event(r, "ssh_kex_failed", "failure", "network");
  return true;
}

// "no matching mac found: client ... server ..." (after "fatal: ").
bool sshd_no_matching(std::string_view rest, Record& r) {
  const std::size_t colon = rest.find(':');
  r.reason = rest.substr(0, colon);
  set_event(r, "ssh_kex_failed", "failure", "network");
  return true;
}

// "Bad protocol version identification 'TEXT' from HOST[ port N]" (the last " from " wins:
// TEXT comes from the client).
bool sshd_bad_protocol(std::string_view rest, Record& r) {
  if (!parse_user_from_at_end(rest, r)) return false;
  r.has_user = false;
  r.user = {};
  r.reason = "bad protocol version identification";
  set_event(r, "ssh_kex_failed", "failure", "network");
  return true;
}

// "Connection from HOST port N: REASON" after "banner exchange: " / "ssh_dispatch_run_fatal: ".
bool sshd_connection_error(std::string_view rest, std::string_view action, Record& r) {
  std::string_view reason;
  if (!consume(rest, "Connection from ") || !parse_host_colon(rest, r, reason)) return false;
  r.reason = without_preauth(reason);
  set_event(r, action, "failure", "network");
  return true;
}

bool sshd_banner_exchange(std::string_view rest, Record& r) {
  return sshd_connection_error(rest, "ssh_kex_failed", r);
}
bool sshd_dispatch_fatal(std::string_view rest, Record& r) {
  return sshd_connection_error(rest, "ssh_protocol_error", r);
}

// "Timeout before authentication for HOST port N" or "... for connection from HOST to IP, pid =".
bool sshd_auth_timeout(std::string_view rest, Record& r) {
  if (consume(rest, "connection from ")) {
    if (!resolve_host(first_token(rest), r.source)) return false;
  } else {
    std::string_view before;
    if (!parse_host_at_end(rest, r, before) || !before.empty()) return false;
  }
  set_event(r, "ssh_auth_timeout", "failure", "authentication");
  return true;
}

// tcp_wrappers: "refused connect from NAME (IP)".
bool sshd_refused_connect(std::string_view rest, Record& r) {
  rest = trim_right(rest);
  const std::size_t open = rest.rfind(" (");
  if (open == kNpos || !rest.ends_with(")")) return false;
  if (!resolve_ip(rest.substr(open + 2, rest.size() - open - 3), r.source)) return false;
  const std::string_view name = rest.substr(0, open);
  if (!parse_ip(name)) r.source_domain = name;
  set_event(r, "ssh_connection_refused", "failure", "network");
  return true;
}

bool sshd_root_refused(std::string_view rest, Record& r) {
  std::string_view before;
  if (!parse_host_at_end(rest, r, before) || !before.empty()) return false;
  r.has_user = true;
  r.user = "root";
  r.reason = "root login refused";
  set_event(r, "ssh_login", "failure", "authentication");
  return true;
}

// "PAM: Authentication failure for [illegal user ]X from HOST[ via IP]" and the other wordings
// of sshd's own PAM error ("authentication error", "User not known to the underlying
// authentication module", "unknown user").
bool sshd_pam_error(std::string_view rest, Record& r) {
  const std::size_t for_at = rest.find(" for ");
  if (for_at == kNpos) return false;
  const std::string_view what = rest.substr(0, for_at);
  if (!icontains(what, "authentication") && !icontains(what, "unknown user")) return false;
  std::string_view s = trim_right(rest.substr(for_at + 5));
  if (consume(s, "illegal user ") || consume(s, "invalid user ")) r.invalid_user = true;
  const std::size_t from = s.rfind(" from ");
  if (from == kNpos) return false;
  std::string_view host = s.substr(from + 6);
  const std::size_t via = host.find(" via ");
  if (via != kNpos) host = host.substr(0, via);
  if (host.find(' ') != kNpos || !resolve_host(host, r.source)) return false;
  r.has_user = true;
  r.user = s.substr(0, from);
  r.reason = what;
  set_event(r, "pam_auth_failure", "failure", "authentication");
  return true;
}

// "User X from HOST not allowed because REASON" / "User X not allowed because REASON".
bool sshd_user_not_allowed(std::string_view rest, Record& r) {
  const std::size_t because = rest.rfind(" not allowed because ");
  if (because == kNpos) return false;
  r.reason = trim_right(rest.substr(because + 21));
  std::string_view left = rest.substr(0, because);
  const std::size_t from = left.rfind(" from ");
  if (from != kNpos && left.substr(from + 6).find(' ') == kNpos &&
      resolve_host(left.substr(from + 6), r.source)) {
    left = left.substr(0, from);
  }
  r.has_user = true;
  r.user = left;
  set_event(r, "ssh_user_not_allowed", "failure", "authentication");
  return true;
}

// "Connection from HOST port N on IP port N[ rdomain ...]".
bool sshd_connection_from(std::string_view rest, Record& r) {
  const std::string_view host = first_token(rest);
  std::string_view after = rest.substr(host.size());
  Host peer;
  if (!consume(after, " port ") || !resolve_host(host, peer)) return false;
  const std::string_view port = leading_digits(after);
  after.remove_prefix(port.size());
  if (!is_port(port)) return false;
  r.source = peer;
  r.source_port = port;
  if (consume(after, " on ")) {
    const std::string_view local = first_token(after);
    after.remove_prefix(local.size());
    if (consume(after, " port ")) r.dest_port = leading_digits(after);
    resolve_host(local, r.dest);
  }
  set_event(r, "ssh_connection", "", "network");
  return true;
}

// "input_userauth_request: invalid user X [preauth]": the follow-up of "Invalid user X from";
// no peer and not a second failure.
bool sshd_userauth_request(std::string_view rest, Record& r) {
  rest = without_preauth(rest);
  if (!consume(rest, "invalid user ") && !consume(rest, "illegal user ")) return false;
  r.has_user = true;
  r.user = rest;
  r.reason = "invalid user";
  set_event(r, "ssh_auth_request", "", "authentication");
  return true;
}

bool sshd_magic_value(std::string_view rest, Record& r) {
  if (!parse_user_from_at_end(rest, r)) return false;
  r.has_user = false;
  r.user = {};
  r.reason = "magic value check failed on obfuscated handshake";
  set_event(r, "ssh_protocol_error", "failure", "network");
  return true;
}

// "Read error from remote host HOST[ port N]: REASON".
bool sshd_read_error(std::string_view rest, Record& r) {
  std::string_view reason;
  if (!parse_host_colon(rest, r, reason)) return false;
  r.reason = without_preauth(reason);
  set_event(r, "ssh_disconnect", "", "network");
  return true;
}

bool sshd_protocol_error_text(std::string_view full, Record& r) {
  r.reason = without_preauth(full);
  set_event(r, "ssh_protocol_error", "failure", "network");
  return true;
}

bool sshd_corrupted_mac(std::string_view, Record& r) {
  return sshd_protocol_error_text("Corrupted MAC on input", r);
}
bool sshd_bad_packet_length(std::string_view, Record& r) {
  return sshd_protocol_error_text("bad packet length", r);
}

struct SshdPattern {
  std::string_view prefix;
  bool (*parse)(std::string_view rest, Record& r);
};

// Ordered roughly by frequency in real auth logs; the first matching prefix decides.
constexpr std::array<SshdPattern, 30> kSshdPatterns = {{
    {"Failed ", &sshd_failed},
    {"Invalid user ", &sshd_invalid_user},
    {"Connection closed by ", &sshd_closed},
    {"Received disconnect from ", &sshd_received_disconnect},
    {"Disconnected from ", &sshd_closed},
    {"input_userauth_request: ", &sshd_userauth_request},
    {"Accepted ", &sshd_accepted},
    {"reverse mapping checking getaddrinfo for ", &sshd_reverse_mapping},
    {"Connection reset by ", &sshd_closed},
    {"maximum authentication attempts exceeded for ", &sshd_max_attempts},
    {"Did not receive identification string from ", &sshd_no_identification},
    {"Unable to negotiate ", &sshd_unable_to_negotiate},
    {"kex_exchange_identification: ", &sshd_kex_identification},
    {"Disconnecting: ", &sshd_disconnecting_colon},
    {"Disconnecting ", &sshd_disconnecting},
    {"Connection from ", &sshd_connection_from},
    {"Address ", &sshd_address_maps},
    {"User ", &sshd_user_not_allowed},
    {"PAM: ", &sshd_pam_error},
    {"ROOT LOGIN REFUSED FROM ", &sshd_root_refused},
    {"Postponed ", &sshd_postponed},
    {"Partial ", &sshd_partial},
    {"Illegal user ", &sshd_invalid_user},
    {"Bad protocol version identification ", &sshd_bad_protocol},
    {"banner exchange: ", &sshd_banner_exchange},
    {"ssh_dispatch_run_fatal: ", &sshd_dispatch_fatal},
    {"Timeout before authentication for ", &sshd_auth_timeout},
    {"refused connect from ", &sshd_refused_connect},
    {"Magic value check failed ", &sshd_magic_value},
    {"Read error from remote host ", &sshd_read_error},
}};

// Messages recognised by their start only, with no peer in them.
bool sshd_fixed_messages(std::string_view b, Record& r) {
  if (b.starts_with("no matching ")) return sshd_no_matching(b, r);
  if (b.starts_with("Corrupted MAC on input")) return sshd_corrupted_mac(b, r);
  if (b.starts_with("Bad packet length")) return sshd_bad_packet_length(b, r);
  return false;
}

// Drops Solaris' "[ID 800047 auth.info] ", a relayed "kernel:[ 970.699396]: " and the
// "error: " / "fatal: " levels.
std::string_view strip_sshd_prefixes(std::string_view b) {
  if (b.starts_with("[ID ")) {
    const std::size_t close = b.find("] ");
    if (close != kNpos && close < 40) b.remove_prefix(close + 2);
  }
  if (b.starts_with("kernel:")) {
    std::string_view k = trim_left(b.substr(7));
    const std::size_t close = k.find(']');
    if (k.starts_with("[") && close != kNpos &&
        k.substr(1, close - 1).find_first_not_of(" .0123456789") == kNpos) {
      k.remove_prefix(close + 1);
      consume(k, ":");
      b = trim_left(k);
    }
  }
  for (int i = 0; i < 2; ++i) {
    if (!consume(b, "error: ") && !consume(b, "fatal: ")) break;
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// PAM

bool is_su_like_service(std::string_view service) {
  return service == "su" || service == "su-l" || service == "sudo" || service == "sudo-i" ||
         service == "runuser" || service == "runuser-l" || service == "doas";
}

// The value of `key` (e.g. " uid=") in a PAM key=value list, up to the next space.
std::string_view pam_token(std::string_view kv, std::string_view key) {
  const std::size_t at = kv.find(key);
  if (at == kNpos) return {};
  return first_token(kv.substr(at + key.size()));
}

// "logname=L uid=U euid=E tty=T ruser=R rhost=H[  user=X]". ruser and user are chosen by the
// remote party, so: user = the rest after the first " user=" that follows the first "rhost=";
// rhost = the last " rhost=" before it; ruser = up to that rhost.
void parse_pam_kv(std::string_view kv, Record& r) {
  kv = trim_right(kv);
  if (kv.starts_with("logname=")) {
    const std::size_t uid = kv.find(" uid=");
    r.logname = kv.substr(8, uid == kNpos ? 0 : uid - 8);
  }
  r.real_uid = pam_token(kv, " uid=");
  r.effective_uid = pam_token(kv, " euid=");
  const std::size_t tty = kv.find(" tty=");
  const std::size_t ruser = kv.find(" ruser=");
  if (tty != kNpos) {
    r.tty = ruser != kNpos && ruser > tty ? kv.substr(tty + 5, ruser - tty - 5)
                                          : first_token(kv.substr(tty + 5));
  }
  const std::size_t first_rhost = kv.find("rhost=");
  const std::size_t user_at = kv.find(" user=", first_rhost == kNpos ? 0 : first_rhost);
  const std::string_view head = user_at == kNpos ? kv : kv.substr(0, user_at);
  const std::size_t rhost = head.rfind(" rhost=");
  if (rhost != kNpos) {
    resolve_host(first_token(trim_left(head.substr(rhost + 7))), r.source);
    if (ruser != kNpos && ruser < rhost) r.source_user = head.substr(ruser + 7, rhost - ruser - 7);
  }
  if (user_at != kNpos) {
    const std::string_view user = trim(kv.substr(user_at + 6));
    if (!user.empty()) {
      r.has_user = true;
      r.user = user;
    }
  }
}

// "session opened for user X[(uid=N)] by [NAME][(uid=M)]" / "session closed for user X".
bool pam_session(std::string_view rest, bool opened, Record& r) {
  const std::size_t end = rest.find_first_of(" (");
  const std::string_view user = rest.substr(0, end);
  if (user.empty()) return false;
  std::string_view after = end == kNpos ? std::string_view() : rest.substr(end);
  std::string_view user_id;
  if (consume(after, "(uid=")) {
    user_id = leading_digits(after);
    after.remove_prefix(user_id.size());
    consume(after, ")");
  }
  std::string_view by_user;
  if (consume(after, " by ")) by_user = after.substr(0, after.find('('));
  if (is_su_like_service(r.pam_service)) {
    r.has_user = !by_user.empty();
    r.user = by_user;
    r.target_user = user;
    r.target_user_id = user_id;
  } else {
    r.has_user = true;
    r.user = user;
    r.user_id = user_id;
  }
  set_event(r, opened ? "session_opened" : "session_closed", "success", "session");
  return true;
}

// The message of a PAM line after "module(service:type): ".
bool parse_pam_message(std::string_view m, Record& r) {
  if (consume(m, "authentication failure; ")) {
    parse_pam_kv(m, r);
    set_event(r, "pam_auth_failure", "failure", "authentication");
    return true;
  }
  if (consume(m, "PAM ") || (!m.empty() && is_digit(m[0]))) {
    const std::string_view n = leading_digits(m);
    m.remove_prefix(n.size());
    if (n.empty() || !consume(m, " more authentication failure")) return false;
    consume(m, "s");
    consume(m, ";");
    parse_pam_kv(trim_left(m), r);
    r.failure_count = all_digits(n, 9) ? to_int(n) : 0;
    set_event(r, "pam_auth_failure", "failure", "authentication");
    return true;
  }
  if (m.starts_with("check pass; user unknown")) {
    set_event(r, "pam_user_unknown", "failure", "authentication");
    return true;
  }
  if (consume(m, "session opened for user ")) return pam_session(m, true, r);
  if (consume(m, "session closed for user ")) return pam_session(m, false, r);
  if (consume(m, "password changed for ")) {
    r.target_user = first_token(trim(m));
    set_event(r, "password_changed", "success", "iam");
    return !r.target_user.empty();
  }
  if (consume(m, "Consecutive login failures for user ")) {
    r.has_user = true;
    r.user = first_token(m);
    set_event(r, "pam_account_locked", "failure", "authentication");
    return true;
  }
  if (r.pam_module.starts_with("pam_tally") && consume(m, "user ")) {
    // pam_tally2: "user X (UID) tally N, deny M"
    r.has_user = true;
    r.user = first_token(m);
    m.remove_prefix(r.user.size());
    if (consume(m, " (")) r.user_id = leading_digits(m);
    set_event(r, "pam_account_locked", "failure", "authentication");
    return true;
  }
  return false;
}

// The module and service of a PAM line: "pam_unix(sshd:auth): ", "pam_unix: ", "(pam_unix) ",
// or the "prog(pam_unix)" tag. Returns the message after that prefix.
std::string_view pam_prefix(std::string_view tag, std::string_view b, Record& r) {
  if (b.starts_with("pam_")) {
    const std::size_t k = b.find_first_of("(: ");
    if (k == kNpos) return {};
    r.pam_module = b.substr(0, k);
    if (b[k] == '(') {
      const std::size_t close = b.find(')', k);
      if (close == kNpos) return {};
      const std::string_view inside = b.substr(k + 1, close - k - 1);
      r.pam_service = inside.substr(0, inside.find(':'));
      b.remove_prefix(close + 1);
    } else {
      b.remove_prefix(k);
    }
    consume(b, ":");
    return trim_left(b);
  }
  if (consume(b, "(pam_unix)")) {
    r.pam_module = "pam_unix";
    return trim_left(b);
  }
  const std::size_t paren = tag.find("(pam_");
  if (paren != kNpos && tag.ends_with(")")) {
    r.pam_module = tag.substr(paren + 1, tag.size() - paren - 2);
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// sudo, su, account tools, cron

bool parse_sudo(std::string_view body, Record& r) {
  std::string_view b = trim(body);
  const std::size_t sep = b.find(" : ");
  if (sep == kNpos || sep == 0) return false;
  const std::string_view user = trim_right(b.substr(0, sep));
  if (user.find(' ') != kNpos) return false;
  std::string_view rest = b.substr(sep + 3);
  std::string_view message;
  std::string_view runas;
  bool any_key = false;
  bool first = true;
  while (!rest.empty()) {
    if (consume(rest, "COMMAND=")) {
      r.command = rest;
      any_key = true;
      break;
    }
    const std::size_t end = rest.find(" ; ");
    const std::string_view seg = rest.substr(0, end);
    rest = end == kNpos ? std::string_view() : rest.substr(end + 3);
    std::string_view value = seg;
    if (consume(value, "TTY=")) {
      r.tty = value;
    } else if (consume(value, "PWD=")) {
      r.working_directory = value;
    } else if (consume(value, "USER=")) {
      runas = value;
    } else if (consume(value, "GROUP=")) {
      r.target_group = value;
    } else if (!seg.starts_with("TSID=") && !seg.starts_with("ENV=") &&
               !seg.starts_with("CHROOT=") && !seg.starts_with("CWD=")) {
      if (first) message = seg;
      first = false;
      continue;
    }
    any_key = true;
    first = false;
  }
  if (!any_key) return false;
  r.has_user = true;
  r.user = user;
  r.target_user = runas;
  r.reason = message;
  if (message.empty()) {
    set_event(r, "sudo_command", "success", "process");
  } else if (message.find("NOT in sudoers") != kNpos || message.find("NOT allowed") != kNpos) {
    set_event(r, "sudo_not_in_sudoers", "failure", "authentication");
  } else if (message.find("incorrect password attempt") != kNpos) {
    set_event(r, "sudo_auth_failure", "failure", "authentication");
  } else {
    set_event(r, "sudo_command", "failure", "process");
  }
  return true;
}

// "A to B on TTY" (BSD) with single-token A and B.
bool su_to_on(std::string_view s, std::string_view& from, std::string_view& to,
              std::string_view& tty) {
  from = first_token(s);
  s.remove_prefix(from.size());
  if (from.empty() || !consume(s, " to ")) return false;
  to = first_token(s);
  s.remove_prefix(to.size());
  if (to.empty() || !consume(s, " on ")) return false;
  tty = trim(s);
  return true;
}

bool parse_su(std::string_view body, Record& r) {
  std::string_view b = trim(body);
  bool success = true;
  std::string_view from;
  std::string_view to;
  std::string_view tty;
  const bool successful_su = consume(b, "Successful su for ");
  const bool util_linux_success = !successful_su && consume(b, "(to ");
  if (successful_su || (!util_linux_success && consume(b, "FAILED su for "))) {
    success = successful_su;
    const std::size_t by = b.find(" by ");
    if (by == kNpos) return false;
    to = b.substr(0, by);
    from = b.substr(by + 4);
  } else if (util_linux_success || consume(b, "FAILED SU (to ")) {
    // util-linux: "(to root) alice on pts/0" / "FAILED SU (to root) alice on pts/0"
    success = util_linux_success;
    const std::size_t close = b.find(") ");
    if (close == kNpos) return false;
    to = b.substr(0, close);
    b.remove_prefix(close + 2);
    from = first_token(b);
    b.remove_prefix(from.size());
    if (consume(b, " on ")) tty = trim(b);
  } else if (consume(b, "BAD SU ")) {
    success = false;
    if (!su_to_on(b, from, to, tty)) return false;
  } else if (consume(b, "failed: ")) {
    // "failed: TTY changing from A to B"
    success = false;
    tty = first_token(b);
    b.remove_prefix(tty.size());
    if (!consume(b, " changing from ")) return false;
    const std::size_t to_at = b.find(" to ");
    if (to_at == kNpos) return false;
    from = b.substr(0, to_at);
    to = trim(b.substr(to_at + 4));
  } else if (b.size() > 2 && (b[0] == '+' || b[0] == '-') && b[1] == ' ') {
    // shadow: "+ pts/0 alice:root" / "- pts/0 alice:root"
    success = b[0] == '+';
    b.remove_prefix(2);
    tty = first_token(b);
    b.remove_prefix(tty.size());
    const std::string_view pair = trim(b);
    const std::size_t colon = pair.find(':');
    if (colon == kNpos || pair.find(' ') != kNpos) return false;
    from = pair.substr(0, colon);
    to = pair.substr(colon + 1);
  } else if (!su_to_on(b, from, to, tty)) {
    return false;
  }
  if (from.empty() || to.empty()) return false;
  r.has_user = true;
  r.user = from;
  r.target_user = to;
  r.tty = tty;
  set_event(r, "su", success ? "success" : "failure", "authentication");
  return true;
}

// The value of "key=" in "name=x, UID=1, ..." (comma-separated), up to the next ", ".
std::string_view comma_value(std::string_view s, std::string_view key) {
  std::size_t at = 0;
  while (true) {
    const std::string_view item = s.substr(at);
    if (item.starts_with(key) && item.substr(key.size()).starts_with("=")) {
      const std::string_view value = item.substr(key.size() + 1);
      return value.substr(0, value.find(", "));
    }
    const std::size_t next = s.find(", ", at);
    if (next == kNpos) return {};
    at = next + 2;
  }
}

// The text between the quotes of the first 'quoted' word at or after `from`; advances `from`.
std::string_view quoted(std::string_view s, std::size_t& from) {
  const std::size_t open = s.find('\'', from);
  if (open == kNpos) return {};
  const std::size_t close = s.find('\'', open + 1);
  if (close == kNpos) return {};
  from = close + 1;
  return s.substr(open + 1, close - open - 1);
}

bool parse_account(std::string_view body, Record& r) {
  std::string_view b = trim(body);
  std::size_t pos = 0;
  if (consume(b, "new user: ")) {
    r.target_user = comma_value(b, "name");
    r.target_user_id = comma_value(b, "UID");
    r.group_id = comma_value(b, "GID");
    set_event(r, "user_created", "success", "iam");
    return !r.target_user.empty();
  }
  if (consume(b, "new group: ")) {
    r.group_name = comma_value(b, "name");
    r.group_id = comma_value(b, "GID");
    set_event(r, "group_created", "success", "iam");
    return !r.group_name.empty();
  }
  if (b.starts_with("failed adding user ")) {
    r.target_user = quoted(b, pos);
    set_event(r, "user_created", "failure", "iam");
    return !r.target_user.empty();
  }
  if (b.starts_with("delete user ")) {
    r.target_user = quoted(b, pos);
    set_event(r, "user_deleted", "success", "iam");
    return !r.target_user.empty();
  }
  if (b.starts_with("removed group ") || (b.starts_with("group '") && b.ends_with("' removed"))) {
    r.group_name = quoted(b, pos);
    set_event(r, "group_deleted", "success", "iam");
    return !r.group_name.empty();
  }
  if ((b.starts_with("add '") && b.find("' to group '") != kNpos) ||
      (b.starts_with("delete '") && b.find("' from group '") != kNpos)) {
    r.target_user = quoted(b, pos);
    r.group_name = quoted(b, pos);
    set_event(r, "user_modified", "success", "iam");
    return !r.target_user.empty();
  }
  if (b.starts_with("change user ") || b.starts_with("lock user ") ||
      b.starts_with("unlock user ")) {
    r.target_user = quoted(b, pos);
    r.reason = b;
    set_event(r, "user_modified", "success", "iam");
    return !r.target_user.empty();
  }
  if (b.starts_with("password for '")) {
    // passwd: "password for 'alice' changed by 'root'"
    r.target_user = quoted(b, pos);
    r.user = quoted(b, pos);
    r.has_user = !r.user.empty();
    set_event(r, "password_changed", "success", "iam");
    return !r.target_user.empty();
  }
  if (consume(b, "password changed for ")) {
    r.target_user = first_token(b);
    set_event(r, "password_changed", "success", "iam");
    return !r.target_user.empty();
  }
  return false;
}

bool parse_cron(std::string_view body, Record& r) {
  std::string_view b = trim(body);
  if (!consume(b, "(")) return false;
  const std::size_t close = b.find(") CMD (");
  if (close == kNpos || close == 0) return false;
  r.has_user = true;
  r.user = b.substr(0, close);
  std::string_view command = b.substr(close + 7);
  consume_suffix(command, ")");
  r.command = command;
  set_event(r, "cron_command", "success", "process");
  return true;
}

// ---------------------------------------------------------------------------------------------
// iptables / nftables LOG lines

struct FirewallLine {
  std::string_view prefix;
  std::string_view in;
  std::string_view out;
  std::string_view mac;
  std::string_view src;
  std::string_view dst;
  Host src_host;
  Host dst_host;
  std::string_view proto;
  std::string_view spt;
  std::string_view dpt;
  std::string_view len;
  std::string_view len2;  // the second LEN: the UDP length
  std::string_view ttl;
  std::string_view id;
  std::string_view window;
  std::string_view icmp_type;
  std::string_view icmp_code;
  std::array<std::string_view, 8> flags{};
  std::size_t flag_count = 0;
  bool seen_in = false;
};

bool is_tcp_flag(std::string_view t) {
  return t == "SYN" || t == "ACK" || t == "FIN" || t == "RST" || t == "PSH" || t == "URG" ||
         t == "CWR" || t == "ECE";
}

// Keeps the first value of each known key (LEN and ID repeat for UDP and ICMP payloads).
void firewall_token(std::string_view token, FirewallLine& line) {
  const std::size_t eq = token.find('=');
  if (eq == kNpos) {
    if (is_tcp_flag(token) && line.flag_count < line.flags.size()) {
      line.flags[line.flag_count++] = token;
    }
    return;
  }
  const std::string_view key = token.substr(0, eq);
  const std::string_view value = token.substr(eq + 1);
  struct Slot {
    std::string_view key;
    std::string_view FirewallLine::*member;
  };
  static constexpr std::array<Slot, 14> kSlots = {{
      {"IN", &FirewallLine::in},
      {"OUT", &FirewallLine::out},
      {"MAC", &FirewallLine::mac},
      {"SRC", &FirewallLine::src},
      {"DST", &FirewallLine::dst},
      {"PROTO", &FirewallLine::proto},
      {"SPT", &FirewallLine::spt},
      {"DPT", &FirewallLine::dpt},
      {"LEN", &FirewallLine::len},
      {"TTL", &FirewallLine::ttl},
      {"ID", &FirewallLine::id},
      {"WINDOW", &FirewallLine::window},
      {"TYPE", &FirewallLine::icmp_type},
      {"CODE", &FirewallLine::icmp_code},
  }};
  for (const Slot& slot : kSlots) {
    if (slot.key == key) {
      if (key == "IN") {
        if (line.seen_in) return;
        line.seen_in = true;
      }
      std::string_view& field = line.*(slot.member);
      if (field.empty()) {
        field = value;
      } else if (key == "LEN" && line.len2.empty()) {
        line.len2 = value;
      }
      return;
    }
  }
}

// Finds "IN=" followed (after its value) by " OUT=": the start of the LOG key=value list.
std::size_t find_log_start(std::string_view b) {
  for (std::size_t at = b.find("IN="); at != kNpos; at = b.find("IN=", at + 1)) {
    const std::string_view after = b.substr(at + 3);
    const std::size_t space = after.find(' ');
    if (space != kNpos && after.substr(space).starts_with(" OUT=")) return at;
  }
  return kNpos;
}

bool parse_firewall(std::string_view body, FirewallLine& line) {
  std::string_view b = trim(body);
  if (b.starts_with("[")) {
    // kernel timestamp "[ 12345.678901]"
    const std::size_t close = b.find(']');
    if (close != kNpos && b.substr(1, close - 1).find_first_not_of(" .0123456789") == kNpos) {
      b = trim_left(b.substr(close + 1));
    }
  }
  const std::size_t start = find_log_start(b);
  if (start == kNpos) return false;
  line.prefix = trim(b.substr(0, start));
  std::string_view rest = b.substr(start);
  while (!rest.empty()) {
    const std::string_view token = first_token(rest);
    firewall_token(token, line);
    rest.remove_prefix(token.size());
    rest = trim_left(rest);
  }
  if (!resolve_ip(line.src, line.src_host)) return false;
  resolve_ip(line.dst, line.dst_host);
  return true;
}

// "00:08:a2:0c:1f:12:00:c8:8b:e2:d6:87:08:00" -> destination and source in ECS form
// ("00-08-A2-0C-1F-12"); false unless it is 14 colon-separated hex bytes.
bool split_mac(std::string_view mac, std::string& dst, std::string& src) {
  if (mac.size() != 41) return false;
  std::string all;
  all.reserve(41);
  for (std::size_t i = 0; i < mac.size(); ++i) {
    const char c = mac[i];
    if (i % 3 == 2) {
      if (c != ':') return false;
      all.push_back('-');
      continue;
    }
    const char u = (c >= 'a' && c <= 'f') ? static_cast<char>(c - 'a' + 'A') : c;
    if (!is_digit(u) && !(u >= 'A' && u <= 'F')) return false;
    all.push_back(u);
  }
  dst = all.substr(0, 17);
  src = all.substr(18, 17);
  return true;
}

void add_number(Fields& f, std::string_view name, std::string_view digits) {
  if (all_digits(digits)) append_int(f, name, to_int(digits));
}

void emit_firewall(const FirewallLine& line, Fields& f) {
  append_string(f, "event.action", "firewall_log");
  f.push_back(Field{std::string("event.category"), FieldValue(StringList{std::string("network")})});
  add_if(f, "iptables.prefix", line.prefix);
  add_if(f, "observer.ingress.interface.name", line.in);
  add_if(f, "observer.egress.interface.name", line.out);
  std::string dst_mac;
  std::string src_mac;
  if (split_mac(line.mac, dst_mac, src_mac)) {
    append_string(f, "destination.mac", dst_mac);
    append_string(f, "source.mac", src_mac);
  }
  add_host(f, "source.ip", "source.domain", line.src_host);
  add_host(f, "destination.ip", "destination.domain", line.dst_host);
  if (!line.proto.empty() && line.proto.size() <= 16) {
    std::string transport(line.proto);
    for (char& c : transport) c = lower(c);
    if (transport == "icmpv6") transport = "ipv6-icmp";
    if (transport == "udp") add_number(f, "iptables.udp.length", line.len2);
    append_string(f, "network.transport", transport);
  }
  add_port(f, "source.port", line.spt);
  add_port(f, "destination.port", line.dpt);
  add_number(f, "iptables.length", line.len);
  add_number(f, "iptables.ttl", line.ttl);
  add_number(f, "iptables.id", line.id);
  add_number(f, "iptables.tcp.window", line.window);
  if (line.flag_count > 0) {
    StringList flags;
    flags.reserve(line.flag_count);
    for (std::size_t i = 0; i < line.flag_count; ++i) flags.emplace_back(line.flags[i]);
    f.push_back(Field{std::string("iptables.tcp.flags"), FieldValue(std::move(flags))});
  }
  add_number(f, "iptables.icmp.type", line.icmp_type);
  add_number(f, "iptables.icmp.code", line.icmp_code);
}

// The program part of a tag: "sshd(pam_unix)" -> "sshd".
std::string_view base_program(std::string_view tag) { return tag.substr(0, tag.find('(')); }

}  // namespace

std::string_view unwrap_repeated_message(std::string_view body, std::int64_t& count) {
  count = 1;
  std::string_view b = body;
  if (!consume(b, "message repeated ")) return body;
  const std::string_view n = leading_digits(b);
  b.remove_prefix(n.size());
  if (!all_digits(n, 9) || !consume(b, " times: [")) return body;
  b = trim_right(b);
  if (!consume_suffix(b, "]")) return body;
  count = to_int(n);
  return trim_left(b);
}

bool ProgramDecoder::decode(Event& event) const {
  const std::string* message = nullptr;
  std::string tag;
  for (const Field& f : event.fields) {
    const auto* text = std::get_if<std::string>(&f.value);
    if (text == nullptr) continue;
    if (f.name == "log.syslog.message") {
      message = text;
    } else if (f.name == "log.syslog.appname" || (f.name == "process.name" && tag.empty())) {
      tag = *text;
    }
  }
  // A body held in a field is copied: appending fields may move that field's string.
  const std::string body = message != nullptr ? *message : std::string();
  std::int64_t count = 1;
  const std::string_view inner =
      unwrap_repeated_message(message != nullptr ? std::string_view(body) : event.raw, count);
  event.fields.reserve(event.fields.size() + 16);
  if (!decode_body(tag, inner, event.fields)) return false;
  if (count > 1) append_int(event.fields, "log.syslog.repeat_count", count);
  return true;
}

bool SshdDecoder::claims(std::string_view program, std::string_view, std::string_view) const {
  return program == "sshd" || program == "sshd-session" || program == "sshd-auth";
}

bool SshdDecoder::decode_body(std::string_view, std::string_view body, Fields& out) const {
  const std::string_view b = strip_sshd_prefixes(trim_right(body));
  if (b.empty()) return false;
  Record r;
  bool ok = false;
  for (const SshdPattern& p : kSshdPatterns) {
    if (b[0] == p.prefix[0] && b.starts_with(p.prefix)) {
      ok = p.parse(b.substr(p.prefix.size()), r);
      break;
    }
  }
  if (!ok) {
    r = Record{};
    ok = sshd_fixed_messages(b, r);
  }
  if (!ok) return false;
  emit(r, out);
  return true;
}

bool PamDecoder::claims(std::string_view, std::string_view tag, std::string_view body) const {
  return body.starts_with("pam_") || body.starts_with("(pam_unix)") || tag.find("(pam_") != kNpos ||
         (body.starts_with("PAM ") && body.size() > 4 && is_digit(body[4])) ||
         body.starts_with("authentication failure; logname=") ||
         body.starts_with("check pass; user unknown");
}

bool PamDecoder::decode_body(std::string_view tag, std::string_view body, Fields& out) const {
  Record r;
  const std::string_view message = pam_prefix(tag, trim_right(body), r);
  if (r.pam_service.empty()) r.pam_service = base_program(tag);
  if (message.empty() || !parse_pam_message(message, r)) return false;
  emit(r, out);
  return true;
}

bool SudoDecoder::claims(std::string_view program, std::string_view, std::string_view) const {
  return program == "sudo";
}

bool SudoDecoder::decode_body(std::string_view, std::string_view body, Fields& out) const {
  Record r;
  if (!parse_sudo(body, r)) return false;
  emit(r, out);
  return true;
}

bool SuDecoder::claims(std::string_view program, std::string_view, std::string_view) const {
  return program == "su";
}

bool SuDecoder::decode_body(std::string_view, std::string_view body, Fields& out) const {
  Record r;
  if (!parse_su(body, r)) return false;
  emit(r, out);
  return true;
}

bool AccountDecoder::claims(std::string_view program, std::string_view, std::string_view) const {
  static constexpr std::array<std::string_view, 11> kPrograms = {
      "useradd", "groupadd", "userdel", "groupdel", "usermod", "groupmod",
      "passwd",  "chpasswd", "chage",   "gpasswd",  "newusers"};
  for (const std::string_view p : kPrograms) {
    if (program == p) return true;
  }
  return false;
}

bool AccountDecoder::decode_body(std::string_view, std::string_view body, Fields& out) const {
  Record r;
  if (!parse_account(body, r)) return false;
  emit(r, out);
  return true;
}

bool CronDecoder::claims(std::string_view program, std::string_view, std::string_view) const {
  return program == "CRON" || program == "cron" || program == "crond" || program == "CROND";
}

bool CronDecoder::decode_body(std::string_view, std::string_view body, Fields& out) const {
  Record r;
  if (!parse_cron(body, r)) return false;
  emit(r, out);
  return true;
}

bool FirewallDecoder::claims(std::string_view program, std::string_view, std::string_view) const {
  return program == "kernel";
}

bool FirewallDecoder::decode_body(std::string_view, std::string_view body, Fields& out) const {
  FirewallLine line;
  if (!parse_firewall(body, line)) return false;
  emit_firewall(line, out);
  return true;
}

}  // namespace soc::agent
