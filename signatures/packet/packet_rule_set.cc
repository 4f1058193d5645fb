#include "signatures/packet/packet_rule_set.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "common/ascii.h"

namespace soc::packet {
namespace {

constexpr std::int64_t kRegexMaxMem = 8 << 20;

// The longest run of `bytes` without a NUL byte (Vectorscan's literal API refuses a literal
// that starts with one); any part of a required content is required too.
std::string_view longest_nul_free(std::string_view bytes) {
  std::string_view best;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= bytes.size(); ++i) {
    if (i == bytes.size() || bytes[i] == '\0') {
      if (i - start > best.size()) best = bytes.substr(start, i - start);
      start = i + 1;
    }
  }
  return best;
}

// Literals shorter than this occur in most payloads: scanning for them costs more than
// evaluating the rule's header (a one-byte binary content hit nearly every packet).
constexpr std::size_t kMinPrefilterLiteral = 3;

// The literal that must occur whenever the rule matches: the longest NUL-free run of any
// non-negated content (in the buffer(s) the rule's kind scans), the fast_pattern content's on a
// tie (every content is required, so any of them is a sound prefilter). Empty: none long
// enough to be worth scanning for.
std::string required_literal(const PacketRule& rule) {
  std::string_view best;
  bool best_is_fast = false;
  for (const DetectItem& d : rule.items) {
    if (d.kind != DetectItem::Kind::kContent || d.negated) continue;
    if (!rule.transforms_of(d.buffer).empty()) continue;  // the prefilter scans untransformed
    const std::string_view run = longest_nul_free(d.bytes);
    if (run.size() > best.size() ||
        (run.size() == best.size() && d.fast_pattern && !best_is_fast)) {
      best = run;
      best_is_fast = d.fast_pattern;
    }
  }
  return best.size() >= kMinPrefilterLiteral ? std::string(best) : std::string();
}

// What `rule` sees of `buffer`: `raw`, or its transformed copy (made in `scratch`).
std::string_view rule_view(const PacketRule& rule, Buffer buffer, std::string_view raw,
                           std::string& scratch) {
  if (rule.transforms.empty()) return raw;
  const std::span<const Transform> transforms = rule.transforms_of(buffer);
  if (transforms.empty()) return raw;
  apply_transforms(transforms, raw, scratch);
  return scratch;
}

// Destination ports beyond which a rule is not indexed by port (a range like 1024:65535 would
// put it in thousands of lists).
constexpr std::size_t kMaxIndexedPorts = 64;

}  // namespace

void PacketRuleSet::add_always(Group& group, std::uint32_t index) const {
  const PacketRule& rule = rules_[index]->rule;
  const std::uint32_t header = gates_[index].header;
  auto add_to = [&](HeaderGroups& groups) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const HeaderRules& g) { return g.header == header; });
    if (it == groups.end()) it = groups.insert(groups.end(), HeaderRules{header, {}});
    it->rules.push_back(index);
  };
  std::vector<std::uint16_t> ports;
  const bool by_port = (rule.ip_proto == 6 || rule.ip_proto == 17) && !rule.bidirectional &&
                       rule.dport.enumerate(ports, kMaxIndexedPorts);
  std::sort(ports.begin(), ports.end());  // a list may name a port twice ([80,80:81])
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  if (!by_port) {
    if (rule.ip_proto == 0) {
      add_to(group.always);
    } else {
      add_to(group.always_by_proto[rule.ip_proto]);
      if (rule.ip_proto == 1) add_to(group.always_by_proto[58]);
    }
    return;
  }
  for (std::uint16_t port : ports) add_to(group.always_by_dport[port]);
}

