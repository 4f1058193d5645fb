// Helpers shared by the sigma_*_test.cc files: build events, compile one rule from YAML text.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "common/event.h"
#include "signatures/sigma/compiled_rule.h"
#include "signatures/sigma/field_mapping.h"
#include "signatures/sigma/rule_parser.h"

#ifndef SOC_SHARED_DATA
#define SOC_SHARED_DATA "/work/shared/data"
#endif
#ifndef SOC_SOURCE_DIR
#define SOC_SOURCE_DIR "/work/main"
#endif

namespace soc::sigma::testing {

inline Event make_event(std::vector<Field> fields, std::string raw = "") {
  Event e;
  e.time_ns = 1'700'000'000'000'000'000;
  e.source = "/var/log/test.log";
  e.raw = std::move(raw);
  e.fields = std::move(fields);
  return e;
}

// Every field name maps to itself.
inline const FieldMappings& passthrough_mappings() {
  static const FieldMappings m = *FieldMappings::parse("mappings:\n  - passthrough: true\n");
  return m;
}

// "title/logsource" boilerplate around a detection block (indented by 4 spaces per level).
inline std::string rule_yaml(const std::string& detection,
                             const std::string& logsource = "    product: linux\n") {
  return "title: Test rule\nid: 11111111-2222-3333-4444-555555555555\nlevel: high\n"
         "tags:\n    - attack.t1110\nlogsource:\n" +
         logsource + "detection:\n" + detection;
}

// Parses and compiles; the error side is the issue reason.
inline tl::expected<CompiledRule, std::string> compile_text(
    const std::string& yaml, const FieldMappings& mappings = passthrough_mappings()) {
  auto parsed = parse_rule(yaml, "test.yml");
  if (!parsed) return tl::unexpected(parsed.error().reason);
  auto compiled = compile_rule(*parsed, mappings);
  if (!compiled) return tl::unexpected(compiled.error().reason);
  return std::move(*compiled);
}

// Compiles `detection` (the lines under `detection:`) and evaluates it on `event`.
inline bool detects(const std::string& detection, const Event& event) {
  auto rule = compile_text(rule_yaml(detection));
  EXPECT_TRUE(rule.has_value()) << (rule ? "" : rule.error());
  return rule && rule->matches(event);
}

// The reason `detection` fails to compile ("" when it compiles).
inline std::string compile_reason(const std::string& detection) {
  auto rule = compile_text(rule_yaml(detection));
  return rule ? std::string() : rule.error();
}

}  // namespace soc::sigma::testing
