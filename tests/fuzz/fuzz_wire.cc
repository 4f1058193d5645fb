// libFuzzer target: the wire decoder must refuse or accept any bytes without crashing, and
// whatever it accepts must re-encode to bytes that decode and re-encode to the same bytes
// (compared as bytes, since a NaN field is never equal to itself). The fields of the events it
// accepts must encode to a store `fields` column that decodes, and encodes again to the same text
// (the first encoding has already replaced what JSON cannot hold).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "collector/store/fields_column.h"
#include "common/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  soc::wire::Limits limits;
  limits.max_decompressed_bytes = 1 << 20;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = soc::wire::decode(bytes, limits);
  if (decoded) {
    const std::string encoded = soc::wire::encode(*decoded);
    auto again = soc::wire::decode(encoded, limits);
    if (!again || soc::wire::encode(*again) != encoded) std::abort();
    if (const auto* batch = std::get_if<soc::wire::Batch>(&*decoded)) {
      for (const soc::Event& event : batch->events) {
        const std::string column = soc::collector::encode_fields_column(event.fields);
        auto fields = soc::collector::decode_fields_column(column);
        if (!fields || soc::collector::encode_fields_column(*fields) != column) std::abort();
      }
    }
  }
  return 0;
}
