#include "agent/pack_updater.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/log.h"
#include "common/write_file_durably.h"
#include "signatures/pack/compiled_pack.h"
#include "signatures/pack/pack_file.h"

namespace soc::agent {
namespace {

constexpr const char* kComponent = "packs";

std::shared_ptr<const RuleSnapshot> snapshot_of(const pack::CompiledPack& compiled) {
  auto snapshot = std::make_shared<RuleSnapshot>();
  snapshot->rules = compiled.rules;
  snapshot->packet_rules = compiled.packet_rules;
  snapshot->pack_name = compiled.manifest.name;
  snapshot->pack_version = compiled.manifest.version.to_string();
  snapshot->routing = compiled.manifest.routing;
  return snapshot;
}

}  // namespace

PackUpdater::PackUpdater(PackUpdaterConfig config, ActiveRules& rules)
    : config_(std::move(config)), rules_(rules), worker_([this] { work(); }) {}

PackUpdater::~PackUpdater() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

std::string PackUpdater::active_pack_path() const { return config_.state_dir + "/active.pack"; }

Result<bool> PackUpdater::restore() {
  std::error_code ec;
  if (!std::filesystem::exists(active_pack_path(), ec)) return false;
  std::ifstream in(active_pack_path(), std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) return fail(ErrorCode::kIo, "cannot read " + active_pack_path());
  auto verified = pack::read_pack(bytes.str(), config_.trusted_keys);
  Result<void> activated =
      verified ? activate(*verified, "", false) : tl::unexpected(verified.error());
  if (!activated) {
    return fail(activated.error().code, active_pack_path() + ": " + activated.error().message);
  }
  return true;
}

Result<void> PackUpdater::activate(const pack::VerifiedPack& verified, std::string_view bytes,
                                   bool persist) {
  auto compiled = pack::compile_pack(verified, config_.packet_variables);
  if (!compiled) return tl::unexpected(compiled.error());
  if (persist) {
    if (auto w = write_file_durably(active_pack_path(), bytes, active_pack_path() + ".tmp", 0600);
        !w) {
      return w;
    }
  }
  rules_.set(snapshot_of(**compiled));
  const std::string version = (*compiled)->manifest.version.to_string();
  {
    std::lock_guard lock(mutex_);
    active_version_ = version;
  }
  log(LogLevel::kInfo, kComponent, "active pack ", (*compiled)->manifest.name, " ", version, ": ",
      (*compiled)->rules->rules().size(), " rules, signed by ", verified.signer_id);
  return ok();
}

void PackUpdater::offer(wire::PackPush push) {
  {
    std::lock_guard lock(mutex_);
    pending_ = std::move(push);
  }
  wake_.notify_one();
}

std::vector<wire::PackReport> PackUpdater::take_reports() {
  std::lock_guard lock(mutex_);
  std::vector<wire::PackReport> out;
  out.swap(reports_);
  return out;
}

std::string PackUpdater::active_version() const {
  std::lock_guard lock(mutex_);
  return active_version_;
}

std::map<std::string, std::uint64_t> PackUpdater::counters() const {
  std::lock_guard lock(mutex_);
  return {{"packs_accepted", accepted_}, {"packs_refused", refused_}};
}

void PackUpdater::work() {
  for (;;) {
    wire::PackPush push;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || pending_.has_value(); });
      if (stopping_) return;
      push = std::move(*pending_);
      pending_.reset();
    }
    wire::PackReport report = check_and_activate(push);
    if (report.accepted) {
      log(LogLevel::kInfo, kComponent, "pack ", report.version, " (publication ",
          report.publication, ") accepted", report.reason.empty() ? "" : ": ", report.reason);
    } else {
      log(LogLevel::kWarn, kComponent, "pack ", report.version.empty() ? "?" : report.version,
          " (publication ", report.publication, ") refused: ", report.reason);
    }
    std::lock_guard lock(mutex_);
    ++(report.accepted ? accepted_ : refused_);
    reports_.push_back(std::move(report));
  }
}

wire::PackReport PackUpdater::check_and_activate(const wire::PackPush& push) {
  wire::PackReport report;
  report.publication = push.publication;
  // The version is named in the report even when the signature is refused, so an admin sees
  // which pack it was; nothing else of an unverified pack is used.
  if (auto peeked = pack::peek_manifest(push.pack)) {
    report.version = peeked->manifest.version.to_string();
  }
  auto verified = pack::read_pack(push.pack, config_.trusted_keys);
  if (!verified) {
    report.reason = verified.error().message;
    return report;
  }
  report.version = verified->manifest.version.to_string();
  const std::string active = active_version();
  if (!active.empty()) {
    const auto active_version = pack::PackVersion::parse(active);
    const pack::PackVersion& offered = verified->manifest.version;
    if (active_version && offered == *active_version) {
      report.accepted = true;
      report.reason = "already active";
      return report;
    }
    if (active_version && offered < *active_version && !push.rollback) {
      report.reason = "version " + report.version + " is not newer than the active " + active +
                      " (and the collector did not ask for a rollback)";
      return report;
    }
  }
  if (auto r = activate(*verified, push.pack, true); !r) {
    report.reason = r.error().message;
    return report;
  }
  report.accepted = true;
  return report;
}

}  // namespace soc::agent
