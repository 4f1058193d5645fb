// The admins' public keys the collector checks packs against (packs.trusted_keys of
// collector.yaml): the same keys the agents trust, so the collector refuses what agents would.
#pragma once

#include <vector>

#include "collector/collector_config.h"
#include "common/result.h"
#include "signatures/pack/signing_key.h"

namespace soc::collector {

// Loads every configured key; kInvalidArgument when none is configured, the key's error when one
// cannot be read.
Result<std::vector<pack::PublicKey>> load_trusted_keys(const CollectorConfig& config);

}  // namespace soc::collector
