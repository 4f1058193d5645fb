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
  const std::shared_ptr<const sigma::RuleSet> rules = rules_.get();  // one set per poll
  for (Event& event : ready) {
    matches_.clear();
    if (rules != nullptr) rules->match(event, router_.route(event), matches_);
    out.push_back(std::move(event));
    const std::size_t matched_index = out.size() - 1;
    for (const sigma::CompiledRule* rule : matches_) {
      out.push_back(sigma::make_alert(out[matched_index], *rule));
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
