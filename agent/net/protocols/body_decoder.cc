#include "agent/net/protocols/body_decoder.h"

#include <zlib.h>

#include <algorithm>
#include <atomic>

#include "agent/net/protocols/http_head.h"

namespace soc::agent::net::protocols {

namespace {

// Inflaters alive in the process: each holds about 40 KiB (zlib's state and 32 KiB window) while
// its body is read, so their number is what bounds that memory.
std::atomic<std::size_t> live_inflaters{0};

// Whether two bytes open a zlib stream (RFC 1950: method 8, window at most 32 KiB, header
// checksum): "deflate" bodies should, but some servers send raw deflate, or gzip.
bool zlib_header(unsigned char cmf, unsigned char flg) {
  return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 &&
         ((static_cast<unsigned>(cmf) << 8) | flg) % 31 == 0;
}
bool gzip_magic(unsigned char a, unsigned char b) { return a == 0x1f && b == 0x8b; }

}  // namespace

struct BodyDecoder::Inflater {
  z_stream stream{};
  bool started = false;  // inflateInit2 succeeded
  bool counted = false;  // holds one of the kMaxLiveInflaters places

  Inflater() = default;
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  ~Inflater() {
    if (started) inflateEnd(&stream);
    if (counted) live_inflaters.fetch_sub(1, std::memory_order_relaxed);
  }
  // raw: headerless deflate (RFC 1951); else a zlib or gzip header, detected. False when zlib
  // fails, or kMaxLiveInflaters are busy.
  bool start(bool raw) {
    if (live_inflaters.fetch_add(1, std::memory_order_relaxed) >= kMaxLiveInflaters) {
      live_inflaters.fetch_sub(1, std::memory_order_relaxed);
      return false;
    }
    counted = true;
    started = inflateInit2(&stream, raw ? -15 : 15 + 32) == Z_OK;
    return started;
  }
};

std::size_t BodyDecoder::live_inflaters_now() {
  return live_inflaters.load(std::memory_order_relaxed);
}

BodyDecoder::Encoding BodyDecoder::encoding_of(std::string_view content_encoding) {
  const std::string_view v = http_trim(content_encoding);
  if (iequals_ascii(v, "gzip") || iequals_ascii(v, "x-gzip")) return Encoding::kGzip;
  if (iequals_ascii(v, "deflate")) return Encoding::kDeflate;
  return Encoding::kIdentity;
}

BodyDecoder::BodyDecoder(Encoding encoding, std::size_t limit)
    : encoding_(encoding), limit_(limit) {}

BodyDecoder::~BodyDecoder() = default;
BodyDecoder::BodyDecoder(BodyDecoder&&) noexcept = default;
BodyDecoder& BodyDecoder::operator=(BodyDecoder&&) noexcept = default;

void BodyDecoder::add(std::string_view piece) {
  if (done_ || piece.empty()) return;
  if (text_.size() >= limit_) {
    done_ = true;
    return;
  }
  if (encoding_ == Encoding::kIdentity) {
    text_.append(piece.substr(0, limit_ - text_.size()));
    return;
  }
  if (!inflate(piece)) {
    done_ = true;
    inflater_.reset();  // its window is 32 KiB
  }
}

void BodyDecoder::gap() {
  done_ = true;
  inflater_.reset();
}

bool BodyDecoder::inflate(std::string_view piece) {
  std::string first;  // a deflate body's first bytes, once there are two to tell its framing by
  if (inflater_ == nullptr) {
    if (encoding_ == Encoding::kDeflate) {
      const std::size_t taken = std::min<std::size_t>(piece.size(), 2 - pending_.size());
      pending_.append(piece.substr(0, taken));
      piece.remove_prefix(taken);
      if (pending_.size() < 2) return true;
      first = std::move(pending_);
      first.append(piece);
      piece = first;
    }
    inflater_ = std::make_unique<Inflater>();
    const auto b0 = static_cast<unsigned char>(piece[0]);
    const auto b1 = static_cast<unsigned char>(piece.size() > 1 ? piece[1] : 0);
    const bool raw = encoding_ == Encoding::kDeflate && !zlib_header(b0, b1) && !gzip_magic(b0, b1);
    if (!inflater_->start(raw)) return false;
  }
  z_stream& z = inflater_->stream;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(piece.data()));
  z.avail_in = static_cast<uInt>(piece.size());
  while (z.avail_in > 0 && text_.size() < limit_) {
    const std::size_t before = text_.size();
    text_.resize(limit_);
    z.next_out = reinterpret_cast<Bytef*>(text_.data() + before);
    z.avail_out = static_cast<uInt>(limit_ - before);
    const int rc = ::inflate(&z, Z_NO_FLUSH);
    text_.resize(limit_ - z.avail_out);
    if (rc == Z_STREAM_END) return false;  // the body's compressed stream is complete
    if (rc != Z_OK) return false;          // corrupt, a dictionary we lack, or no progress
  }
  return text_.size() < limit_;
}

}  // namespace soc::agent::net::protocols
