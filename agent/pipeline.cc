#include "agent/pipeline.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/clock.h"
#include "common/log.h"

namespace soc::agent {

namespace {

// Takes an exclusive lock on state_dir/lock: two agents on one state would reuse sequence
// numbers for different lines, and the collector would drop the second as a duplicate.
Result<int> lock_state_dir(const std::string& state_dir) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec)
    return fail(ErrorCode::kIo, state_dir + ": cannot create the state folder: " + ec.message());
  const std::string path = state_dir + "/lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return fail(ErrorCode::kIo, path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return fail(ErrorCode::kConflict,
                state_dir + ": another soc-agent is running on this state folder");
  }
  return fd;
}

}  // namespace

Result<std::unique_ptr<Pipeline>> Pipeline::create(PipelineConfig config,
                                                   std::vector<std::unique_ptr<Source>> sources,
                                                   std::unique_ptr<CollectorLink> link) {
  auto lock_fd = lock_state_dir(config.state_dir);
  if (!lock_fd) return tl::unexpected(lock_fd.error());
  auto unlock_on_error = [fd = *lock_fd](Error e) {
    ::close(fd);
    return tl::unexpected(std::move(e));
  };
  const std::string state_path = config.state_dir + "/state.json";
  const bool had_state = std::filesystem::exists(state_path);
  auto spool = Spool::open(config.state_dir + "/spool");
  if (!spool) return unlock_on_error(spool.error());
  auto state = AgentState::load_or_create(state_path);
  if (!state) return unlock_on_error(state.error());
  if (!had_state && !spool->empty()) {
    // Without the state we cannot tell sent batches from unsent ones: refuse rather than guess.
    return unlock_on_error(
        Error{ErrorCode::kConflict, state_path + " is missing but the spool holds " +
                                        std::to_string(spool->count()) +
                                        " batch(es); restore the state file, or move the spool "
                                        "folder away to start over"});
  }
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
      return unlock_on_error(
          Error{ErrorCode::kInvalidArgument,
                "source '" + source->name() +
                    "': cannot restore its checkpoint: " + restored.error().message});
    }
  }
  return std::unique_ptr<Pipeline>(new Pipeline(std::move(config), std::move(sources),
                                                std::move(link), std::move(*state),
                                                std::move(*spool), *lock_fd));
}

Pipeline::~Pipeline() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Pipeline::Pipeline(PipelineConfig config, std::vector<std::unique_ptr<Source>> sources,
                   std::unique_ptr<CollectorLink> link, AgentState state, Spool spool, int lock_fd)
    : config_(std::move(config)),
      sources_(std::move(sources)),
      link_(std::move(link)),
      state_(std::move(state)),
      spool_(std::move(spool)),
      state_path_(config_.state_dir + "/state.json"),
      lock_fd_(lock_fd) {
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
    // Ask for no more events than can fit under the byte limit even if each is the largest.
    const std::size_t byte_room = config_.batch_max_bytes > open_batch_bytes_
                                      ? config_.batch_max_bytes - open_batch_bytes_
                                      : 0;
    const std::size_t room =
        std::min(config_.batch_max_events - open_batch_.size(),
                 std::max<std::size_t>(1, byte_room / config_.max_event_bytes));
    if (batch_full()) break;
    const std::size_t before = open_batch_.size();
    got += source->poll(open_batch_, room);
    for (std::size_t i = before; i < open_batch_.size(); ++i) {
      open_batch_bytes_ += approximate_size(open_batch_[i]);
    }
    if (before == 0 && !open_batch_.empty()) open_batch_since_ms_ = monotonic_ms();
  }
  events_read_ += got;
  return got;
}

bool Pipeline::batch_full() const {
  return open_batch_.size() >= config_.batch_max_events ||
         open_batch_bytes_ >= config_.batch_max_bytes;
}

void Pipeline::flush_sources() {
  for (auto& source : sources_) {
    const std::size_t before = open_batch_.size();
    source->flush(open_batch_);
    for (std::size_t i = before; i < open_batch_.size(); ++i) {
      open_batch_bytes_ += approximate_size(open_batch_[i]);
    }
    events_read_ += open_batch_.size() - before;
  }
}

