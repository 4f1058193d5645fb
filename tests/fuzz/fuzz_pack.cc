// libFuzzer target: the pack reader must refuse or accept any bytes without crashing or hanging.
// Whatever read_pack accepts must also be what peek_manifest reports, must write back into a
// pack that reads back the same, and must go through compile_pack without crashing.
//
// The valid packs of the corpus (tests/fuzz/corpus/pack/valid*.pack) are signed by a throwaway
// key whose public half is below (its secret was discarded). The signature covers only the
// manifest, so mutations of the files section still reach the file checks.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "signatures/pack/compiled_pack.h"
#include "signatures/pack/pack_file.h"

namespace {

constexpr const char* kCorpusKey =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAu6E1wKjtytqRWkwHPGQHcLbPy63cf9aShICOU//TX4E=\n"
    "-----END PUBLIC KEY-----\n";

// Signs the round-trip copies; generated once per process.
const soc::pack::SecretKey& round_trip_key() {
  static const soc::pack::SecretKey key = [] {
    auto generated = soc::pack::SecretKey::generate();
    if (!generated) std::abort();
    return *generated;
  }();
  return key;
}

const std::vector<soc::pack::PublicKey>& trusted() {
  static const std::vector<soc::pack::PublicKey> keys = [] {
    auto corpus = soc::pack::PublicKey::from_pem(kCorpusKey);
    if (!corpus) std::abort();
    return std::vector<soc::pack::PublicKey>{*corpus, round_trip_key().public_key()};
  }();
  return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto peeked = soc::pack::peek_manifest(bytes);
  auto pack = soc::pack::read_pack(bytes, trusted());
  if (!pack) return 0;
  if (!peeked || peeked->manifest != pack->manifest || peeked->signer_id != pack->signer_id) {
    std::abort();
  }
  auto again = soc::pack::write_pack(pack->manifest, pack->files, round_trip_key());
  if (!again) std::abort();
  auto reread = soc::pack::read_pack(*again, trusted());
  if (!reread || reread->manifest != pack->manifest || reread->files != pack->files) {
    std::abort();
  }
  (void)soc::pack::compile_pack(*pack);
  return 0;
}
