// PackUpdater: takes the signed packs the collector pushes, checks them, compiles them off to
// the side and swaps them in whole (DESIGN.md "Signatures and packs").
//
// A pushed pack is accepted only when it is signed by one of the trusted admin keys, its format
// and min_agent_version suit this agent, every rule compiles (apart from those its manifest
// lists as skipped) and its version is higher than the active pack's, or lower when the
// collector marks the push as an explicit rollback. Anything else leaves the active rules
// running and produces a refusal with the reason. An accepted pack is saved (atomically, fsync)
// as state_dir/active.pack before it is activated, so it survives a restart.
//
// Threads: offer(), take_reports() and the accessors are for the pipeline thread; checking and
// compiling run on the updater's own worker thread, so reading never stalls for a compile.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/active_rules.h"
#include "common/result.h"
#include "common/wire.h"
#include "signatures/pack/pack_file.h"
#include "signatures/pack/signing_key.h"
#include "signatures/packet/variables.h"

namespace soc::agent {

struct PackUpdaterConfig {
  std::vector<pack::PublicKey> trusted_keys;  // none: every pack is refused
  std::string state_dir;                      // holds active.pack
  packet::Variables packet_variables = packet::Variables::defaults();  // for packet rules
};

class PackUpdater {
 public:
  // `rules` must outlive the updater.
  PackUpdater(PackUpdaterConfig config, ActiveRules& rules);
  ~PackUpdater();  // waits for a check in progress
  PackUpdater(const PackUpdater&) = delete;
  PackUpdater& operator=(const PackUpdater&) = delete;

  // Activates state_dir/active.pack when there is one (synchronously, before the sources run).
  // Returns false when there is none; an error when it is there but no longer acceptable (e.g.
  // its key is not trusted any more): the caller keeps its configured rules then.
  Result<bool> restore();

  // Queues a pushed pack. A push waiting behind a check in progress is replaced by a newer one.
  void offer(wire::PackPush push);

  // The verdicts reached since the last call, oldest first.
  std::vector<wire::PackReport> take_reports();

  // "" when no pack is active.
  std::string active_version() const;
  std::map<std::string, std::uint64_t> counters() const;  // packs_accepted, packs_refused

  // The path of the saved active pack.
  std::string active_pack_path() const;

 private:
  void work();
  wire::PackReport check_and_activate(const wire::PackPush& push);
  // Compiles and activates a verified pack; with persist, saves `bytes` as the active pack first.
  Result<void> activate(const pack::VerifiedPack& verified, std::string_view bytes, bool persist);

  PackUpdaterConfig config_;
  ActiveRules& rules_;

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable wake_;
  std::optional<wire::PackPush> pending_;
  std::vector<wire::PackReport> reports_;
  std::string active_version_;
  std::uint64_t accepted_ = 0;
  std::uint64_t refused_ = 0;
  bool stopping_ = false;
  std::thread worker_;  // last: started after everything it uses
};

}  // namespace soc::agent
