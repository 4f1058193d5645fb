// Field mappings: lookup order, lists, passthrough, the "no mapping" reason, file errors, and
// the default pack's table.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "signatures/sigma/field_mapping.h"
#include "tests/unit/sigma_test_util.h"

namespace soc::sigma {
namespace {

using Names = std::vector<std::string>;

constexpr const char* kTable = R"(mappings:
  - logsource: {product: linux}
    fields:
      Image: generic.image
      User: user.name
  - logsource: {product: linux, category: process_creation}
    fields:
      Image: process.executable
      CommandLine: [process.command_line, process.args]
  - logsource: {product: linux, service: auditd}
    fields:
      exe: process.executable
    passthrough_prefix: auditd.data.
  - logsource: {product: zeek}
    passthrough: true
)";

TEST(SigmaFieldMapping, MostSpecificEntryWinsThenLessSpecific) {
  auto m = FieldMappings::parse(kTable, "t.yaml");
  ASSERT_TRUE(m) << m.error().message;
  const RuleLogSource proc{"linux", "process_creation", ""};
  EXPECT_EQ(*m->resolve(proc, "Image"), Names{"process.executable"});
  EXPECT_EQ(*m->resolve(proc, "User"), Names{"user.name"});  // from {product: linux}
  EXPECT_EQ(*m->resolve(proc, "CommandLine"), (Names{"process.command_line", "process.args"}));
  EXPECT_EQ(*m->resolve(proc, "commandline"), (Names{"process.command_line", "process.args"}));
  EXPECT_EQ(*m->resolve(RuleLogSource{"linux", "", "sshd"}, "Image"), Names{"generic.image"});
}

TEST(SigmaFieldMapping, PassthroughAndPrefix) {
  auto m = FieldMappings::parse(kTable);
  ASSERT_TRUE(m);
  const RuleLogSource auditd{"linux", "", "auditd"};
  EXPECT_EQ(*m->resolve(auditd, "exe"), Names{"process.executable"});
  EXPECT_EQ(*m->resolve(auditd, "a0"), Names{"auditd.data.a0"});
  EXPECT_EQ(*m->resolve(auditd, "User"), Names{"user.name"});  // mapped beats prefix
  EXPECT_EQ(*m->resolve(RuleLogSource{"zeek", "", "dns"}, "id.orig_h"), Names{"id.orig_h"});
}

TEST(SigmaFieldMapping, UnmappedFieldReason) {
  auto m = FieldMappings::parse(kTable);
  ASSERT_TRUE(m);
  auto r = m->resolve(RuleLogSource{"linux", "process_creation", ""}, "Hashes");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "field Hashes has no mapping for logsource product=linux category=process_creation");
  auto w = m->resolve(RuleLogSource{"windows", "", "security"}, "EventID");
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().message,
            "field EventID has no mapping for logsource product=windows "
            "service=security");
  // And the rule using it does not compile, with that reason and the item's line.
  auto parsed = parse_rule(testing::rule_yaml("    s:\n        Hashes: x\n    condition: s\n",
                                              "    product: linux\n    category: "
                                              "process_creation\n"),
                           "r.yml");
  ASSERT_TRUE(parsed);
  auto compiled = compile_rule(*parsed, *m);
  ASSERT_FALSE(compiled);
  EXPECT_EQ(compiled.error().reason,
            "field Hashes has no mapping for logsource product=linux category=process_creation");
  EXPECT_EQ(compiled.error().line, 11);
  EXPECT_EQ(compiled.error().file, "r.yml");
}

