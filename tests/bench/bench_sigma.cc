// Sigma matcher cost per event: 100, 1,000, all loadable SigmaHQ rules and 2,000 rules (the
// loadable rules replicated with changed ids and literals) on the loghub OpenSSH sample routed as
// an sshd source, on a real access log routed as a web server, and on the OpenSSH sample routed
// as a source that admits every Linux and web rule (a stress case); with the Vectorscan and
// RE2::Set prefilters, with and without a declared route, and without a prefilter.
// BM_Prefilter* time the literal scan alone.
// One iteration = one event, so the reported time is the cost per event.
#include <benchmark/benchmark.h>

#include <fstream>
#include <iostream>
#include <regex>
#include <string>
#include <vector>

#include "common/event.h"
#include "signatures/sigma/field_mapping.h"
#include "signatures/sigma/prefilter.h"
#include "signatures/sigma/rule_loader.h"
#include "signatures/sigma/rule_set.h"
#include "tests/bench/best_pass.h"

#ifndef SOC_SHARED_DATA
#define SOC_SHARED_DATA "/work/shared/data"
#endif
#ifndef SOC_SOURCE_DIR
#define SOC_SOURCE_DIR "/work/main"
#endif

namespace {

using soc::Event;
using soc::sigma::CompiledRule;
using soc::sigma::CompileIssue;
using soc::sigma::FieldMappings;
using soc::sigma::LogSource;
using soc::sigma::PrefilterEngine;
using soc::sigma::RuleSet;
using soc::sigma::RuleSetOptions;
using soc::sigma::SigmaRule;

// Events built by hand from the OpenSSH lines (the agent's sshd decoder does this for real).
std::vector<Event> load_events() {
  std::vector<Event> events;
  std::ifstream in(std::string(SOC_SHARED_DATA) + "/logs/loghub/OpenSSH/OpenSSH_2k.log");
  const std::regex ip(R"((?:from|rhost=)\s*(\d+\.\d+\.\d+\.\d+))");
  const std::regex port(R"( port (\d+))");
  const std::regex user(R"((?:for (?:invalid user )?|user[= ])([A-Za-z0-9_.-]+))");
  const std::regex pid(R"(sshd\[(\d+)\])");
  for (std::string line; std::getline(in, line);) {
    Event e;
    e.time_ns = 1'700'000'000'000'000'000;
    e.source = "/var/log/auth.log";
    e.raw = line;
    e.fields.push_back({"host.hostname", std::string("LabSZ")});
    e.fields.push_back({"process.name", std::string("sshd")});
    e.fields.push_back({"process.executable", std::string("/usr/sbin/sshd")});
    std::smatch m;
    if (std::regex_search(line, m, pid)) e.fields.push_back({"process.pid", std::stoll(m[1])});
    if (std::regex_search(line, m, ip)) {
      if (auto a = soc::IpAddress::parse(m[1].str())) e.fields.push_back({"source.ip", *a});
    }
    if (std::regex_search(line, m, port)) e.fields.push_back({"source.port", std::stoll(m[1])});
    if (std::regex_search(line, m, user)) e.fields.push_back({"user.name", m[1].str()});
    const std::size_t colon = line.find(": ");
    e.fields.push_back(
        {"process.command_line", colon == std::string::npos ? line : line.substr(colon + 2)});
    events.push_back(std::move(e));
  }
  return events;
}

// Access-log events (nielsbasjes hackers-access.log: real traffic with probes and attacks),
// split by hand into the fields the web access decoder emits.
std::vector<Event> load_web_events() {
  std::vector<Event> events;
  std::ifstream in(std::string(SOC_SHARED_DATA) + "/logs/nielsbasjes-logparser/hackers-access.log");
  const std::regex line_re(
      R"re(^(\S+) \S+ \S+ \[[^\]]*\] "(\S+) (\S+)[^"]*" (\d+) \S+ "([^"]*)" "([^"]*)")re");
  for (std::string line; std::getline(in, line);) {
    Event e;
    e.time_ns = 1'700'000'000'000'000'000;
    e.source = "/var/log/nginx/access.log";
    e.raw = line;
    std::smatch m;
    if (std::regex_search(line, m, line_re)) {
      if (auto a = soc::IpAddress::parse(m[1].str())) e.fields.push_back({"source.ip", *a});
      e.fields.push_back({"http.request.method", m[2].str()});
      const std::string uri = m[3].str();
      e.fields.push_back({"url.original", uri});
      const std::size_t q = uri.find('?');
      e.fields.push_back({"url.path", uri.substr(0, q)});
      if (q != std::string::npos) e.fields.push_back({"url.query", uri.substr(q + 1)});
      e.fields.push_back({"http.response.status_code", std::stoll(m[4])});
      e.fields.push_back({"http.request.referrer", m[5].str()});
      e.fields.push_back({"user_agent.original", m[6].str()});
    }
    events.push_back(std::move(e));
  }
  return events;
}

struct Data {
  FieldMappings mappings;
  std::vector<SigmaRule> loadable;  // rules that compile with the default mappings
  std::vector<Event> events;
  std::vector<Event> web_events;
};

const Data& data() {
  static const Data d = [] {
    Data k;
    k.mappings =
        *FieldMappings::load(SOC_SOURCE_DIR "/signatures/packs/default/field_mappings.yaml");
    soc::sigma::LoadedRules loaded =
        soc::sigma::load_rules(std::string(SOC_SHARED_DATA) + "/sigma");
    for (const SigmaRule& r : loaded.rules) {
      if (soc::sigma::compile_rule(r, k.mappings)) k.loadable.push_back(r);
    }
    k.events = load_events();
    k.web_events = load_web_events();
    return k;
  }();
  return d;
}

bool keeps_values(const soc::sigma::DetectionItem& item) {
  for (const std::string& m : item.modifiers) {
    if (m != "contains" && m != "startswith" && m != "endswith" && m != "all" && m != "cased" &&
        m != "windash") {
      return true;
    }
  }
  return false;
}

// n rules: a spread sample of the loadable rules when n is smaller, else all of them plus
// copies with a new id and every text value changed (so the prefilter has new literals).
std::vector<SigmaRule> rules_for(std::size_t n) {
  const std::vector<SigmaRule>& base = data().loadable;
  std::vector<SigmaRule> out;
  if (n <= base.size()) {
    for (std::size_t i = 0; i < n; ++i) out.push_back(base[i * base.size() / n]);
    return out;
  }
  for (std::size_t i = 0; i < n; ++i) {
    SigmaRule r = base[i % base.size()];
    const std::size_t copy = i / base.size();
    if (copy > 0) {
      const std::string tag = "q" + std::to_string(copy);
      r.id += "-" + tag;
      r.title += " (" + tag + ")";
      for (auto& ident : r.detection) {
        for (auto& items : ident.alternatives) {
          for (auto& item : items) {
            if (keeps_values(item)) continue;
            for (auto& v : item.values) {
              if (!v.is_null && !soc::sigma::parse_number(v.text)) v.text += tag;
            }
          }
        }
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::shared_ptr<const RuleSet> build(std::size_t n, RuleSetOptions options) {
  std::vector<CompileIssue> issues;
  auto set = RuleSet::compile(rules_for(n), data().mappings, issues, options);
  if (!set || !issues.empty()) {
    std::cerr << "compile failed: " << (set ? format_issue(issues.front()) : set.error().message)
              << "\n";
    std::abort();
  }
  return *set;
}

const LogSource kSshd{"linux", {}, {"sshd", "auth", "syslog"}};
const LogSource kWeb{"linux", {"webserver"}, {"nginx"}};
const LogSource kEverything{"linux",
                            {"process_creation", "file_event", "network_connection", "webserver",
                             "proxy", "dns", "firewall"},
                            {"sshd", "auth", "syslog", "auditd", "sudo", "cron", "vsftpd", "clamav",
                             "guacamole", "apache", "nginx"}};

enum Engine { kVectorscan, kRe2Set, kNoPrefilter };

// `route`: the source's own route (declared up front here; match() would build the same route
// on the first event); otherwise the shared prefilter over every literal (lazy routes off).
void BM_Match(benchmark::State& state, const LogSource* source, Engine engine, bool route) {
  const std::size_t n =
      state.range(0) == 0 ? data().loadable.size() : static_cast<std::size_t>(state.range(0));
  RuleSetOptions options;
  options.use_prefilter = engine != kNoPrefilter;
  options.engine = engine == kRe2Set ? PrefilterEngine::kRe2Set : PrefilterEngine::kVectorscan;
  if (route) options.routes.push_back(*source);
  options.lazy_routes = false;
  const auto set = build(n, options);
  const std::vector<Event>& events = source == &kWeb ? data().web_events : data().events;
  std::vector<const CompiledRule*> out;
  soc::sigma::MatchStats stats;
  std::size_t i = 0;
  std::size_t matches = 0;
  soc::bench::BestPass best;  // a pass = the whole sample once
  best.start();
  for (auto _ : state) {
    out.clear();
    set->match(events[i], *source, out, &stats);
    matches += out.size();
    if (++i == events.size()) {
      i = 0;
      best.stop(events.size());
      best.start();
    }
  }
  state.counters["best_ns/event"] = best.ns_per_item();
  state.counters["rules"] = static_cast<double>(set->rules().size());
  state.counters["literals"] = static_cast<double>(set->stats().literals);
  state.counters["evaluated/event"] =
      static_cast<double>(stats.evaluated) / static_cast<double>(state.iterations());
  state.counters["matches/event"] =
      static_cast<double>(matches) / static_cast<double>(state.iterations());
}

// The literal scan alone, over the text the rule set scans per event (raw + field texts).
void BM_Prefilter(benchmark::State& state, PrefilterEngine engine) {
  const std::size_t n =
      state.range(0) == 0 ? data().loadable.size() : static_cast<std::size_t>(state.range(0));
  std::vector<std::string> literals;
  for (const SigmaRule& r : rules_for(n)) {
    auto c = soc::sigma::compile_rule(r, data().mappings);
    const auto req = c->requirement();
    if (!req.always) literals.insert(literals.end(), req.literals.begin(), req.literals.end());
  }
  std::sort(literals.begin(), literals.end());
  literals.erase(std::unique(literals.begin(), literals.end()), literals.end());
  auto pf = soc::sigma::Prefilter::build(engine, literals);
  if (!pf) {
    state.SkipWithError(pf.error().message.c_str());
    return;
  }
  std::vector<std::string> texts;
  for (const Event& e : data().events) {
    std::string t = e.raw;
    for (const soc::Field& f : e.fields) {
      if (const auto* s = std::get_if<std::string>(&f.value)) t += "\n" + *s;
    }
    texts.push_back(std::move(t));
  }
  std::vector<std::uint32_t> hits;
  std::size_t i = 0;
  std::size_t total = 0;
  for (auto _ : state) {
    hits.clear();
    (*pf)->scan(texts[i], hits);
    total += hits.size();
    if (++i == texts.size()) i = 0;
  }
  state.counters["literals"] = static_cast<double>(literals.size());
  state.counters["hits/event"] =
      static_cast<double>(total) / static_cast<double>(state.iterations());
}

// 0 = all loadable rules.
#define SIGMA_SIZES Arg(100)->Arg(1000)->Arg(0)->Arg(2000)

BENCHMARK_CAPTURE(BM_Match, sshd_route_vectorscan, &kSshd, kVectorscan, true)->SIGMA_SIZES;
BENCHMARK_CAPTURE(BM_Match, sshd_route_re2set, &kSshd, kRe2Set, true)->SIGMA_SIZES;
BENCHMARK_CAPTURE(BM_Match, sshd_shared_vectorscan, &kSshd, kVectorscan, false)->SIGMA_SIZES;
BENCHMARK_CAPTURE(BM_Match, sshd_shared_re2set, &kSshd, kRe2Set, false)->SIGMA_SIZES;
BENCHMARK_CAPTURE(BM_Match, sshd_noprefilter, &kSshd, kNoPrefilter, false)->SIGMA_SIZES;
BENCHMARK_CAPTURE(BM_Match, web_route_vectorscan, &kWeb, kVectorscan, true)->SIGMA_SIZES;
BENCHMARK_CAPTURE(BM_Match, web_route_re2set, &kWeb, kRe2Set, true)->SIGMA_SIZES;
BENCHMARK_CAPTURE(BM_Match, web_noprefilter, &kWeb, kNoPrefilter, false)->SIGMA_SIZES;
BENCHMARK_CAPTURE(BM_Match, everything_route_vectorscan, &kEverything, kVectorscan, true)
    ->SIGMA_SIZES;
BENCHMARK_CAPTURE(BM_Match, everything_route_re2set, &kEverything, kRe2Set, true)->SIGMA_SIZES;
BENCHMARK_CAPTURE(BM_Match, everything_shared_vectorscan, &kEverything, kVectorscan, false)
    ->SIGMA_SIZES;
BENCHMARK_CAPTURE(BM_Match, everything_noprefilter, &kEverything, kNoPrefilter, false)->SIGMA_SIZES;
BENCHMARK_CAPTURE(BM_Prefilter, vectorscan, PrefilterEngine::kVectorscan)->Arg(0)->Arg(2000);
BENCHMARK_CAPTURE(BM_Prefilter, re2set, PrefilterEngine::kRe2Set)->Arg(0)->Arg(2000);

}  // namespace

BENCHMARK_MAIN();
