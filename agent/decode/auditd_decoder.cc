#include "agent/decode/auditd_decoder.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace soc::agent {
namespace {

using std::string_view;

// Seconds that still fit TimeNs (int64 ns): about +-292 years around 1970.
constexpr std::int64_t kMaxSeconds = 9'000'000'000;

constexpr std::size_t kMaxHeaderSearch = 512;  // where "type=" must start in prefixed forms
constexpr std::size_t kMaxKvs = 2048;
constexpr std::size_t kMaxArgs = 2048;
constexpr std::size_t kLinearDedupLimit = 48;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\x1d'; }
bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || is_upper(c) || is_digit(c) || c == '_' || c == '-' || c == '[' ||
         c == ']';
}
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_int(string_view s, std::int64_t& out) {
  bool neg = false;
  if (!s.empty() && s.front() == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 18) return false;
  std::int64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  out = neg ? -v : v;
  return true;
}

// Audit record type numbers as the kernel prints them ("audit: type=1400 audit(...)").
string_view type_name(std::int64_t n) {
  switch (n) {
    case 1006:
      return "LOGIN";
    case 1100:
      return "USER_AUTH";
    case 1101:
      return "USER_ACCT";
    case 1102:
      return "USER_MGMT";
    case 1103:
      return "CRED_ACQ";
    case 1104:
      return "CRED_DISP";
    case 1105:
      return "USER_START";
    case 1106:
      return "USER_END";
    case 1107:
      return "USER_AVC";
    case 1108:
      return "USER_CHAUTHTOK";
    case 1109:
      return "USER_ERR";
    case 1110:
      return "CRED_REFR";
    case 1111:
      return "USYS_CONFIG";
    case 1112:
      return "USER_LOGIN";
    case 1113:
      return "USER_LOGOUT";
    case 1114:
      return "ADD_USER";
    case 1115:
      return "DEL_USER";
    case 1116:
      return "ADD_GROUP";
    case 1117:
      return "DEL_GROUP";
    case 1123:
      return "USER_CMD";
    case 1124:
      return "USER_TTY";
    case 1130:
      return "SERVICE_START";
    case 1131:
      return "SERVICE_STOP";
    case 1300:
      return "SYSCALL";
    case 1302:
      return "PATH";
    case 1305:
      return "CONFIG_CHANGE";
    case 1306:
      return "SOCKADDR";
    case 1307:
      return "CWD";
    case 1309:
      return "EXECVE";
    case 1320:
      return "EOE";
    case 1325:
      return "NETFILTER_CFG";
    case 1326:
      return "SECCOMP";
    case 1327:
      return "PROCTITLE";
    case 1400:
      return "AVC";
    case 1701:
      return "ANOM_ABEND";
    case 1702:
      return "ANOM_LINK";
    default:
      return {};
  }
}

struct Header {
  string_view node;
  string_view type;
  std::string type_store;  // for "UNKNOWN[n]"
  TimeNs time_ns = 0;
  std::int64_t sequence = 0;
  string_view body;
};

