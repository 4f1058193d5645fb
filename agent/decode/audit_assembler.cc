#include "agent/decode/audit_assembler.h"

#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace soc::agent {
namespace {

using std::string_view;

constexpr string_view kDataPrefix = "auditd.data.";

string_view string_field(const Event& e, string_view name) {
  const FieldValue* v = e.find(name);
  if (v == nullptr) return {};
  const auto* s = std::get_if<std::string>(v);
  return s != nullptr ? string_view(*s) : string_view();
}

std::string lower(string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

enum class Direction { kNone, kDestination, kSource };

// Which end of the connection a SOCKADDR describes, from the syscall (x86_64 and aarch64).
Direction socket_direction(string_view arch, string_view syscall) {
  int n = 0;
  if (syscall.empty() || syscall.size() > 4) return Direction::kNone;
  for (char c : syscall) {
    if (c < '0' || c > '9') return Direction::kNone;
    n = n * 10 + (c - '0');
  }
  if (arch == "c000003e") {  // x86_64
    switch (n) {
      case 42:
      case 44:
      case 46:
      case 307:
        return Direction::kDestination;
      case 43:
      case 45:
      case 47:
      case 52:
      case 288:
      case 299:
        return Direction::kSource;
      default:
        return Direction::kNone;
    }
  }
  if (arch == "c00000b7") {  // aarch64
    switch (n) {
      case 203:
      case 206:
      case 211:
      case 269:
        return Direction::kDestination;
      case 202:
      case 207:
      case 212:
      case 205:
      case 242:
      case 243:
        return Direction::kSource;
      default:
        return Direction::kNone;
    }
  }
  return Direction::kNone;
}

Event merge(std::vector<Event>& records) {
  // One record (and maybe its EOE): the record itself, plus auditd.message_types.
  const bool with_eoe =
      records.size() == 2 && string_field(records[1], "auditd.message_type") == "EOE";
  if (records.size() == 1 || with_eoe) {
    Event out = std::move(records.front());
    if (with_eoe) {
      out.raw.push_back('\n');
      out.raw += records[1].raw;
    }
    StringList types{std::string(string_field(out, "auditd.message_type"))};
    out.fields.push_back(Field{"auditd.message_types", std::move(types)});
    return out;
  }
  Event out;
  Event& first = records.front();
  out.time_ns = first.time_ns;
  out.source = std::move(first.source);
  out.kind = first.kind;
  std::size_t raw_size = 0;
  for (const Event& r : records) raw_size += r.raw.size() + 1;
  out.raw.reserve(raw_size);
  for (const Event& r : records) {
    if (&r != &records.front()) out.raw.push_back('\n');
    out.raw += r.raw;
  }

  // Read phase: types, the file path, the socket.
  std::vector<std::string> types;
  types.reserve(records.size());
  StringList message_types;
  for (const Event& r : records) {
    types.emplace_back(string_field(r, "auditd.message_type"));
    if (types.back() != "EOE") message_types.push_back(types.back());
  }
  std::optional<std::string> file_path;
  string_view arch, syscall;
  const Event* sockaddr = nullptr;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Event& r = records[i];
    if (types[i] == "PATH") {
      const FieldValue* name = r.find("auditd.data.name");
      const auto* s = name != nullptr ? std::get_if<std::string>(name) : nullptr;
      if (s == nullptr) continue;
      string_view nametype = string_field(r, "auditd.data.nametype");
      if (nametype.empty()) nametype = string_field(r, "auditd.data.objtype");
      if (nametype != "PARENT") {
        file_path = *s;
        break;
      }
      if (!file_path) file_path = *s;
    }
  }
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (types[i] == "SYSCALL" && arch.empty()) {
      arch = string_field(records[i], "auditd.data.arch");
      syscall = string_field(records[i], "auditd.data.syscall");
    } else if (types[i] == "SOCKADDR" && sockaddr == nullptr) {
      sockaddr = &records[i];
    }
  }
  // Names already in out.fields. The views stay valid: out.fields never reallocates (reserved
  // for every field of every record plus the few added here).
  std::size_t total = 0;
  for (const Event& r : records) total += r.fields.size();
  out.fields.reserve(total + 8);
  std::unordered_set<string_view> taken;
  taken.reserve(total + 8);
  auto add = [&](std::string name, FieldValue value) {
    if (taken.count(name) != 0 || out.fields.size() == out.fields.capacity()) return;
    out.fields.push_back(Field{std::move(name), std::move(value)});
    taken.insert(out.fields.back().name);
  };

