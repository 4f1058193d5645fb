// RuleSet: logsource routing, the prefilter (skips rules whose literals are absent, and gives
// exactly the results of evaluating every rule: checked on a corpus of real log lines and of
// events built from the SigmaHQ rules themselves, for both engines), threads, swapping, alerts.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "signatures/sigma/alert.h"
#include "signatures/sigma/rule_loader.h"
#include "signatures/sigma/rule_set.h"
#include "tests/unit/sigma_test_util.h"

namespace soc::sigma {
namespace {

using testing::make_event;

std::shared_ptr<const RuleSet> compile_texts(const std::vector<std::string>& yamls,
                                             const RuleSetOptions& options = {}) {
  std::vector<SigmaRule> rules;
  for (const std::string& y : yamls) {
    auto r = parse_rule(y);
    EXPECT_TRUE(r) << r.error().reason;
    if (r) rules.push_back(*r);
  }
  std::vector<CompileIssue> issues;
  auto set = RuleSet::compile(rules, testing::passthrough_mappings(), issues, options);
  EXPECT_TRUE(set) << set.error().message;
  for (const CompileIssue& i : issues) ADD_FAILURE() << format_issue(i);
  return set ? *set : nullptr;
}

std::string rule_with(const std::string& title, const std::string& logsource,
                      const std::string& detection) {
  return "title: " + title + "\nid: id-" + title + "\nlogsource:\n" + logsource + "detection:\n" +
         detection;
}

std::vector<std::string> titles(const RuleSet& set, const Event& e, const LogSource& ls) {
  std::vector<const CompiledRule*> out;
  set.match(e, ls, out);
  std::vector<std::string> t;
  for (const CompiledRule* r : out) t.push_back(r->title);
  return t;
}

TEST(SigmaRuleSet, LogsourceRouting) {
  const std::string det = "    k:\n        - 'needle'\n    condition: k\n";
  auto set = compile_texts({
      rule_with("sshd", "    product: linux\n    service: sshd\n", det),
      rule_with("linux", "    product: linux\n", det),
      rule_with("proc", "    product: linux\n    category: process_creation\n", det),
      rule_with("web", "    category: webserver\n", det),
      rule_with("any", "    definition: nothing named\n", det),
  });
  ASSERT_TRUE(set);
  const Event e = make_event({}, "a needle here");
  using V = std::vector<std::string>;
  EXPECT_EQ(titles(*set, e, {"linux", {}, {"sshd"}}), (V{"sshd", "linux", "any"}));
  EXPECT_EQ(titles(*set, e, {"linux", {}, {"auth"}}), (V{"linux", "any"}));
  EXPECT_EQ(titles(*set, e, {"linux", {}, {"auth", "sshd"}}), (V{"sshd", "linux", "any"}));
  EXPECT_EQ(titles(*set, e, {"", {}, {"sshd"}}), (V{"any"}));  // the product is named by sshd
  EXPECT_EQ(titles(*set, e, {"linux", {"process_creation"}, {}}), (V{"linux", "proc", "any"}));
  EXPECT_EQ(titles(*set, e, {"nginx", {"webserver"}, {"access"}}), (V{"web", "any"}));
  EXPECT_EQ(titles(*set, e, {"windows", {}, {}}), (V{"any"}));
  EXPECT_TRUE(titles(*set, make_event({}, "hay"), {"linux", {}, {"sshd"}}).empty());
}

TEST(SigmaRuleSet, RulesWhoseLiteralsAreAbsentAreNotEvaluated) {
  auto set = compile_texts({
      rule_with("literal", "    product: linux\n",
                "    s:\n        cmd|contains: 'evilthing'\n    condition: s\n"),
      rule_with("regex", "    product: linux\n",
                "    s:\n        cmd|re: 'ev.lth'\n    condition: s\n"),
      rule_with("negated", "    product: linux\n",
                "    s:\n        cmd|contains: 'goodthing'\n    condition: not s\n"),
  });
  ASSERT_TRUE(set);
  EXPECT_EQ(set->stats().literals, 1u);
  EXPECT_EQ(set->stats().unfiltered_rules, 2u);
  EXPECT_EQ(set->stats().prefilter, "vectorscan");
  EXPECT_EQ(set->route_count(), 0u);
  const LogSource ls{"linux", {}, {}};
  std::vector<const CompiledRule*> out;
  MatchStats stats;
  set->match(make_event({{"cmd", std::string("harmless")}}), ls, out, &stats);
  EXPECT_EQ(stats.evaluated, 2u);  // regex and negated only
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]->title, "negated");
  out.clear();
  stats = {};
  set->match(make_event({{"cmd", std::string("an evilthing")}}), ls, out, &stats);
  EXPECT_EQ(stats.evaluated, 3u);
  EXPECT_EQ(out.size(), 3u);
  EXPECT_EQ(set->route_count(), 1u);  // built by the first match for this log source
  // Literals are found in any field or the raw text, and in the text of typed values.
  auto num = compile_texts({rule_with("n", "    product: linux\n",
                                      "    s:\n        port|startswith: '4444'\n"
                                      "    condition: s\n")});
  ASSERT_TRUE(num);
  EXPECT_EQ(titles(*num, make_event({{"port", std::int64_t{44441}}}), ls),
            (std::vector<std::string>{"n"}));
}