// "[node=N ]type=T msg=audit(S.F:Q):" at the start or after a blank within the first bytes.
bool parse_header(string_view line, Header& h) {
  std::size_t p = 0;
  const std::size_t limit = line.size() < kMaxHeaderSearch ? line.size() : kMaxHeaderSearch;
  while (true) {
    p = line.find("type=", p);
    if (p == string_view::npos || p >= limit) return false;
    if (p == 0 || line[p - 1] == ' ') break;
    p += 5;
  }
  std::size_t i = p + 5;
  const std::size_t type_start = i;
  while (i < line.size() && line[i] != ' ') ++i;
  if (i == type_start || i - type_start > 64) return false;
  h.type = line.substr(type_start, i - type_start);
  while (i < line.size() && line[i] == ' ') ++i;
  string_view rest = line.substr(i);
  if (rest.substr(0, 10) == "msg=audit(") {
    i += 10;
  } else if (rest.substr(0, 6) == "audit(") {
    i += 6;
  } else {
    return false;
  }
  std::int64_t sec = 0, frac = 0, seq = 0;
  const std::size_t sec_start = i;
  while (i < line.size() && is_digit(line[i]) && i - sec_start < 18)
    sec = sec * 10 + (line[i++] - '0');
  if (i == sec_start || i >= line.size() || line[i] != '.') return false;
  ++i;
  const std::size_t frac_start = i;
  std::int64_t scale = 100'000'000;
  while (i < line.size() && is_digit(line[i])) {
    if (i - frac_start >= 9) return false;
    frac += (line[i++] - '0') * scale;
    scale /= 10;
  }
  if (i == frac_start || i >= line.size() || line[i] != ':') return false;
  ++i;
  const std::size_t seq_start = i;
  while (i < line.size() && is_digit(line[i]) && i - seq_start < 18)
    seq = seq * 10 + (line[i++] - '0');
  if (i == seq_start || i >= line.size() || line[i] != ')') return false;
  ++i;
  if (i < line.size() && line[i] == ':') ++i;
  if (sec > kMaxSeconds) return false;  // beyond TimeNs (year 2262)
  h.time_ns = sec * 1'000'000'000 + frac;
  h.sequence = seq;
  h.body = line.substr(i);

  bool numeric = true;
  for (char c : h.type) numeric = numeric && is_digit(c);
  if (numeric) {
    std::int64_t n = 0;
    parse_int(h.type, n);
    const string_view name = type_name(n);
    if (!name.empty()) {
      h.type = name;
    } else {
      h.type_store = "UNKNOWN[" + std::string(h.type) + "]";
      h.type = h.type_store;
    }
  }
  // "node=N " just before "type=".
  if (p > 0) {
    std::size_t e = p;
    while (e > 0 && line[e - 1] == ' ') --e;
    std::size_t b = e;
    while (b > 0 && line[b - 1] != ' ') --b;
    const string_view tok = line.substr(b, e - b);
    if (tok.size() > 5 && tok.substr(0, 5) == "node=") h.node = tok.substr(5);
  }
  return true;
}

struct Kv {
  string_view key;
  std::string key_store;  // when renamed ("old_auid" in LOGIN)
  string_view value;
  std::string value_store;  // when decoded from hex
  char quote = 0;           // '"', '\'' or 0
  bool inner = false;       // from inside msg='...'
  bool owned = false;
  bool skip = false;     // a repeated key
  bool msg_dup = false;  // an inner key repeating an outer one: emitted as msg.<key>
  string_view name() const { return key_store.empty() ? key : string_view(key_store); }
  string_view val() const { return owned ? string_view(value_store) : value; }
};

// Upper-case keys of the ENRICHED format, recognised when a copy lost the \x1d before them and
// they stick to the previous value ("cap_frootid=0OUID=\"root\"").
bool is_enriched_key(string_view k) {
  static constexpr std::array<string_view, 17> kKeys = {
      "ARCH", "SYSCALL", "AUID", "UID",  "GID",   "EUID", "SUID", "FSUID",    "EGID",
      "SGID", "FSGID",   "OUID", "OGID", "SADDR", "ID",   "IUID", "INODE_UID"};
  for (string_view e : kKeys) {
    if (e == k) return true;
  }
  return false;
}

