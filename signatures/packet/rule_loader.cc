#include "signatures/packet/rule_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace soc::packet {

Result<LoadedPacketRules> load_packet_rules(const std::vector<std::string>& paths,
                                            const Variables& vars, PacketRuleSetOptions options) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec) && it->path().extension() == ".rules") {
          files.push_back(it->path().string());
        }
      }
      if (ec) return fail(ErrorCode::kIo, path + ": " + ec.message());
    } else if (fs::is_regular_file(path, ec)) {
      files.push_back(path);
    } else {
      return fail(ErrorCode::kIo, path + ": no such file or folder");
    }
  }
  std::sort(files.begin(), files.end());
  LoadedPacketRules out;
  std::vector<PacketRule> rules;
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) return fail(ErrorCode::kIo, file + ": cannot read");
    ParsedPacketRules parsed = parse_packet_rules(text.str(), file, vars);
    out.total += parsed.total;
    for (PacketRule& r : parsed.rules) rules.push_back(std::move(r));
    for (CompileIssue& i : parsed.issues) out.issues.push_back(std::move(i));
  }
  auto set = PacketRuleSet::compile(std::move(rules), out.issues, options);
  if (!set) return tl::unexpected(set.error());
  out.set = std::move(*set);
  return out;
}

}  // namespace soc::packet
