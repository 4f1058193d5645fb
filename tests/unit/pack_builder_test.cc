// Building packs from folders (pack_builder.h) and compiling verified packs (compiled_pack.h):
// the project's default pack, broken rules with and without skip_invalid, pack.yaml
// strictness, correlation and packet files, and min_agent_version.
#include "signatures/pack/pack_builder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "agent/decode/decoder_registry.h"
#include "agent/logsource.h"
#include "signatures/pack/compiled_pack.h"
#include "tests/temp_dir.h"

namespace soc::pack {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDefaultPack = SOC_SOURCE_DIR "/signatures/packs/default";
constexpr const char* kInvalidUserId = "93decd6c-dea3-51ed-8df1-7c16e382ab13";

const char* kGoodRule = R"(title: Invalid user
id: 00000000-0000-0000-0000-000000000001
logsource:
    product: linux
    service: sshd
detection:
    selection:
        event.action: invalid_user
    condition: selection
level: low
)";

// Line 8 uses a modifier the engine refuses.
const char* kBrokenRule = R"(title: Broken rule
id: 00000000-0000-0000-0000-00000000dead
logsource:
    product: linux
    service: sshd
detection:
    selection:
        event.action|expand: '%actions%'
    condition: selection
)";

class PackBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = SecretKey::generate();
    ASSERT_TRUE(key);
    key_ = *key;
  }

  void put(const std::string& rel, const std::string& text) {
    const fs::path path = fs::path(dir_.path()) / rel;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }

  // A folder with pack.yaml (plus `extra` lines) and one good rule.
  void make_pack(const std::string& extra = "") {
    put("pack.yaml", "name: test\nversion: 2.1\n" + extra);
    put("rules/good.yml", kGoodRule);
  }

  Result<BuiltPack> build(bool skip_invalid = false) {
    BuildOptions options;
    options.skip_invalid = skip_invalid;
    return build_pack(dir_.path(), key_, options);
  }

  Result<std::shared_ptr<const CompiledPack>> verify_and_compile(const std::string& bytes) {
    auto verified = read_pack(bytes, {key_.public_key()});
    EXPECT_TRUE(verified) << verified.error().message;
    if (!verified) return tl::unexpected(verified.error());
    return compile_pack(*verified);
  }

  soc::testing::TempDir dir_{"soc-pack-build"};
  SecretKey key_;
};

// Ids of the rules of `rules` matching a syslog line, routed as the agent routes it.
std::vector<std::string> matching(const sigma::RuleSet& rules, const std::string& line) {
  auto decoder = agent::make_decoder("syslog");
  EXPECT_TRUE(decoder);
  Event e;
  e.raw = line;
  (*decoder)->decode(e);
  agent::LogSourceRouter router({});
  std::vector<const sigma::CompiledRule*> hits;
  rules.match(e, router.route(e), hits);
  std::vector<std::string> ids;
  ids.reserve(hits.size());
  for (const auto* r : hits) ids.push_back(r->id);
  return ids;
}

void expect_error(const Result<BuiltPack>& r, const std::string& what) {
  ASSERT_FALSE(r) << "built; expected an error about " << what;
  EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
}

TEST_F(PackBuilderTest, DefaultPackBuildsCompilesAndMatches) {
  auto built = build_pack(kDefaultPack, key_, {});
  ASSERT_TRUE(built) << built.error().message;
  const Manifest& m = built->manifest;
  EXPECT_EQ(m.name, "default");
  EXPECT_EQ(m.version.to_string(), "1.1.0");
  EXPECT_EQ(m.min_agent_version, agent_version());
  EXPECT_EQ(m.field_mappings, "field_mappings.yaml");
  EXPECT_EQ(m.routing,
            (std::vector<RoutingEntry>{{"sshd-session", "sshd"}, {"sshd-auth", "sshd"}}));
  EXPECT_TRUE(m.skipped.empty());
  std::size_t sigma_files = 0;
  std::size_t correlation_files = 0;
  std::size_t packet_files = 0;
  for (const ManifestFile& f : m.files) {
    EXPECT_FALSE(f.path.starts_with("samples/")) << f.path;
    EXPECT_NE(f.path, "pack.yaml");
    sigma_files += f.kind == PackFileKind::kSigma ? 1 : 0;
    correlation_files += f.kind == PackFileKind::kCorrelation ? 1 : 0;
    packet_files += f.kind == PackFileKind::kPacket ? 1 : 0;
  }
  EXPECT_GE(sigma_files, 19u);
  EXPECT_EQ(correlation_files, 6u);
  EXPECT_EQ(sigma_files + correlation_files + packet_files + 1, m.files.size());
  EXPECT_GE(built->rules_compiled, sigma_files);

  auto compiled = verify_and_compile(built->bytes);
  ASSERT_TRUE(compiled) << compiled.error().message;
  EXPECT_TRUE((*compiled)->issues.empty());
  EXPECT_EQ((*compiled)->rules->rules().size(), built->rules_compiled);
  EXPECT_EQ((*compiled)->manifest, m);
  const auto ids = matching(
      *(*compiled)->rules,
      "Mar  3 10:00:01 web-1 sshd[1301]: Invalid user oracle from 198.51.100.23 port 51234");
  EXPECT_NE(std::find(ids.begin(), ids.end(), kInvalidUserId), ids.end());
  EXPECT_TRUE(matching(*(*compiled)->rules,
                       "Mar  3 10:00:01 web-1 sshd[1304]: Server listening on 0.0.0.0 port 22.")
                  .empty());
}

