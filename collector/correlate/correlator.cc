#include "collector/correlate/correlator.h"

#include <algorithm>
#include <optional>
#include <set>

namespace soc::collector {

namespace {

constexpr std::int64_t kExpiryEveryNs = 10LL * 1'000'000'000;
constexpr std::uint64_t kExpiryEveryObservations = 100'000;
constexpr std::size_t kMaxStreams = 100'000;

// The id other correlations and incidents know a correlation by.
std::string correlation_key(const sigma::CorrelationRule& rule) {
  if (!rule.id.empty()) return rule.id;
  if (!rule.name.empty()) return rule.name;
  return "correlation:" + rule.title;
}

// The field's text in this observation; nullopt when the event lacks it. host.name falls back
// to the observation's host.
std::optional<std::string> field_text(const Observation& o, const std::string& field) {
  if (const FieldValue* v = o.event->find(field)) return field_value_text(*v);
  if (field == "host.name" && !o.host.empty()) return std::string(o.host);
  return std::nullopt;
}

}  // namespace

std::string field_value_text(const FieldValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else if constexpr (std::is_same_v<T, IpAddress>) {
          return v.to_string();
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, StringList>) {
          std::string out;
          for (const std::string& s : v) out += (out.empty() ? "" : ",") + s;
          return out;
        } else {
          return std::to_string(v);
        }
      },
      value);
}

Correlator::Correlator(std::vector<sigma::CorrelationRule> rules,
                       const std::map<std::string, std::string>& base_rules,
                       CorrelatorOptions options, std::vector<sigma::CompileIssue>& issues)
    : options_(options) {
  // Names and ids a reference may use: base rules, then every correlation (chains).
  std::map<std::string, std::string> known = base_rules;
  for (const sigma::CorrelationRule& rule : rules) {
    const std::string key = correlation_key(rule);
    known.emplace(key, key);
    if (!rule.name.empty()) known.emplace(rule.name, key);
  }
  for (sigma::CorrelationRule& rule : rules) {
    RuleState state;
    std::string unresolved;
    for (const std::string& ref : rule.rules) {
      auto it = known.find(ref);
      if (it == known.end()) {
        unresolved = ref;
        break;
      }
      state.refs.push_back(it->second);
    }
    if (!unresolved.empty()) {
      issues.push_back({rule.file, rule.line, rule.id, rule.title,
                        "rule '" + unresolved + "' is not in the pack"});
      continue;
    }
    // The field each referenced rule's events carry for `name`: an alias maps it per rule.
    const auto field_for = [&](const std::string& name, std::size_t ref) {
      auto alias = rule.aliases.find(name);
      if (alias == rule.aliases.end()) return name;
      for (const auto& [rule_ref, field] : alias->second) {
        auto id = known.find(rule_ref);
        if (rule_ref == rule.rules[ref] || (id != known.end() && id->second == state.refs[ref])) {
          return field;
        }
      }
      return name;
    };
    for (const std::string& name : rule.group_by) {
      std::vector<std::string> per_ref;
      for (std::size_t r = 0; r < state.refs.size(); ++r) per_ref.push_back(field_for(name, r));
      state.group_fields.push_back(std::move(per_ref));
    }
    for (std::size_t r = 0; r < state.refs.size(); ++r) {
      state.value_fields.push_back(rule.value_field.empty() ? "" : field_for(rule.value_field, r));
    }
    if (rule.id.empty()) rule.id = correlation_key(rule);
    const std::size_t index = rules_.size();
    for (std::uint32_t r = 0; r < state.refs.size(); ++r) {
      by_ref_[state.refs[r]].emplace_back(index, r);
    }
    rules_.push_back(std::move(rule));
    states_.push_back(std::move(state));
  }
}

void Correlator::observe(const Observation& observation, std::vector<CorrelationHit>& hits) {
  observe_at(observation, 0, hits);
}

void Correlator::observe_at(const Observation& observation, int depth,
                            std::vector<CorrelationHit>& hits) {
  const TimeNs t = observation.event->time_ns;
  if (depth == 0) {
    ++counters_.observed;
    const std::string stream(observation.stream);
    if (stream_clock_.size() >= kMaxStreams && !stream_clock_.contains(stream)) {
      stream_clock_.clear();  // hostile or broken input naming endless streams
    }
    TimeNs& clock = stream_clock_[stream];
    if (clock != 0 && t < clock - options_.lateness_ns) {
      ++counters_.late;
      return;
    }
    clock = std::max(clock, t);
    newest_ns_ = std::max(newest_ns_, t);
    if (newest_ns_ - last_expiry_ns_ >= kExpiryEveryNs ||
        ++since_expiry_ >= kExpiryEveryObservations) {
      expire();
    }
  }
  for (const std::string& id : observation.rule_ids) {
    auto it = by_ref_.find(id);
    if (it == by_ref_.end()) continue;
    const auto targets = it->second;  // copy: a chained hit may add groups, not references
    for (const auto& [rule_index, ref] : targets) add(rule_index, ref, observation, depth, hits);
  }
}