void parse_body(string_view body, string_view type, bool inner, std::vector<Kv>& out) {
  std::size_t i = 0;
  const std::size_t n = body.size();
  // SELinux AVC text: "avc:  denied  { read write } for  pid=..."
  if (type == "AVC" || type == "USER_AVC") {
    while (i < n && is_ws(body[i])) ++i;
    if (body.substr(i, 4) == "avc:") {
      i += 4;
      while (i < n && body[i] == ' ') ++i;
      const std::size_t w = i;
      while (i < n && !is_ws(body[i])) ++i;
      if (i > w && out.size() < kMaxKvs) {
        Kv kv;
        kv.key = "seresult";
        kv.value = body.substr(w, i - w);
        kv.inner = inner;
        out.push_back(std::move(kv));
      }
      while (i < n && body[i] == ' ') ++i;
      if (i < n && body[i] == '{') {
        const std::size_t close = body.find('}', i);
        const std::size_t end = close == string_view::npos ? n : close;
        std::string perms;
        for (std::size_t j = i + 1; j < end;) {
          while (j < end && body[j] == ' ') ++j;
          const std::size_t s = j;
          while (j < end && body[j] != ' ') ++j;
          if (j > s) {
            if (!perms.empty()) perms.push_back(',');
            perms.append(body.substr(s, j - s));
          }
        }
        if (out.size() < kMaxKvs) {
          Kv kv;
          kv.key = "seperms";
          kv.value_store = std::move(perms);
          kv.owned = true;
          kv.inner = inner;
          out.push_back(std::move(kv));
        }
        i = close == string_view::npos ? n : close + 1;
      }
    }
  }
  const bool login = type == "LOGIN";
  string_view login_prefix;
  while (i < n && out.size() < kMaxKvs) {
    while (i < n && is_ws(body[i])) ++i;
    if (i >= n) break;
    std::size_t j = i;
    while (j < n && body[j] == '(') ++j;
    std::size_t k = j;
    while (k < n && is_key_char(body[k])) ++k;
    if (k == j || k >= n || body[k] != '=') {
      // A word that is not key=value ("auditd start,", "old auid=..." in LOGIN).
      std::size_t e = i;
      while (e < n && !is_ws(body[e])) ++e;
      const string_view word = body.substr(i, e - i);
      login_prefix = login && (word == "old" || word == "new") ? word : string_view();
      i = e;
      continue;
    }
    Kv kv;
    kv.key = body.substr(j, k - j);
    kv.inner = inner;
    std::size_t v = k + 1;
    if (v < n && (body[v] == '"' || body[v] == '\'')) {
      const char q = body[v];
      std::size_t e = body.find(q, v + 1);
      if (e == string_view::npos) e = n;
      kv.value = body.substr(v + 1, e - v - 1);
      kv.quote = q;
      i = e < n ? e + 1 : n;
    } else {
      std::size_t e = v;
      while (e < n && !is_ws(body[e])) ++e;
      string_view value = body.substr(v, e - v);
      i = e;
      // A lost \x1d: "0OUID=..." -> "0", then OUID=...
      const std::size_t eq = value.find('=');
      if (eq != string_view::npos) {
        std::size_t s = eq;
        while (s > 0 && (is_upper(value[s - 1]) || value[s - 1] == '_')) --s;
        if (s > 0 && s < eq && is_enriched_key(value.substr(s, eq - s))) {
          i = v + s;
          value = value.substr(0, s);
        }
      }
      while (!value.empty() &&
             (value.back() == '"' || value.back() == '\'' || value.back() == ',')) {
        value.remove_suffix(1);
      }
      if (!value.empty() && value.back() == ')' && value.find('(') == string_view::npos) {
        value.remove_suffix(1);
      }
      kv.value = value;
    }
    if (!inner && kv.key == "msg" && kv.quote == '\'') {
      parse_body(kv.value, type, true, out);
      continue;
    }
    if (!login_prefix.empty()) {
      kv.key_store = std::string(login_prefix) + "_" + std::string(kv.key);
      login_prefix = {};
    }
    out.push_back(std::move(kv));
  }
}

bool is_upper_hex(string_view v) {
  if (v.size() < 2 || v.size() % 2 != 0) return false;
  for (char c : v) {
    if (!is_digit(c) && !(c >= 'A' && c <= 'F')) return false;
  }
  return true;
}

std::string hex_decode(string_view hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(hex_value(hex[i]) * 16 + hex_value(hex[i + 1])));
  }
  return out;
}

