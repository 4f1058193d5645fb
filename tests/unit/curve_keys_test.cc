#include "common/curve_keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "tests/temp_dir.h"

namespace soc {
namespace {

class CurveKeysTest : public ::testing::Test {
 protected:
  soc::testing::TempDir dir_{"soc-keys"};
};

TEST_F(CurveKeysTest, KeygenWritesValidKeysWithSecretModeOwnerOnly) {
  auto keys = generate_curve_keypair();
  ASSERT_TRUE(keys);
  EXPECT_TRUE(is_valid_z85_key(keys->public_key));
  EXPECT_NE(keys->public_key, keys->secret_key);
  const std::string out = dir_.path() + "/k";
  ASSERT_TRUE(write_keypair(out, *keys, false));
  struct stat st {};
  ASSERT_EQ(stat((out + "/secret.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = load_keypair(out);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->public_key, keys->public_key);
  EXPECT_EQ(loaded->secret_key, keys->secret_key);
  // An existing secret key is not replaced unless forced.
  auto again = write_keypair(out, *generate_curve_keypair(), false);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
  EXPECT_EQ(load_keypair(out)->secret_key, keys->secret_key);
  EXPECT_TRUE(write_keypair(out, *generate_curve_keypair(), true));
}

TEST_F(CurveKeysTest, LoadRefusesMismatchedOrExposedKeys) {
  ASSERT_TRUE(write_keypair(dir_.path(), *generate_curve_keypair(), false));
  ASSERT_TRUE(load_keypair(dir_.path()));
  const std::string other = *generate_curve_keypair().map([](auto k) { return k.public_key; });
  std::ofstream(dir_.path() + "/public.key") << other << "\n";
  auto mismatched = load_keypair(dir_.path());
  ASSERT_FALSE(mismatched);
  EXPECT_NE(mismatched.error().message.find("does not belong"), std::string::npos);
  ASSERT_TRUE(write_keypair(dir_.path(), *generate_curve_keypair(), true));
  ::chmod((dir_.path() + "/secret.key").c_str(), 0644);
  auto exposed = load_keypair(dir_.path());
  ASSERT_FALSE(exposed);
  EXPECT_NE(exposed.error().message.find("readable by others (mode 644)"), std::string::npos);
}

TEST_F(CurveKeysTest, KeygenLeavesAnExistingFolderModeAlone) {
  ::chmod(dir_.path().c_str(), 0755);
  ASSERT_TRUE(write_keypair(dir_.path(), *generate_curve_keypair(), false));
  struct stat st {};
  ASSERT_EQ(stat(dir_.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
}

TEST_F(CurveKeysTest, PublicKeyFromTextOrFile) {
  auto keys = generate_curve_keypair();
  ASSERT_TRUE(write_keypair(dir_.path(), *keys, false));
  EXPECT_EQ(*resolve_public_key(keys->public_key), keys->public_key);
  EXPECT_EQ(*resolve_public_key(dir_.path() + "/public.key"), keys->public_key);
  EXPECT_FALSE(resolve_public_key("short"));
  EXPECT_FALSE(resolve_public_key(dir_.path() + "/missing.key"));
  std::ofstream(dir_.path() + "/bad.key") << "not a key at all\n";
  EXPECT_FALSE(resolve_public_key(dir_.path() + "/bad.key"));
  EXPECT_FALSE(is_valid_z85_key(std::string(40, '~')));  // '~' is not a Z85 character
}

}  // namespace
}  // namespace soc
