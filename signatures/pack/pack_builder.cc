#include "signatures/pack/pack_builder.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "signatures/packet/packet_rule_set.h"
#include "signatures/sigma/correlation_rule.h"
#include "signatures/sigma/field_mapping.h"
#include "signatures/sigma/rule_parser.h"
#include "signatures/sigma/rule_set.h"
#include "signatures/sigma/yaml_documents.h"

namespace soc::pack {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPackYaml = "pack.yaml";
constexpr const char* kFieldMappings = "field_mappings.yaml";

// What pack.yaml says.
struct PackSource {
  std::string name;
  PackVersion version;
  PackVersion min_agent_version = agent_version();
  std::string description;
  std::vector<RoutingEntry> routing;
};

int line_of(const YAML::Node& node) { return node.Mark().line >= 0 ? node.Mark().line + 1 : 0; }

tl::unexpected<Error> bad_yaml(const std::string& file, int line, const std::string& what) {
  return fail(ErrorCode::kInvalidArgument,
              file + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " + what);
}

// "FILE:LINE: WHERE: WHAT 'KEY'AFTER" for a bad key of a map.
tl::unexpected<Error> bad_key(const std::string& file, const YAML::Node& key_node,
                              const std::string& where, const std::string& key, const char* what,
                              const char* after = "") {
  return bad_yaml(file, line_of(key_node), where + ": " + what + " '" + key + "'" + after);
}

Result<std::string> scalar(const YAML::Node& node, const std::string& file,
                           const std::string& key) {
  if (!node.IsScalar()) return bad_yaml(file, line_of(node), key + ": expected text");
  return node.Scalar();
}

Result<PackVersion> version_of(const YAML::Node& node, const std::string& file,
                               const std::string& key) {
  auto text = scalar(node, file, key);
  if (!text) return tl::unexpected(text.error());
  auto version = PackVersion::parse(*text);
  if (!version) {
    return bad_yaml(file, line_of(node),
                    key + ": '" + *text + "' is not a version (1 to 4 numbers separated by dots)");
  }
  return *version;
}

Result<RoutingEntry> routing_entry(const YAML::Node& node, const std::string& file,
                                   const std::string& where) {
  if (!node.IsMap()) return bad_yaml(file, line_of(node), where + ": expected {program, service}");
  std::set<std::string> seen;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (!seen.insert(key).second) return bad_key(file, kv.first, where, key, "duplicate key");
    if (key != "program" && key != "service") {
      return bad_key(file, kv.first, where, key, "unknown key", " (program, service)");
    }
  }
  RoutingEntry e;
  if (node["program"]) SOC_TRY_ASSIGN(e.program, scalar(node["program"], file, where + ".program"));
  if (node["service"]) SOC_TRY_ASSIGN(e.service, scalar(node["service"], file, where + ".service"));
  if (e.program.empty() || e.service.empty()) {
    return bad_yaml(file, line_of(node), where + ": needs a program and a service, both not empty");
  }
  for (const char c : e.program) {
    if (c >= 'A' && c <= 'Z') {
      return bad_yaml(file, line_of(node),
                      where + ".program: '" + e.program +
                          "' must be lower case (programs are matched in lower case)");
    }
  }
  return e;
}

// pack.yaml: strict, one document.
Result<PackSource> parse_pack_yaml(const std::string& text, const std::string& file) {
  std::size_t documents = 0;
  for (const sigma::YamlDocumentText& doc : sigma::split_yaml_documents(text)) {
    documents += sigma::yaml_has_content(doc.text) ? 1 : 0;
  }
  if (documents > 1) return bad_yaml(file, 0, "expected one YAML document");
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return bad_yaml(file, e.mark.line >= 0 ? e.mark.line + 1 : 0, "YAML syntax: " + e.msg);
  } catch (const std::exception& e) {
    return bad_yaml(file, 0, std::string("YAML: ") + e.what());
  }
  PackSource out;
  try {
    if (!root.IsMap()) return bad_yaml(file, line_of(root), "expected a map (name, version, ...)");
    std::set<std::string> seen;
    for (const auto& kv : root) {
      const std::string key = kv.first.Scalar();
      const YAML::Node& value = kv.second;
      if (!seen.insert(key).second) {
        return bad_yaml(file, line_of(kv.first), "duplicate key '" + key + "'");
      }
      if (key == "name") {
        SOC_TRY_ASSIGN(out.name, scalar(value, file, key));
        if (!is_valid_pack_name(out.name)) {
          return bad_yaml(file, line_of(value),
                          "name: '" + out.name + "' is not 1 to 64 of A-Z a-z 0-9 . _ -");
        }
      } else if (key == "version") {
        SOC_TRY_ASSIGN(out.version, version_of(value, file, key));
      } else if (key == "min_agent_version") {
        SOC_TRY_ASSIGN(out.min_agent_version, version_of(value, file, key));
      } else if (key == "description") {
        SOC_TRY_ASSIGN(out.description, scalar(value, file, key));
      } else if (key == "routing") {
        if (!value.IsSequence()) {
          return bad_yaml(file, line_of(value), "routing: expected a list of {program, service}");
        }
        for (std::size_t i = 0; i < value.size(); ++i) {
          RoutingEntry e;
          SOC_TRY_ASSIGN(e, routing_entry(value[i], file, "routing[" + std::to_string(i) + "]"));
          out.routing.push_back(std::move(e));
        }
      } else {
        return bad_yaml(
            file, line_of(kv.first),
            "unknown key '" + key + "' (name, version, min_agent_version, description, routing)");
      }
    }
    if (seen.count("name") == 0) return bad_yaml(file, line_of(root), "name: missing");
    if (seen.count("version") == 0) return bad_yaml(file, line_of(root), "version: missing");
  } catch (const YAML::Exception& e) {
    return bad_yaml(file, e.mark.line >= 0 ? e.mark.line + 1 : 0, "YAML: " + e.msg);
  }
  return out;
}