TEST(SigmaFieldMapping, FileErrorsNameFileLineAndKey) {
  auto no_list = FieldMappings::parse("mappings: {a: b}\n", "m.yaml");
  ASSERT_FALSE(no_list);
  EXPECT_EQ(no_list.error().message,
            "m.yaml:1: mappings: expected a list of {logsource, fields} entries");
  auto bad_key = FieldMappings::parse("mappings:\n  - logsource: {produkt: linux}\n", "m.yaml");
  ASSERT_FALSE(bad_key);
  EXPECT_EQ(bad_key.error().message,
            "m.yaml:2: logsource: unknown key 'produkt' (product, category, service)");
  auto bad_field = FieldMappings::parse("mappings:\n  - fields:\n      A: {x: y}\n", "m.yaml");
  ASSERT_FALSE(bad_field);
  EXPECT_EQ(bad_field.error().message,
            "m.yaml:3: fields.A: expected a field name or a list of 1 to 8 names");
  auto syntax = FieldMappings::parse("mappings: [\n", "m.yaml");
  ASSERT_FALSE(syntax);
  EXPECT_NE(syntax.error().message.find("m.yaml:"), std::string::npos);
  auto missing = FieldMappings::load("/nonexistent/x.yaml");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kIo);
}

TEST(SigmaFieldMapping, DefaultPackMapsTheEcsNamesOurDecodersEmit) {
  auto m = FieldMappings::load(SOC_SOURCE_DIR "/signatures/packs/default/field_mappings.yaml");
  ASSERT_TRUE(m) << m.error().message;
  struct Case {
    RuleLogSource ls;
    const char* sigma;
    const char* first;
  };
  const Case cases[] = {
      {{"linux", "process_creation", ""}, "Image", "process.executable"},
      {{"linux", "process_creation", ""}, "CommandLine", "process.command_line"},
      {{"linux", "process_creation", ""}, "ParentImage", "process.parent.executable"},
      {{"linux", "process_creation", ""}, "ParentCommandLine", "process.parent.command_line"},
      {{"linux", "process_creation", ""}, "User", "user.name"},
      {{"linux", "process_creation", ""}, "CurrentDirectory", "process.working_directory"},
      {{"linux", "file_event", ""}, "TargetFilename", "file.path"},
      {{"linux", "network_connection", ""}, "DestinationIp", "destination.ip"},
      {{"linux", "network_connection", ""}, "DestinationPort", "destination.port"},
      {{"linux", "", "auditd"}, "type", "auditd.message_types"},
      {{"linux", "", "auditd"}, "key", "auditd.keys"},
      {{"linux", "", "sudo"}, "USER", "user.target.name"},
      {{"linux", "", "auditd"}, "a0", "auditd.data.a0"},
      {{"linux", "", "auditd"}, "exe", "process.executable"},
      {{"linux", "", "auditd"}, "comm", "process.name"},
      {{"linux", "", "auditd"}, "SYSCALL", "auditd.data.syscall"},
      {{"", "webserver", ""}, "cs-uri-stem", "url.path"},
      {{"", "webserver", ""}, "cs-uri-query", "url.query"},
      {{"", "webserver", ""}, "cs-method", "http.request.method"},
      {{"", "webserver", ""}, "cs-user-agent", "user_agent.original"},
      {{"", "webserver", ""}, "sc-status", "http.response.status_code"},
      {{"", "webserver", ""}, "cs-referer", "http.request.referrer"},
      {{"", "webserver", ""}, "c-ip", "source.ip"},
      {{"", "proxy", ""}, "c-uri", "url.original"},
      {{"", "proxy", ""}, "c-uri-query", "url.query"},
      {{"", "proxy", ""}, "c-useragent", "user_agent.original"},
      {{"", "dns", ""}, "query", "dns.question.name"},
      {{"zeek", "", "rdp"}, "id.orig_h", "source.ip"},
      {{"zeek", "", "dns"}, "id.resp_p", "destination.port"},
      {{"zeek", "", "dns"}, "query", "dns.question.name"},
      {{"zeek", "", "http"}, "client_header_names", "zeek.http.client_header_names"},
  };
  for (const Case& c : cases) {
    auto r = m->resolve(c.ls, c.sigma);
    ASSERT_TRUE(r) << c.sigma << ": " << r.error().message;
    EXPECT_EQ(r->front(), c.first) << c.sigma << " in " << describe(c.ls);
  }
  EXPECT_FALSE(m->resolve({"linux", "process_creation", ""}, "NoSuchSysmonField"));
}

}  // namespace
}  // namespace soc::sigma