// Thread-local scratch of match(). Each call has its own number; a rule stamped with it was
// already taken as a candidate during this call. Header results are kept in two banks, each
// for one HeaderInputs: the packets of a flow (both directions) reuse them. Stamps are reset
// only when the numbers wrap (numbers change instead), so sets of any size can share one
// scratch.
struct PacketRuleSet::Scratch {
  // Booleans by key, each computed once per epoch.
  class EpochMemo {
   public:
    void fit(std::size_t keys) {
      if (stamp_.size() < keys) {
        stamp_.resize(keys, 0);
        value_.resize(keys, 0);
      }
    }
    void forget() { std::fill(stamp_.begin(), stamp_.end(), 0); }
    template <typename Compute>
    bool get(std::size_t key, std::uint32_t epoch, Compute compute) {
      if (stamp_[key] != epoch) {
        stamp_[key] = epoch;
        value_[key] = compute() ? 1 : 0;
      }
      return value_[key] != 0;
    }

   private:
    std::vector<std::uint32_t> stamp_;
    std::vector<std::uint8_t> value_;
  };
  // What the header tests depend on: the inspection's protocol, addresses and ports, and the
  // set.
  struct HeaderInputs {
    std::uint64_t set = 0;  // PacketRuleSet::id_
    std::uint8_t proto = 0;
    bool v4 = true;
    std::array<std::uint8_t, 16> src{}, dst{};
    std::uint16_t sport = 0, dport = 0;
    bool operator==(const HeaderInputs&) const = default;
  };
  // Header results for one HeaderInputs, stamped with the bank's epoch (unique among banks).
  struct HeaderBank {
    HeaderInputs inputs;
    std::uint32_t epoch = 0;  // 0: holds nothing
    EpochMemo headers;
    EpochMemo addresses;  // key: 2 * set + (0: the inspection's src, 1: its dst)
    EpochMemo ports;      // key: 2 * set + (0: sport, 1: dport)
  };

  std::vector<std::uint32_t> literal_hits;
  std::vector<std::uint32_t> candidates;     // each once, in no particular order
  std::vector<std::uint32_t> with_flowbits;  // the candidates that name flowbits
  std::uint32_t call = 0;
  std::vector<std::uint32_t> rule_stamp;
  std::array<HeaderBank, 2> banks;
  std::uint32_t epochs = 0;
  HeaderBank* bank = nullptr;  // this call's

  void begin(const PacketRuleSet& set, const Inspection& in) {
    constexpr auto kMax = std::numeric_limits<std::uint32_t>::max();
    if (++call == 0 || epochs >= kMax - 2) {  // numbers wrap: forget every stamp
      std::fill(rule_stamp.begin(), rule_stamp.end(), 0);
      for (HeaderBank& b : banks) {
        b.headers.forget();
        b.addresses.forget();
        b.ports.forget();
        b.epoch = 0;
      }
      call = 1;
      epochs = 0;
    }
    if (rule_stamp.size() < set.rules_.size()) rule_stamp.resize(set.rules_.size(), 0);
    const HeaderInputs inputs{set.id_, in.proto, in.v4, in.src, in.dst, in.sport, in.dport};
    // The bank holding these inputs, else the one the last call did not use.
    for (HeaderBank& b : banks) {
      if (b.epoch != 0 && b.inputs == inputs) {
        bank = &b;
        return;
      }
    }
    bank = bank == &banks[0] ? &banks[1] : &banks[0];
    bank->inputs = inputs;
    bank->epoch = ++epochs;
    bank->headers.fit(set.headers_.size());
    bank->addresses.fit(2 * set.addresses_.size());
    bank->ports.fit(2 * set.ports_.size());
  }
  // Adds rule `index` to the candidates unless it is there already.
  void add_candidate(std::uint32_t index) {
    if (rule_stamp[index] == call) return;
    rule_stamp[index] = call;
    candidates.push_back(index);
  }
};

namespace {

// Numbers distinct values (by their hash() and ==), keeping the first of each.
template <typename T>
class Numbering {
 public:
  explicit Numbering(std::vector<const T*>& values) : values_(values) {}
  std::uint32_t number(const T& value) {
    auto& same_hash = by_hash_[value.hash()];
    for (std::uint32_t n : same_hash) {
      if (*values_[n] == value) return n;
    }
    const auto n = static_cast<std::uint32_t>(values_.size());
    values_.push_back(&value);
    same_hash.push_back(n);
    return n;
  }