// ---- corpus ----------------------------------------------------------------------------------

std::vector<std::string> read_lines(const std::string& path, std::size_t max = 100000) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; lines.size() < max && std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') lines.push_back(line);
  }
  return lines;
}

// A crude access-log reader for test data only (the real decoders live in agent/decode).
Event access_event(const std::string& line) {
  Event e = make_event({}, line);
  const std::size_t sp = line.find(' ');
  if (auto ip = IpAddress::parse(line.substr(0, sp))) e.fields.push_back({"source.ip", *ip});
  std::vector<std::string> quoted;
  for (std::size_t i = line.find('"'); i != std::string::npos; i = line.find('"', i + 1)) {
    const std::size_t end = line.find('"', i + 1);
    if (end == std::string::npos) break;
    quoted.push_back(line.substr(i + 1, end - i - 1));
    i = end;
  }
  if (!quoted.empty()) {
    const std::string& req = quoted[0];
    const std::size_t a = req.find(' ');
    const std::size_t b = req.rfind(' ');
    if (a != std::string::npos && b > a) {
      const std::string uri = req.substr(a + 1, b - a - 1);
      e.fields.push_back({"http.request.method", req.substr(0, a)});
      e.fields.push_back({"url.original", uri});
      const std::size_t q = uri.find('?');
      e.fields.push_back({"url.path", uri.substr(0, q)});
      if (q != std::string::npos) e.fields.push_back({"url.query", uri.substr(q + 1)});
    }
    const std::size_t after = line.find('"', line.find('"') + 1);
    if (after != std::string::npos) {
      if (auto n = parse_number(line.substr(after + 2, 3))) {
        e.fields.push_back({"http.response.status_code", n->integer});
      }
    }
    if (quoted.size() >= 3) e.fields.push_back({"user_agent.original", quoted.back()});
  }
  return e;
}

Event auditd_event(const std::string& line) {
  Event e = make_event({}, line);
  std::size_t i = 0;
  while (i < line.size()) {
    const std::size_t eq = line.find('=', i);
    if (eq == std::string::npos) break;
    std::size_t start = line.rfind(' ', eq);
    start = start == std::string::npos ? 0 : start + 1;
    std::string key = line.substr(start, eq - start);
    std::size_t end = eq + 1;
    std::string value;
    if (end < line.size() && line[end] == '"') {
      const std::size_t close = line.find('"', end + 1);
      value = line.substr(end + 1, (close == std::string::npos ? line.size() : close) - end - 1);
      end = close == std::string::npos ? line.size() : close + 1;
    } else {
      const std::size_t space = line.find(' ', end);
      value = line.substr(end, (space == std::string::npos ? line.size() : space) - end);
      end = space == std::string::npos ? line.size() : space;
    }
    if (key == "type") {
      e.fields.push_back({"auditd.message_type", value});
    } else if (key == "exe") {
      e.fields.push_back({"process.executable", value});
    } else if (key == "comm") {
      e.fields.push_back({"process.name", value});
    } else if (!key.empty() && key.find('\'') == std::string::npos) {
      e.fields.push_back({"auditd.data." + key, value});
    }
    i = end;
  }
  return e;
}

struct Sample {
  Event event;
  LogSource source;
};

std::vector<std::string> first_value_texts(const DetectionItem& item) {
  std::vector<std::string> out;
  for (const DetectionValue& v : item.values) {
    std::string text;
    const SigmaString parsed = SigmaString::parse(v.text);
    for (const auto& p : parsed.pieces()) text += p.text;
    out.push_back(text);
  }
  return out;
}