Result<std::string> read_file(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return fail(ErrorCode::kIo, path.string() + ": " + ec.message());
  if (size > kMaxPackFileBytes) {
    return fail(ErrorCode::kTooLarge, path.string() + ": larger than 4 MiB, the limit per file");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return fail(ErrorCode::kIo, path.string() + ": cannot read");
  return text.str();
}

bool has_extension(const fs::path& path, std::initializer_list<const char*> extensions) {
  const std::string ext = path.extension().string();
  for (const char* e : extensions) {
    if (ext == e) return true;
  }
  return false;
}

// Whether rel (relative to the pack folder, '/'-separated) is a file the pack carries.
bool is_pack_file(const std::string& rel, const fs::path& path) {
  if (rel == kFieldMappings) return true;
  if (rel.starts_with("rules/")) return has_extension(path, {".yml", ".yaml"});
  if (rel.starts_with("correlation/")) return has_extension(path, {".yml", ".yaml"});
  if (rel.starts_with("packet_rules/")) return has_extension(path, {".rules"});
  return false;
}

// The pack's files, path -> content. Hidden files and folders (".x") are ignored; folder
// symlinks are not followed.
Result<std::map<std::string, std::string>> collect_files(const fs::path& root) {
  std::map<std::string, std::string> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, ec);
  const fs::recursive_directory_iterator end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    const std::string name = path.filename().string();
    std::error_code type_ec;
    const bool is_dir = it->is_directory(type_ec);
    if (name.starts_with(".") || (is_dir && it.depth() == 0 && name != "rules" &&
                                  name != "correlation" && name != "packet_rules")) {
      if (is_dir) it.disable_recursion_pending();
      continue;
    }
    if (is_dir || !it->is_regular_file(type_ec)) continue;
    const std::string rel = path.lexically_relative(root).generic_string();
    if (!is_pack_file(rel, path)) continue;
    if (!is_safe_pack_path(rel)) {
      return fail(ErrorCode::kInvalidArgument,
                  path.string() +
                      ": this file name cannot go in a pack (backslash, control "
                      "character or longer than 1024 bytes)");
    }
    if (files.size() == kMaxPackFiles) {
      return fail(ErrorCode::kTooLarge, root.string() + ": more than 20000 files");
    }
    auto content = read_file(path);
    if (!content) return tl::unexpected(content.error());
    files.emplace(rel, std::move(*content));
  }
  if (ec) return fail(ErrorCode::kIo, root.string() + ": cannot list: " + ec.message());
  return files;
}

// Every correlation of a correlation file must be valid (sigma/correlation_rule.h): the
// collector runs them, and would refuse the same.
void check_correlation_file(const std::string& path, const std::string& text,
                            std::vector<sigma::CompileIssue>& issues) {
  sigma::ParsedCorrelations parsed = sigma::parse_correlation_rules(text, path);
  if (parsed.rules.empty() && parsed.issues.empty()) {
    issues.push_back({path, 1, "", "", "no correlation rule in this file"});
  }
  issues.insert(issues.end(), parsed.issues.begin(), parsed.issues.end());
}

// "file:line: [id] title: reason" with the file shown under the pack folder.
std::string describe_issue(const fs::path& root, sigma::CompileIssue issue) {
  if (!issue.file.empty()) issue.file = (root / issue.file).string();
  return sigma::format_issue(issue);
}

}  // namespace

