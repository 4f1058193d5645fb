// soc_fts_terms and soc_phrase: phrase search over a full-text index without word positions.
#include "collector/store/phrase_functions.h"

#include <sqlite3.h>

#include <string>

#include <gtest/gtest.h>

namespace soc::collector {
namespace {

class PhraseFunctionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    auto registered = register_phrase_functions(db_);
    ASSERT_TRUE(registered) << registered.error().message;
  }
  void TearDown() override { sqlite3_close(db_); }

  // The one value of `sql` with its parameters bound, as text ("<null>", "<error: ...>").
  std::string value(const std::string& sql, const std::vector<std::string>& params) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      return "<error: " + std::string(sqlite3_errmsg(db_)) + ">";
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      sqlite3_bind_text(stmt, static_cast<int>(i + 1), params[i].data(),
                        static_cast<int>(params[i].size()), SQLITE_STATIC);
    }
    std::string out;
    if (sqlite3_step(stmt) != SQLITE_ROW) {
      out = "<error: " + std::string(sqlite3_errmsg(db_)) + ">";
    } else if (sqlite3_column_type(stmt, 0) == SQLITE_NULL) {
      out = "<null>";
    } else {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return out;
  }
  std::string terms(const std::string& phrase) {
    return value("SELECT soc_fts_terms(?)", {phrase});
  }
  bool holds(const std::string& text, const std::string& phrase) {
    return value("SELECT soc_phrase(?, ?)", {text, phrase}) == "1";
  }

  sqlite3* db_ = nullptr;
};

TEST_F(PhraseFunctionsTest, TermsAreEveryWordAsTheIndexSplitsAndFoldsThem) {
  EXPECT_EQ(terms(R"("Failed")"), R"("failed")");
  EXPECT_EQ(terms(R"("Failed password")"), R"("failed" AND "password")");
  EXPECT_EQ(terms(R"("10.0." *)"), R"("10" AND "0" *)");
  EXPECT_EQ(terms(R"("say ""hi""")"), R"("say" AND "hi")");
  EXPECT_EQ(terms(R"("Ünïcode CAFÉ")"), R"("unicode" AND "cafe")");  // unicode61 folding
  EXPECT_EQ(terms(R"("');")"), R"("")");                             // no words: matches nothing
  EXPECT_EQ(terms("not quoted"), R"("not" AND "quoted")");
  EXPECT_EQ(terms(R"("AND OR NOT")"), R"("and" AND "or" AND "not")");  // never operators
}

TEST_F(PhraseFunctionsTest, PhraseNeedsItsWordsInOrder) {
  const std::string line = "Failed password for invalid user admin from 10.0.0.1 port 22 ssh2";
  EXPECT_TRUE(holds(line, R"("failed password")"));
  EXPECT_TRUE(holds(line, R"("INVALID   user")"));  // case and spacing as the index sees them
  EXPECT_TRUE(holds(line, R"("user-admin")"));      // punctuation separates words
  EXPECT_TRUE(holds(line, R"("10.0.0.1 port")"));
  EXPECT_FALSE(holds(line, R"("password failed")"));
  EXPECT_FALSE(holds(line, R"("failed for")"));  // not next to each other
  EXPECT_FALSE(holds(line, R"("10.0.0.2")"));
  EXPECT_TRUE(holds(line, R"("from 10.0." *)"));  // the last word as a prefix
  EXPECT_TRUE(holds(line, R"("port 2" *)"));
  EXPECT_FALSE(holds(line, R"("port 3" *)"));
  EXPECT_FALSE(holds(line, R"("port 2")"));  // without the star, whole words only
  EXPECT_TRUE(holds("x", R"("anything")"));  // one word: the index decides alone
  EXPECT_EQ(value("SELECT soc_phrase(NULL, ?)", {R"("a b")"}), "0");
}

TEST_F(PhraseFunctionsTest, FindsPhrasesThroughAnIndexWithoutPositions) {
  ASSERT_EQ(sqlite3_exec(db_,
                         "CREATE TABLE t(id INTEGER PRIMARY KEY, message TEXT);"
                         "CREATE VIRTUAL TABLE f USING fts5(message, content='t', "
                         "content_rowid='id', detail=none, columnsize=0);"
                         "INSERT INTO t(message) VALUES('failed password for root'),"
                         "('password failed for root'), ('failed: password reset');"
                         "INSERT INTO f(f) VALUES('rebuild');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  const std::string search =
      "SELECT group_concat(id) FROM (SELECT id FROM t WHERE id IN (SELECT rowid FROM f WHERE f "
      "MATCH soc_fts_terms(?1)) AND soc_phrase(message, ?1) ORDER BY id)";
  EXPECT_EQ(value(search, {R"("failed password")"}), "1,3");
  EXPECT_EQ(value(search, {R"("password failed")"}), "2");
  EXPECT_EQ(value(search, {R"("passw" *)"}), "1,2,3");
  EXPECT_EQ(value(search, {R"("for ro" *)"}), "1,2");
  EXPECT_EQ(value(search, {R"("nothing here")"}), "<null>");
}

}  // namespace
}  // namespace soc::collector
