// libFuzzer target: the log decoders must accept or refuse any bytes without crashing, and a
// decoder that refuses a line must leave the event exactly as it was (Decoder's contract).
// Runs "auto" (every format) and the formats whose body decoders run without a syslog header
// ("sshd", "iptables"), so the program decoders see the raw bytes too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "agent/decode/decoder_registry.h"

namespace {

std::vector<std::unique_ptr<soc::agent::Decoder>> make_decoders() {
  std::vector<std::unique_ptr<soc::agent::Decoder>> decoders;
  for (const char* format : {"auto", "sshd", "iptables"}) {
    auto decoder = soc::agent::make_decoder(format);
    if (!decoder) std::abort();
    decoders.push_back(std::move(*decoder));
  }
  return decoders;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<std::unique_ptr<soc::agent::Decoder>> decoders = make_decoders();
  const std::string raw(reinterpret_cast<const char*>(data), size);
  for (const auto& decoder : decoders) {
    soc::Event event;
    event.raw = raw;
    event.time_ns = 1;
    if (!decoder->decode(event)) {
      if (event.raw != raw || event.time_ns != 1 || !event.fields.empty()) std::abort();
    }
  }
  return 0;
}
