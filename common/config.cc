#include "common/config.h"

#include <exception>
#include <fstream>
#include <sstream>

namespace soc {
namespace {

std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(key);
  while (std::getline(in, part, '.')) parts.push_back(part);
  return parts;
}

bool is_index(const std::string& s) {
  return !s.empty() && s.size() < 9 && s.find_first_not_of("0123456789") == std::string::npos;
}

const char* node_type_name(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "nothing";
    default:
      return "a scalar";
  }
}

// A --set value is a plain string (so Z85 keys and paths never trip the YAML parser), unless it
// is a YAML flow list or map such as [a, b] or {k: v}.
YAML::Node parse_override_value(const std::string& text) {
  if (!text.empty() && (text.front() == '[' || text.front() == '{')) {
    try {
      YAML::Node parsed = YAML::Load(text);
      if (parsed.IsSequence() || parsed.IsMap()) return parsed;
    } catch (const YAML::Exception&) {
      // Not a flow collection after all: keep the text as it is.
    }
  }
  return YAML::Node(text);
}

}  // namespace

Result<Config> Config::parse(const std::string& yaml_text, const std::string& origin) {
  try {
    YAML::Node root = YAML::Load(yaml_text);
    if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
    if (!root.IsMap())
      return fail(ErrorCode::kInvalidArgument,
                  origin + ": expected a map of keys at the top level");
    return Config(root, origin);
  } catch (const YAML::Exception& e) {
    return fail(ErrorCode::kInvalidArgument, origin + ": YAML syntax error at line " +
                                                 std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

Result<Config> Config::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(ErrorCode::kIo, path + ": cannot read the config file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

Error Config::error(const std::string& key, const std::string& message) const {
  return Error{ErrorCode::kInvalidArgument, origin_ + ": key '" + key + "': " + message};
}

Result<void> Config::apply_override(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return fail(ErrorCode::kInvalidArgument, "--set '" + assignment + "': expected KEY=VALUE");
  }
  const std::string key = assignment.substr(0, eq);
  const YAML::Node value = parse_override_value(assignment.substr(eq + 1));
  // yaml-cpp nodes are handles: walk with fresh handles, creating maps on the way.
  const std::vector<std::string> parts = split_key(key);
  std::vector<YAML::Node> path{root_};
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node parent = path.back();
    if (parent.IsSequence() && is_index(parts[i])) {
      const std::size_t idx = std::stoul(parts[i]);
      if (idx >= parent.size())
        return fail(ErrorCode::kInvalidArgument,
                    "--set " + key + ": index " + parts[i] + " out of range");
      path.push_back(parent[idx]);
    } else if (parent.IsMap() || parent.IsNull()) {
      if (!parent[parts[i]] || parent[parts[i]].IsNull() || parent[parts[i]].IsScalar()) {
        parent[parts[i]] = YAML::Node(YAML::NodeType::Map);
      }
      path.push_back(parent[parts[i]]);
    } else {
      return fail(ErrorCode::kInvalidArgument,
                  "--set " + key + ": '" + parts[i] + "' is not a map");
    }
  }
  YAML::Node parent = path.back();
  if (parent.IsSequence() && is_index(parts.back())) {
    const std::size_t idx = std::stoul(parts.back());
    if (idx >= parent.size())
      return fail(ErrorCode::kInvalidArgument, "--set " + key + ": index out of range");
    parent[idx] = value;
  } else {
    parent[parts.back()] = value;
  }
  return ok();
}

Result<void> Config::apply_overrides(const std::vector<std::string>& assignments) {
  for (const std::string& a : assignments) {
    auto r = apply_override(a);
    if (!r) return r;
  }
  return ok();
}

std::optional<YAML::Node> Config::lookup(const std::string& key) const {
  // yaml-cpp's Node::operator= writes through to the referenced node; reset() rebinds the
  // handle, which is what a walk needs. Const access never creates keys.
  YAML::Node cur;
  cur.reset(root_);
  for (const std::string& part : split_key(key)) {
    const YAML::Node& view = cur;
    YAML::Node child;  // copy-constructed below: a handle, possibly to nothing
    if (view.IsSequence() && is_index(part)) {
      const std::size_t idx = std::stoul(part);
      if (idx >= view.size()) return std::nullopt;
      child.reset(view[idx]);
    } else if (view.IsMap()) {
      const YAML::Node found = view[part];
      if (!found.IsDefined()) return std::nullopt;
      child.reset(found);
    } else {
      return std::nullopt;
    }
    cur.reset(child);
  }
  if (cur.IsNull()) return std::nullopt;
  return cur;
}

bool Config::has(const std::string& key) const { return lookup(key).has_value(); }

Result<std::string> Config::get_string(const std::string& key, const std::string& fallback) {
  read_keys_.insert(key);
  auto node = lookup(key);
  if (!node) return fallback;
  if (!node->IsScalar())
    return tl::unexpected(
        error(key, std::string("expected a string, got ") + node_type_name(*node)));
  return node->Scalar();
}

Result<std::string> Config::require_string(const std::string& key) {
  read_keys_.insert(key);
  auto node = lookup(key);
  if (!node) return tl::unexpected(error(key, "is required (expected a string)"));
  if (!node->IsScalar() || node->Scalar().empty())
    return tl::unexpected(error(key, "expected a non-empty string"));
  return node->Scalar();
}

Result<std::int64_t> Config::get_int(const std::string& key, std::int64_t fallback,
                                     std::int64_t min, std::int64_t max) {
  read_keys_.insert(key);
  auto node = lookup(key);
  if (!node) return fallback;
  const std::string range = " between " + std::to_string(min) + " and " + std::to_string(max);
  std::int64_t v = 0;
  try {
    if (!node->IsScalar()) throw YAML::Exception(YAML::Mark(), "not a scalar");
    v = node->as<std::int64_t>();
  } catch (const YAML::Exception&) {
    return tl::unexpected(error(key, "expected an integer" + range));
  }
  if (v < min || v > max)
    return tl::unexpected(error(key, "expected an integer" + range + ", got " + std::to_string(v)));
  return v;
}

Result<bool> Config::get_bool(const std::string& key, bool fallback) {
  read_keys_.insert(key);
  auto node = lookup(key);
  if (!node) return fallback;
  try {
    if (!node->IsScalar()) throw YAML::Exception(YAML::Mark(), "not a scalar");
    return node->as<bool>();
  } catch (const YAML::Exception&) {
    return tl::unexpected(error(key, "expected true or false"));
  }
}

Result<std::vector<std::string>> Config::get_string_list(const std::string& key) {
  read_keys_.insert(key);
  auto node = lookup(key);
  if (!node) return std::vector<std::string>{};
  if (node->IsScalar()) return std::vector<std::string>{node->Scalar()};
  if (!node->IsSequence())
    return tl::unexpected(
        error(key, std::string("expected a list of strings, got ") + node_type_name(*node)));
  std::vector<std::string> out;
  for (const YAML::Node& item : *node) {
    if (!item.IsScalar()) return tl::unexpected(error(key, "expected a list of strings"));
    out.push_back(item.Scalar());
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> Config::get_string_map(
    const std::string& key) {
  read_keys_.insert(key);
  std::vector<std::pair<std::string, std::string>> out;
  auto node = lookup(key);
  if (!node) return out;
  if (!node->IsMap()) {
    return tl::unexpected(error(
        key, std::string("expected a map of names to strings, got ") + node_type_name(*node)));
  }
  for (const auto& item : *node) {
    if (!item.first.IsScalar() || !item.second.IsScalar()) {
      return tl::unexpected(error(key, "expected a map of names to strings"));
    }
    read_keys_.insert(key + "." + item.first.Scalar());
    out.emplace_back(item.first.Scalar(), item.second.Scalar());
  }
  return out;
}

Result<std::string> Config::get_choice(const std::string& key, const std::string& fallback,
                                       const std::vector<std::string>& choices) {
  auto value = get_string(key, fallback);
  if (!value) return value;
  for (const std::string& c : choices) {
    if (c == *value) return value;
  }
  std::string expected;
  for (const std::string& c : choices) expected += (expected.empty() ? "" : " | ") + c;
  return tl::unexpected(error(key, "expected one of " + expected + ", got '" + *value + "'"));
}

Result<std::size_t> Config::sequence_size(const std::string& key) {
  // Not recorded as read: the elements' own keys are checked one by one.
  auto node = lookup(key);
  if (!node) return std::size_t{0};
  if (!node->IsSequence())
    return tl::unexpected(error(key, std::string("expected a list, got ") + node_type_name(*node)));
  return node->size();
}

void Config::collect_unknown(const YAML::Node& node, const std::string& prefix,
                             std::vector<std::string>& unknown) const {
  if (!prefix.empty() && read_keys_.count(prefix) != 0) return;
  if (node.IsMap()) {
    for (const auto& kv : node) {
      const std::string key = prefix.empty() ? kv.first.Scalar() : prefix + "." + kv.first.Scalar();
      collect_unknown(kv.second, key, unknown);
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i)
      collect_unknown(node[i], prefix + "." + std::to_string(i), unknown);
  } else {
    unknown.push_back(prefix);
  }
}

Result<void> Config::check_unknown_keys() const {
  std::vector<std::string> unknown;
  collect_unknown(root_, "", unknown);
  if (unknown.empty()) return ok();
  std::string list;
  for (const std::string& k : unknown) list += (list.empty() ? "" : ", ") + k;
  return fail(ErrorCode::kInvalidArgument, origin_ + ": unknown key(s): " + list);
}

}  // namespace soc
