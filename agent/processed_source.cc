#include "agent/processed_source.h"

#include "signatures/sigma/alert.h"

namespace soc::agent {

ProcessedSource::ProcessedSource(std::unique_ptr<Source> inner, std::unique_ptr<Decoder> decoder,
                                 sigma::LogSource logsource, const ActiveRules& rules)
    : inner_(std::move(inner)),
      decoder_(std::move(decoder)),
      router_(std::move(logsource)),
      rules_(rules) {}

std::size_t ProcessedSource::poll(std::vector<Event>& out, std::size_t max_events) {
  // Alerts come on top of the lines, so ask for at most half of the room: a batch may hold one
  // alert per line at worst, and the pipeline's limits stay meaningful.
  const std::size_t lines_wanted = std::max<std::size_t>(1, max_events / 2);
  lines_.clear();
  inner_->poll(lines_, lines_wanted);
  ready_.clear();
  for (Event& line : lines_) {
    if (decoder_ != nullptr) {
      if (decoder_->decode(line)) {
        ++decoded_;
      } else {
        ++undecoded_;
      }
    }
    assembler_.push(std::move(line), ready_);
  }
  const std::size_t before = out.size();
  emit(ready_, out);
  return out.size() - before;
}

void ProcessedSource::flush(std::vector<Event>& out) {
  ready_.clear();
  assembler_.flush(ready_);
  emit(ready_, out);
}

void ProcessedSource::emit(std::vector<Event>& ready, std::vector<Event>& out) {
  // One snapshot per poll: every event of it is matched by the same rules, whatever is
  // swapped in meanwhile.
  std::shared_ptr<const RuleSnapshot> snapshot = rules_.get();
  if (snapshot != snapshot_) {
    // Held until the next change, so the router's routing table stays alive.
    snapshot_ = std::move(snapshot);
    router_.set_routing(snapshot_ != nullptr ? &snapshot_->routing : nullptr);
  }
  const RuleSnapshot* current = snapshot_.get();
  const sigma::RuleSet* rules = current != nullptr ? current->rules.get() : nullptr;
  for (Event& event : ready) {
    matches_.clear();
    if (rules != nullptr) rules->match(event, router_.route(event), matches_);
    out.push_back(std::move(event));
    const std::size_t matched_index = out.size() - 1;
    for (const sigma::CompiledRule* rule : matches_) {
      Event& alert = out.emplace_back(sigma::make_alert(out[matched_index], *rule));
      if (!current->pack_name.empty()) {
        append_string(alert.fields, "pack.name", current->pack_name);
        append_string(alert.fields, "pack.version", current->pack_version);
      }
      ++alerts_;
    }
  }
}

std::map<std::string, std::uint64_t> ProcessedSource::counters() const {
  std::map<std::string, std::uint64_t> c = inner_->counters();
  c["decoded"] = decoded_;
  c["undecoded"] = undecoded_;
  c["alerts"] = alerts_;
  return c;
}

}  // namespace soc::agent