// "a12" or "a12[3]" (EXECVE arguments): the argument index, or -1.
std::int64_t arg_index(string_view key) {
  if (key.size() < 2 || key[0] != 'a' || !is_digit(key[1])) return -1;
  std::size_t i = 1;
  std::int64_t v = 0;
  while (i < key.size() && is_digit(key[i])) {
    if (i > 9) return -1;
    v = v * 10 + (key[i++] - '0');
  }
  if (i == key.size()) return v;
  if (key[i] != '[' || key.back() != ']') return -1;
  for (std::size_t j = i + 1; j + 1 < key.size(); ++j) {
    if (!is_digit(key[j])) return -1;
  }
  return v;
}

// Keys whose unquoted values auditd writes hex-encoded (user-controlled text).
bool hex_encoded_key(string_view type, string_view key) {
  switch (key.size()) {
    case 3:
      return key == "cmd" || key == "cwd" || key == "exe" || key == "key" || key == "dir";
    case 4:
      if (key == "data") return type == "TTY" || type == "USER_TTY";
      return key == "name" || key == "path" || key == "acct" || key == "comm";
    case 5:
      return key == "ocomm" || key == "watch" || (type == "EXECVE" && arg_index(key) >= 0);
    case 9:
      return key == "proctitle" || (type == "EXECVE" && arg_index(key) >= 0);
    default:
      return type == "EXECVE" && arg_index(key) >= 0;
  }
}

// Decodes hex values in place: NULs become spaces (trailing NULs dropped); in "key" the \x01
// separating several rule keys becomes ','.
void decode_hex_values(string_view type, std::vector<Kv>& kvs) {
  for (Kv& kv : kvs) {
    if (kv.quote != 0 || kv.owned) continue;
    const string_view key = kv.key;
    if (!hex_encoded_key(type, key) || !is_upper_hex(kv.value)) continue;
    std::string text = hex_decode(kv.value);
    while (!text.empty() && text.back() == '\0') text.pop_back();
    for (char& c : text) {
      if (c == '\0') c = ' ';
      if (c == '\x01' && key == "key") c = ',';
    }
    kv.value_store = std::move(text);
    kv.owned = true;
  }
}

// Keys from inside msg='...' that repeat an outer key are renamed "msg.<key>"; a key repeated
// at the same level keeps its first value.
void dedup(std::vector<Kv>& kvs) {
  auto resolve = [&](Kv& kv, bool seen_outer, bool seen_same) {
    if (kv.inner && seen_outer && !seen_same) {
      kv.msg_dup = true;
    } else if (seen_same) {
      kv.skip = true;
    }
  };
  if (kvs.size() <= kLinearDedupLimit) {
    // Cheap tags (length, first and last byte) so that most pairs are told apart without memcmp.
    std::uint32_t tags[kLinearDedupLimit];
    for (std::size_t i = 0; i < kvs.size(); ++i) {
      const string_view n = kvs[i].name();
      tags[i] = n.empty()
                    ? 0
                    : static_cast<std::uint32_t>(n.size() << 16) |
                          (static_cast<std::uint32_t>(static_cast<unsigned char>(n[0])) << 8) |
                          static_cast<unsigned char>(n.back());
    }
    for (std::size_t i = 1; i < kvs.size(); ++i) {
      bool seen_outer = false, seen_same = false;
      for (std::size_t j = 0; j < i; ++j) {
        if (tags[j] != tags[i] || kvs[j].skip || kvs[j].name() != kvs[i].name()) continue;
        if (kvs[j].inner == kvs[i].inner) seen_same = true;
        if (!kvs[j].inner) seen_outer = true;
      }
      resolve(kvs[i], seen_outer, seen_same);
    }
    return;
  }
  std::unordered_set<string_view> outer, inner;
  for (Kv& kv : kvs) {
    const string_view name = kv.name();
    const bool seen_outer = outer.count(name) > 0;
    const bool seen_same = kv.inner ? inner.count(name) > 0 : seen_outer;
    resolve(kv, seen_outer, seen_same);
    if (!kv.skip) (kv.inner ? inner : outer).insert(name);
  }
}

std::optional<std::string_view> outcome(string_view v) {
  if (v == "success" || v == "yes" || v == "1") return "success";
  if (v == "failed" || v == "fail" || v == "failure" || v == "no" || v == "0") return "failure";
  return std::nullopt;
}

