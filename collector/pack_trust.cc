#include "collector/pack_trust.h"

namespace soc::collector {

Result<std::vector<pack::PublicKey>> load_trusted_keys(const CollectorConfig& config) {
  if (config.pack_trusted_keys.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "packs.trusted_keys in the collector's config is empty: add the admins' public "
                "keys (the same as in the agents' packs.trusted_keys)");
  }
  std::vector<pack::PublicKey> keys;
  for (const std::string& path : config.pack_trusted_keys) {
    auto key = pack::PublicKey::load(path);
    if (!key) return fail(key.error().code, "packs.trusted_keys: " + key.error().message);
    keys.push_back(std::move(*key));
  }
  return keys;
}

}  // namespace soc::collector
