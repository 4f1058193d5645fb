#include "agent/pipeline.h"

#include <algorithm>

#include "common/clock.h"
#include "common/log.h"

namespace soc::agent {

Result<std::unique_ptr<Pipeline>> Pipeline::create(PipelineConfig config,
                                                   std::vector<std::unique_ptr<Source>> sources,
                                                   std::unique_ptr<CollectorLink> link) {
  const std::string state_path = config.state_dir + "/state.json";
  auto spool = Spool::open(config.state_dir + "/spool");
  if (!spool) return tl::unexpected(spool.error());
  auto state = AgentState::load_or_create(state_path);
  if (!state) return tl::unexpected(state.error());
  // A batch spooled but not yet recorded in the state was never sent: it is rebuilt from the
  // sources, whose checkpoints still point before it.
  if (const std::size_t dropped = spool->remove_from(state->next_seq); dropped > 0) {
    log(LogLevel::kInfo, "agent", "discarded ", dropped,
        " unsent batch(es) from an interrupted run");
  }
  for (auto& source : sources) {
    if (!state->checkpoints.contains(source->name())) continue;
    auto restored = source->restore(state->checkpoints[source->name()]);
    if (!restored) {
      return fail(ErrorCode::kInvalidArgument,
                  "source '" + source->name() +
                      "': cannot restore its checkpoint: " + restored.error().message);
    }
  }
  auto p =
      std::unique_ptr<Pipeline>(new Pipeline(std::move(config), std::move(sources), std::move(link),
                                             std::move(*state), std::move(*spool)));
  return p;
}

Pipeline::Pipeline(PipelineConfig config, std::vector<std::unique_ptr<Source>> sources,
                   std::unique_ptr<CollectorLink> link, AgentState state, Spool spool)
    : config_(std::move(config)),
      sources_(std::move(sources)),
      link_(std::move(link)),
      state_(std::move(state)),
      spool_(std::move(spool)),
      state_path_(config_.state_dir + "/state.json") {
  send_cursor_ = spool_.oldest().value_or(state_.next_seq);
  if (!spool_.empty()) {
    log(LogLevel::kInfo, "agent", spool_.count(),
        " batch(es) waiting in the spool from an earlier run");
  }
}

std::size_t Pipeline::poll_sources() {
  const bool full = spool_.bytes() >= config_.spool_max_bytes;
  if (full != paused_) {
    paused_ = full;
    if (full) {
      ++pauses_;
      log(LogLevel::kWarn, "agent", "spool full (", spool_.bytes(),
          " bytes): reading paused until the collector acknowledges");
    } else {
      log(LogLevel::kInfo, "agent", "spool has room again: reading resumed");
    }
  }
  if (paused_) return 0;
  std::size_t got = 0;
  for (auto& source : sources_) {
    const std::size_t room = config_.batch_max_events - open_batch_.size();
    if (room == 0) break;
    const std::size_t before = open_batch_.size();
    got += source->poll(open_batch_, room);
    if (before == 0 && open_batch_.size() > 0) open_batch_since_ms_ = monotonic_ms();
  }
  events_read_ += got;
  return got;
}

Result<void> Pipeline::seal_batch() {
  wire::Batch batch;
  batch.epoch = state_.epoch;
  batch.seq = state_.next_seq;
  batch.base = spool_.oldest().value_or(batch.seq);
  batch.events = std::move(open_batch_);
  open_batch_.clear();
  auto spooled = spool_.append(batch.seq, wire::encode(batch));
  if (!spooled) return spooled;
  state_.next_seq = batch.seq + 1;
  for (const auto& source : sources_) state_.checkpoints[source->name()] = source->checkpoint();
  auto saved = state_.save(state_path_);
  if (!saved) return saved;
  ++batches_sealed_;
  return ok();
}

Result<void> Pipeline::refresh_base(std::uint64_t seq) {
  // The base inside a spooled batch was right when it was sealed; batches may have been acked
  // since, so restate the current one (only needed when the collector saw a gap).
  auto bytes = spool_.read(seq);
  if (!bytes) return tl::unexpected(bytes.error());
  auto message = wire::decode(*bytes);
  if (!message || !std::holds_alternative<wire::Batch>(*message)) {
    return fail(ErrorCode::kInternal, "spooled batch " + std::to_string(seq) + " does not decode");
  }
  auto& batch = std::get<wire::Batch>(*message);
  batch.base = spool_.oldest().value_or(seq);
  return spool_.rewrite(seq, wire::encode(batch));
}

Result<void> Pipeline::send_ready() {
  if (spool_.empty()) return ok();
  const std::uint64_t oldest = *spool_.oldest();
  const std::int64_t now = monotonic_ms();
  if (send_cursor_ > oldest && now - last_progress_ms_ > config_.resend_timeout_ms) {
    rewind_to(oldest, "no acknowledgement before the resend timeout");
  }
  send_cursor_ = std::max(send_cursor_, oldest);
  while (send_cursor_ <= *spool_.newest() && send_cursor_ - oldest < config_.max_inflight) {
    auto bytes = spool_.read(send_cursor_);
    if (!bytes) return tl::unexpected(bytes.error());
    if (!link_->try_send(*bytes)) break;
    if (send_cursor_ == oldest) last_progress_ms_ = now;
    ++batches_sent_;
    ++send_cursor_;
  }
  return ok();
}

void Pipeline::rewind_to(std::uint64_t seq, const char* why) {
  if (spool_.empty()) return;
  const std::uint64_t target = std::max(seq, *spool_.oldest());
  if (target < send_cursor_) {
    resends_ += send_cursor_ - target;
    log(LogLevel::kInfo, "agent", "resending from batch ", target, ": ", why);
    send_cursor_ = target;
  }
  last_progress_ms_ = monotonic_ms();
}

void Pipeline::handle(const wire::Message& message) {
  if (const auto* ack = std::get_if<wire::Ack>(&message)) {
    if (ack->epoch != state_.epoch) return;
    const std::size_t removed = spool_.remove_through(ack->seq);
    if (removed > 0) {
      batches_acked_ += removed;
      last_progress_ms_ = monotonic_ms();
    }
  } else if (const auto* nack = std::get_if<wire::Nack>(&message)) {
    if (nack->epoch != state_.epoch) return;
    log(LogLevel::kWarn, "agent", "collector wants batch ", nack->expected_seq, ": ", nack->reason);
    if (!spool_.empty() && nack->expected_seq < *spool_.oldest()) {
      // Batches below our oldest are gone for good; tell the collector by restating the base.
      if (auto r = refresh_base(*spool_.oldest()); !r)
        log(LogLevel::kError, "agent", r.error().message);
    }
    rewind_to(nack->expected_seq, "the collector saw a gap");
  }
}

void Pipeline::send_heartbeat() {
  wire::Heartbeat hb;
  hb.epoch = state_.epoch;
  hb.counters = counters();
  (void)link_->try_send(wire::encode(hb));
  last_heartbeat_ms_ = monotonic_ms();
}

std::map<std::string, std::uint64_t> Pipeline::counters() const {
  std::map<std::string, std::uint64_t> c{
      {"events_read", events_read_},
      {"batches_sealed", batches_sealed_},
      {"batches_sent", batches_sent_},
      {"batches_acked", batches_acked_},
      {"batches_resent", resends_},
      {"spool_batches", spool_.count()},
      {"spool_bytes", spool_.bytes()},
      {"spool_full_pauses", pauses_},
      {"link_connects", link_->counters().connects},
      {"link_handshake_failures", link_->counters().handshake_failures},
      {"link_malformed_received", link_->counters().malformed_received},
  };
  for (const auto& source : sources_) {
    for (const auto& [name, value] : source->counters()) c[source->name() + "." + name] = value;
  }
  return c;
}

Result<void> Pipeline::run(const std::atomic<bool>& stop) {
  last_progress_ms_ = monotonic_ms();
  while (!stop.load()) {
    const std::size_t got = poll_sources();
    const bool full = open_batch_.size() >= config_.batch_max_events;
    const bool old =
        !open_batch_.empty() && monotonic_ms() - open_batch_since_ms_ >= config_.batch_max_delay_ms;
    if (full || old) {
      if (auto r = seal_batch(); !r) return r;
    }
    if (link_->take_reconnected()) {
      rewind_to(0, "reconnected");
      send_heartbeat();
    }
    if (auto r = send_ready(); !r) return r;
    if (monotonic_ms() - last_heartbeat_ms_ >= config_.heartbeat_interval_ms) send_heartbeat();
    // Wait for acks only as long as nothing else is to be done.
    int wait_ms = 0;
    if (got == 0 && !full) {
      wait_ms = static_cast<int>(config_.idle_wait_ms);
      if (!open_batch_.empty()) {
        const std::int64_t left =
            config_.batch_max_delay_ms - (monotonic_ms() - open_batch_since_ms_);
        wait_ms = static_cast<int>(std::clamp<std::int64_t>(left, 0, wait_ms));
      }
    }
    for (auto message = link_->receive(wait_ms); message; message = link_->receive(0)) {
      handle(*message);
    }
  }
  return ok();
}

}  // namespace soc::agent
