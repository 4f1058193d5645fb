// zstd compression of one buffer at a time, with one compression and one decompression context
// per thread, reused across calls. Used by the wire codec and the pack file format.
//
// Decompression is bounded: the frame must state its content size, which must not exceed
// max_bytes, so untrusted input can never make it allocate more than max_bytes. The caller
// turns the status into its own error message. Never throws; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace soc {

// The compressed bytes of plain at `level`, or "" when zstd fails (never for valid input).
std::string zstd_compress(std::string_view plain, int level);

enum class ZstdStatus {
  kOk,
  kBadFrame,  // not a zstd frame, or its content size is not stated
  kTooLarge,  // the stated content size is above max_bytes
  kCorrupt,   // the frame does not decompress to its stated size
};

// Decompresses one frame into out (replaced). On any status but kOk, out is unspecified.
ZstdStatus zstd_decompress(std::string_view frame, std::size_t max_bytes, std::string& out);

}  // namespace soc