// Events built from the rules: the literal text of every value of the selections, so that
// many rules (and their filters) really match.
std::vector<Sample> samples_from_rules(const std::vector<SigmaRule>& rules,
                                       const FieldMappings& mappings) {
  std::vector<Sample> out;
  for (const SigmaRule& r : rules) {
    LogSource ls{r.logsource.product, {}, {}};
    if (!r.logsource.category.empty()) ls.categories.push_back(r.logsource.category);
    if (!r.logsource.service.empty()) ls.services.push_back(r.logsource.service);
    for (int with_filters = 0; with_filters < 2; ++with_filters) {
      Event e = make_event({});
      for (const SearchIdentifier& id : r.detection) {
        const bool filter = id.name.rfind("filter", 0) == 0 || id.name[0] == '_';
        if (filter && !with_filters) continue;
        for (const DetectionItem& item : id.alternatives.front()) {
          const std::vector<std::string> texts = first_value_texts(item);
          std::string joined;
          for (const std::string& t : texts) joined += (joined.empty() ? "" : " ") + t;
          if (item.field.empty()) {
            e.raw += joined + " ";
            continue;
          }
          auto names = mappings.resolve(r.logsource, item.field);
          if (!names) continue;
          if (auto ip = IpAddress::parse(texts.front().substr(0, texts.front().find('/')))) {
            e.fields.push_back({names->front(), *ip});
          } else if (auto n = parse_number(texts.front()); n && n->is_integer) {
            e.fields.push_back({names->front(), n->integer});
          } else {
            e.fields.push_back({names->front(), joined});
          }
        }
      }
      out.push_back({std::move(e), ls});
    }
  }
  return out;
}

std::vector<Sample> samples_from_logs() {
  const std::string logs = std::string(SOC_SHARED_DATA) + "/logs/";
  std::vector<Sample> out;
  const LogSource sshd{"linux", {}, {"sshd", "auth", "syslog"}};
  for (const std::string& path :
       {logs + "loghub/OpenSSH/OpenSSH_2k.log", logs + "loghub/Linux/Linux_2k.log",
        logs + "elastic-beats/system-auth-test.log"}) {
    for (const std::string& line : read_lines(path, 800)) {
      out.push_back({make_event({{"process.name", std::string("sshd")}}, line), sshd});
    }
  }
  const LogSource web{"nginx", {"webserver"}, {"nginx", "access"}};
  const LogSource proxy{"", {"proxy"}, {}};
  std::vector<std::string> web_files = {logs + "nielsbasjes-logparser/hackers-access.log",
                                        logs + "elastic-beats/nginx-access-test.log"};
  const std::string hub = logs + "crowdsec-hub-tests/tests/";
  for (const char* t :
       {"nginx-http-path-traversal", "nginx-http-sqli-probing", "nginx-http-xss-probing",
        "nginx-http-sensitive-files", "nginx-bad-user-agent", "nginx-cve-2021-41773",
        "http-cve-probing", "apache_log4j2_cve-2021-44228", "http-wordpress-scan",
        "nginx-http-backdoor", "http-admin-interface-probing"}) {
    web_files.push_back(hub + t + "/" + t + ".log");
  }
  for (const std::string& path : web_files) {
    for (const std::string& line : read_lines(path, 600)) {
      out.push_back({access_event(line), web});
      out.push_back({access_event(line), proxy});
    }
  }
  const LogSource auditd{"linux", {}, {"auditd"}};
  for (const char* t : {"auditd-base64-exec", "auditd-logs", "auditd-postexploit-exec-from-net",
                        "auditd-postexploit-rm", "auditd-suid-crash"}) {
    for (const std::string& line : read_lines(hub + t + "/" + t + ".log")) {
      out.push_back({auditd_event(line), auditd});
    }
  }
  for (const std::string& line :
       read_lines(logs + "auditd/go-libaudit/auparse/audit-rhel7.log", 400)) {
    out.push_back({auditd_event(line), auditd});
  }
  return out;
}

struct Corpus {
  std::vector<SigmaRule> rules;
  FieldMappings mappings;
  std::vector<Sample> samples;
};

const Corpus& corpus() {
  static const Corpus c = [] {
    Corpus k;
    k.mappings =
        *FieldMappings::load(SOC_SOURCE_DIR "/signatures/packs/default/field_mappings.yaml");
    k.rules = load_rules(std::string(SOC_SHARED_DATA) + "/sigma").rules;
    k.samples = samples_from_rules(k.rules, k.mappings);
    for (Sample& s : samples_from_logs()) k.samples.push_back(std::move(s));
    return k;
  }();
  return c;
}

