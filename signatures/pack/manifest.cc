#include "signatures/pack/manifest.h"

#include <algorithm>
#include <array>
#include <exception>
#include <limits>
#include <optional>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

namespace soc::pack {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// A valid manifest nests 3 levels (object, files list, file object); anything deeper is hostile.
constexpr std::size_t kMaxDepth = 8;
constexpr std::size_t kMaxNameBytes = 64;
constexpr std::size_t kMaxRoutingTextBytes = 256;

constexpr std::array<std::string_view, 4> kKindNames = {"sigma", "correlation", "packet",
                                                        "field_mappings"};

tl::unexpected<Error> malformed(const std::string& key, const std::string& what) {
  return fail(ErrorCode::kMalformed, "manifest: " + key + ": " + what);
}

// SAX pass before building the tree: refuses duplicate keys (which JSON parsers resolve
// differently) and nesting deeper than a manifest ever has, without building anything.
class StrictnessCheck final : public nlohmann::json_sax<Json> {
 public:
  std::string problem;  // "" while fine

  bool null() override { return true; }
  bool boolean(bool /*val*/) override { return true; }
  bool number_integer(number_integer_t /*val*/) override { return true; }
  bool number_unsigned(number_unsigned_t /*val*/) override { return true; }
  bool number_float(number_float_t /*val*/, const string_t& /*s*/) override { return true; }
  bool string(string_t& /*val*/) override { return true; }
  bool binary(binary_t& /*val*/) override { return true; }
  bool start_object(std::size_t /*elements*/) override {
    keys_.emplace_back();
    return enter();
  }
  bool key(string_t& val) override {
    if (!keys_.back().insert(val).second) {
      problem = "duplicate key '" + val + "'";
      return false;
    }
    return true;
  }
  bool end_object() override {
    keys_.pop_back();
    --depth_;
    return true;
  }
  bool start_array(std::size_t /*elements*/) override { return enter(); }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) override {
    problem = ex.what();
    return false;
  }

 private:
  bool enter() {
    if (++depth_ > kMaxDepth) {
      problem = "nested more than " + std::to_string(kMaxDepth) + " levels deep";
      return false;
    }
    return true;
  }
  std::vector<std::set<std::string>> keys_;
  std::size_t depth_ = 0;
};

bool has_control_byte(std::string_view s) {
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) return true;
  }
  return false;
}

// Refuses keys other than `allowed` in obj (named `where` in the error).
Result<void> only_keys(const Json& obj, std::initializer_list<std::string_view> allowed,
                       const std::string& where) {
  for (const auto& item : obj.items()) {
    bool known = false;
    for (const std::string_view a : allowed) known = known || item.key() == a;
    if (!known) {
      std::string list;
      for (const std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return malformed(where.empty() ? item.key() : where + "." + item.key(),
                       "unknown key (expected " + list + ")");
    }
  }
  return ok();
}

// obj[key] as a string; "" when absent and not required.
Result<std::string> get_string(const Json& obj, const char* key, const std::string& where,
                               bool required) {
  const auto it = obj.find(key);
  const std::string name = where.empty() ? key : where + "." + key;
  if (it == obj.end()) {
    if (required) return malformed(name, "missing");
    return std::string();
  }
  if (!it->is_string()) return malformed(name, "expected a string");
  return it->get<std::string>();
}

Result<std::uint64_t> get_uint(const Json& obj, const char* key, const std::string& where) {
  const auto it = obj.find(key);
  const std::string name = where.empty() ? key : where + "." + key;
  if (it == obj.end()) return malformed(name, "missing");
  if (!it->is_number_unsigned()) return malformed(name, "expected a non-negative integer");
  return it->get<std::uint64_t>();
}

Result<PackVersion> get_version(const Json& obj, const char* key) {
  auto text = get_string(obj, key, "", true);
  if (!text) return tl::unexpected(text.error());
  auto version = PackVersion::parse(*text);
  if (!version) {
    return malformed(key, "'" + *text + "' is not a version (1 to 4 numbers separated by dots)");
  }
  return *version;
}

// "YYYY-MM-DDTHH:MM:SSZ" with plausible field values.
bool is_rfc3339_utc_seconds(std::string_view s) {
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  if (s.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (kShape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != kShape[i]) return false;
  }
  auto num = [&](std::size_t pos) { return (s[pos] - '0') * 10 + (s[pos + 1] - '0'); };
  const int month = num(5);
  const int day = num(8);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && num(11) <= 23 && num(14) <= 59 &&
         num(17) <= 60;
}

std::optional<PackFileKind> kind_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) return static_cast<PackFileKind>(i);
  }
  return std::nullopt;
}