Result<void> Pipeline::seal_batch() {
  flush_sources();  // the checkpoints saved below must not pass anything a source holds
  wire::Batch batch;
  batch.epoch = state_.epoch;
  batch.seq = state_.next_seq;
  batch.base = spool_.oldest().value_or(batch.seq);
  batch.events = std::move(open_batch_);
  open_batch_.clear();
  open_batch_bytes_ = 0;
  auto spooled = spool_.append(batch.seq, wire::encode(batch));
  if (!spooled) return spooled;
  state_.next_seq = batch.seq + 1;
  auto saved = save_state();
  if (!saved) return saved;
  ++batches_sealed_;
  return ok();
}

Result<void> Pipeline::save_state() {
  for (const auto& source : sources_) state_.checkpoints[source->name()] = source->checkpoint();
  last_state_save_ms_ = monotonic_ms();
  return state_.save(state_path_);
}

Result<void> Pipeline::save_idle_state() {
  // Only with no open batch do the checkpoints describe exactly what is spooled.
  if (!open_batch_.empty() ||
      monotonic_ms() - last_state_save_ms_ < config_.idle_save_interval_ms) {
    return ok();
  }
  flush_sources();
  if (!open_batch_.empty()) {  // a source held events: they go out with the next batch
    open_batch_since_ms_ = monotonic_ms();
    return ok();
  }
  last_state_save_ms_ = monotonic_ms();
  bool changed = false;
  for (const auto& source : sources_) {
    if (!state_.checkpoints.contains(source->name()) ||
        state_.checkpoints[source->name()] != source->checkpoint()) {
      changed = true;
    }
  }
  return changed ? save_state() : ok();
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
    if (!link_->try_send(Channel::kData, *bytes)) break;
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
  } else if (const auto* push = std::get_if<wire::PackPush>(&message)) {
    if (packs_ != nullptr) {
      packs_->offer(*push);
    } else {
      ++packs_ignored_;
    }
  }
}

void Pipeline::send_pack_reports() {
  if (packs_ == nullptr) return;
  const std::vector<wire::PackReport> reports = packs_->take_reports();
  if (reports.empty()) return;
  for (const wire::PackReport& report : reports)
    (void)link_->try_send(Channel::kControl, wire::encode(report));
  send_heartbeat();  // the active pack's version, at once
}

void Pipeline::send_heartbeat() {
  wire::Heartbeat hb;
  hb.epoch = state_.epoch;
  hb.counters = counters();
  if (packs_ != nullptr) hb.pack_version = packs_->active_version();
  (void)link_->try_send(Channel::kControl, wire::encode(hb));
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
      {"link_control_connects", link_->counters().control_connects},
      {"link_handshake_failures", link_->counters().handshake_failures},
      {"link_malformed_received", link_->counters().malformed_received},
  };
  for (const auto& source : sources_) {
    for (const auto& [name, value] : source->counters()) c[source->name() + "." + name] = value;
  }
  if (packs_ != nullptr) c.merge(packs_->counters());
  c["packs_ignored"] = packs_ignored_;
  return c;
}

Result<void> Pipeline::run(const std::atomic<bool>& stop) {
  last_progress_ms_ = monotonic_ms();
  while (!stop.load()) {
    const std::size_t got = poll_sources();
    const bool full = batch_full();
    const bool old =
        !open_batch_.empty() && monotonic_ms() - open_batch_since_ms_ >= config_.batch_max_delay_ms;
    if (full || old) {
      if (auto r = seal_batch(); !r) return r;
    }
    if (auto r = save_idle_state(); !r) return r;
    if (link_->take_reconnected(Channel::kData) && link_->counters().connects > 1) {
      // After a reconnect, what was sent on the old connection may be lost: send it again.
      // (On the first connection everything sent went over it, so nothing to repeat.)
      rewind_to(0, "reconnected");
    }
    // A (new) control connection: the collector learns it, and our pack, from a heartbeat.
    if (link_->take_reconnected(Channel::kControl)) send_heartbeat();
    if (auto r = send_ready(); !r) return r;
    send_pack_reports();
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
