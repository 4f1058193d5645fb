// Helpers shared by the protocol analyzers (dns, http, tls, ssh): a bounds-checked big-endian
// reader over untrusted bytes, the endpoint fields every protocol event carries, and setting
// `network.protocol` on a flow event. Pure functions and a value type; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "agent/net/flow.h"
#include "common/event.h"

namespace soc::agent::net::protocols {

// Reads big-endian integers and byte runs; every read past the end fails (returns false) and
// leaves the reader failed, so a parser may check once at the end.
class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  bool u8(std::uint8_t& v);
  bool u16(std::uint16_t& v);
  bool u24(std::uint32_t& v);
  bool u32(std::uint32_t& v);
  // The next n bytes as a sub-span.
  bool take(std::size_t n, std::span<const std::uint8_t>& out);
  bool skip(std::size_t n);

  std::size_t pos() const { return pos_; }
  std::size_t remaining() const { return ok_ ? bytes_.size() - pos_ : 0; }
  bool ok() const { return ok_; }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// source.ip/.port, destination.ip/.port (the flow's originator and responder, or the other way
// round with `swap`) and network.transport.
void append_endpoints(const Flow& flow, std::vector<Field>& fields, bool swap = false);

// Adds network.protocol to a flow event unless some analyzer already set it.
void set_network_protocol(Event& flow_event, std::string_view protocol);

// Bytes as text with non-printable bytes (and '\\') escaped as \xHH; at most max_len input
// bytes are used.
std::string printable(std::string_view bytes, std::size_t max_len = 1024);

inline std::string_view as_chars(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace soc::agent::net::protocols
