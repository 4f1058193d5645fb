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
  std::vector<std::uint8_t> group_flags;
  std::vector<std::uint64_t> admitted;
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

Result<std::shared_ptr<const RuleSet>> RuleSet::compile(std::vector<SigmaRule> rules,
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
    auto [it, added] = literal_ids.emplace(std::move(lit), static_cast<std::uint32_t>(literals.size()));
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
  set->literal_rules_ = literal_rules;
  if (!literals.empty()) {
    auto pf = Prefilter::build(options.engine, literals);
    if (!pf) return tl::unexpected(pf.error());
    set->prefilter_ = std::move(*pf);
  }

  // Dedicated routes.
  const std::size_t words = (groups.size() + 63) / 64;
  for (const LogSource& source : options.routes) {
    if (!options.use_prefilter || set->rules_.empty()) break;
    std::vector<std::uint8_t> flags = set->group_base_;
    mark(set->product_groups_, source.product, kProduct, flags);
    for (const std::string& c : source.categories) {
      mark(set->category_groups_, c, kCategory, flags);
    }
    for (const std::string& v : source.services) mark(set->service_groups_, v, kService, flags);
    Route route;
    route.admitted.assign(words, 0);
    for (std::size_t g = 0; g < flags.size(); ++g) {
      if (flags[g] == kAllAttributes) route.admitted[g / 64] |= std::uint64_t{1} << (g % 64);
    }
    const bool known = std::any_of(set->routes_.begin(), set->routes_.end(),
                                   [&](const Route& r) { return r.admitted == route.admitted; });
    if (known) continue;
    for (std::uint32_t r = 0; r < set->rules_.size(); ++r) {
      if (flags[set->rule_group_[r]] != kAllAttributes) continue;
      (requirements[r].always ? route.unfiltered : route.filtered).push_back(r);
      if (rule_literals[r].empty()) continue;
      set->rules_[r].targets(route.scan_fields, route.scan_raw);
      route.literal_ids.insert(route.literal_ids.end(), rule_literals[r].begin(),
                               rule_literals[r].end());
    }
    std::sort(route.literal_ids.begin(), route.literal_ids.end());
    route.literal_ids.erase(std::unique(route.literal_ids.begin(), route.literal_ids.end()),
                            route.literal_ids.end());
    std::vector<std::string> route_literals;
    for (std::uint32_t id : route.literal_ids) {
      route_literals.push_back(literals[id]);
      route.literal_rules.emplace_back();
      for (std::uint32_t r : literal_rules[id]) {
        if (flags[set->rule_group_[r]] == kAllAttributes) route.literal_rules.back().push_back(r);
      }
    }
    dedupe(route.scan_fields);
    route.scan_all_fields = route.scan_fields.size() > kMaxScanFields;
    if (route.scan_all_fields) route.scan_fields.clear();
    if (!route_literals.empty()) {
      auto pf = Prefilter::build(options.engine, route_literals);
      if (!pf) return tl::unexpected(pf.error());
      route.prefilter = std::move(*pf);
    }
    set->routes_.push_back(std::move(route));
  }

  set->stats_.rules = set->rules_.size();
  set->stats_.literals = literals.size();
  set->stats_.required_literals = required;
  for (const auto& v : set->unfiltered_by_group_) set->stats_.unfiltered_rules += v.size();
  set->stats_.routes = set->routes_.size();
  set->stats_.prefilter = set->prefilter_ ? std::string(set->prefilter_->name()) : "none";
  return std::shared_ptr<const RuleSet>(std::move(set));
}

bool RuleSet::match_route(const Route& route, const Event& event) const {
  MatchScratch& s = scratch();
  s.candidates.assign(route.unfiltered.begin(), route.unfiltered.end());
  if (!route.prefilter) return false;
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
  s.hits.clear();
  if (!route.prefilter->scan(hay, s.hits)) {
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
  }

  // Route: a group is admitted when all three attribute bits are set.
  s.group_flags.assign(group_base_.begin(), group_base_.end());
  mark(product_groups_, source.product, kProduct, s.group_flags);
  for (const std::string& c : source.categories) mark(category_groups_, c, kCategory, s.group_flags);
  for (const std::string& v : source.services) mark(service_groups_, v, kService, s.group_flags);

  const Route* route = nullptr;
  if (!routes_.empty()) {
    s.admitted.assign((s.group_flags.size() + 63) / 64, 0);
    for (std::size_t g = 0; g < s.group_flags.size(); ++g) {
      if (s.group_flags[g] == kAllAttributes) s.admitted[g / 64] |= std::uint64_t{1} << (g % 64);
    }
    for (const Route& r : routes_) {
      if (r.admitted == s.admitted) {
        route = &r;
        break;
      }
    }
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