Result<BuiltPack> build_pack(const std::string& dir, const SecretKey& key,
                             const BuildOptions& options) {
  const fs::path root(dir);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return fail(ErrorCode::kInvalidArgument, dir + ": not a folder");
  }
  if (!fs::exists(root / kPackYaml, ec)) {
    return fail(ErrorCode::kInvalidArgument, dir + ": no pack.yaml (every pack folder has one)");
  }
  auto pack_yaml = read_file(root / kPackYaml);
  if (!pack_yaml) return tl::unexpected(pack_yaml.error());
  auto source = parse_pack_yaml(*pack_yaml, (root / kPackYaml).string());
  if (!source) return tl::unexpected(source.error());
  auto files = collect_files(root);
  if (!files) return tl::unexpected(files.error());

  Manifest manifest;
  manifest.name = source->name;
  manifest.version = source->version;
  manifest.min_agent_version = source->min_agent_version;
  manifest.created =
      format_rfc3339(options.created_ns != 0 ? options.created_ns : now_ns()).substr(0, 19) + "Z";
  manifest.description = source->description;
  manifest.field_mappings = files->count(kFieldMappings) != 0 ? kFieldMappings : "";
  manifest.routing = source->routing;
  make_manifest_files(manifest, *files);

  sigma::FieldMappings mappings;
  if (!manifest.field_mappings.empty()) {
    auto parsed = sigma::FieldMappings::parse(files->at(manifest.field_mappings),
                                              (root / manifest.field_mappings).string());
    if (!parsed) return fail(ErrorCode::kInvalidArgument, parsed.error().message);
    mappings = std::move(*parsed);
  }

  std::vector<sigma::SigmaRule> rules;
  std::vector<sigma::CompileIssue> rule_issues;   // skippable
  std::vector<sigma::CompileIssue> other_issues;  // never skippable
  std::vector<packet::PacketRule> packet_rules;
  for (const ManifestFile& f : manifest.files) {
    const std::string& content = files->at(f.path);
    if (f.kind == PackFileKind::kSigma) {
      sigma::ParsedRules parsed = sigma::parse_rules(content, f.path);
      for (sigma::SigmaRule& r : parsed.rules) rules.push_back(std::move(r));
      for (sigma::CompileIssue& i : parsed.issues) rule_issues.push_back(std::move(i));
    } else if (f.kind == PackFileKind::kCorrelation) {
      check_correlation_file(f.path, content, other_issues);
    } else if (f.kind == PackFileKind::kPacket) {
      packet::ParsedPacketRules parsed =
          packet::parse_packet_rules(content, f.path, packet::Variables::defaults());
      for (packet::PacketRule& r : parsed.rules) packet_rules.push_back(std::move(r));
      for (sigma::CompileIssue& i : parsed.issues) rule_issues.push_back(std::move(i));
    }
  }
  auto set = sigma::RuleSet::compile(std::move(rules), mappings, rule_issues);
  if (!set) return tl::unexpected(set.error());
  auto packet_set = packet::PacketRuleSet::compile(std::move(packet_rules), rule_issues);
  if (!packet_set) return tl::unexpected(packet_set.error());
  std::stable_sort(rule_issues.begin(), rule_issues.end(), [](const auto& a, const auto& b) {
    return std::tie(a.file, a.line) < std::tie(b.file, b.line);
  });

  const bool fatal = !other_issues.empty() || (!rule_issues.empty() && !options.skip_invalid);
  if (fatal) {
    std::vector<sigma::CompileIssue> shown = other_issues;
    if (!options.skip_invalid) shown.insert(shown.end(), rule_issues.begin(), rule_issues.end());
    std::string message = dir + ": " + std::to_string(shown.size()) +
                          (shown.size() == 1 ? " rule or file does" : " rules or files do") +
                          " not parse or compile";
    if (other_issues.empty()) message += " (building with --skip-invalid leaves them out)";
    message += ":";
    for (const sigma::CompileIssue& issue : shown) message += "\n" + describe_issue(root, issue);
    return fail(ErrorCode::kInvalidArgument, message);
  }
  for (const sigma::CompileIssue& issue : rule_issues) {
    manifest.skipped.push_back({issue.file, issue.line, issue.rule_id, issue.reason});
  }

  auto bytes = write_pack(manifest, *files, key);
  if (!bytes) return tl::unexpected(bytes.error());
  BuiltPack out;
  out.bytes = std::move(*bytes);
  out.manifest = std::move(manifest);
  out.rules_compiled = (*set)->rules().size();
  out.packet_rules_compiled = (*packet_set)->rules().size();
  out.skipped = std::move(rule_issues);
  return out;
}

}  // namespace soc::pack
