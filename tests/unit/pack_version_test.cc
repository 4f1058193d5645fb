#include "signatures/pack/pack_version.h"

#include <gtest/gtest.h>

namespace soc::pack {
namespace {

PackVersion v(std::string_view text) {
  auto parsed = PackVersion::parse(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(PackVersion());
}

TEST(PackVersion, ParsesOneToFourNumbers) {
  EXPECT_EQ(v("1").to_string(), "1");
  EXPECT_EQ(v("2.3").to_string(), "2.3");
  EXPECT_EQ(v("1.2.0").to_string(), "1.2.0");
  EXPECT_EQ(v("2026.11.30.2").to_string(), "2026.11.30.2");
  EXPECT_EQ(v("999999999.0").to_string(), "999999999.0");
  EXPECT_EQ(v("2026.01.05").to_string(), "2026.1.5");  // leading zeros dropped
  EXPECT_EQ(PackVersion().to_string(), "0");
}

TEST(PackVersion, RefusesAnythingElse) {
  for (const char* bad :
       {"", ".", "1.", ".1", "1..2", "v1.0", "+1", "-1", "1.-2", " 1", "1 ", "1.2.3.4.5", "1a",
        "1.0-rc1", "1000000000", "1.99999999999999999999", "1,2", "\xef\xbc\x91"}) {
    EXPECT_FALSE(PackVersion::parse(bad)) << "'" << bad << "'";
  }
}

TEST(PackVersion, ComparesNumberByNumberWithMissingNumbersAsZero) {
  EXPECT_EQ(v("1.2"), v("1.2.0"));
  EXPECT_EQ(v("1"), v("1.0.0.0"));
  EXPECT_LT(v("1.2"), v("1.10"));
  EXPECT_LT(v("1.9.9.9"), v("2"));
  EXPECT_GT(v("1.0.0.1"), v("1"));
  EXPECT_LT(v("0.9"), v("0.10"));
  EXPECT_TRUE(v("3.0") >= v("3"));
  EXPECT_NE(v("1.2.1"), v("1.2"));
}

TEST(PackVersion, AgentVersionIsTheProjectVersion) {
  EXPECT_NE(agent_version(), PackVersion());
  EXPECT_EQ(PackVersion::parse(agent_version().to_string()), agent_version());
  EXPECT_LT(agent_version(), v("99.0"));
}

}  // namespace
}  // namespace soc::pack