 private:
  std::vector<const T*>& values_;
  std::unordered_map<std::size_t, std::vector<std::uint32_t>> by_hash_;
};

}  // namespace

void PacketRuleSet::number_headers() {
  Numbering<AddressSet> addresses(addresses_);
  Numbering<PortSet> ports(ports_);
  std::map<Header, std::uint32_t> headers;
  for (const auto& r : rules_) {
    const PacketRule& rule = r->rule;
    const Header h{addresses.number(rule.src),
                   addresses.number(rule.dst),
                   ports.number(rule.sport),
                   ports.number(rule.dport),
                   rule.ip_proto,
                   rule.bidirectional};
    const auto [it, added] = headers.try_emplace(h, static_cast<std::uint32_t>(headers_.size()));
    if (added) headers_.push_back(h);
    gates_.push_back({it->second, rule.app, rule.flow_dir, rule.flow_state, r->app_rule,
                      r->response_side, !r->flowbits.empty()});
  }
}

Result<std::shared_ptr<const PacketRuleSet>> PacketRuleSet::compile(
    std::vector<PacketRule> rules, std::vector<CompileIssue>& issues,
    PacketRuleSetOptions options) {
  auto set = std::shared_ptr<PacketRuleSet>(new PacketRuleSet());
  set->use_prefilter_ = options.use_prefilter;
  static std::atomic<std::uint64_t> next_id{1};
  set->id_ = next_id.fetch_add(1);
  std::set<std::pair<std::uint32_t, std::uint32_t>> sids;
  for (PacketRule& rule : rules) {
    auto compiled = std::make_unique<CompiledPacketRule>();
    std::string reason;
    if (!sids.emplace(rule.gid, rule.sid).second) {
      reason = "duplicate sid " + std::to_string(rule.sid);
    }
    for (const DetectItem& d : rule.items) {
      if (!reason.empty()) break;
      if (d.kind != DetectItem::Kind::kPcre) continue;
      RE2::Options o;
      o.set_encoding(RE2::Options::EncodingLatin1);
      o.set_log_errors(false);
      o.set_max_mem(kRegexMaxMem);
      auto re = std::make_unique<RE2>(d.regex, o);
      if (!re->ok()) {
        reason = "pcre '" + d.regex.substr(0, 120) + "' not supported by RE2: " + re->error();
      }
      compiled->regexes.push_back(std::move(re));
    }
    if (!reason.empty()) {
      issues.push_back({rule.file, rule.line, std::to_string(rule.sid), rule.msg, reason});
      continue;
    }
    compiled->rule = std::move(rule);
    std::size_t next_regex = 0;
    bool app_buffers = false;
    bool response_buffers = false;
    auto note_buffer = [&](Buffer b) {
      app_buffers = app_buffers || buffer_app(b) != AppProto::kNone;
      response_buffers = response_buffers || is_response_buffer(b);
      set->inspected_[static_cast<int>(b)] = true;
      auto& multi = compiled->multi_buffers;
      if (is_multi_buffer(b) && std::find(multi.begin(), multi.end(), b) == multi.end()) {
        multi.push_back(b);
      }
    };
    for (const DetectItem& d : compiled->rule.items) {
      ChainItem c{&d, nullptr};
      if (d.kind == DetectItem::Kind::kPcre) c.regex = compiled->regexes[next_regex++].get();
      compiled->chains[static_cast<int>(d.buffer)].push_back(c);
      note_buffer(d.buffer);
    }
    for (const SizeTest& t : compiled->rule.sizes) note_buffer(t.buffer);
    for (const FlowbitOp& op : compiled->rule.flowbits) {
      CompiledFlowbitOp c{op.kind, {}, op.any};
      for (const std::string& name : op.names) {
        const auto id = static_cast<std::uint32_t>(set->flowbit_ids_.size());
        c.ids.push_back(set->flowbit_ids_.try_emplace(name, id).first->second);
      }
      compiled->flowbit_conditions = compiled->flowbit_conditions || op.is_condition();
      compiled->flowbit_actions = compiled->flowbit_actions || !op.is_condition();
      compiled->flowbits.push_back(std::move(c));
    }
    compiled->app_rule =
        app_buffers || (compiled->rule.app != AppProto::kNone && compiled->rule.items.empty() &&
                        compiled->rule.sizes.empty());
    compiled->response_side =
        compiled->app_rule && (response_buffers || compiled->rule.flow_dir == FlowDir::kToClient);
    if (compiled->response_side) ++set->response_rule_count_[static_cast<int>(compiled->rule.app)];
    compiled->index = static_cast<std::uint32_t>(set->rules_.size());
    set->rules_.push_back(std::move(compiled));
  }

  set->number_headers();
  // One prefilter per kind over the distinct literals (caseless, so shared by case variants).
  for (Group* group : {&set->payload_, &set->app_}) {
    const bool app = group == &set->app_;
    std::map<std::string, std::uint32_t> ids;
    std::vector<std::string> literals;
    for (std::uint32_t i = 0; i < set->rules_.size(); ++i) {
      CompiledPacketRule& r = *set->rules_[i];
      if (r.app_rule != app) continue;
      group->all.push_back(i);
      if (app) {
        ++set->app_rule_count_[static_cast<int>(r.rule.app)];
      } else {
        ++set->payload_rule_count_;
      }
      (app ? set->app_flowbits_ : set->payload_flowbits_) |= !r.flowbits.empty();
      const std::string literal = required_literal(r.rule);
      if (literal.empty()) {
        set->add_always(*group, i);
        continue;
      }
      r.has_literal = true;
      auto [it, inserted] =
          ids.try_emplace(lower_ascii(literal), static_cast<std::uint32_t>(literals.size()));
      if (inserted) {
        literals.push_back(it->first);
        group->rules_of_literal.emplace_back();
      }
      group->rules_of_literal[it->second].push_back(i);
    }
    if (!literals.empty() && options.use_prefilter) {
      auto pf = sigma::Prefilter::build(options.engine, literals);
      if (!pf) return tl::unexpected(pf.error());
      group->prefilter = std::move(*pf);
    }
  }
  return std::shared_ptr<const PacketRuleSet>(std::move(set));
}

