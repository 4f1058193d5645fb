// The HTTP API's tokens file (collector/web/api_tokens.h) and listen address parsing.
#include "collector/web/api_tokens.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "collector/web/api_config.h"
#include "tests/temp_dir.h"

namespace soc::collector {
namespace {

unsigned mode_of(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 07777;
}

TEST(ApiTokens, GeneratedTokensAreRandomAndPrefixed) {
  auto a = generate_api_token();
  auto b = generate_api_token();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 4u + 64u);
  EXPECT_TRUE(a->starts_with("soc_"));
  EXPECT_NE(*a, *b);
}

TEST(ApiTokens, HashIsSha256) {
  EXPECT_EQ(token_hash_hex(hash_api_token("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ApiTokens, ParsesLinesAndAuthenticatesByHash) {
  const std::string text = "# comment\n\nalice analyst " + token_hash_hex(hash_api_token("t1")) +
                           "\r\n  bob   admin " + token_hash_hex(hash_api_token("t2")) + "\n";
  auto tokens = ApiTokens::parse(text, "tokens");
  ASSERT_TRUE(tokens) << tokens.error().message;
  ASSERT_EQ(tokens->tokens().size(), 2u);
  auto alice = tokens->authenticate("t1");
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->name, "alice");
  EXPECT_EQ(alice->role, ApiRole::kAnalyst);
  auto bob = tokens->authenticate("t2");
  ASSERT_TRUE(bob);
  EXPECT_EQ(bob->role, ApiRole::kAdmin);
  EXPECT_FALSE(tokens->authenticate("t3"));
  EXPECT_FALSE(tokens->authenticate(""));
  // The stored hash itself is not a token.
  EXPECT_FALSE(tokens->authenticate(token_hash_hex(hash_api_token("t1"))));
}

TEST(ApiTokens, ParseErrorsNameTheLine) {
  const std::string hash = token_hash_hex(hash_api_token("x"));
  struct Case {
    std::string text;
    std::string expected;
  };
  const Case cases[] = {
      {"alice analyst\n", "f:1: expected NAME ROLE SHA256HEX"},
      {"# c\nalice root " + hash + "\n", "f:2: role 'root'"},
      {"alice analyst abc\n", "f:1: hash of 'alice'"},
      {"alice analyst " + hash.substr(0, 63) + "g\n", "f:1: hash of 'alice'"},
      {"alice analyst " + hash + " extra\n", "f:1: expected NAME ROLE SHA256HEX"},
      {"-bad analyst " + hash + "\n", "f:1: token name '-bad'"},
      {"a analyst " + hash + "\na admin " + hash + "\n", "f:2: a token named 'a' exists"},
  };
  for (const Case& c : cases) {
    auto parsed = ApiTokens::parse(c.text, "f");
    ASSERT_FALSE(parsed) << c.text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message.find(c.expected), std::string::npos) << parsed.error().message;
  }
}

TEST(ApiTokens, SaveWritesMode0600AndLoadsBack) {
  soc::testing::TempDir dir{"api_tokens_test"};
  const std::string path = dir.file("sub/api_tokens");
  ApiTokens tokens;
  ASSERT_TRUE(tokens.add("alice", ApiRole::kAnalyst, hash_api_token("t1")));
  ASSERT_TRUE(tokens.add("root-admin", ApiRole::kAdmin, hash_api_token("t2")));
  EXPECT_EQ(tokens.add("alice", ApiRole::kAdmin, hash_api_token("t3")).error().code,
            ErrorCode::kConflict);
  EXPECT_EQ(tokens.add("a b", ApiRole::kAdmin, hash_api_token("t3")).error().code,
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(tokens.save(path));
  EXPECT_EQ(mode_of(path), 0600u);
  auto loaded = ApiTokens::load(path);
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->tokens().size(), 2u);
  EXPECT_EQ(loaded->authenticate("t2")->name, "root-admin");
  // The file holds hashes only, never a token.
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  EXPECT_EQ(text.str().find("t1 "), std::string::npos);

  ASSERT_TRUE(loaded->revoke("alice"));
  EXPECT_FALSE(loaded->revoke("alice"));
  ASSERT_TRUE(loaded->save(path));
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_FALSE(ApiTokens::load(path)->authenticate("t1"));
}

TEST(ApiTokens, RefusesAFileOthersCanRead) {
  soc::testing::TempDir dir{"api_tokens_test"};
  const std::string path = dir.file("api_tokens");
  ASSERT_TRUE(ApiTokens{}.save(path));
  ::chmod(path.c_str(), 0644);
  auto loaded = ApiTokens::load(path);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(loaded.error().message.find("mode 0644"), std::string::npos) << loaded.error().message;
  ::chmod(path.c_str(), 0620);
  EXPECT_FALSE(ApiTokens::load(path));
  ::chmod(path.c_str(), 0400);
  EXPECT_TRUE(ApiTokens::load(path));
}

TEST(ApiTokens, MissingFile) {
  soc::testing::TempDir dir{"api_tokens_test"};
  auto loaded = ApiTokens::load(dir.file("none"));
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::kNotFound);
  auto empty = ApiTokens::load_or_empty(dir.file("none"));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->tokens().empty());
}

TEST(ApiTokens, RolesAndNames) {
  EXPECT_EQ(parse_api_role("analyst"), ApiRole::kAnalyst);
  EXPECT_EQ(parse_api_role("admin"), ApiRole::kAdmin);
  EXPECT_FALSE(parse_api_role("Admin"));
  EXPECT_TRUE(is_valid_token_name("ci.bot_2-x"));
  EXPECT_FALSE(is_valid_token_name(""));
  EXPECT_FALSE(is_valid_token_name(".x"));
  EXPECT_FALSE(is_valid_token_name(std::string(65, 'a')));
}

TEST(ApiConfig, ListenAddresses) {
  std::string host;
  int port = 0;
  ASSERT_TRUE(parse_api_listen("127.0.0.1:8443", host, port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8443);
  ASSERT_TRUE(parse_api_listen("[::1]:9", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 9);
  for (const char* bad :
       {"8443", ":8443", "::1:80", "host:", "host:0", "host:65536", "host:1x", "[::1:80"}) {
    EXPECT_FALSE(parse_api_listen(bad, host, port)) << bad;
  }
  ApiConfig c;
  c.host = "::1";
  c.port = 8443;
  EXPECT_EQ(api_base_url(c), "http://[::1]:8443");
  c.tls_cert = "cert.pem";
  c.host = "soc.example";
  EXPECT_EQ(api_base_url(c), "https://soc.example:8443");
}

}  // namespace
}  // namespace soc::collector
