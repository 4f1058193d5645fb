// Source: a producer of events on the agent (file tail today; syslog and pcap later).
//
// Contract: a Source is owned and driven by the agent's single pipeline thread; none of its
// methods block for long (poll reads what is already there). The pipeline persists checkpoint()
// together with the batch that holds every event poll() has returned so far, so a restart
// resumes exactly after the last event that reached the spool: nothing lost, nothing twice.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/event.h"
#include "common/result.h"

namespace soc::agent {

class Source {
 public:
  virtual ~Source() = default;

  // Stable name of this source, used as the key of its checkpoint in the agent state.
  virtual const std::string& name() const = 0;

  // Appends at most max_events newly available events to out and returns how many it appended.
  // Never blocks; problems (a file vanished, a read error) are logged and counted, not thrown.
  virtual std::size_t poll(std::vector<Event>& out, std::size_t max_events) = 0;

  // Appends the events the source holds back (e.g. audit records waiting for the rest of their
  // group). The pipeline calls it before it saves checkpoint(), so nothing held is lost.
  virtual void flush(std::vector<Event>& out) { (void)out; }

  // The read position just after the last event returned by poll() or flush(), to persist.
  virtual nlohmann::json checkpoint() const = 0;

  // Restores a checkpoint saved by an earlier run; called once, before the first poll().
  // A checkpoint that no longer fits the files on disk is handled as documented by the source;
  // only a checkpoint of the wrong shape is an error.
  virtual Result<void> restore(const nlohmann::json& checkpoint) = 0;

  // Counters for heartbeats and logs (name -> value), e.g. {"lines": 10, "truncated": 1}.
  virtual std::map<std::string, std::uint64_t> counters() const = 0;
};

}  // namespace soc::agent
