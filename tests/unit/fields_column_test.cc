// The store's `fields` column: the exact JSON text written, what SQLite's JSON functions read
// from it, and the round trip back to fields.
#include <sqlite3.h>

#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "collector/store/fields_column.h"

namespace soc::collector {
namespace {

std::vector<Field> sample_fields() {
  return {{"source.ip", *IpAddress::parse("2001:db8::1")},
          {"source.port", std::int64_t{-22}},
          {"event.duration", 1.5},
          {"event.ratio", 3.0},
          {"ssh.invalid_user", true},
          {"tags", StringList{"a", "b\"c"}},
          {"user.name", std::string("r\\o\tot\n\x01")}};
}

TEST(FieldsColumn, WritesOneJsonObjectInFieldOrder) {
  EXPECT_EQ(encode_fields_column(sample_fields()),
            R"({"source.ip":"2001:db8::1","source.port":-22,"event.duration":1.5,)"
            R"("event.ratio":3.0,"ssh.invalid_user":true,"tags":["a","b\"c"],)"
            R"("user.name":"r\\o\tot\n\u0001"})");
  EXPECT_EQ(encode_fields_column({}), "{}");
}

TEST(FieldsColumn, ReadsBackWhatItWrote) {
  const std::vector<Field> fields = sample_fields();
  auto decoded = decode_fields_column(encode_fields_column(fields));
  ASSERT_TRUE(decoded) << decoded.error().message;
  ASSERT_EQ(decoded->size(), fields.size());
  for (std::size_t i = 0; i < fields.size(); ++i) {
    EXPECT_EQ((*decoded)[i].name, fields[i].name);
    if (const auto* ip = std::get_if<IpAddress>(&fields[i].value)) {
      EXPECT_EQ(std::get<std::string>((*decoded)[i].value), ip->to_string());
    } else {
      EXPECT_EQ((*decoded)[i].value, fields[i].value) << fields[i].name;
    }
  }
}

TEST(FieldsColumn, DoublesKeepTheirValueAndType) {
  for (const double v :
       {0.1, -0.0, 1e20, 1e-7, 123456789.0, 2.5e300, std::numeric_limits<double>::min()}) {
    auto decoded = decode_fields_column(encode_fields_column({{"x", v}}));
    ASSERT_TRUE(decoded);
    const auto* d = std::get_if<double>(&decoded->at(0).value);
    ASSERT_NE(d, nullptr) << v;
    EXPECT_EQ(*d, v);
    EXPECT_EQ(std::signbit(*d), std::signbit(v));
  }
  // Not finite: JSON has no such number; null reads back as NaN.
  EXPECT_EQ(encode_fields_column({{"x", std::numeric_limits<double>::infinity()}}),
            R"({"x":null})");
  auto nan = decode_fields_column(R"({"x":null})");
  ASSERT_TRUE(nan);
  EXPECT_TRUE(std::isnan(std::get<double>(nan->at(0).value)));
}

TEST(FieldsColumn, ANameGivenTwiceIsWrittenOnceWithItsFirstValue) {
  EXPECT_EQ(encode_fields_column({{"a", std::int64_t{1}},
                                  {"b", std::int64_t{2}},
                                  {"a", std::int64_t{3}},
                                  {"a", std::string("last")}}),
            R"({"a":1,"b":2})");
  // Two names that differ only in bytes that are not UTF-8 are the same name once replaced.
  EXPECT_EQ(encode_fields_column({{"a\x80", std::int64_t{1}}, {"a\xFF", std::int64_t{2}}}),
            "{\"a\xEF\xBF\xBD\":1}");
  // Past the 64 names whose hashes it compares, every name is compared.
  std::vector<Field> many;
  for (int i = 0; i < 70; ++i) many.push_back({"f" + std::to_string(i), std::int64_t{i}});
  many.push_back({"f3", std::string("again")});
  const std::string text = encode_fields_column(many);
  EXPECT_NE(text.find(R"("f2":2,"f3":3,"f4":4)"), std::string::npos) << text;
  EXPECT_EQ(text.find("again"), std::string::npos) << text;
}

TEST(FieldsColumn, InvalidUtf8BecomesReplacementCharacters) {
  const std::string fffd = "\xEF\xBF\xBD";
  const auto text = [](const std::string& s) { return encode_fields_column({{"m", s}}); };
  // Valid multi-byte sequences pass as they are.
  EXPECT_EQ(text("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x92"),
            "{\"m\":\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x92\"}");
  // A stray continuation byte, a byte that never starts a sequence, an overlong form, a
  // surrogate, a code point above U+10FFFF: one replacement per maximal broken part.
  EXPECT_EQ(text("a\x80z"), "{\"m\":\"a" + fffd + "z\"}");
  EXPECT_EQ(text("\xFF"), "{\"m\":\"" + fffd + "\"}");
  EXPECT_EQ(text("\xC0\xAF"), "{\"m\":\"" + fffd + fffd + "\"}");
  EXPECT_EQ(text("\xED\xA0\x80"), "{\"m\":\"" + fffd + fffd + fffd + "\"}");
  EXPECT_EQ(text("\xF4\x90\x80\x80"), "{\"m\":\"" + fffd + fffd + fffd + fffd + "\"}");
  // A sequence cut short, inside the text and at its end: one replacement each.
  EXPECT_EQ(text("\xE2\x82z"), "{\"m\":\"" + fffd + "z\"}");
  EXPECT_EQ(text("x\xF0\x9F\x94"), "{\"m\":\"x" + fffd + "\"}");
  // Whatever the bytes, the column is JSON that reads back.
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  EXPECT_TRUE(nlohmann::json::accept(text(all + all)));
}

TEST(FieldsColumn, SqliteJsonFunctionsReadIt) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT json_extract(?1, '$.\"source.ip\"'), "
                               "json_extract(?1, '$.\"source.port\"'), "
                               "json_extract(?1, '$.\"user.name\"'), json_valid(?1)",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  const std::string column = encode_fields_column(sample_fields());
  sqlite3_bind_text(stmt, 1, column.data(), static_cast<int>(column.size()), SQLITE_STATIC);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "2001:db8::1");
  EXPECT_EQ(sqlite3_column_int64(stmt, 1), -22);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 2)), "r\\o\tot\n\x01");
  EXPECT_EQ(sqlite3_column_int(stmt, 3), 1);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(FieldsColumn, RefusesTextThatIsNotAnObject) {
  EXPECT_FALSE(decode_fields_column("[1]"));
  EXPECT_FALSE(decode_fields_column("{\"a\":"));
  EXPECT_FALSE(decode_fields_column(""));
}

}  // namespace
}  // namespace soc::collector
