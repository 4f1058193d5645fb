// libFuzzer target: the wire decoder must refuse or accept any bytes without crashing, and
// whatever it accepts must re-encode to bytes that decode and re-encode to the same bytes
// (compared as bytes, since a NaN field is never equal to itself). The fields of the events it
// accepts must encode to a store `fields` column that decodes, and encodes again to the same text
// (the first encoding has already replaced what JSON cannot hold), and hold the same JSON values
// as an nlohmann document of each name's first value (the store's rule for a name given twice).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "collector/store/fields_column.h"
#include "common/json_string.h"
#include "common/wire.h"

namespace {

// The fields as an nlohmann document of each name's first value (names compared once invalid
// UTF-8 is replaced, as the store writes them), dumped and parsed back: the store's own encoder
// must give the same JSON values (number texts may differ).
nlohmann::ordered_json nlohmann_document(const std::vector<soc::Field>& fields) {
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  for (const soc::Field& field : fields) {
    const std::string name = soc::replace_invalid_utf8(field.name);
    if (object.contains(name)) continue;
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, soc::IpAddress>) {
            object[name] = v.to_string();
          } else {
            object[name] = v;
          }
        },
        field.value);
  }
  return nlohmann::ordered_json::parse(
      object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

}  // namespace

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
        if (nlohmann_document(event.fields) != nlohmann::ordered_json::parse(column)) std::abort();
      }
    }
  }
  return 0;
}
