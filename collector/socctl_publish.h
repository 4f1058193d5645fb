// `socctl pack publish|rollback|list`: packs go to agents through the collector's store.
//   socctl --config COLLECTOR.yaml pack publish FILE
//   socctl --config COLLECTOR.yaml pack rollback VERSION
//   socctl --config COLLECTOR.yaml pack list [--json]
// publish and rollback check the pack as agents will (signed by a key of packs.trusted_keys,
// every rule compiles, it fits in a message) so that nothing is published that agents refuse;
// publish also wants a version above the current one (rollback is the way back, on purpose).
// The running collector notices a new publication within a second and pushes it to its agents.
#pragma once

#include <string>

#include "collector/collector_config.h"
#include "collector/store/event_store.h"

namespace soc::collector {

// Exit codes: 0 published, 1 refused or failed, 2 usage (unreadable file, no trusted keys).
int pack_publish(EventStore& store, const CollectorConfig& config, const std::string& file);
int pack_rollback(EventStore& store, const CollectorConfig& config, const std::string& version);
int pack_list(EventStore& store, bool json);

}  // namespace soc::collector