std::vector<std::vector<const CompiledRule*>> match_all(const RuleSet& set,
                                                        const std::vector<Sample>& samples,
                                                        std::size_t* evaluated = nullptr) {
  std::vector<std::vector<const CompiledRule*>> out(samples.size());
  MatchStats stats;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    set.match(samples[i].event, samples[i].source, out[i], &stats);
  }
  if (evaluated != nullptr) *evaluated = stats.evaluated;
  return out;
}

std::vector<std::vector<std::size_t>> as_indexes(
    const RuleSet& set, const std::vector<std::vector<const CompiledRule*>>& matches) {
  std::vector<std::vector<std::size_t>> out;
  for (const auto& m : matches) {
    out.emplace_back();
    for (const CompiledRule* r : m) out.back().push_back(r - set.rules().data());
  }
  return out;
}

TEST(SigmaRuleSet, PrefilterGivesTheSameResultsAsEvaluatingEveryRule) {
  const Corpus& c = corpus();
  ASSERT_GT(c.rules.size(), 400u);
  // Every log source of the corpus is also declared as a route in the *_routes sets.
  std::vector<LogSource> routes;
  for (const Sample& s : c.samples) {
    const bool known = std::find(routes.begin(), routes.end(), s.source) != routes.end();
    if (!known) routes.push_back(s.source);
  }
  struct Config {
    const char* name;
    RuleSetOptions options;
  };
  auto options = [](PrefilterEngine engine, std::vector<LogSource> declared, bool lazy) {
    RuleSetOptions o;
    o.engine = engine;
    o.routes = std::move(declared);
    o.lazy_routes = lazy;
    return o;
  };
  const Config configs[] = {
      {"vectorscan shared", options(PrefilterEngine::kVectorscan, {}, false)},
      {"re2-set shared", options(PrefilterEngine::kRe2Set, {}, false)},
      {"vectorscan lazy routes", options(PrefilterEngine::kVectorscan, {}, true)},
      {"vectorscan declared routes", options(PrefilterEngine::kVectorscan, routes, false)},
      {"re2-set declared routes", options(PrefilterEngine::kRe2Set, routes, false)},
  };
  std::vector<CompileIssue> issues;
  RuleSetOptions no_prefilter;
  no_prefilter.use_prefilter = false;
  auto plain = RuleSet::compile(c.rules, c.mappings, issues, no_prefilter);
  ASSERT_TRUE(plain);
  EXPECT_EQ((*plain)->stats().prefilter, "none");
  std::size_t eval_plain = 0;
  const auto expected = as_indexes(**plain, match_all(**plain, c.samples, &eval_plain));
  std::size_t matches = 0;
  std::map<std::string, int> matched_rules;
  for (const auto& m : expected) {
    matches += m.size();
    for (std::size_t r : m) matched_rules[(*plain)->rules()[r].title]++;
  }
  std::cout << c.samples.size() << " samples (" << routes.size() << " log sources), " << matches
            << " matches of " << matched_rules.size()
            << " distinct rules; rules evaluated: " << eval_plain << " without prefilter";
  for (const Config& config : configs) {
    auto set = RuleSet::compile(c.rules, c.mappings, issues, config.options);
    ASSERT_TRUE(set) << config.name;
    ASSERT_EQ((*set)->rules().size(), (*plain)->rules().size());
    std::size_t evaluated = 0;
    const auto got = as_indexes(**set, match_all(**set, c.samples, &evaluated));
    std::size_t differing = 0;
    for (std::size_t i = 0; i < c.samples.size(); ++i) {
      if (got[i] == expected[i]) continue;
      if (++differing <= 5) {
        ADD_FAILURE() << config.name << ": sample " << i << " differs: " << c.samples[i].event.raw;
      }
    }
    EXPECT_EQ(differing, 0u) << config.name;
    EXPECT_LT(evaluated * 5, eval_plain) << config.name;  // most evaluations are skipped
    if (config.options.lazy_routes) {
      EXPECT_EQ((*set)->route_count(), routes.size()) << config.name;
    }
    if (!config.options.routes.empty()) {
      EXPECT_EQ((*set)->stats().routes, routes.size()) << config.name;
    }
    std::cout << ", " << evaluated << " with " << config.name;
  }
  std::cout << "\n";
  EXPECT_GT(matches, 300u);
  EXPECT_GT(matched_rules.size(), 250u);
  EXPECT_TRUE(issues.empty());
}

