#include "signatures/sigma/field_mapping.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/ascii.h"

namespace soc::sigma {

namespace {

constexpr std::size_t kMaxMappingBytes = 4 << 20;
constexpr std::size_t kMaxNamesPerField = 8;

std::string where(std::string_view file, const YAML::Node& node) {
  std::string out(file.empty() ? "field mappings" : file);
  if (node.Mark().line >= 0) out += ":" + std::to_string(node.Mark().line + 1);
  return out;
}

tl::unexpected<Error> bad(std::string_view file, const YAML::Node& node, const std::string& what) {
  return fail(ErrorCode::kInvalidArgument, where(file, node) + ": " + what);
}

bool applies(const RuleLogSource& entry, const RuleLogSource& rule) {
  return (entry.product.empty() || entry.product == rule.product) &&
         (entry.category.empty() || entry.category == rule.category) &&
         (entry.service.empty() || entry.service == rule.service);
}

}  // namespace

Result<FieldMappings> FieldMappings::parse(std::string_view yaml, std::string_view file) {
  if (yaml.size() > kMaxMappingBytes) {
    return fail(ErrorCode::kTooLarge, std::string(file) + ": field mappings larger than 4 MiB");
  }
  FieldMappings out;
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap()) return bad(file, root, "expected a map with key 'mappings'");
    const YAML::Node list = root["mappings"];
    if (!list || !list.IsSequence()) {
      return bad(file, root, "mappings: expected a list of {logsource, fields} entries");
    }
    for (const YAML::Node& e : list) {
      if (!e.IsMap()) return bad(file, e, "mappings: each entry must be a map");
      Entry entry;
      const YAML::Node ls = e["logsource"];
      if (ls) {
        if (!ls.IsMap()) return bad(file, ls, "logsource: expected a map");
        for (const auto& kv : ls) {
          const std::string key = kv.first.Scalar();
          if (!kv.second.IsScalar()) return bad(file, kv.second, "logsource." + key + ": text");
          std::string value = kv.second.Scalar();
          for (char& c : value) {
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
          }
          if (key == "product") {
            entry.logsource.product = value;
          } else if (key == "category") {
            entry.logsource.category = value;
          } else if (key == "service") {
            entry.logsource.service = value;
          } else {
            return bad(file, kv.first,
                       "logsource: unknown key '" + key + "' (product, category, service)");
          }
        }
      }
      entry.specificity = !entry.logsource.product.empty() + !entry.logsource.category.empty() +
                          !entry.logsource.service.empty();
      for (const auto& kv : e) {
        const std::string key = kv.first.Scalar();
        if (key == "logsource" || key == "fields" || key == "comment") continue;
        if (key == "passthrough") {
          if (!kv.second.IsScalar() ||
              (kv.second.Scalar() != "true" && kv.second.Scalar() != "false")) {
            return bad(file, kv.second, "passthrough: expected true or false");
          }
          entry.passthrough = kv.second.Scalar() == "true";
        } else if (key == "passthrough_prefix") {
          if (!kv.second.IsScalar() || kv.second.Scalar().empty()) {
            return bad(file, kv.second, "passthrough_prefix: expected a field name prefix");
          }
          entry.passthrough_prefix = kv.second.Scalar();
        } else {
          return bad(file, kv.first,
                     "unknown key '" + key +
                         "' (logsource, fields, passthrough, passthrough_prefix, comment)");
        }
      }
      const YAML::Node fields = e["fields"];
      if (fields) {
        if (!fields.IsMap()) return bad(file, fields, "fields: expected a map");
        for (const auto& kv : fields) {
          const std::string sigma = kv.first.Scalar();
          std::vector<std::string> names;
          if (kv.second.IsScalar()) {
            names.push_back(kv.second.Scalar());
          } else if (kv.second.IsSequence()) {
            for (const YAML::Node& n : kv.second) {
              if (!n.IsScalar()) return bad(file, n, "fields." + sigma + ": expected names");
              names.push_back(n.Scalar());
            }
          }
          if (names.empty() || names.size() > kMaxNamesPerField ||
              std::any_of(names.begin(), names.end(),
                          [](const std::string& s) { return s.empty(); })) {
            return bad(file, kv.second,
                       "fields." + sigma + ": expected a field name or a list of 1 to 8 names");
          }
          entry.fields.emplace_back(sigma, std::move(names));
        }
      }
      out.entries_.push_back(std::move(entry));
    }
  } catch (const YAML::Exception& e) {
    return fail(ErrorCode::kInvalidArgument, std::string(file.empty() ? "field mappings" : file) +
                                                 ":" + std::to_string(e.mark.line + 1) + ": " +
                                                 e.msg);
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInvalidArgument, std::string(file) + ": " + e.what());
  }
  std::stable_sort(out.entries_.begin(), out.entries_.end(),
                   [](const Entry& a, const Entry& b) { return a.specificity > b.specificity; });
  return out;
}

Result<FieldMappings> FieldMappings::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, "cannot open " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) return fail(ErrorCode::kIo, "cannot read " + path);
  return parse(text.str(), path);
}

Result<std::vector<std::string>> FieldMappings::resolve(const RuleLogSource& logsource,
                                                        std::string_view sigma_field) const {
  // Exact names first, then case-insensitive, each from the most specific entry down.
  for (int pass = 0; pass < 2; ++pass) {
    for (const Entry& e : entries_) {
      if (!applies(e.logsource, logsource)) continue;
      for (const auto& [name, targets] : e.fields) {
        if (pass == 0 ? name == sigma_field : iequals_ascii(name, sigma_field)) return targets;
      }
    }
  }
  // A dotted name no entry maps is taken as the ECS name it already is (rules written for our
  // decoders, e.g. event.action); Sigma's own taxonomy never uses dots outside mapped sources.
  if (sigma_field.find('.') != std::string_view::npos) {
    return std::vector<std::string>{std::string(sigma_field)};
  }
  for (const Entry& e : entries_) {
    if (!applies(e.logsource, logsource)) continue;
    if (!e.passthrough_prefix.empty()) {
      return std::vector<std::string>{e.passthrough_prefix + std::string(sigma_field)};
    }
    if (e.passthrough) return std::vector<std::string>{std::string(sigma_field)};
  }
  return fail(ErrorCode::kUnsupported, "field " + std::string(sigma_field) +
                                           " has no mapping for logsource " + describe(logsource));
}

}  // namespace soc::sigma