bool meaningful(string_view v) { return !v.empty() && v != "?" && v != "(null)" && v != "(none)"; }
bool unset_id(string_view v) { return v == "4294967295" || v == "-1" || v == "unset"; }

// SOCKADDR saddr (hex of struct sockaddr as the kernel holds it, little-endian family).
void add_sockaddr(string_view hex, std::vector<Field>& f) {
  if (hex.size() < 4 || hex.size() % 2 != 0) return;
  for (char c : hex) {
    if (hex_value(c) < 0) return;
  }
  const std::string b = hex_decode(hex);
  auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(b[i]); };
  const unsigned family = byte(0) | (static_cast<unsigned>(byte(1)) << 8);
  std::string family_name;
  if (family == 2 && b.size() >= 8) {
    family_name = "ipv4";
    IpAddress ip;
    ip.is_v4 = true;
    for (std::size_t i = 0; i < 4; ++i) ip.bytes[i] = byte(4 + i);
    f.push_back(Field{"auditd.data.socket.addr", ip.to_string()});
    f.push_back(Field{"auditd.data.socket.port", std::to_string((byte(2) << 8) | byte(3))});
  } else if (family == 10 && b.size() >= 24) {
    family_name = "ipv6";
    IpAddress ip;
    ip.is_v4 = false;
    for (std::size_t i = 0; i < 16; ++i) ip.bytes[i] = byte(8 + i);
    f.push_back(Field{"auditd.data.socket.addr", ip.to_string()});
    f.push_back(Field{"auditd.data.socket.port", std::to_string((byte(2) << 8) | byte(3))});
  } else if (family == 1) {
    family_name = "unix";
    std::string path;
    std::size_t i = 2;
    if (i < b.size() && b[i] == '\0') {  // abstract socket
      path.push_back('@');
      ++i;
    }
    for (; i < b.size() && b[i] != '\0'; ++i) path.push_back(b[i]);
    if (!path.empty()) f.push_back(Field{"auditd.data.socket.path", std::move(path)});
  } else if (family == 16) {
    family_name = "netlink";
  } else {
    family_name = std::to_string(family);
  }
  f.push_back(Field{"auditd.data.socket.family", std::move(family_name)});
}

// The number in `v` as an integer field; nothing when it is not one.
void add_int_text(std::vector<Field>& f, const char* name, string_view v) {
  std::int64_t n = 0;
  if (parse_int(v, n)) append_int(f, name, n);
}

// auditd.keys: the rule keys, split at ',' (hex-encoded keys were joined with ',' above).
void add_keys(string_view v, std::vector<Field>& f) {
  StringList keys;
  std::size_t s = 0;
  while (s <= v.size()) {
    std::size_t e = v.find(',', s);
    if (e == string_view::npos) e = v.size();
    if (e > s) keys.emplace_back(v.substr(s, e - s));
    s = e + 1;
  }
  if (!keys.empty()) f.push_back(Field{"auditd.keys", std::move(keys)});
}