TEST_F(PackBuilderTest, BrokenRuleFailsTheBuildNamingFileAndLine) {
  make_pack();
  put("rules/linux/broken.yml", kBrokenRule);
  auto built = build();
  expect_error(built, (fs::path(dir_.path()) / "rules/linux/broken.yml").string() +
                          ":8: [00000000-0000-0000-0000-00000000dead] Broken rule: ");
  EXPECT_EQ(built.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(built.error().message.find("--skip-invalid"), std::string::npos);
  EXPECT_EQ(built.error().message.find("good.yml"), std::string::npos);
}

TEST_F(PackBuilderTest, SkipInvalidRecordsTheRuleAndCompilePackAcceptsIt) {
  make_pack();
  put("rules/linux/broken.yml", kBrokenRule);
  auto built = build(true);
  ASSERT_TRUE(built) << built.error().message;
  EXPECT_EQ(built->rules_compiled, 1u);
  ASSERT_EQ(built->skipped.size(), 1u);
  ASSERT_EQ(built->manifest.skipped.size(), 1u);
  const SkippedRule& s = built->manifest.skipped[0];
  EXPECT_EQ(s.path, "rules/linux/broken.yml");
  EXPECT_EQ(s.line, 8);
  EXPECT_EQ(s.rule_id, "00000000-0000-0000-0000-00000000dead");
  EXPECT_FALSE(s.reason.empty());

  auto compiled = verify_and_compile(built->bytes);
  ASSERT_TRUE(compiled) << compiled.error().message;
  EXPECT_EQ((*compiled)->rules->rules().size(), 1u);
  ASSERT_EQ((*compiled)->issues.size(), 1u);
  EXPECT_EQ((*compiled)->issues[0].rule_id, s.rule_id);

  // The same files without the skipped entry: an agent refuses the pack.
  auto verified = read_pack(built->bytes, {key_.public_key()});
  ASSERT_TRUE(verified);
  Manifest unlisted = verified->manifest;
  unlisted.skipped.clear();
  auto resigned = write_pack(unlisted, verified->files, key_);
  ASSERT_TRUE(resigned) << resigned.error().message;
  auto refused = verify_and_compile(*resigned);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("pack test 2.1: 1 rule does not compile: "
                                         "rules/linux/broken.yml:8: "
                                         "[00000000-0000-0000-0000-00000000dead] Broken rule: "),
            std::string::npos)
      << refused.error().message;
}

