#include "signatures/pack/manifest.h"

#include <gtest/gtest.h>

#include <functional>

#include <nlohmann/json.hpp>

namespace soc::pack {
namespace {

using Json = nlohmann::json;

constexpr const char* kHashA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr const char* kHashB = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

Manifest sample() {
  Manifest m;
  m.name = "default";
  m.version = *PackVersion::parse("1.2.0");
  m.min_agent_version = *PackVersion::parse("0.1");
  m.created = "2026-11-30T10:00:00Z";
  m.description = "linux and web rules, \"quoted\", \xc3\xa9t\xc3\xa9";
  m.field_mappings = "field_mappings.yaml";
  m.files = {{"field_mappings.yaml", PackFileKind::kFieldMappings, kHashA, 10},
             {"rules/linux/x.yml", PackFileKind::kSigma, kHashB, 1234},
             {"correlation/c.yml", PackFileKind::kCorrelation, kHashA, 0},
             {"packet_rules/p.rules", PackFileKind::kPacket, kHashB, 5}};
  m.routing = {{"sshd-session", "sshd"}};
  m.skipped = {{"rules/linux/x.yml", 3, "1234-abcd", "unsupported modifier expand"}};
  return m;
}

// The sample's JSON after `edit`, parsed.
Result<Manifest> parse_edited(const std::function<void(Json&)>& edit) {
  Json j = Json::parse(to_json(sample()));
  edit(j);
  return parse_manifest(j.dump());
}

// Expects a kMalformed error whose message contains `what`.
void expect_malformed(const Result<Manifest>& r, const std::string& what) {
  ASSERT_FALSE(r) << "accepted; expected an error about " << what;
  EXPECT_EQ(r.error().code, ErrorCode::kMalformed) << r.error().message;
  EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
}

TEST(PackManifest, RoundTripsThroughJson) {
  const Manifest m = sample();
  auto parsed = parse_manifest(to_json(m));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, m);
  EXPECT_EQ(parsed->version.to_string(), "1.2.0");
  EXPECT_EQ(parsed->min_agent_version.to_string(), "0.1");
  EXPECT_EQ(to_json(*parsed), to_json(m));
}

TEST(PackManifest, JsonIsCompactWithKeysInAFixedOrder) {
  const std::string json = to_json(sample());
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_EQ(json.rfind("{\"format\":1,\"name\":\"default\",\"version\":\"1.2.0\","
                       "\"min_agent_version\":\"0.1\",\"created\":",
                       0),
            0u)
      << json;
  const char* keys[] = {"\"created\"", "\"description\"", "\"field_mappings\"",
                        "\"files\"",   "\"routing\"",     "\"skipped\""};
  std::size_t last = 0;
  for (const char* key : keys) {
    const std::size_t at = json.find(key);
    ASSERT_NE(at, std::string::npos) << key;
    EXPECT_GT(at, last) << key;
    last = at;
  }
  EXPECT_NE(json.find("{\"path\":\"rules/linux/x.yml\",\"kind\":\"sigma\",\"sha256\":\"" +
                      std::string(kHashB) + "\",\"size\":1234}"),
            std::string::npos);
}

TEST(PackManifest, OptionalListsAndTextMayBeLeftOut) {
  auto m = parse_edited([](Json& j) {
    j.erase("description");
    j.erase("routing");
    j.erase("skipped");
  });
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE(m->routing.empty());
  EXPECT_TRUE(m->skipped.empty());
  EXPECT_EQ(m->description, "");
}

TEST(PackManifest, NewerFormatIsUnsupported) {
  auto m = parse_edited([](Json& j) {
    j["format"] = 2;
    j["something_new"] = true;
  });
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(m.error().message, "pack format 2 is newer than this agent supports (1)");
}

TEST(PackManifest, RefusesUnknownKeysAndWrongTypes) {
  expect_malformed(parse_edited([](Json& j) { j["extra"] = 1; }), "extra: unknown key");
  expect_malformed(parse_edited([](Json& j) { j["files"][0]["mode"] = 1; }),
                   "files[0].mode: unknown key");
  expect_malformed(parse_edited([](Json& j) { j["format"] = 0; }), "format");
  expect_malformed(parse_edited([](Json& j) { j["format"] = "1"; }), "format");
  expect_malformed(parse_edited([](Json& j) { j["format"] = 1.0; }), "format");
  expect_malformed(parse_edited([](Json& j) { j.erase("format"); }), "format: missing");
  expect_malformed(parse_edited([](Json& j) { j.erase("files"); }), "files: missing");
  expect_malformed(parse_edited([](Json& j) { j["files"] = Json::object(); }),
                   "files: expected a list");
  expect_malformed(parse_edited([](Json& j) { j["name"] = 7; }), "name: expected a string");
  expect_malformed(parse_edited([](Json& j) { j["files"][1]["size"] = -1; }), "files[1].size");
  expect_malformed(parse_edited([](Json& j) { j["files"][1]["kind"] = "lua"; }),
                   "files[1].kind: unknown kind 'lua'");
  expect_malformed(parse_edited([](Json& j) { j["skipped"][0]["line"] = "3"; }), "skipped[0].line");
  expect_malformed(parse_edited([](Json& j) { j["routing"][0]["program"] = ""; }),
                   "routing[0].program");
  expect_malformed(parse_edited([](Json& j) { j["routing"][0].erase("service"); }),
                   "routing[0].service: missing");
}

TEST(PackManifest, RefusesBadNamesVersionsTimesAndHashes) {
  expect_malformed(parse_edited([](Json& j) { j["name"] = "my pack"; }), "name");
  expect_malformed(parse_edited([](Json& j) { j["name"] = std::string(65, 'a'); }), "name");
  expect_malformed(parse_edited([](Json& j) { j["version"] = "v1.0"; }),
                   "version: 'v1.0' is not a version");
  expect_malformed(parse_edited([](Json& j) { j["min_agent_version"] = "1.2.3.4.5"; }),
                   "min_agent_version");
  expect_malformed(parse_edited([](Json& j) { j["created"] = "2026-11-30 10:00:00"; }), "created");
  expect_malformed(parse_edited([](Json& j) { j["created"] = "2026-13-30T10:00:00Z"; }), "created");
  expect_malformed(parse_edited([](Json& j) { j["files"][0]["sha256"] = std::string(64, 'A'); }),
                   "files[0].sha256");
  expect_malformed(parse_edited([](Json& j) { j["files"][0]["sha256"] = std::string(63, 'a'); }),
                   "files[0].sha256");
}

TEST(PackManifest, RefusesUnsafeAndDuplicatePaths) {
  for (const char* path : {"/etc/passwd", "../x.yml", "rules/../../x.yml", "rules//x.yml",
                           "rules/x.yml/", "rules\\x.yml", "rules/./x.yml", "rules/x\n.yml", ""}) {
    expect_malformed(parse_edited([&](Json& j) { j["files"][2]["path"] = path; }),
                     "files[2].path: unsafe path");
  }
  expect_malformed(parse_edited([](Json& j) { j["files"][2]["path"] = "rules/linux/x.yml"; }),
                   "files[2].path: duplicate path rules/linux/x.yml");
}

TEST(PackManifest, FieldMappingsAndSkippedMustNameFilesOfTheRightKind) {
  expect_malformed(parse_edited([](Json& j) { j["field_mappings"] = "rules/linux/x.yml"; }),
                   "field_mappings: rules/linux/x.yml is not a file of kind field_mappings");
  expect_malformed(parse_edited([](Json& j) { j["field_mappings"] = "other.yaml"; }),
                   "field_mappings");
  expect_malformed(parse_edited([](Json& j) { j["skipped"][0]["path"] = "correlation/c.yml"; }),
                   "skipped[0].path: correlation/c.yml is not a sigma or packet rule file");
}

TEST(PackManifest, RefusesJsonThatIsNotOneStrictObject) {
  expect_malformed(parse_manifest(""), "not valid JSON");
  expect_malformed(parse_manifest("[]"), "expected a JSON object");
  expect_malformed(parse_manifest("{\"format\":1,\"format\":1}"), "duplicate key 'format'");
  expect_malformed(parse_manifest(to_json(sample()) + "x"), "not valid JSON");
  expect_malformed(parse_manifest(std::string(10000, '[') + std::string(10000, ']')),
                   "nested more than");
  expect_malformed(parse_manifest("{\"name\":\"\xff\"}"), "not valid JSON");
}

TEST(PackManifest, SafePathsAndNames) {
  EXPECT_TRUE(is_safe_pack_path("rules/linux/ssh.yml"));
  EXPECT_TRUE(is_safe_pack_path("field_mappings.yaml"));
  EXPECT_TRUE(is_safe_pack_path("rules/..hidden/x"));
  EXPECT_FALSE(is_safe_pack_path(std::string(kMaxPackPathBytes + 1, 'a')));
  EXPECT_TRUE(is_safe_pack_path(std::string(kMaxPackPathBytes, 'a')));
  EXPECT_FALSE(is_safe_pack_path("a/\x7f"));
  EXPECT_TRUE(is_valid_pack_name("default-2026.11_x"));
  EXPECT_FALSE(is_valid_pack_name(""));
  EXPECT_FALSE(is_valid_pack_name("a/b"));
  EXPECT_EQ(pack_file_kind_name(PackFileKind::kSigma), "sigma");
  EXPECT_EQ(pack_file_kind_name(PackFileKind::kFieldMappings), "field_mappings");
}

}  // namespace
}  // namespace soc::pack
