#include "signatures/sigma/rule_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "signatures/sigma/rule_parser.h"

namespace soc::sigma {

namespace {

namespace fs = std::filesystem;

bool is_rule_file(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".yml" || ext == ".yaml";
}

void load_file(const std::string& path, LoadedRules& out) {
  CompileIssue io;
  io.file = path;
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) {
    io.reason = "cannot read: " + ec.message();
    out.issues.push_back(io);
    return;
  }
  if (size > kMaxRuleFileBytes) {
    io.reason = "rule file larger than 1 MiB";
    out.issues.push_back(io);
    return;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in) {
    io.reason = "cannot read";
    out.issues.push_back(io);
    return;
  }
  ++out.files;
  ParsedRules parsed = parse_rules(text.str(), path);
  for (SigmaRule& r : parsed.rules) out.rules.push_back(std::move(r));
  for (CompileIssue& i : parsed.issues) out.issues.push_back(std::move(i));
}

}  // namespace

LoadedRules load_rules(const std::string& path) {
  LoadedRules out;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    out.issues.push_back(CompileIssue{path, 0, "", "", "no such file or folder"});
    return out;
  }
  if (!fs::is_directory(st)) {
    load_file(path, out);
    return out;
  }
  std::vector<std::string> files;
  fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
  const fs::recursive_directory_iterator end;
  while (!ec && it != end) {
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && is_rule_file(it->path())) {
      files.push_back(it->path().string());
    }
    it.increment(ec);
  }
  if (ec) out.issues.push_back(CompileIssue{path, 0, "", "", "cannot list: " + ec.message()});
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) load_file(f, out);
  return out;
}

}  // namespace soc::sigma
