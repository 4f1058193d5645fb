// libFuzzer target: the wire decoder must refuse or accept any bytes without crashing, and
// whatever it accepts must re-encode to something that decodes to the same message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  soc::wire::Limits limits;
  limits.max_decompressed_bytes = 1 << 20;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = soc::wire::decode(bytes, limits);
  if (decoded) {
    auto again = soc::wire::decode(soc::wire::encode(*decoded), limits);
    if (!again || !(*again == *decoded)) std::abort();
  }
  return 0;
}