bool is_lower_hex(std::string_view s) {
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<ManifestFile> parse_file(const Json& j, const std::string& where) {
  if (!j.is_object()) return malformed(where, "expected an object {path, kind, sha256, size}");
  if (auto r = only_keys(j, {"path", "kind", "sha256", "size"}, where); !r) {
    return tl::unexpected(r.error());
  }
  ManifestFile f;
  SOC_TRY_ASSIGN(f.path, get_string(j, "path", where, true));
  if (!is_safe_pack_path(f.path)) {
    return malformed(where + ".path",
                     "unsafe path (absolute, '..', empty segment, backslash, "
                     "control byte or too long)");
  }
  std::string kind;
  SOC_TRY_ASSIGN(kind, get_string(j, "kind", where, true));
  const auto parsed_kind = kind_from_name(kind);
  if (!parsed_kind) {
    return malformed(where + ".kind",
                     "unknown kind '" + kind + "' (sigma, correlation, packet, field_mappings)");
  }
  f.kind = *parsed_kind;
  SOC_TRY_ASSIGN(f.sha256, get_string(j, "sha256", where, true));
  if (f.sha256.size() != 64 || !is_lower_hex(f.sha256)) {
    return malformed(where + ".sha256", "expected 64 lower-case hex digits");
  }
  SOC_TRY_ASSIGN(f.size, get_uint(j, "size", where));
  return f;
}

Result<RoutingEntry> parse_routing(const Json& j, const std::string& where) {
  if (!j.is_object()) return malformed(where, "expected an object {program, service}");
  if (auto r = only_keys(j, {"program", "service"}, where); !r) return tl::unexpected(r.error());
  RoutingEntry e;
  SOC_TRY_ASSIGN(e.program, get_string(j, "program", where, true));
  SOC_TRY_ASSIGN(e.service, get_string(j, "service", where, true));
  auto fits = [](const std::string& s) {
    return !s.empty() && s.size() <= kMaxRoutingTextBytes && !has_control_byte(s);
  };
  if (!fits(e.program)) return malformed(where + ".program", "expected 1 to 256 printable bytes");
  if (!fits(e.service)) return malformed(where + ".service", "expected 1 to 256 printable bytes");
  return e;
}

Result<SkippedRule> parse_skipped(const Json& j, const std::string& where) {
  if (!j.is_object()) return malformed(where, "expected an object {path, line, rule_id, reason}");
  if (auto r = only_keys(j, {"path", "line", "rule_id", "reason"}, where); !r) {
    return tl::unexpected(r.error());
  }
  SkippedRule s;
  SOC_TRY_ASSIGN(s.path, get_string(j, "path", where, true));
  std::uint64_t line = 0;
  SOC_TRY_ASSIGN(line, get_uint(j, "line", where));
  if (line > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
    return malformed(where + ".line", "out of range");
  }
  s.line = static_cast<int>(line);
  SOC_TRY_ASSIGN(s.rule_id, get_string(j, "rule_id", where, true));
  SOC_TRY_ASSIGN(s.reason, get_string(j, "reason", where, true));
  return s;
}

// Parses a list under key (absent: empty) with parse_one(element, "key[i]").
template <typename T, typename F>
Result<std::vector<T>> parse_list(const Json& root, const char* key, bool required, F parse_one) {
  std::vector<T> out;
  const auto it = root.find(key);
  if (it == root.end()) {
    if (required) return malformed(key, "missing");
    return out;
  }
  if (!it->is_array()) return malformed(key, "expected a list");
  out.reserve(it->size());
  for (std::size_t i = 0; i < it->size(); ++i) {
    auto one = parse_one((*it)[i], std::string(key) + "[" + std::to_string(i) + "]");
    if (!one) return tl::unexpected(one.error());
    out.push_back(std::move(*one));
  }
  return out;
}

Result<Manifest> parse_root(const Json& root) {
  if (!root.is_object()) return fail(ErrorCode::kMalformed, "manifest: expected a JSON object");
  Manifest m;
  // The format first: a newer manifest may have keys this agent does not know.
  std::uint64_t format = 0;
  SOC_TRY_ASSIGN(format, get_uint(root, "format", ""));
  if (format > static_cast<std::uint64_t>(kPackFormat)) {
    return fail(ErrorCode::kUnsupported, "pack format " + std::to_string(format) +
                                             " is newer than this agent supports (" +
                                             std::to_string(kPackFormat) + ")");
  }
  if (format < 1) return malformed("format", "expected 1 to " + std::to_string(kPackFormat));
  m.format = static_cast<int>(format);
  if (auto r = only_keys(root,
                         {"format", "name", "version", "min_agent_version", "created",
                          "description", "field_mappings", "files", "routing", "skipped"},
                         "");
      !r) {
    return tl::unexpected(r.error());
  }
  SOC_TRY_ASSIGN(m.name, get_string(root, "name", "", true));
  if (!is_valid_pack_name(m.name)) {
    return malformed("name", "'" + m.name + "' is not 1 to 64 of A-Z a-z 0-9 . _ -");
  }
  SOC_TRY_ASSIGN(m.version, get_version(root, "version"));
  SOC_TRY_ASSIGN(m.min_agent_version, get_version(root, "min_agent_version"));
  SOC_TRY_ASSIGN(m.created, get_string(root, "created", "", true));
  if (!is_rfc3339_utc_seconds(m.created)) {
    return malformed("created", "expected an RFC 3339 UTC time YYYY-MM-DDTHH:MM:SSZ");
  }
  SOC_TRY_ASSIGN(m.description, get_string(root, "description", "", false));
  SOC_TRY_ASSIGN(m.field_mappings, get_string(root, "field_mappings", "", false));
  SOC_TRY_ASSIGN(m.files, parse_list<ManifestFile>(root, "files", true, parse_file));
  SOC_TRY_ASSIGN(m.routing, parse_list<RoutingEntry>(root, "routing", false, parse_routing));
  SOC_TRY_ASSIGN(m.skipped, parse_list<SkippedRule>(root, "skipped", false, parse_skipped));

  std::set<std::string_view> paths;
  std::set<std::string_view> rule_paths;
  for (std::size_t i = 0; i < m.files.size(); ++i) {
    const ManifestFile& f = m.files[i];
    if (!paths.insert(f.path).second) {
      return malformed("files[" + std::to_string(i) + "].path", "duplicate path " + f.path);
    }
    if (f.kind == PackFileKind::kSigma || f.kind == PackFileKind::kPacket) {
      rule_paths.insert(f.path);  // files whose rules may be skipped
    }
  }
  if (!m.field_mappings.empty()) {
    const bool listed = std::any_of(m.files.begin(), m.files.end(), [&](const ManifestFile& f) {
      return f.path == m.field_mappings && f.kind == PackFileKind::kFieldMappings;
    });
    if (!listed) {
      return malformed("field_mappings",
                       m.field_mappings + " is not a file of kind field_mappings in files");
    }
  }
  for (std::size_t i = 0; i < m.skipped.size(); ++i) {
    if (rule_paths.count(m.skipped[i].path) == 0) {
      return malformed("skipped[" + std::to_string(i) + "].path",
                       m.skipped[i].path + " is not a sigma or packet rule file in files");
    }
  }
  return m;
}

}  // namespace