bool PacketRuleSet::has_app_rules(AppProto app) const {
  return app_rule_count_[static_cast<int>(app)] > 0;
}

bool PacketRuleSet::passes_gate(std::uint32_t index, const Inspection& in, Scratch& scratch) const {
  const Gate& g = gates_[index];
  if (g.app_rule && g.app != in.app) return false;
  if (g.app_rule && g.response_side == in.to_server) return false;  // the other inspection's
  // Flow direction and state first: plain flags, and most rules name them.
  if (g.flow_dir == FlowDir::kToServer && !in.to_server) return false;
  if (g.flow_dir == FlowDir::kToClient && in.to_server) return false;
  if (g.flow_state == FlowState::kEstablished && !in.established) return false;
  if (g.flow_state == FlowState::kNotEstablished && in.established) return false;
  return header_fits(g.header, in, scratch);
}

bool PacketRuleSet::header_fits(std::uint32_t header, const Inspection& in,
                                Scratch& scratch) const {
  Scratch::HeaderBank& bank = *scratch.bank;
  return bank.headers.get(header, bank.epoch,
                          [&] { return header_matches(headers_[header], in, scratch); });
}

bool PacketRuleSet::header_matches(const Header& h, const Inspection& in, Scratch& scratch) const {
  if (h.ip_proto != 0 && h.ip_proto != in.proto && !(h.ip_proto == 1 && in.proto == 58)) {
    return false;
  }
  Scratch::HeaderBank& bank = *scratch.bank;
  auto address_fits = [&](std::uint32_t set, std::uint32_t side) {
    return bank.addresses.get(2 * set + side, bank.epoch, [&] {
      return addresses_[set]->matches(side == 0 ? in.src : in.dst, in.v4);
    });
  };
  auto port_fits = [&](std::uint32_t set, std::uint32_t side) {
    return bank.ports.get(2 * set + side, bank.epoch,
                          [&] { return ports_[set]->matches(side == 0 ? in.sport : in.dport); });
  };
  const bool with_ports = in.proto == 6 || in.proto == 17;
  // forward: the rule's source is the inspection's source (side 0).
  auto oriented = [&](bool forward) {
    const std::uint32_t from = forward ? 0 : 1, to = forward ? 1 : 0;
    // Ports first: cheaper than address lists, and more selective in most rules.
    return (!with_ports || (port_fits(h.dport, to) && port_fits(h.sport, from))) &&
           address_fits(h.src, from) && address_fits(h.dst, to);
  };
  return oriented(true) || (h.bidirectional && oriented(false));
}

