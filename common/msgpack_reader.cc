#include "common/msgpack_reader.h"

#include <bit>
#include <cstring>

namespace soc {
namespace {

using Kind = MsgpackValue::Kind;

// Sets out to a signed integer as msgpack-c reads one: kUint when >= 0.
void set_signed(MsgpackValue& out, std::int64_t value) {
  if (value >= 0) {
    out.kind = Kind::kUint;
    out.uint = static_cast<std::uint64_t>(value);
  } else {
    out.kind = Kind::kInt;
    out.integer = value;
  }
}

}  // namespace

bool MsgpackReader::take_number(std::size_t n, std::uint64_t& out) {
  if (remaining() < n) return false;
  const char* p = bytes_.data() + offset_;
  switch (n) {
    case 1:
      out = static_cast<unsigned char>(*p);
      break;
    case 2: {
      std::uint16_t v = 0;
      std::memcpy(&v, p, 2);
      out = __builtin_bswap16(v);
      break;
    }
    case 4: {
      std::uint32_t v = 0;
      std::memcpy(&v, p, 4);
      out = __builtin_bswap32(v);
      break;
    }
    default: {
      std::uint64_t v = 0;
      std::memcpy(&v, p, 8);
      out = __builtin_bswap64(v);
    }
  }
  offset_ += n;
  return true;
}

bool MsgpackReader::take_bytes(std::uint64_t n, std::string_view& out) {
  if (remaining() < n) return false;
  out = bytes_.substr(offset_, static_cast<std::size_t>(n));
  offset_ += static_cast<std::size_t>(n);
  return true;
}

bool MsgpackReader::truncated() {
  failure_ = Failure::kTruncated;
  return false;
}

bool MsgpackReader::next(MsgpackValue& out) {
  static_assert(std::endian::native == std::endian::little, "lengths are read byte-swapped");
  if (failure_ != Failure::kNone) return false;
  if (offset_ >= bytes_.size()) return truncated();
  const auto lead = static_cast<unsigned char>(bytes_[offset_++]);
  std::uint64_t n = 0;
  // The fixed forms: the value or length is in the lead byte.
  if (lead <= 0x7f) {
    out.kind = Kind::kUint;
    out.uint = lead;
    return true;
  }
  if (lead >= 0xe0) {
    out.kind = Kind::kInt;
    out.integer = static_cast<std::int64_t>(lead) - 0x100;  // negative fixint: -32 to -1
    return true;
  }
  if (lead <= 0x9f) {  // fixmap 0x80-0x8f, fixarray 0x90-0x9f
    out.kind = lead <= 0x8f ? Kind::kMap : Kind::kArray;
    out.uint = lead & 0x0fU;
    return true;
  }
  if (lead <= 0xbf) {  // fixstr
    out.kind = Kind::kStr;
    return take_bytes(lead & 0x1fU, out.bytes) || truncated();
  }
  // A string, binary or extension: its length in 1, 2 or 4 bytes, an extension's type, the data.
  const auto sized = [&](Kind kind, std::size_t length_bytes) {
    out.kind = kind;
    if (!take_number(length_bytes, n)) return truncated();
    if (kind == Kind::kExt) {
      std::uint64_t type = 0;
      if (!take_number(1, type)) return truncated();
      out.ext_type = static_cast<std::int8_t>(type);
    }
    return take_bytes(n, out.bytes) || truncated();
  };
  switch (lead) {
    case 0xc0:
      out.kind = Kind::kNil;
      return true;
    case 0xc2:
    case 0xc3:
      out.kind = Kind::kBool;
      out.boolean = lead == 0xc3;
      return true;
    case 0xc4:
    case 0xc5:
    case 0xc6:
      return sized(Kind::kBin, std::size_t{1} << (lead - 0xc4));
    case 0xc7:
    case 0xc8:
    case 0xc9:
      return sized(Kind::kExt, std::size_t{1} << (lead - 0xc7));
    case 0xca:
      if (!take_number(4, n)) return truncated();
      out.kind = Kind::kFloat;
      out.real = std::bit_cast<float>(static_cast<std::uint32_t>(n));
      return true;
    case 0xcb:
      if (!take_number(8, n)) return truncated();
      out.kind = Kind::kFloat;
      out.real = std::bit_cast<double>(n);
      return true;
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf:
      if (!take_number(std::size_t{1} << (lead - 0xcc), n)) return truncated();
      out.kind = Kind::kUint;
      out.uint = n;
      return true;
    case 0xd0:
      if (!take_number(1, n)) return truncated();
      set_signed(out, static_cast<std::int8_t>(n));
      return true;
    case 0xd1:
      if (!take_number(2, n)) return truncated();
      set_signed(out, static_cast<std::int16_t>(n));
      return true;
    case 0xd2:
      if (!take_number(4, n)) return truncated();
      set_signed(out, static_cast<std::int32_t>(n));
      return true;
    case 0xd3:
      if (!take_number(8, n)) return truncated();
      set_signed(out, static_cast<std::int64_t>(n));
      return true;
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8: {  // fixext 1, 2, 4, 8, 16: the type, then that many bytes
      out.kind = Kind::kExt;
      std::uint64_t type = 0;
      if (!take_number(1, type)) return truncated();
      out.ext_type = static_cast<std::int8_t>(type);
      return take_bytes(std::size_t{1} << (lead - 0xd4), out.bytes) || truncated();
    }
    case 0xd9:
    case 0xda:
    case 0xdb:
      return sized(Kind::kStr, std::size_t{1} << (lead - 0xd9));
    case 0xdc:
    case 0xdd:
      if (!take_number(lead == 0xdc ? 2 : 4, n)) return truncated();
      out.kind = Kind::kArray;
      out.uint = n;
      return true;
    case 0xde:
    case 0xdf:
      if (!take_number(lead == 0xde ? 2 : 4, n)) return truncated();
      out.kind = Kind::kMap;
      out.uint = n;
      return true;
    default:  // 0xc1: never used
      failure_ = Failure::kInvalidByte;
      return false;
  }
}

}  // namespace soc
