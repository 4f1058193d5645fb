// ProcessedSource: wraps a Source and turns its raw lines into decoded, routed, matched events:
//   1. the source's decoder adds ECS fields (a line no decoder understands stays a plain event
//      with its raw text, counted as "undecoded": never dropped);
//   2. auditd records of one event are grouped into one event (AuditAssembler);
//   3. the active Sigma rules are matched, and an `alert` event follows each matching event
//      (with pack.name and pack.version when the rules came from a pack).
// Grouping holds records until the next event starts; flush() releases them, so the pipeline
// seals nothing that depends on a held record. Single-threaded like every Source.
#pragma once

#include <cstdint>
#include <memory>

#include "agent/active_rules.h"
#include "agent/decode/audit_assembler.h"
#include "agent/decode/decoder.h"
#include "agent/logsource.h"
#include "agent/sources/source.h"

namespace soc::agent {

class ProcessedSource final : public Source {
 public:
  // decoder may be null (no decoding); rules must outlive this object.
  ProcessedSource(std::unique_ptr<Source> inner, std::unique_ptr<Decoder> decoder,
                  sigma::LogSource logsource, const ActiveRules& rules);

  const std::string& name() const override { return inner_->name(); }
  std::size_t poll(std::vector<Event>& out, std::size_t max_events) override;
  void flush(std::vector<Event>& out) override;
  nlohmann::json checkpoint() const override { return inner_->checkpoint(); }
  Result<void> restore(const nlohmann::json& checkpoint) override {
    return inner_->restore(checkpoint);
  }
  std::map<std::string, std::uint64_t> counters() const override;

 private:
  // Matches each event of ready against the rules and moves it, and its alerts, to out.
  void emit(std::vector<Event>& ready, std::vector<Event>& out);

  std::unique_ptr<Source> inner_;
  std::unique_ptr<Decoder> decoder_;
  LogSourceRouter router_;
  const ActiveRules& rules_;
  std::shared_ptr<const RuleSnapshot> snapshot_;  // the rules of the last poll
  AuditAssembler assembler_;
  std::vector<Event> lines_;  // scratch: raw lines from the inner source
  std::vector<Event> ready_;  // scratch: decoded (and grouped) events
  std::vector<const sigma::CompiledRule*> matches_;
  std::uint64_t decoded_ = 0;
  std::uint64_t undecoded_ = 0;
  std::uint64_t alerts_ = 0;
};

}  // namespace soc::agent