  add("auditd.message_type", types.front());
  if (const FieldValue* seq = first.find("auditd.sequence")) add("auditd.sequence", *seq);
  add("auditd.message_types", std::move(message_types));
  if (file_path) add("file.path", std::move(*file_path));
  if (sockaddr != nullptr) {
    const Direction dir = socket_direction(arch, syscall);
    const string_view addr = string_field(*sockaddr, "auditd.data.socket.addr");
    const string_view port = string_field(*sockaddr, "auditd.data.socket.port");
    if (dir != Direction::kNone && !addr.empty()) {
      const bool dst = dir == Direction::kDestination;
      if (auto ip = IpAddress::parse(addr)) add(dst ? "destination.ip" : "source.ip", *ip);
      std::int64_t p = 0;
      bool ok = !port.empty() && port.size() <= 5;
      for (char c : port) {
        ok = ok && c >= '0' && c <= '9';
        if (ok) p = p * 10 + (c - '0');
      }
      if (ok) add(dst ? "destination.port" : "source.port", p);
    }
  }

  // Move phase.
  std::vector<std::pair<std::string, std::size_t>> type_counts;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (types[i] == "EOE") continue;
    std::size_t nth = 0;
    bool found = false;
    for (auto& [t, count] : type_counts) {
      if (t == types[i]) {
        nth = count++;
        found = true;
        break;
      }
    }
    if (!found) type_counts.emplace_back(types[i], 1);
    const std::string type_lower = lower(types[i]);
    for (Field& f : records[i].fields) {
      const string_view name = f.name;
      if (name == "auditd.message_type" || name == "auditd.sequence" || name == "file.path") {
        continue;
      }
      if (name.substr(0, kDataPrefix.size()) != kDataPrefix) {
        add(std::move(f.name), std::move(f.value));
        continue;
      }
      const string_view key = name.substr(kDataPrefix.size());
      if (taken.count(f.name) == 0) {
        add(std::move(f.name), std::move(f.value));
        continue;
      }
      std::string alt = "auditd." + type_lower + "." + std::string(key);
      if (taken.count(alt) != 0) {
        alt = "auditd." + type_lower + "." + std::to_string(nth) + "." + std::string(key);
      }
      add(std::move(alt), std::move(f.value));
    }
  }
  return out;
}

}  // namespace

void AuditAssembler::push(Event&& record, std::vector<Event>& out) {
  const string_view type = string_field(record, "auditd.message_type");
  if (type.empty()) {
    flush(out);
    out.push_back(std::move(record));
    return;
  }
  std::int64_t sequence = 0;
  if (const FieldValue* v = record.find("auditd.sequence")) {
    if (const auto* n = std::get_if<std::int64_t>(v)) sequence = *n;
  }
  if (!records_.empty() && (sequence != sequence_ || record.time_ns != time_ns_)) flush(out);
  if (type == "EOE") {
    if (records_.empty()) {
      out.push_back(std::move(record));  // an EOE without its records: kept as it is
      return;
    }
    records_.push_back(std::move(record));
    flush(out);
    return;
  }
  if (records_.empty()) {
    sequence_ = sequence;
    time_ns_ = record.time_ns;
    raw_bytes_ = 0;
  }
  raw_bytes_ += record.raw.size();
  records_.push_back(std::move(record));
  if (records_.size() >= kMaxRecords || raw_bytes_ >= kMaxRawBytes) flush(out);
}

void AuditAssembler::flush(std::vector<Event>& out) {
  if (records_.empty()) return;
  out.push_back(merge(records_));
  records_.clear();
  raw_bytes_ = 0;
}

}  // namespace soc::agent
