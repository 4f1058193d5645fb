#include "common/event_json.h"

#include <gtest/gtest.h>

namespace soc {
namespace {

TEST(EventJson, NestsDottedFieldsInEcsShape) {
  Event e;
  e.time_ns = 1'000'000'123;
  e.raw = "line";
  e.source = "/var/log/auth.log";
  e.fields = {{"source.ip", *IpAddress::parse("192.0.2.1")},
              {"source.port", std::int64_t{22}},
              {"user.name", std::string("root")}};
  const nlohmann::json j = event_to_ecs_json(e, {"web-1", "health"});
  EXPECT_EQ(j["@timestamp"], "1970-01-01T00:00:01.000000123Z");
  EXPECT_EQ(j["message"], "line");
  EXPECT_EQ(j["source"]["ip"], "192.0.2.1");
  EXPECT_EQ(j["source"]["port"], 22);
  EXPECT_EQ(j["user"]["name"], "root");
  EXPECT_EQ(j["agent"]["name"], "web-1");
  EXPECT_EQ(j["organization"]["name"], "health");
  EXPECT_EQ(j["event"]["dataset"], "log");
}

TEST(EventJson, KeepsConflictingNamesFlatInsteadOfLosingThem) {
  Event e;
  e.fields = {{"a", std::string("scalar")}, {"a.b", std::string("nested")}};
  const nlohmann::json j = event_to_ecs_json(e, {"x", "y"});
  EXPECT_EQ(j["a"], "scalar");
  EXPECT_EQ(j["a.b"], "nested");
}

}  // namespace
}  // namespace soc
