#include "collector/correlate/incident_engine.h"

#include "common/log.h"
#include "signatures/pack/compiled_pack.h"
#include "signatures/sigma/compiled_rule.h"

namespace soc::collector {

namespace {

constexpr const char* kComponent = "incidents";

const std::string* string_field(const Event& event, std::string_view name) {
  const FieldValue* v = event.find(name);
  return v != nullptr ? std::get_if<std::string>(v) : nullptr;
}

// Where the event happened: host.name, else host.hostname, else the agent's name.
const std::string& host_of(const Event& event, const std::string& agent) {
  for (const char* name : {"host.name", "host.hostname"}) {
    if (const std::string* s = string_field(event, name); s != nullptr && !s->empty()) return *s;
  }
  return agent;
}

const sigma::LogSource& flow_logsource() {
  static const sigma::LogSource ls{"", {"network_connection"}, {}};
  return ls;
}

}  // namespace

IncidentEngine::IncidentEngine(IncidentStore& incidents, IncidentEngineOptions options)
    : incidents_(incidents), options_(options) {}

Result<std::vector<sigma::CompileIssue>> IncidentEngine::load_pack(const pack::VerifiedPack& pack) {
  auto compiled = pack::compile_pack(pack);
  if (!compiled) return tl::unexpected(compiled.error());
  std::map<std::string, std::string> base;  // id and name -> id
  for (const sigma::CompiledRule& rule : (*compiled)->rules->rules()) {
    if (rule.id.empty()) continue;
    base.emplace(rule.id, rule.id);
    if (!rule.name.empty()) base.emplace(rule.name, rule.id);
  }
  std::vector<sigma::CorrelationRule> correlations;
  std::vector<sigma::CompileIssue> issues;
  for (const pack::ManifestFile& f : pack.manifest.files) {
    if (f.kind != pack::PackFileKind::kCorrelation) continue;
    auto it = pack.files.find(f.path);
    if (it == pack.files.end()) continue;
    sigma::ParsedCorrelations parsed = sigma::parse_correlation_rules(it->second, f.path);
    for (auto& r : parsed.rules) correlations.push_back(std::move(r));
    for (auto& i : parsed.issues) issues.push_back(std::move(i));
  }
  correlator_ =
      std::make_unique<Correlator>(std::move(correlations), base, options_.correlator, issues);
  flow_rules_ = (*compiled)->rules;
  log(LogLevel::kInfo, kComponent, "pack ", pack.manifest.name, " ",
      pack.manifest.version.to_string(), ": ", correlator_->rules().size(), " correlation rules; ",
      issues.size(), " left out");
  for (const sigma::CompileIssue& issue : issues) {
    log(LogLevel::kWarn, kComponent, "correlation left out: ", sigma::format_issue(issue));
  }
  return issues;
}

void IncidentEngine::on_stored(std::span<const StoredBatchView> batches) {
  for (const StoredBatchView& b : batches) {
    const std::string agent(b.agent);
    const std::string agency(b.agency);
    for (std::size_t i = 0; i < b.events.size(); ++i) {
      observe(b.events[i], i < b.ids.size() ? b.ids[i] : 0, agent, agency, true);
    }
  }
}

void IncidentEngine::observe(const Event& event, std::int64_t id, const std::string& agent,
                             const std::string& agency, bool file_hits) {
  std::vector<std::string> rule_ids;
  if (event.kind == EventKind::kAlert) {
    const std::string* rule_id = string_field(event, "rule.id");
    if (rule_id == nullptr) return;
    const std::string* level = string_field(event, "rule.level");
    const int severity = level != nullptr ? sigma::severity_of(*level) : 0;
    if (file_hits && options_.alert_severity > 0 && severity >= options_.alert_severity) {
      const std::string& host = host_of(event, agent);
      const std::string* title = string_field(event, "rule.name");
      IncidentHit hit;
      hit.rule_id = *rule_id;
      hit.title = title != nullptr ? *title : *rule_id;
      hit.level = *level;
      hit.origin = "alert";
      hit.group_key = "host.name=" + host;
      hit.first_ns = hit.last_ns = event.time_ns;
      hit.agencies = {agency};
      hit.hosts = {host};
      if (id != 0) hit.evidence = {id};
      file(std::move(hit));
    }
    if (correlator_ && correlator_->references(*rule_id)) rule_ids.push_back(*rule_id);
  } else if (event.kind == EventKind::kFlow && correlator_ && flow_rules_) {
    std::vector<const sigma::CompiledRule*> matched;
    flow_rules_->match(event, flow_logsource(), matched);
    for (const sigma::CompiledRule* rule : matched) {
      if (correlator_->references(rule->id)) rule_ids.push_back(rule->id);
    }
    if (!rule_ids.empty()) ++counters_.flows_matched;
  }
  if (rule_ids.empty()) return;
  Observation observation;
  observation.event = &event;
  observation.event_id = id;
  observation.agency = agency;
  observation.host = host_of(event, agent);
  const std::string stream = agent + "/" + event.source;
  observation.stream = stream;
  observation.rule_ids = rule_ids;
  hits_.clear();
  correlator_->observe(observation, hits_);
  if (!file_hits) return;
  for (const CorrelationHit& h : hits_) {
    IncidentHit hit;
    hit.rule_id = h.rule->id;
    hit.title = h.rule->title;
    hit.level = h.rule->level.empty() ? "high" : h.rule->level;
    hit.origin = "correlation";
    hit.group_key = h.group_key;
    hit.first_ns = h.first_ns;
    hit.last_ns = h.last_ns;
    hit.agencies = h.agencies;
    hit.hosts = h.hosts;
    hit.evidence = h.evidence;
    file(std::move(hit));
  }
}

void IncidentEngine::file(IncidentHit hit) { to_file_.push_back(std::move(hit)); }

bool IncidentEngine::record_filed() {
  if (to_file_.empty()) return false;
  std::vector<bool> created;
  auto incidents = incidents_.record_hits(to_file_, &created);
  if (!incidents) {
    counters_.store_errors += to_file_.size();
    log(LogLevel::kError, kComponent, to_file_.size(),
        " incident hits not recorded: ", incidents.error().message);
    to_file_.clear();
    return true;
  }
  counters_.incident_hits += incidents->size();
  for (std::size_t i = 0; i < incidents->size(); ++i) {
    if (!created[i]) continue;
    const Incident& incident = (*incidents)[i];
    ++counters_.incidents_created;
    log(LogLevel::kInfo, kComponent, "incident ", incident.id, " opened: ", incident.title, " (",
        incident.group_key, ")");
  }
  to_file_.clear();
  return true;
}

Result<std::size_t> IncidentEngine::replay(EventStore& store, TimeNs now) {
  if (!correlator_ || correlator_->rules().empty()) return std::size_t{0};
  constexpr EventKind kKinds[] = {EventKind::kAlert, EventKind::kFlow};
  auto replayed = store.for_each_event_since(
      kKinds, now - correlator_->horizon_ns(),
      [&](const StoredEvent& e) { observe(e.event, e.id, e.agent, e.agency, false); });
  if (!replayed) return tl::unexpected(replayed.error());
  log(LogLevel::kInfo, kComponent, "rebuilt correlation windows from ", *replayed,
      " stored events; ", correlator_->open_groups(), " groups open");
  return *replayed;
}

}  // namespace soc::collector
