#include "signatures/sigma/rule_set.h"

#include <algorithm>
#include <atomic>
#include <map>

#include "signatures/sigma/value_matcher.h"

namespace soc::sigma {

namespace {

std::atomic<std::uint64_t> next_generation{1};

constexpr std::uint8_t kProduct = 1;
constexpr std::uint8_t kCategory = 2;
constexpr std::uint8_t kService = 4;

// A route scanning more distinct fields than this scans every field (looking each name up
// would cost more than scanning a few extra bytes).
constexpr std::size_t kMaxScanFields = 16;

// Per-thread working memory of match(), resized when the thread meets another set.
struct MatchScratch {
  std::uint64_t generation = 0;
  std::vector<std::uint32_t> stamp;          // rule -> epoch it was last made a candidate in
  std::vector<std::uint32_t> literal_stamp;  // literal -> epoch it last occurred in
  std::uint32_t epoch = 0;
  std::vector<std::uint8_t> group_flags;  // of `source`
  std::vector<std::uint64_t> admitted;    // of `source`
  // The last log source admitted and its route (a RuleSet::Route), so that the next event of
  // the same source, the usual case, skips admit() and the route lookup. Null: none.
  LogSource source;
  const void* route = nullptr;
  std::vector<std::uint32_t> hits;
  std::vector<std::uint32_t> candidates;
  std::string haystack;
};

MatchScratch& scratch() {
  thread_local MatchScratch s;
  return s;
}

// Starts a new candidate round: stamps from earlier rounds no longer count.
std::uint32_t next_epoch(MatchScratch& s) {
  if (++s.epoch == 0) {
    std::fill(s.stamp.begin(), s.stamp.end(), 0);
    std::fill(s.literal_stamp.begin(), s.literal_stamp.end(), 0);
    s.epoch = 1;
  }
  return s.epoch;
}

using GroupIndex = std::vector<std::pair<std::string, std::vector<std::uint32_t>>>;

void mark(const GroupIndex& index, const std::string& key, std::uint8_t bit,
          std::vector<std::uint8_t>& flags) {
  if (key.empty()) return;
  for (const auto& [value, groups] : index) {
    if (value != key) continue;
    for (std::uint32_t g : groups) flags[g] |= bit;
    return;
  }
}

void add_group(GroupIndex& index, const std::string& key, std::uint32_t group) {
  for (auto& [value, groups] : index) {
    if (value == key) {
      groups.push_back(group);
      return;
    }
  }
  index.emplace_back(key, std::vector<std::uint32_t>{group});
}

void append_text(const FieldValue& value, std::string& out) {
  if (const auto* list = std::get_if<StringList>(&value)) {
    for (const std::string& s : *list) {
      out.push_back('\n');
      out.append(s);
    }
    return;
  }
  char buf[64];
  auto text = field_text(value, buf, sizeof buf);
  if (!text) return;
  out.push_back('\n');
  out.append(*text);
}

void dedupe(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

Result<std::shared_ptr<const RuleSet>> RuleSet::compile(const std::vector<SigmaRule>& rules,
                                                        const FieldMappings& mappings,
                                                        std::vector<CompileIssue>& issues,
                                                        const RuleSetOptions& options) {
  std::shared_ptr<RuleSet> set(new RuleSet());
  set->generation_ = next_generation++;

  // Compile, then order by logsource group (first appearance), file order within a group.
  std::vector<CompiledRule> compiled;
  compiled.reserve(rules.size());
  for (const SigmaRule& r : rules) {
    auto c = compile_rule(r, mappings);
    if (!c) {
      issues.push_back(std::move(c.error()));
      continue;
    }
    compiled.push_back(std::move(*c));
  }
  std::vector<RuleLogSource> groups;
  std::vector<std::uint32_t> group_of(compiled.size());
  for (std::size_t i = 0; i < compiled.size(); ++i) {
    const auto it = std::find(groups.begin(), groups.end(), compiled[i].logsource);
    group_of[i] = static_cast<std::uint32_t>(it - groups.begin());
    if (it == groups.end()) groups.push_back(compiled[i].logsource);
  }
  std::vector<std::size_t> order(compiled.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return group_of[a] < group_of[b]; });
  set->rules_.reserve(compiled.size());
  for (std::size_t i : order) {
    set->rules_.push_back(std::move(compiled[i]));
    set->rule_group_.push_back(group_of[i]);
  }

  // Routing indexes.
  set->group_base_.resize(groups.size());
  for (std::uint32_t g = 0; g < groups.size(); ++g) {
    const RuleLogSource& ls = groups[g];
    std::uint8_t base = 0;
    if (ls.product.empty()) {
      base |= kProduct;
    } else {
      add_group(set->product_groups_, ls.product, g);
    }
    if (ls.category.empty()) {
      base |= kCategory;
    } else {
      add_group(set->category_groups_, ls.category, g);
    }
    if (ls.service.empty()) {
      base |= kService;
    } else {
      add_group(set->service_groups_, ls.service, g);
    }
    set->group_base_[g] = base;
  }

  // Literals: every value's literal gets an id; the shared prefilter scans for all of them.
  std::map<std::string, std::uint32_t> literal_ids;
  std::vector<std::string> literals;
  auto intern = [&](std::string_view text) {
    std::string lit = fold_ascii(text);
    auto [it, added] =
        literal_ids.emplace(std::move(lit), static_cast<std::uint32_t>(literals.size()));
    if (added) literals.push_back(it->first);
    return it->second;
  };
  // rule -> ids of its required literals and of its values' literals
  std::vector<std::vector<std::uint32_t>> rule_literals(set->rules_.size());
  std::vector<Requirement> requirements;
  requirements.reserve(set->rules_.size());
  for (std::uint32_t r = 0; r < set->rules_.size(); ++r) {
    CompiledRule& rule = set->rules_[r];
    if (!options.use_prefilter) {
      requirements.push_back(Requirement::any());
      continue;
    }
    rule.assign_literal_ids([&](std::string_view lit) {
      const std::uint32_t id = intern(lit);
      rule_literals[r].push_back(id);
      return id;
    });
    requirements.push_back(rule.requirement());
    auto& ids = rule_literals[r];
    for (const std::string& lit : requirements.back().literals) ids.push_back(intern(lit));
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }
  set->unfiltered_by_group_.resize(groups.size());
  set->filtered_by_group_.resize(groups.size());
  std::vector<std::vector<std::uint32_t>> literal_rules(literals.size());
  std::size_t required = 0;
  for (std::uint32_t r = 0; r < set->rules_.size(); ++r) {
    const std::uint32_t g = set->rule_group_[r];
    if (requirements[r].always) {
      set->unfiltered_by_group_[g].push_back(r);
      continue;
    }
    set->filtered_by_group_[g].push_back(r);
    for (const std::string& lit : requirements[r].literals) {
      const std::uint32_t id = intern(lit);
      if (id >= literal_rules.size()) literal_rules.resize(id + 1);
      auto& rules_of = literal_rules[id];
      if (rules_of.empty()) ++required;
      rules_of.push_back(r);
    }
  }
  literal_rules.resize(literals.size());
  set->literal_rules_ = std::move(literal_rules);
  set->rule_literals_ = std::move(rule_literals);
  set->filtered_.resize(set->rules_.size());
  for (std::size_t r = 0; r < set->rules_.size(); ++r) {
    set->filtered_[r] = !requirements[r].always;
  }
  set->engine_ = options.engine;
  set->use_prefilter_ = options.use_prefilter;
  set->lazy_routes_ = options.lazy_routes;
  if (!literals.empty()) {
    auto pf = Prefilter::build(options.engine, literals);
    if (!pf) return tl::unexpected(pf.error());
    set->prefilter_ = std::move(*pf);
  }
  set->literals_ = std::move(literals);

  // Routes declared up front.
  std::vector<std::uint8_t> flags;
  std::vector<std::uint64_t> admitted;
  for (const LogSource& source : options.routes) {
    set->admit(source, flags, admitted);
    const Route* route = set->find_route(flags, admitted, /*build=*/true);
    if (route != nullptr && route->use_shared) {
      return fail(ErrorCode::kInternal, "cannot build the prefilter of a route");
    }
  }

  set->stats_.rules = set->rules_.size();
  set->stats_.literals = set->literals_.size();
  set->stats_.required_literals = required;
  for (const auto& v : set->unfiltered_by_group_) set->stats_.unfiltered_rules += v.size();
  set->stats_.routes = set->route_count();
  set->stats_.prefilter = set->prefilter_ ? std::string(set->prefilter_->name()) : "none";
  return std::shared_ptr<const RuleSet>(std::move(set));
}

void RuleSet::admit(const LogSource& source, std::vector<std::uint8_t>& flags,
                    std::vector<std::uint64_t>& admitted) const {
  flags.assign(group_base_.begin(), group_base_.end());
  mark(product_groups_, source.product, kProduct, flags);
  for (const std::string& c : source.categories) mark(category_groups_, c, kCategory, flags);
  for (const std::string& v : source.services) mark(service_groups_, v, kService, flags);
  admitted.assign((flags.size() + 63) / 64, 0);
  for (std::size_t g = 0; g < flags.size(); ++g) {
    if (flags[g] == kAllAttributes) admitted[g / 64] |= std::uint64_t{1} << (g % 64);
  }
}

std::unique_ptr<RuleSet::Route> RuleSet::build_route(const std::vector<std::uint8_t>& flags,
                                                     std::vector<std::uint64_t> admitted) const {
  auto route = std::make_unique<Route>();
  route->admitted = std::move(admitted);
  for (std::uint32_t r = 0; r < rules_.size(); ++r) {
    if (flags[rule_group_[r]] != kAllAttributes) continue;
    (filtered_[r] ? route->filtered : route->unfiltered).push_back(r);
    if (rule_literals_[r].empty()) continue;
    rules_[r].targets(route->scan_fields, route->scan_raw);
    route->literal_ids.insert(route->literal_ids.end(), rule_literals_[r].begin(),
                              rule_literals_[r].end());
  }
  std::sort(route->literal_ids.begin(), route->literal_ids.end());
  route->literal_ids.erase(std::unique(route->literal_ids.begin(), route->literal_ids.end()),
                           route->literal_ids.end());
  std::vector<std::string> route_literals;
  for (std::uint32_t id : route->literal_ids) {
    route_literals.push_back(literals_[id]);
    route->literal_rules.emplace_back();
    for (std::uint32_t r : literal_rules_[id]) {
      if (flags[rule_group_[r]] == kAllAttributes) route->literal_rules.back().push_back(r);
    }
  }
  dedupe(route->scan_fields);
  route->scan_all_fields = route->scan_fields.size() > kMaxScanFields;
  if (route->scan_all_fields) route->scan_fields.clear();
  if (!route_literals.empty()) {
    auto pf = Prefilter::build(engine_, route_literals);
    if (pf) {
      route->prefilter = std::move(*pf);
    } else {
      route->use_shared = true;
    }
  }
  return route;
}

const RuleSet::Route* RuleSet::find_route(const std::vector<std::uint8_t>& flags,
                                          const std::vector<std::uint64_t>& admitted,
                                          bool build) const {
  std::size_t n = route_count_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n; ++i) {
    const Route* r = route_slots_[i].load(std::memory_order_relaxed);
    if (r->admitted == admitted) return r;
  }
  if (!build || !use_prefilter_ || n >= kMaxRoutes) return nullptr;
  // Another thread building: use the shared scanner for this event rather than wait.
  std::unique_lock<std::mutex> lock(build_mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return nullptr;
  const std::size_t now = route_count_.load(std::memory_order_acquire);
  for (std::size_t i = n; i < now; ++i) {  // built meanwhile
    const Route* r = route_slots_[i].load(std::memory_order_relaxed);
    if (r->admitted == admitted) return r;
  }
  if (now >= kMaxRoutes) return nullptr;
  owned_routes_.push_back(build_route(flags, admitted));
  const Route* route = owned_routes_.back().get();
  route_slots_[now].store(route, std::memory_order_relaxed);
  route_count_.store(now + 1, std::memory_order_release);
  return route;
}

bool RuleSet::match_route(const Route& route, const Event& event) const {
  MatchScratch& s = scratch();
  s.candidates.assign(route.unfiltered.begin(), route.unfiltered.end());
  if (!route.prefilter) return false;
  // A route reading only the raw text scans it in place.
  std::string_view text = event.raw;
  if (!route.scan_raw || route.scan_all_fields || !route.scan_fields.empty()) {
    std::string& hay = s.haystack;
    hay.clear();
    if (route.scan_raw) hay.append(event.raw);
    if (route.scan_all_fields) {
      for (const Field& f : event.fields) append_text(f.value, hay);
    } else {
      for (const std::string& name : route.scan_fields) {
        if (const FieldValue* v = event.find(name)) append_text(*v, hay);
      }
    }
    text = hay;
  }
  s.hits.clear();
  if (!route.prefilter->scan(text, s.hits)) {
    // The scan could not run: evaluate every routed rule fully rather than miss one.
    s.candidates.insert(s.candidates.end(), route.filtered.begin(), route.filtered.end());
    std::sort(s.candidates.begin(), s.candidates.end());
    return false;
  }
  const std::uint32_t epoch = next_epoch(s);
  for (std::uint32_t lit : s.hits) {
    s.literal_stamp[route.literal_ids[lit]] = epoch;
    for (std::uint32_t r : route.literal_rules[lit]) {
      if (s.stamp[r] == epoch) continue;
      s.stamp[r] = epoch;
      s.candidates.push_back(r);
    }
  }
  if (s.candidates.size() > route.unfiltered.size()) {
    std::sort(s.candidates.begin(), s.candidates.end());
  }
  return true;
}

bool RuleSet::match_shared(const Event& event) const {
  MatchScratch& s = scratch();
  s.candidates.clear();
  bool scan = false;
  for (std::size_t g = 0; g < s.group_flags.size(); ++g) {
    if (s.group_flags[g] != kAllAttributes) continue;
    const auto& unfiltered = unfiltered_by_group_[g];
    s.candidates.insert(s.candidates.end(), unfiltered.begin(), unfiltered.end());
    scan = scan || !filtered_by_group_[g].empty();
  }
  if (!scan) return false;
  std::string& hay = s.haystack;
  hay.assign(event.raw);
  for (const Field& f : event.fields) append_text(f.value, hay);
  s.hits.clear();
  bool scanned = prefilter_->scan(hay, s.hits);
  if (scanned) {
    const std::uint32_t epoch = next_epoch(s);
    for (std::uint32_t lit : s.hits) {
      s.literal_stamp[lit] = epoch;
      for (std::uint32_t r : literal_rules_[lit]) {
        if (s.stamp[r] == epoch || s.group_flags[rule_group_[r]] != kAllAttributes) continue;
        s.stamp[r] = epoch;
        s.candidates.push_back(r);
      }
    }
  } else {
    // The scan could not run: evaluate every routed rule fully rather than miss one.
    for (std::size_t g = 0; g < s.group_flags.size(); ++g) {
      if (s.group_flags[g] != kAllAttributes) continue;
      const auto& filtered = filtered_by_group_[g];
      s.candidates.insert(s.candidates.end(), filtered.begin(), filtered.end());
    }
  }
  std::sort(s.candidates.begin(), s.candidates.end());
  return scanned;
}

void RuleSet::match(const Event& event, const LogSource& source,
                    std::vector<const CompiledRule*>& out, MatchStats* stats) const {
  if (rules_.empty()) return;
  MatchScratch& s = scratch();
  if (s.generation != generation_) {
    s.stamp.assign(rules_.size(), 0);
    s.literal_stamp.assign(literal_rules_.size(), 0);
    s.epoch = 0;
    s.generation = generation_;
    s.route = nullptr;
  }

  // Route: a group is admitted when all three attribute bits are set.
  const Route* route = nullptr;
  if (s.route != nullptr && s.source == source) {
    route = static_cast<const Route*>(s.route);
  } else {
    admit(source, s.group_flags, s.admitted);
    route = find_route(s.group_flags, s.admitted, lazy_routes_);
    if (route != nullptr && route->use_shared) route = nullptr;
    // Only a route is remembered: without one, the next event asks again for one to be built.
    s.route = route;
    if (route != nullptr) s.source = source;
  }
  const bool scanned = route != nullptr ? match_route(*route, event) : match_shared(event);
  const LiteralHits hits{s.literal_stamp.data(), s.epoch};
  const LiteralHits* known = scanned ? &hits : nullptr;
  for (std::uint32_t r : s.candidates) {
    if (rules_[r].matches(event, known)) out.push_back(&rules_[r]);
  }
  if (stats != nullptr) stats->evaluated += s.candidates.size();
}

}  // namespace soc::sigma
