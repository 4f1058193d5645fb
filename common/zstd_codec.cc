#include "common/zstd_codec.h"

#include <zstd.h>

namespace soc {
namespace {

// One compression and one decompression context per thread, reused across calls.
struct ZstdContexts {
  ZSTD_CCtx* compress = ZSTD_createCCtx();
  ZSTD_DCtx* decompress = ZSTD_createDCtx();
  ZstdContexts() = default;
  ZstdContexts(const ZstdContexts&) = delete;
  ZstdContexts& operator=(const ZstdContexts&) = delete;
  ~ZstdContexts() {
    ZSTD_freeCCtx(compress);
    ZSTD_freeDCtx(decompress);
  }
};

ZstdContexts& zstd_contexts() {
  thread_local ZstdContexts contexts;
  return contexts;
}

}  // namespace

std::string zstd_compress(std::string_view plain, int level) {
  ZstdContexts& contexts = zstd_contexts();
  if (contexts.compress == nullptr) return {};
  std::string out(ZSTD_compressBound(plain.size()), '\0');
  const std::size_t n = ZSTD_compressCCtx(contexts.compress, out.data(), out.size(), plain.data(),
                                          plain.size(), level);
  if (ZSTD_isError(n) != 0) return {};
  out.resize(n);
  return out;
}

ZstdStatus zstd_decompress(std::string_view frame, std::size_t max_bytes, std::string& out) {
  const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return ZstdStatus::kBadFrame;
  }
  if (size > max_bytes) return ZstdStatus::kTooLarge;
  ZstdContexts& contexts = zstd_contexts();
  if (contexts.decompress == nullptr) return ZstdStatus::kCorrupt;
  out.assign(static_cast<std::size_t>(size), '\0');
  const std::size_t n =
      ZSTD_decompressDCtx(contexts.decompress, out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) != 0 || n != size) return ZstdStatus::kCorrupt;
  return ZstdStatus::kOk;
}

}  // namespace soc
