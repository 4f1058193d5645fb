#include "signatures/pack/compiled_pack.h"

#include <set>
#include <utility>

#include "signatures/sigma/field_mapping.h"
#include "signatures/sigma/rule_parser.h"

namespace soc::pack {
namespace {

constexpr std::size_t kIssuesNamed = 5;

// "pack NAME VERSION: " for messages.
std::string pack_label(const Manifest& m) {
  return "pack " + m.name + " " + m.version.to_string() + ": ";
}

}  // namespace

Result<std::shared_ptr<const CompiledPack>> compile_pack(const VerifiedPack& pack,
                                                         const packet::Variables& variables) {
  const Manifest& m = pack.manifest;
  // First: a pack for a newer agent may use what this one cannot compile.
  if (m.min_agent_version > agent_version()) {
    return fail(ErrorCode::kUnsupported, "pack needs agent " + m.min_agent_version.to_string() +
                                             " or newer (this agent is " +
                                             agent_version().to_string() + ")");
  }
  sigma::FieldMappings mappings;  // none: only dotted (ECS) field names resolve
  if (!m.field_mappings.empty()) {
    const auto it = pack.files.find(m.field_mappings);
    if (it == pack.files.end()) {
      return fail(ErrorCode::kInvalidArgument,
                  pack_label(m) + "field mappings " + m.field_mappings + " missing");
    }
    auto parsed = sigma::FieldMappings::parse(it->second, m.field_mappings);
    if (!parsed) {
      return fail(ErrorCode::kInvalidArgument, pack_label(m) + parsed.error().message);
    }
    mappings = std::move(*parsed);
  }

  std::vector<sigma::SigmaRule> rules;
  std::vector<packet::PacketRule> packet_rules;
  std::vector<sigma::CompileIssue> issues;
  for (const ManifestFile& f : m.files) {
    if (f.kind != PackFileKind::kSigma && f.kind != PackFileKind::kPacket) continue;
    const auto it = pack.files.find(f.path);
    if (it == pack.files.end()) {
      return fail(ErrorCode::kInvalidArgument, pack_label(m) + "file " + f.path + " missing");
    }
    if (f.kind == PackFileKind::kPacket) {
      packet::ParsedPacketRules parsed = packet::parse_packet_rules(it->second, f.path, variables);
      for (packet::PacketRule& r : parsed.rules) packet_rules.push_back(std::move(r));
      for (sigma::CompileIssue& i : parsed.issues) issues.push_back(std::move(i));
      continue;
    }
    sigma::ParsedRules parsed = sigma::parse_rules(it->second, f.path);
    for (sigma::SigmaRule& r : parsed.rules) rules.push_back(std::move(r));
    for (sigma::CompileIssue& i : parsed.issues) issues.push_back(std::move(i));
  }
  auto set = sigma::RuleSet::compile(std::move(rules), mappings, issues);
  if (!set) return tl::unexpected(set.error());
  auto packet_set = packet::PacketRuleSet::compile(std::move(packet_rules), issues);
  if (!packet_set) return tl::unexpected(packet_set.error());

  // Rules the builder left out with skip_invalid are expected to fail here too.
  std::set<std::pair<std::string, std::string>> skipped;
  for (const SkippedRule& s : m.skipped) skipped.emplace(s.path, s.rule_id);
  std::vector<sigma::CompileIssue> unexpected;
  auto out = std::make_shared<CompiledPack>();
  for (sigma::CompileIssue& issue : issues) {
    if (skipped.count({issue.file, issue.rule_id}) != 0) {
      out->issues.push_back(std::move(issue));
    } else {
      unexpected.push_back(std::move(issue));
    }
  }
  if (!unexpected.empty()) {
    std::string message = pack_label(m) + std::to_string(unexpected.size()) +
                          (unexpected.size() == 1 ? " rule does" : " rules do") + " not compile: ";
    for (std::size_t i = 0; i < unexpected.size() && i < kIssuesNamed; ++i) {
      if (i > 0) message += "; ";
      message += sigma::format_issue(unexpected[i]);
    }
    if (unexpected.size() > kIssuesNamed) {
      message += "; and " + std::to_string(unexpected.size() - kIssuesNamed) + " more";
    }
    return fail(ErrorCode::kInvalidArgument, message);
  }
  out->manifest = m;
  out->rules = std::move(*set);
  out->packet_rules = std::move(*packet_set);
  return std::shared_ptr<const CompiledPack>(std::move(out));
}

}  // namespace soc::pack
