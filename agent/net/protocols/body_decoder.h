// The start of an HTTP body as the application sees it: the bytes as sent, or, for a body with
// Content-Encoding gzip or deflate, what they inflate to (zlib). Only the first `limit` decoded
// bytes are kept; the decoder stops inflating there (a small body that inflates to gigabytes
// costs no more than `limit`), at the end of the compressed stream, and at corrupt data (what
// was decoded before stays). A gap (bytes never seen) ends the kept part. At most
// kMaxLiveInflaters bodies inflate at once in the process (about 40 KiB each, so at most
// 40 MiB); a compressed body that finds them all busy keeps nothing.
// One decoder is single-threaded; the count of live inflaters is shared and atomic.
// No exceptions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace soc::agent::net::protocols {

class BodyDecoder {
 public:
  static constexpr std::size_t kMaxLiveInflaters = 1024;
  // How many inflaters are alive now (for tests and counters).
  static std::size_t live_inflaters_now();

  enum class Encoding : std::uint8_t { kIdentity, kGzip, kDeflate };

  // The encoding a Content-Encoding value names (gzip, x-gzip, deflate; anything else is kept
  // as sent).
  static Encoding encoding_of(std::string_view content_encoding);

  BodyDecoder(Encoding encoding, std::size_t limit);
  ~BodyDecoder();
  BodyDecoder(BodyDecoder&&) noexcept;
  BodyDecoder& operator=(BodyDecoder&&) noexcept;

  // The next piece of the body as framed on the wire (chunk framing already removed).
  void add(std::string_view piece);
  // Bytes of the body were lost: keep nothing after them.
  void gap();

  const std::string& text() const { return text_; }

 private:
  struct Inflater;
  bool inflate(std::string_view piece);

  Encoding encoding_;
  std::size_t limit_;
  std::string text_;
  bool done_ = false;
  std::string pending_;  // a deflate body's first byte, until the second tells its framing
  std::unique_ptr<Inflater> inflater_;
};

}  // namespace soc::agent::net::protocols
