#include "agent/net/protocols/body_decoder.h"

#include <zlib.h>

#include <algorithm>

#include "agent/net/protocols/http_head.h"

namespace soc::agent::net::protocols {

struct BodyDecoder::Inflater {
  z_stream stream{};
  bool started = false;  // inflateInit2 succeeded

  ~Inflater() {
    if (started) inflateEnd(&stream);
  }
  // raw: headerless deflate (RFC 1951); else a zlib or gzip header, detected.
  bool start(bool raw) {
    started = inflateInit2(&stream, raw ? -15 : 15 + 32) == Z_OK;
    return started;
  }
};

namespace {

// Whether two bytes open a zlib stream (RFC 1950: method 8, header checksum): "deflate" bodies
// should, but some servers send raw deflate.
bool zlib_header(unsigned char cmf, unsigned char flg) {
  return (cmf & 0x0f) == 8 && ((static_cast<unsigned>(cmf) << 8) | flg) % 31 == 0;
}

}  // namespace

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
    const bool raw =
        encoding_ == Encoding::kDeflate &&
        !zlib_header(static_cast<unsigned char>(piece[0]), static_cast<unsigned char>(piece[1]));
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
    if (rc == Z_BUF_ERROR) break;          // no progress possible with this piece
    if (rc != Z_OK) return false;          // corrupt, or a dictionary we do not have
  }
  return text_.size() < limit_;
}

}  // namespace soc::agent::net::protocols
