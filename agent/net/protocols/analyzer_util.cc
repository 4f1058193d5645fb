#include "agent/net/protocols/analyzer_util.h"

#include "agent/net/flow_event.h"

namespace soc::agent::net::protocols {

bool ByteReader::u8(std::uint8_t& v) {
  if (!ok_ || bytes_.size() - pos_ < 1) return ok_ = false;
  v = bytes_[pos_++];
  return true;
}

bool ByteReader::u16(std::uint16_t& v) {
  if (!ok_ || bytes_.size() - pos_ < 2) return ok_ = false;
  v = static_cast<std::uint16_t>(bytes_[pos_] << 8 | bytes_[pos_ + 1]);
  pos_ += 2;
  return true;
}

bool ByteReader::u24(std::uint32_t& v) {
  if (!ok_ || bytes_.size() - pos_ < 3) return ok_ = false;
  v = static_cast<std::uint32_t>(bytes_[pos_]) << 16 |
      static_cast<std::uint32_t>(bytes_[pos_ + 1]) << 8 | bytes_[pos_ + 2];
  pos_ += 3;
  return true;
}

bool ByteReader::u32(std::uint32_t& v) {
  if (!ok_ || bytes_.size() - pos_ < 4) return ok_ = false;
  v = static_cast<std::uint32_t>(bytes_[pos_]) << 24 |
      static_cast<std::uint32_t>(bytes_[pos_ + 1]) << 16 |
      static_cast<std::uint32_t>(bytes_[pos_ + 2]) << 8 | bytes_[pos_ + 3];
  pos_ += 4;
  return true;
}

bool ByteReader::take(std::size_t n, std::span<const std::uint8_t>& out) {
  if (!ok_ || bytes_.size() - pos_ < n) return ok_ = false;
  out = bytes_.subspan(pos_, n);
  pos_ += n;
  return true;
}

bool ByteReader::skip(std::size_t n) {
  if (!ok_ || bytes_.size() - pos_ < n) return ok_ = false;
  pos_ += n;
  return true;
}

void append_endpoints(const Flow& flow, std::vector<Field>& fields, bool swap) {
  IpAddress src, dst;
  src.bytes = swap ? flow.resp_addr : flow.orig_addr;
  dst.bytes = swap ? flow.orig_addr : flow.resp_addr;
  src.is_v4 = dst.is_v4 = flow.ip_version == 4;
  append_field<IpAddress>(fields, "source.ip", src);
  append_int(fields, "source.port", swap ? flow.resp_port : flow.orig_port);
  append_field<IpAddress>(fields, "destination.ip", dst);
  append_int(fields, "destination.port", swap ? flow.orig_port : flow.resp_port);
  append_string(fields, "network.transport", transport_name(flow.proto));
}

void set_network_protocol(Event& flow_event, std::string_view protocol) {
  if (flow_event.find("network.protocol") != nullptr) return;
  append_string(flow_event.fields, "network.protocol", protocol);
}

std::string printable(std::string_view bytes, std::size_t max_len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  const std::size_t n = bytes.size() < max_len ? bytes.size() : max_len;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace soc::agent::net::protocols