// Keys mapped onto ECS, dispatched on length first (this runs for every key of every record).
enum class Key {
  kOther,
  kPid,
  kPpid,
  kExe,
  kComm,
  kTitle,
  kUid,
  kAuid,
  kEuid,
  kGid,
  kAddr,
  kName,
  kCwd,
  kCmd,
  kOp,
  kRes,
  kAcct,
  kEnrichedUid,
  kEnrichedAuid,
  kEnrichedEuid,
  kKey,
  kSaddr
};
Key classify(string_view k) {
  switch (k.size()) {
    case 2:
      return k == "op" ? Key::kOp : Key::kOther;
    case 3:
      switch (k[0]) {
        case 'p':
          return k == "pid" ? Key::kPid : Key::kOther;
        case 'u':
          return k == "uid" ? Key::kUid : Key::kOther;
        case 'g':
          return k == "gid" ? Key::kGid : Key::kOther;
        case 'e':
          return k == "exe" ? Key::kExe : Key::kOther;
        case 'r':
          return k == "res" ? Key::kRes : Key::kOther;
        case 'k':
          return k == "key" ? Key::kKey : Key::kOther;
        case 'c':
          return k == "cwd" ? Key::kCwd : k == "cmd" ? Key::kCmd : Key::kOther;
        case 'U':
          return k == "UID" ? Key::kEnrichedUid : Key::kOther;
        default:
          return Key::kOther;
      }
    case 4:
      switch (k[0]) {
        case 'p':
          return k == "ppid" ? Key::kPpid : Key::kOther;
        case 'a':
          return k == "auid"   ? Key::kAuid
                 : k == "addr" ? Key::kAddr
                 : k == "acct" ? Key::kAcct
                               : Key::kOther;
        case 'e':
          return k == "euid" ? Key::kEuid : Key::kOther;
        case 'c':
          return k == "comm" ? Key::kComm : Key::kOther;
        case 'n':
          return k == "name" ? Key::kName : Key::kOther;
        case 'A':
          return k == "AUID" ? Key::kEnrichedAuid : Key::kOther;
        case 'E':
          return k == "EUID" ? Key::kEnrichedEuid : Key::kOther;
        default:
          return Key::kOther;
      }
    case 5:
      return k == "saddr" ? Key::kSaddr : Key::kOther;
    case 7:
      return k == "success" ? Key::kRes : Key::kOther;
    case 9:
      return k == "proctitle" ? Key::kTitle : Key::kOther;
    default:
      return Key::kOther;
  }
}

}  // namespace