TEST(SigmaRuleSet, ConcurrentMatchingAgreesWithSingleThread) {
  const Corpus& c = corpus();
  std::vector<CompileIssue> issues;
  auto reference = RuleSet::compile(c.rules, c.mappings, issues);
  ASSERT_TRUE(reference);
  const auto expected = as_indexes(**reference, match_all(**reference, c.samples));
  // A fresh set: the threads race to build its routes while matching.
  auto set = RuleSet::compile(c.rules, c.mappings, issues);
  ASSERT_TRUE(set);
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back(
        [&, t] { ok[t] = as_indexes(**set, match_all(**set, c.samples)) == expected; });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok, (std::vector<int>{1, 1, 1, 1}));
  // Threads that find another building take the shared scanner for that event instead of
  // waiting, so not every route need exist after one pass; some must.
  EXPECT_GT((*set)->route_count(), 0u);
}

TEST(SigmaRuleSet, SwappingSetsWhole) {
  auto first = compile_texts(
      {rule_with("one", "    product: linux\n", "    k:\n        - 'alpha'\n    condition: k\n")});
  auto second = compile_texts(
      {rule_with("two", "    product: linux\n", "    k:\n        - 'alpha'\n    condition: k\n")});
  std::shared_ptr<const RuleSet> current = first;
  const std::shared_ptr<const RuleSet> in_flight = std::atomic_load(&current);
  std::atomic_store(&current, second);
  first.reset();
  const Event e = make_event({}, "alpha");
  const LogSource ls{"linux", {}, {}};
  EXPECT_EQ(titles(*in_flight, e, ls), (std::vector<std::string>{"one"}));
  EXPECT_EQ(titles(*std::atomic_load(&current), e, ls), (std::vector<std::string>{"two"}));
  // Alternating between sets on one thread keeps per-thread scratch right.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(titles(*in_flight, e, ls).size(), 1u);
    EXPECT_EQ(titles(*second, e, ls).size(), 1u);
  }
}

TEST(SigmaRuleSet, EmptySetAndIssues) {
  std::vector<CompileIssue> issues;
  std::vector<SigmaRule> rules;
  auto bad =
      parse_rule(testing::rule_yaml("    s:\n        f|nope: x\n    condition: s\n"), "bad.yml");
  ASSERT_TRUE(bad);
  rules.push_back(*bad);
  auto set = RuleSet::compile(rules, testing::passthrough_mappings(), issues);
  ASSERT_TRUE(set);
  EXPECT_TRUE((*set)->rules().empty());
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(format_issue(issues[0]),
            "bad.yml:10: [11111111-2222-3333-4444-555555555555] "
            "Test rule: unsupported modifier nope");
  std::vector<const CompiledRule*> out;
  (*set)->match(make_event({}, "x"), {"linux", {}, {}}, out);
  EXPECT_TRUE(out.empty());
}

TEST(SigmaAlert, CarriesRuleAndEvent) {
  auto rule =
      testing::compile_text(testing::rule_yaml("    s:\n        user: root\n    condition: s\n"));
  ASSERT_TRUE(rule);
  Event e = make_event({{"user", std::string("root")},
                        {"source.ip", *IpAddress::parse("1.2.3.4")},
                        {"tags", std::string("from-event")}},
                       "Accepted password for root");
  e.kind = EventKind::kLog;
  const Event alert = make_alert(e, *rule);
  EXPECT_EQ(alert.kind, EventKind::kAlert);
  EXPECT_EQ(alert.time_ns, e.time_ns);
  EXPECT_EQ(alert.source, e.source);
  EXPECT_EQ(alert.raw, e.raw);
  ASSERT_NE(alert.find("rule.id"), nullptr);
  EXPECT_EQ(std::get<std::string>(*alert.find("rule.id")), "11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(std::get<std::string>(*alert.find("rule.name")), "Test rule");
  EXPECT_EQ(std::get<std::string>(*alert.find("rule.level")), "high");
  EXPECT_EQ(std::get<std::int64_t>(*alert.find("event.severity")), 4);
  EXPECT_EQ(std::get<StringList>(*alert.find("tags")), StringList{"attack.t1110"});
  EXPECT_EQ(std::get<std::string>(*alert.find("rule.ruleset")), "sigma");
  EXPECT_EQ(std::get<std::string>(*alert.find("user")), "root");
  EXPECT_EQ(std::get<IpAddress>(*alert.find("source.ip")), *IpAddress::parse("1.2.3.4"));
  EXPECT_EQ(alert.fields.size(), 8u);  // the event's own "tags" field is not copied over
  EXPECT_EQ(severity_of("informational"), 1);
  EXPECT_EQ(severity_of("critical"), 5);
  EXPECT_EQ(severity_of(""), 0);
}

}  // namespace
}  // namespace soc::sigma
