// PackUpdater: the agent accepts only signed, newer (or rolled-back), compiling packs, swaps them
// in whole and keeps the active one across restarts.
#include "agent/pack_updater.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "signatures/pack/pack_builder.h"
#include "tests/temp_dir.h"

namespace soc::agent {
namespace {

namespace fs = std::filesystem;

const char* kRule = R"(title: Test Line
id: 5b0e9a4e-2f7c-4c55-9d0e-5a3f4e2a1b01
status: test
logsource:
  product: linux
detection:
  keywords:
    - 'pack-test'
  condition: keywords
level: low
)";

class PackUpdaterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_.path();
    fs::create_directories(dir_ / "state");
    auto key = pack::SecretKey::generate();
    ASSERT_TRUE(key);
    key_ = *key;
    auto other = pack::SecretKey::generate();
    ASSERT_TRUE(other);
    other_key_ = *other;
  }
  // A pack folder with one keyword rule, built and signed with `key`.
  std::string build(const std::string& version, const pack::SecretKey& key) {
    const fs::path src = dir_ / ("src-" + version);
    fs::create_directories(src / "rules");
    std::ofstream(src / "pack.yaml") << "name: test\nversion: " << version << "\n";
    std::ofstream(src / "rules" / "line.yml") << kRule;
    auto built = pack::build_pack(src.string(), key, {});
    EXPECT_TRUE(built) << (built ? "" : built.error().message);
    return built ? built->bytes : std::string();
  }

  PackUpdaterConfig config() const {
    return PackUpdaterConfig{{key_.public_key()}, (dir_ / "state").string()};
  }

  // Offers a push and waits (with a deadline) for the verdict.
  static wire::PackReport offer(PackUpdater& updater, std::string bytes, bool rollback = false,
                                std::uint64_t publication = 1) {
    updater.offer(wire::PackPush{publication, rollback, std::move(bytes)});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      auto reports = updater.take_reports();
      if (!reports.empty()) return reports.back();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "no verdict within the deadline";
    return {};
  }

  soc::testing::TempDir temp_{"soc-pack-updater"};
  fs::path dir_;
  pack::SecretKey key_;
  pack::SecretKey other_key_;
};

TEST_F(PackUpdaterTest, AcceptsNewerRefusesOlderUnlessRollback) {
  ActiveRules rules;
  PackUpdater updater(config(), rules);
  EXPECT_EQ(updater.active_version(), "");
  const std::string v1 = build("1.0.0", key_);
  const std::string v2 = build("2.0.0", key_);

  wire::PackReport r = offer(updater, v2, false, 7);
  EXPECT_TRUE(r.accepted) << r.reason;
  EXPECT_EQ(r.publication, 7u);
  EXPECT_EQ(r.version, "2.0.0");
  ASSERT_NE(rules.get(), nullptr);
  EXPECT_EQ(rules.get()->pack_name, "test");
  EXPECT_EQ(rules.get()->pack_version, "2.0.0");
  EXPECT_EQ(rules.get()->rules->rules().size(), 1u);

  r = offer(updater, v1);
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.version, "1.0.0");
  EXPECT_NE(r.reason.find("not newer"), std::string::npos) << r.reason;
  EXPECT_EQ(updater.active_version(), "2.0.0");

  r = offer(updater, v2);
  EXPECT_TRUE(r.accepted);
  EXPECT_EQ(r.reason, "already active");

  r = offer(updater, v1, /*rollback=*/true);
  EXPECT_TRUE(r.accepted) << r.reason;
  EXPECT_EQ(updater.active_version(), "1.0.0");
  EXPECT_EQ(rules.get()->pack_version, "1.0.0");
  EXPECT_EQ(updater.counters().at("packs_accepted"), 3u);
  EXPECT_EQ(updater.counters().at("packs_refused"), 1u);
}

TEST_F(PackUpdaterTest, RefusesUntrustedTamperedAndGarbageKeepingTheActivePack) {
  ActiveRules rules;
  PackUpdater updater(config(), rules);
  ASSERT_TRUE(offer(updater, build("1.0.0", key_)).accepted);
  const auto active = rules.get();

  wire::PackReport r = offer(updater, build("2.0.0", other_key_));
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.version, "2.0.0") << "the refused pack is named even though it is not trusted";
  EXPECT_NE(r.reason.find("not trusted"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find(other_key_.public_key().id()), std::string::npos) << r.reason;

  // One flipped byte near the end (the files section, bound to the manifest by its SHA-256).
  std::string tampered = build("3.0.0", key_);
  ASSERT_GT(tampered.size(), 40u);
  tampered[tampered.size() - 20] = static_cast<char>(tampered[tampered.size() - 20] ^ 0x01);
  r = offer(updater, tampered);
  EXPECT_FALSE(r.accepted);
  EXPECT_FALSE(r.reason.empty());

  r = offer(updater, "not a pack at all");
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.version, "");

  EXPECT_EQ(rules.get(), active) << "refusals never touch the running rules";
  EXPECT_EQ(updater.active_version(), "1.0.0");
}

TEST_F(PackUpdaterTest, RefusesSignedPackWhoseRulesDoNotCompile) {
  ActiveRules rules;
  PackUpdater updater(config(), rules);
  pack::Manifest manifest;
  manifest.name = "test";
  manifest.version = *pack::PackVersion::parse("5");
  manifest.min_agent_version = *pack::PackVersion::parse("0");
  manifest.created = "2026-11-30T00:00:00Z";
  const std::map<std::string, std::string> files{
      {"rules/broken.yml",
       "title: Broken\nlogsource:\n  product: linux\ndetection:\n  sel:\n    "
       "event.action|nosuchmodifier: x\n  condition: sel\n"}};
  pack::make_manifest_files(manifest, files);
  auto bytes = pack::write_pack(manifest, files, key_);
  ASSERT_TRUE(bytes) << bytes.error().message;
  const wire::PackReport r = offer(updater, *bytes);
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.version, "5");
  EXPECT_NE(r.reason.find("nosuchmodifier"), std::string::npos) << r.reason;
  EXPECT_EQ(rules.get(), nullptr);
  EXPECT_FALSE(fs::exists(updater.active_pack_path()));
}

TEST_F(PackUpdaterTest, ActivePackSurvivesARestart) {
  {
    ActiveRules rules;
    PackUpdater updater(config(), rules);
    auto none = updater.restore();
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
    ASSERT_TRUE(offer(updater, build("4.1", key_)).accepted);
  }
  ActiveRules rules;
  PackUpdater updater(config(), rules);
  auto restored = updater.restore();
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_TRUE(*restored);
  EXPECT_EQ(updater.active_version(), "4.1");
  ASSERT_NE(rules.get(), nullptr);
  EXPECT_EQ(rules.get()->pack_version, "4.1");

  // The admin withdrew the key: the saved pack is not used any more.
  ActiveRules other_rules;
  PackUpdater distrustful(PackUpdaterConfig{{other_key_.public_key()}, (dir_ / "state").string()},
                          other_rules);
  auto refused = distrustful.restore();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("active.pack"), std::string::npos);
  EXPECT_EQ(other_rules.get(), nullptr);
}

}  // namespace
}  // namespace soc::agent