bool AuditdDecoder::decode(Event& event) const {
  string_view line = event.raw;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  Header h;
  if (!parse_header(line, h)) return false;

  // Scratch reused across calls on this thread (the decoder itself is immutable and shared).
  thread_local std::vector<Kv> kvs;
  kvs.clear();
  if (kvs.capacity() > 256) std::vector<Kv>().swap(kvs);  // do not keep a hostile line's size
  parse_body(h.body, h.type, false, kvs);
  decode_hex_values(h.type, kvs);
  dedup(kvs);

  std::vector<Field>& f = event.fields;
  f.reserve(f.size() + kvs.size() + 12);
  append_field<std::string>(f, "auditd.message_type", h.type);
  append_field<std::int64_t>(f, "auditd.sequence", h.sequence);
  if (!h.node.empty()) append_field<std::string>(f, "auditd.node", h.node);

  for (const Kv& kv : kvs) {
    if (kv.skip) continue;
    const string_view prefix = kv.msg_dup ? "auditd.data.msg." : "auditd.data.";
    const string_view key = kv.name();
    Field& field = f.emplace_back();
    field.name.reserve(prefix.size() + key.size());
    field.name.append(prefix).append(key);
    field.value.emplace<std::string>(kv.val());
  }

  // ECS. First value wins; keys repeated inside msg='...' (msg.<key>) are not mapped.
  const bool sockaddr = h.type == "SOCKADDR";
  const bool execve = h.type == "EXECVE";
  const bool path_record = h.type == "PATH";
  const bool user_cmd = h.type == "USER_CMD";
  string_view action, result, user_name, enriched_uid;
  bool have[32] = {};
  StringList args;
  std::int64_t argc = -1;
  for (const Kv& kv : kvs) {
    if (kv.skip || kv.msg_dup || !kv.key_store.empty()) continue;
    const string_view k = kv.key;
    const string_view v = kv.val();
    if (execve) {
      const std::int64_t idx = arg_index(k);
      if (idx >= 0) {
        if (static_cast<std::size_t>(idx) < kMaxArgs) {
          const auto i = static_cast<std::size_t>(idx);
          if (args.size() <= i) args.resize(i + 1);
          args[i].append(v);  // a1[0], a1[1] ... concatenate
        }
      } else if (k == "argc") {
        parse_int(v, argc);
      }
      continue;
    }
    const Key key = classify(k);
    if (key == Key::kOther) continue;
    bool& seen = have[static_cast<int>(key)];
    auto once = [&]() {
      if (seen || !meaningful(v)) return false;
      seen = true;
      return true;
    };
    switch (key) {
      case Key::kPid:
        if (once()) add_int_text(f, "process.pid", v);
        break;
      case Key::kPpid:
        if (once()) add_int_text(f, "process.ppid", v);
        break;
      case Key::kExe:
        if (once()) append_field<std::string>(f, "process.executable", v);
        break;
      case Key::kComm:
        if (once()) append_field<std::string>(f, "process.name", v);
        break;
      case Key::kTitle:
        if (once()) append_field<std::string>(f, "process.title", v);
        break;
      case Key::kUid:
        if (once()) append_field<std::string>(f, "user.id", v);
        break;
      case Key::kAuid:
        if (!unset_id(v) && once()) append_field<std::string>(f, "user.audit.id", v);
        break;
      case Key::kEuid:
        if (once()) append_field<std::string>(f, "user.effective.id", v);
        break;
      case Key::kGid:
        if (once()) append_field<std::string>(f, "user.group.id", v);
        break;
      case Key::kAddr:
        if (!sockaddr && !seen) {
          if (auto ip = IpAddress::parse(v)) {
            seen = true;
            append_field<IpAddress>(f, "source.ip", *ip);
          }
        }
        break;
      case Key::kName:
        if (path_record && once()) append_field<std::string>(f, "file.path", v);
        break;
      case Key::kCwd:
        if (once()) append_field<std::string>(f, "process.working_directory", v);
        break;
      case Key::kCmd:
        if (user_cmd && once()) append_field<std::string>(f, "process.command_line", v);
        break;
      case Key::kOp:
        if (action.empty() && meaningful(v)) action = v;
        break;
      case Key::kRes:
        if (result.empty()) result = v;
        break;
      case Key::kAcct:
        if (user_name.empty() && meaningful(v)) user_name = v;
        break;
      case Key::kEnrichedUid:
        if (enriched_uid.empty() && meaningful(v) && v != "unset") enriched_uid = v;
        break;
      case Key::kEnrichedAuid:
        if (meaningful(v) && v != "unset" && once())
          append_field<std::string>(f, "user.audit.name", v);
        break;
      case Key::kEnrichedEuid:
        if (meaningful(v) && v != "unset" && once())
          append_field<std::string>(f, "user.effective.name", v);
        break;
      case Key::kKey: {
        // Old kernels log the rule key as key="key=net".
        const string_view keys_text = v.substr(0, 4) == "key=" ? v.substr(4) : v;
        if (meaningful(keys_text) && once()) add_keys(keys_text, f);
        break;
      }
      case Key::kSaddr:
        if (sockaddr && once()) add_sockaddr(v, f);
        break;
      case Key::kOther:
        break;
    }
  }
  if (execve) {
    if (argc >= 0 && static_cast<std::size_t>(argc) < args.size()) {
      args.resize(static_cast<std::size_t>(argc));
    }
    if (!args.empty()) {
      std::string command_line;
      for (const std::string& a : args) {
        if (!command_line.empty()) command_line.push_back(' ');
        command_line += a;
      }
      append_field<std::string>(f, "process.command_line", std::move(command_line));
      append_field<StringList>(f, "process.args", std::move(args));
    }
    if (argc >= 0) append_field<std::int64_t>(f, "process.args_count", argc);
  }
  if (!user_name.empty()) {
    append_field<std::string>(f, "user.name", user_name);
  } else if (!enriched_uid.empty()) {
    append_field<std::string>(f, "user.name", enriched_uid);
  }
  if (auto o = outcome(result)) append_field<std::string>(f, "event.outcome", *o);
  if (!action.empty()) {
    append_field<std::string>(f, "event.action", action);
  } else {
    std::string lower(h.type);
    for (char& c : lower) {
      if (is_upper(c)) c = static_cast<char>(c - 'A' + 'a');
    }
    append_field<std::string>(f, "event.action", std::move(lower));
  }
  event.time_ns = h.time_ns;
  return true;
}

}  // namespace soc::agent