std::string_view pack_file_kind_name(PackFileKind kind) {
  const auto i = static_cast<std::size_t>(kind);
  return i < kKindNames.size() ? kKindNames[i] : std::string_view("unknown");
}

bool is_valid_pack_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  for (const char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool is_safe_pack_path(std::string_view path) {
  if (path.empty() || path.size() > kMaxPackPathBytes || has_control_byte(path)) return false;
  if (path.find('\\') != std::string_view::npos) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    const std::string_view segment = path.substr(start, slash - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

std::string to_json(const Manifest& manifest) {
  OrderedJson files = OrderedJson::array();
  for (const ManifestFile& f : manifest.files) {
    files.push_back(OrderedJson{{"path", f.path},
                                {"kind", pack_file_kind_name(f.kind)},
                                {"sha256", f.sha256},
                                {"size", f.size}});
  }
  OrderedJson routing = OrderedJson::array();
  for (const RoutingEntry& r : manifest.routing) {
    routing.push_back(OrderedJson{{"program", r.program}, {"service", r.service}});
  }
  OrderedJson skipped = OrderedJson::array();
  for (const SkippedRule& s : manifest.skipped) {
    skipped.push_back(OrderedJson{
        {"path", s.path}, {"line", s.line}, {"rule_id", s.rule_id}, {"reason", s.reason}});
  }
  const OrderedJson j = {{"format", manifest.format},
                         {"name", manifest.name},
                         {"version", manifest.version.to_string()},
                         {"min_agent_version", manifest.min_agent_version.to_string()},
                         {"created", manifest.created},
                         {"description", manifest.description},
                         {"field_mappings", manifest.field_mappings},
                         {"files", std::move(files)},
                         {"routing", std::move(routing)},
                         {"skipped", std::move(skipped)}};
  // Invalid UTF-8 is replaced rather than thrown; write_pack refuses a manifest that changes so.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<Manifest> parse_manifest(std::string_view json) {
  try {
    StrictnessCheck check;
    if (!Json::sax_parse(json.begin(), json.end(), &check) || !check.problem.empty()) {
      return fail(ErrorCode::kMalformed,
                  "manifest: not valid JSON: " +
                      (check.problem.empty() ? std::string("parse error") : check.problem));
    }
    return parse_root(Json::parse(json.begin(), json.end()));
  } catch (const std::exception& e) {
    return fail(ErrorCode::kMalformed, std::string("manifest: not valid JSON: ") + e.what());
  }
}

}  // namespace soc::pack