bool PacketRuleSet::evaluate(std::uint32_t index, const Inspection& in, const FlowBits* bits,
                             Scratch& scratch) const {
  if (!passes_gate(index, in, scratch)) return false;
  const CompiledPacketRule& r = *rules_[index];
  const PacketRule& rule = r.rule;
  if (rule.tcp_flags && (!in.has_tcp_flags || !rule.tcp_flags->holds(in.tcp_flags))) {
    return false;
  }
  if ((rule.icmp_type || rule.icmp_code) && !in.has_icmp) return false;
  if (rule.icmp_type && !rule.icmp_type->holds(in.icmp_type)) return false;
  if (rule.icmp_code && !rule.icmp_code->holds(in.icmp_code)) return false;
  if (r.flowbit_conditions && !flowbit_conditions_hold(r.flowbits, bits)) return false;
  std::string transformed;  // the buffer as the rule's transforms leave it, when it has some
  for (const SizeTest& t : rule.sizes) {
    if (is_multi_buffer(t.buffer)) continue;  // per instance, below
    const int b = static_cast<int>(t.buffer);
    if (!in.present[b]) return false;
    const std::string_view seen = rule_view(rule, t.buffer, in.buffers[b], transformed);
    if (!t.length.holds(seen.size())) return false;
  }
  for (int b = 0; b < kBufferCount; ++b) {
    const auto& chain = r.chains[b];
    if (chain.empty() || is_multi_buffer(static_cast<Buffer>(b))) continue;
    // Content is never looked for in an empty buffer, negated or not (as Suricata).
    if (!in.present[b] || in.buffers[b].empty()) return false;
    if (!match_chain(chain, rule_view(rule, static_cast<Buffer>(b), in.buffers[b], transformed))) {
      return false;
    }
  }
  for (const Buffer buffer : r.multi_buffers) {
    if (!some_instance_matches(r, buffer, in)) return false;
  }
  return true;
}

bool PacketRuleSet::some_instance_matches(const CompiledPacketRule& r, Buffer buffer,
                                          const Inspection& in) {
  const int b = static_cast<int>(buffer);
  if (!in.present[b]) return false;
  std::string transformed;
  for (const std::string& raw : in.instances[b]) {
    const std::string_view instance = rule_view(r.rule, buffer, raw, transformed);
    const bool sizes_hold = std::all_of(r.rule.sizes.begin(), r.rule.sizes.end(), [&](auto& t) {
      return t.buffer != buffer || t.length.holds(instance.size());
    });
    if (!sizes_hold) continue;
    if (r.chains[b].empty() || (!instance.empty() && match_chain(r.chains[b], instance))) {
      return true;
    }
  }
  return false;
}