void Correlator::add(std::size_t rule_index, std::uint32_t ref, const Observation& observation,
                     int depth, std::vector<CorrelationHit>& hits) {
  const sigma::CorrelationRule& rule = rules_[rule_index];
  RuleState& state = states_[rule_index];
  const Event& event = *observation.event;

  std::string key;
  std::vector<Field> group_fields;  // for a chained observation
  for (std::size_t g = 0; g < state.group_fields.size(); ++g) {
    std::optional<std::string> text = field_text(observation, state.group_fields[g][ref]);
    if (!text) {
      ++counters_.ungrouped;
      return;
    }
    key += (key.empty() ? "" : ",") + rule.group_by[g] + "=" + *text;
    group_fields.push_back({rule.group_by[g], std::move(*text)});
  }
  CorrelationWindow::Entry entry;
  entry.time_ns = event.time_ns;
  entry.ref = ref;
  entry.event_id = observation.event_id;
  entry.agency = std::string(observation.agency);
  entry.host = std::string(observation.host);
  if (rule.type == sigma::CorrelationType::kValueCount) {
    std::optional<std::string> value = field_text(observation, state.value_fields[ref]);
    if (!value) {
      ++counters_.ungrouped;
      return;
    }
    entry.value = std::move(*value);
  }

  auto found = state.groups.find(key);
  if (found == state.groups.end()) {
    if (state.groups.size() >= options_.max_groups) {
      ++counters_.group_limit;
      return;
    }
    found = state.groups.emplace(key, Group{CorrelationWindow(rule.type), 0, {}}).first;
  }
  Group& group = found->second;
  CorrelationWindow& window = group.window;
  window.insert(std::move(entry));
  group.newest_ns = std::max(group.newest_ns, event.time_ns);
  group.stream = std::string(observation.stream);
  if (window.size() > options_.max_entries) {
    window.pop_oldest();
    ++counters_.entry_limit;
  }
  // The window ends at the group's newest observation.
  window.drop_older_than(group.newest_ns - rule.timespan_ns);
  const std::int64_t value = window.measure();
  if (!rule.condition.holds(value)) return;

  CorrelationHit hit;
  hit.rule = &rule;
  hit.group_key = key;
  hit.value = value;
  hit.first_ns = window.entries().front().time_ns;
  hit.last_ns = window.entries().back().time_ns;
  std::set<std::string> agencies;
  std::set<std::string> hosts;
  for (const CorrelationWindow::Entry& e : window.entries()) {
    if (e.event_id != 0 && hit.evidence.size() < options_.max_evidence) {
      hit.evidence.push_back(e.event_id);
    }
    if (!e.agency.empty()) agencies.insert(e.agency);
    if (!e.host.empty()) hosts.insert(e.host);
  }
  hit.agencies.assign(agencies.begin(), agencies.end());
  hit.hosts.assign(hosts.begin(), hosts.end());
  state.groups.erase(found);  // start over: the next hit needs a fresh window's worth
  ++counters_.hits;

  if (depth + 1 < kMaxChainDepth && by_ref_.contains(rule.id)) {
    // The hit is an observation for the correlations that reference this one.
    Event chained;
    chained.time_ns = hit.last_ns;
    chained.kind = EventKind::kAlert;
    chained.fields = std::move(group_fields);
    chained.fields.push_back({"rule.id", rule.id});
    const std::string ids[] = {rule.id};
    Observation next;
    next.event = &chained;
    next.event_id = hit.evidence.empty() ? 0 : hit.evidence.back();
    next.agency = hit.agencies.empty() ? std::string_view() : hit.agencies.front();
    next.host = hit.hosts.size() == 1 ? std::string_view(hit.hosts.front()) : std::string_view();
    next.rule_ids = ids;
    next.stream = observation.stream;
    hits.push_back(hit);
    observe_at(next, depth + 1, hits);
    return;
  }
  hits.push_back(std::move(hit));
}

void Correlator::expire() {
  last_expiry_ns_ = newest_ns_;
  since_expiry_ = 0;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    auto& groups = states_[i].groups;
    for (auto it = groups.begin(); it != groups.end();) {
      auto clock = stream_clock_.find(it->second.stream);
      const TimeNs now = clock != stream_clock_.end() ? clock->second : newest_ns_;
      const TimeNs horizon = now - options_.lateness_ns - rules_[i].timespan_ns;
      CorrelationWindow& window = it->second.window;
      window.drop_older_than(horizon);
      if (window.empty()) {
        it = groups.erase(it);
        ++counters_.expired_groups;
      } else {
        ++it;
      }
    }
  }
}

std::size_t Correlator::open_groups() const {
  std::size_t n = 0;
  for (const RuleState& s : states_) n += s.groups.size();
  return n;
}

std::int64_t Correlator::horizon_ns() const {
  std::int64_t span = 0;
  for (const auto& rule : rules_) span = std::max(span, rule.timespan_ns);
  return span + options_.lateness_ns;
}

}  // namespace soc::collector