TEST_F(PackBuilderTest, NewerMinAgentVersionIsRefusedByCompilePack) {
  make_pack("min_agent_version: 99.0\n");
  auto built = build();
  ASSERT_TRUE(built) << built.error().message;
  EXPECT_EQ(built->manifest.min_agent_version.to_string(), "99.0");
  auto compiled = verify_and_compile(built->bytes);
  ASSERT_FALSE(compiled);
  EXPECT_EQ(compiled.error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(compiled.error().message,
            "pack needs agent 99.0 or newer (this agent is " + agent_version().to_string() + ")");
}

TEST_F(PackBuilderTest, PackYamlIsStrict) {
  make_pack("colour: blue\n");
  expect_error(build(), "pack.yaml:3: unknown key 'colour'");
  put("pack.yaml", "name: my pack\nversion: 1\n");
  expect_error(build(), "pack.yaml:1: name: 'my pack' is not");
  put("pack.yaml", "name: test\nversion: v1\n");
  expect_error(build(), "pack.yaml:2: version: 'v1' is not a version");
  put("pack.yaml", "name: test\n");
  expect_error(build(), "version: missing");
  put("pack.yaml", "name: test\nversion: 1\nname: again\n");
  expect_error(build(), "duplicate key 'name'");
  put("pack.yaml", "name: test\nversion: 1\nrouting: [{program: SSHD, service: sshd}]\n");
  expect_error(build(), "routing[0].program: 'SSHD' must be lower case");
  put("pack.yaml", "name: test\nversion: 1\nrouting: [{program: sshd, servce: sshd}]\n");
  expect_error(build(), "routing[0]: unknown key 'servce'");
  put("pack.yaml", "name: test\nversion: [1\n");
  expect_error(build(), "YAML syntax");
  put("pack.yaml", "name: test\nversion: 1\n---\nname: other\n");
  expect_error(build(), "one YAML document");
  fs::remove(fs::path(dir_.path()) / "pack.yaml");
  expect_error(build(), "no pack.yaml");
  EXPECT_FALSE(build_pack(dir_.path() + "/nowhere", key_, {}));
}

TEST_F(PackBuilderTest, CarriesCorrelationAndPacketFilesAndIgnoresTheRest) {
  make_pack("description: test pack\nrouting:\n  - {program: sshd-session, service: sshd}\n");
  put("correlation/brute.yml",
      "title: a\ncorrelation:\n  type: event_count\n  rules: [r]\n  group-by: [source.ip]\n"
      "  timespan: 5m\n  condition: {gte: 5}\n---\ntitle: b\n");
  put("packet_rules/local.rules", "alert tcp any any -> any 22 (msg:\"ssh\"; sid:1;)\n");
  put("samples/good.yaml", "not: [part of the pack\n");
  put("rules/README.md", "notes");
  put("rules/.hidden.yml", "not: [part of the pack\n");
  put("notes.txt", "x");
  BuildOptions options;
  options.created_ns = 1'796'032'800'123'456'789;  // 2026-11-30T10:00:00.123456789Z
  auto built = build_pack(dir_.path(), key_, options);
  ASSERT_TRUE(built) << built.error().message;
  const Manifest& m = built->manifest;
  EXPECT_EQ(m.created, "2026-11-30T10:00:00Z");
  EXPECT_EQ(m.description, "test pack");
  EXPECT_EQ(m.field_mappings, "");  // none: dotted field names resolve as they are
  ASSERT_EQ(m.files.size(), 3u);
  EXPECT_EQ(m.files[0].path, "correlation/brute.yml");
  EXPECT_EQ(m.files[0].kind, PackFileKind::kCorrelation);
  EXPECT_EQ(m.files[1].path, "packet_rules/local.rules");
  EXPECT_EQ(m.files[1].kind, PackFileKind::kPacket);
  EXPECT_EQ(m.files[2].path, "rules/good.yml");
  auto compiled = verify_and_compile(built->bytes);
  ASSERT_TRUE(compiled) << compiled.error().message;
  EXPECT_EQ((*compiled)->rules->rules().size(), 1u);
}

// The agent's packet_rules.variables reach the pack's packet rules when it is compiled.
TEST_F(PackBuilderTest, PacketRulesResolveTheGivenVariables) {
  make_pack();
  put("packet_rules/local.rules",
      "alert tcp $EXTERNAL_NET any -> $HOME_NET $HTTP_PORTS (msg:\"web\"; sid:1;)\n");
  auto built = build();
  ASSERT_TRUE(built) << built.error().message;
  auto verified = read_pack(built->bytes, {key_.public_key()});
  ASSERT_TRUE(verified) << verified.error().message;
  packet::Inspection in;
  in.proto = 6;
  in.v4 = true;
  in.src = IpAddress::parse("198.51.100.7")->bytes;
  in.dst = IpAddress::parse("192.0.2.10")->bytes;  // not in the stock HOME_NET (private ranges)
  in.sport = 40000;
  in.dport = 8080;
  auto hits = [&](const CompiledPack& pack) {
    std::vector<const packet::CompiledPacketRule*> out;
    pack.packet_rules->match(in, out);
    return out.size();
  };
  auto stock = compile_pack(*verified);
  ASSERT_TRUE(stock) << stock.error().message;
  EXPECT_EQ(hits(**stock), 0u);
  packet::Variables vars = packet::Variables::defaults();
  vars.set("HOME_NET", "[192.0.2.0/24, 10.0.0.0/8]");
  vars.set("HTTP_PORTS", "[80, 8080]");
  auto local = compile_pack(*verified, vars);
  ASSERT_TRUE(local) << local.error().message;
  EXPECT_EQ(hits(**local), 1u);
  in.dport = 8081;
  EXPECT_EQ(hits(**local), 0u);
}

TEST_F(PackBuilderTest, CorrelationYamlErrorsFailEvenWithSkipInvalid) {
  make_pack();
  put("correlation/bad.yml", "title: ok\n---\ntitle: [broken\n");
  auto built = build(true);
  expect_error(built, (fs::path(dir_.path()) / "correlation/bad.yml").string() + ":");
  EXPECT_NE(built.error().message.find("YAML syntax"), std::string::npos);
  put("correlation/bad.yml", ", stray\n");
  expect_error(build(true), "correlation/bad.yml:1: YAML syntax");
}

TEST_F(PackBuilderTest, BadFieldMappingsFailTheBuild) {
  make_pack();
  put("field_mappings.yaml", "mappings: {}\n");
  expect_error(build(), "field_mappings.yaml");
}

}  // namespace
}  // namespace soc::pack