void PacketRuleSet::match(const Inspection& in, std::vector<const CompiledPacketRule*>& hits,
                          FlowBits* bits) const {
  const bool app = in.app != AppProto::kNone;
  if (app ? !has_app_rules(in.app) : payload_rule_count_ == 0) return;
  const Group& group = app ? app_ : payload_;
  thread_local Scratch scratch;
  scratch.begin(*this, in);
  std::vector<std::uint32_t>& candidates = scratch.candidates;
  candidates.clear();
  if (!use_prefilter_) {
    candidates = group.all;
  } else {
    // The rules without a literal whose header fits.
    auto take = [&](const HeaderGroups& groups) {
      for (const HeaderRules& g : groups) {
        if (!header_fits(g.header, in, scratch)) continue;
        for (std::uint32_t i : g.rules) scratch.add_candidate(i);
      }
    };
    take(group.always);
    take(group.always_by_proto[in.proto]);
    // A TCP or UDP rule only matches packets of its protocol, whose destination port it names.
    if (in.proto == 6 || in.proto == 17) {
      if (auto it = group.always_by_dport.find(in.dport); it != group.always_by_dport.end()) {
        take(it->second);
      }
    }
    if (group.prefilter != nullptr) {
      scratch.literal_hits.clear();
      bool scanned = true;
      // Every buffer the input has: a rule's literal may come from any of its items (a
      // summary's payload buffer serves rules that mix payload and http items).
      // (Only buffers some rule inspects: a rule's literal is one of its own items.)
      for (int b = 0; b < kBufferCount; ++b) {
        if (!in.present[b] || !inspected_[b]) continue;
        if (is_multi_buffer(static_cast<Buffer>(b))) {
          for (const std::string& instance : in.instances[b]) {
            if (instance.empty()) continue;
            scanned = group.prefilter->scan(instance, scratch.literal_hits) && scanned;
          }
          continue;
        }
        if (in.buffers[b].empty()) continue;
        scanned = group.prefilter->scan(in.buffers[b], scratch.literal_hits) && scanned;
      }
      if (!scanned) {
        candidates = group.all;
      } else {
        for (std::uint32_t id : scratch.literal_hits) {
          for (std::uint32_t i : group.rules_of_literal[id]) scratch.add_candidate(i);
        }
      }
    }
  }
  // Rules without flowbits in any order (their matches are independent); then those with
  // flowbits in rule order: actions only, then with conditions those that also set bits, then
  // those that only read them (Suricata's order), so a bit set by a match on this inspection
  // counts for the readers. The hits are sorted into rule order at the end.
  const std::size_t first_hit = hits.size();
  std::vector<std::uint32_t>& with_flowbits = scratch.with_flowbits;
  with_flowbits.clear();
  for (std::uint32_t i : candidates) {
    if (gates_[i].has_flowbits) {
      with_flowbits.push_back(i);
    } else if (evaluate(i, in, bits, scratch)) {
      on_match(*rules_[i], bits, hits);
    }
  }
  if (!with_flowbits.empty()) {
    std::sort(with_flowbits.begin(), with_flowbits.end());
    auto run = [&](bool conditions, bool actions) {
      for (std::uint32_t i : with_flowbits) {
        const CompiledPacketRule& r = *rules_[i];
        if (r.flowbit_conditions == conditions && r.flowbit_actions == actions &&
            evaluate(i, in, bits, scratch)) {
          on_match(r, bits, hits);
        }
      }
    };
    run(false, true);
    run(true, true);
    run(true, false);
  }
  std::sort(
      hits.begin() + static_cast<std::ptrdiff_t>(first_hit), hits.end(),
      [](const CompiledPacketRule* a, const CompiledPacketRule* b) { return a->index < b->index; });
}

void PacketRuleSet::on_match(const CompiledPacketRule& r, FlowBits* bits,
                             std::vector<const CompiledPacketRule*>& hits) {
  if (bits != nullptr && !r.flowbits.empty()) apply_flowbit_actions(r.flowbits, *bits);
  if (!r.rule.noalert) hits.push_back(&r);
}

}  // namespace soc::packet
