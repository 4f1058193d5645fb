#include "signatures/packet/byte_ops.h"

#include <bit>
#include <vector>

#include "signatures/packet/rule_text.h"

namespace soc::packet {
namespace {

constexpr std::uint8_t kMostBinaryBytes = 8;
constexpr std::uint8_t kMostStringBytes = 23;

bool is_variable(std::string_view s) {
  return !s.empty() && ((s.front() >= 'a' && s.front() <= 'z') ||
                        (s.front() >= 'A' && s.front() <= 'Z') || s.front() == '_');
}

std::string number_error(std::string_view keyword, std::string_view what, std::string_view got) {
  std::string reason =
      std::string(keyword) + ": expected " + std::string(what) + ", got '" + std::string(got) + "'";
  if (is_variable(got)) reason += kNoByteExtract;
  return reason;
}

// The options after the positional ones, shared by both keywords; `jump` admits byte_jump's.
std::string parse_flags(std::string_view keyword, const std::vector<std::string_view>& parts,
                        std::size_t first, bool jump, DetectItem& item) {
  ByteOp& op = item.byte;
  bool has_base = false;
  for (std::size_t i = first; i < parts.size(); ++i) {
    const std::string_view flag = parts[i];
    const std::size_t space = flag.find(' ');
    const std::string_view name = flag.substr(0, space);
    const std::string_view arg =
        space == std::string_view::npos ? std::string_view() : trim(flag.substr(space + 1));
    if (flag == "relative") {
      item.relative = true;
    } else if (flag == "big") {
      op.little_endian = false;
    } else if (flag == "little") {
      op.little_endian = true;
    } else if (flag == "string") {
      op.string = true;
    } else if (flag == "dec" || flag == "hex" || flag == "oct") {
      op.base = flag == "dec" ? 10 : flag == "hex" ? 16 : 8;
      has_base = true;
    } else if (!jump && name == "bitmask" && !arg.empty()) {
      if (!parse_u64(arg, op.bitmask) || op.bitmask == 0) {
        return number_error(keyword, "a non-zero bitmask", arg);
      }
    } else if (jump && name == "multiplier" && !arg.empty()) {
      if (!parse_u32(arg, op.multiplier) || op.multiplier == 0 || op.multiplier > 65535) {
        return number_error(keyword, "a multiplier of 1-65535", arg);
      }
    } else if (jump && name == "post_offset" && !arg.empty()) {
      if (!parse_i32(arg, op.post_offset)) return number_error(keyword, "a post_offset", arg);
    } else if (jump && flag == "align") {
      op.align = true;
    } else if (jump && flag == "from_beginning") {
      op.from_beginning = true;
    } else if (jump && flag == "from_end") {
      op.from_end = true;
    } else if (flag == "dce") {
      return std::string(keyword) + ": dce (DCERPC stub data) is not supported";
    } else {
      return std::string(keyword) + ": unsupported option '" + std::string(flag) + "'";
    }
  }
  if (has_base && !op.string) return std::string(keyword) + ": a base needs 'string'";
  if (op.from_beginning && op.from_end) {
    return std::string(keyword) + ": from_beginning and from_end together";
  }
  return {};
}

std::string parse_count(std::string_view keyword, std::string_view text, ByteOp& op) {
  std::uint32_t n = 0;
  if (!parse_u32(text, n)) return number_error(keyword, "a number of bytes", text);
  op.bytes = static_cast<std::uint8_t>(n > 255 ? 255 : n);
  return {};
}

std::string check_count(std::string_view keyword, const ByteOp& op) {
  const std::uint8_t most = op.string ? kMostStringBytes : kMostBinaryBytes;
  if (op.bytes == 0 || op.bytes > most) {
    return std::string(keyword) + ": " + (op.string ? "a string" : "a binary number") +
           " takes 1-" + std::to_string(most) + " bytes";
  }
  return {};
}

unsigned digit_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 36;
}

bool is_c_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// The number the text starts with, read as C's strtoull reads it (Suricata does): leading
// spaces, a sign (a minus wraps around), and with no base given, 0x... hexadecimal, 0...
// octal, else decimal; with it, how many of its bytes it took. nullopt without a digit or
// beyond 64 bits.
std::optional<ByteNumber> read_digits(std::string_view text, std::uint8_t base) {
  std::size_t i = 0;
  while (i < text.size() && is_c_space(text[i])) ++i;
  bool minus = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) minus = text[i++] == '-';
  const bool hex_prefix = text.size() - i > 2 && text[i] == '0' && (text[i + 1] | 0x20) == 'x' &&
                          digit_value(static_cast<unsigned char>(text[i + 2])) < 16;
  if (base == 0) base = hex_prefix ? 16 : i < text.size() && text[i] == '0' ? 8 : 10;
  if (base == 16 && hex_prefix) i += 2;
  std::uint64_t value = 0;
  std::size_t digits = 0;
  for (; i < text.size(); ++i, ++digits) {
    const unsigned digit = digit_value(static_cast<unsigned char>(text[i]));
    if (digit >= base) break;
    if (value > (UINT64_MAX - digit) / base) return std::nullopt;  // out of range
    value = value * base + digit;
  }
  if (digits == 0) return std::nullopt;
  return ByteNumber{minus ? 0 - value : value, static_cast<std::int64_t>(i)};
}

}  // namespace

std::string parse_byte_test(std::string_view value, DetectItem& item) {
  constexpr std::string_view kKeyword = "byte_test";
  item.kind = DetectItem::Kind::kByteTest;
  const std::vector<std::string_view> parts = split_commas(value);
  if (parts.size() < 4) return "byte_test: expected bytes, operator, value and offset";
  ByteOp& op = item.byte;
  if (auto bad = parse_count(kKeyword, parts[0], op); !bad.empty()) return bad;
  std::string_view test = parts[1];
  if (!test.empty() && test.front() == '!') {
    item.negated = true;
    test = trim(test.substr(1));
    if (test.empty() || test == "=") test = "=";  // "!" alone and "!=" are "not equal"
  }
  using Test = ByteOp::Test;
  if (test == "<") {
    op.test = Test::kLt;
  } else if (test == ">") {
    op.test = Test::kGt;
  } else if (test == "=") {
    op.test = Test::kEq;
  } else if (test == "<=") {
    op.test = Test::kLe;
  } else if (test == ">=") {
    op.test = Test::kGe;
  } else if (test == "&") {
    op.test = Test::kAnd;
  } else if (test == "^") {
    op.test = Test::kXor;
  } else {
    return "byte_test: unknown operator '" + std::string(parts[1]) + "'";
  }
  if (!parse_u64(parts[2], op.value)) return number_error(kKeyword, "a value", parts[2]);
  if (!parse_i32(parts[3], item.offset)) return number_error(kKeyword, "an offset", parts[3]);
  if (auto bad = parse_flags(kKeyword, parts, 4, false, item); !bad.empty()) return bad;
  return check_count(kKeyword, op);
}

std::string parse_byte_jump(std::string_view value, DetectItem& item) {
  constexpr std::string_view kKeyword = "byte_jump";
  item.kind = DetectItem::Kind::kByteJump;
  const std::vector<std::string_view> parts = split_commas(value);
  if (parts.size() < 2) return "byte_jump: expected bytes and offset";
  if (auto bad = parse_count(kKeyword, parts[0], item.byte); !bad.empty()) return bad;
  if (!parse_i32(parts[1], item.offset)) return number_error(kKeyword, "an offset", parts[1]);
  if (auto bad = parse_flags(kKeyword, parts, 2, true, item); !bad.empty()) return bad;
  return check_count(kKeyword, item.byte);
}

std::optional<ByteNumber> read_byte_number(const ByteOp& op, std::string_view buffer,
                                           std::int64_t at) {
  const auto size = static_cast<std::int64_t>(buffer.size());
  if (at < 0 || at > size || size - at < op.bytes) return std::nullopt;
  const std::string_view bytes = buffer.substr(static_cast<std::size_t>(at), op.bytes);
  ByteNumber number{0, op.bytes};
  if (op.string) {
    auto digits = read_digits(bytes, op.base);
    if (!digits) return std::nullopt;
    number = *digits;
  } else {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      const std::size_t k = op.little_endian ? bytes.size() - 1 - i : i;
      number.value = (number.value << 8) | static_cast<unsigned char>(bytes[k]);
    }
  }
  if (op.bitmask != 0) {
    number.value = (number.value & op.bitmask) >> std::countr_zero(op.bitmask);
  }
  return number;
}

bool byte_test_passes(const ByteOp& op, std::uint64_t number) {
  switch (op.test) {
    case ByteOp::Test::kLt:
      return number < op.value;
    case ByteOp::Test::kGt:
      return number > op.value;
    case ByteOp::Test::kEq:
      return number == op.value;
    case ByteOp::Test::kLe:
      return number <= op.value;
    case ByteOp::Test::kGe:
      return number >= op.value;
    case ByteOp::Test::kAnd:
      return (number & op.value) != 0;
    case ByteOp::Test::kXor:
      return (number ^ op.value) != 0;
  }
  return false;
}

std::optional<std::int64_t> byte_jump_target(const ByteOp& op, std::int64_t size, std::int64_t at,
                                             const ByteNumber& number) {
  // Past any buffer this program inspects (they are far below 2^40 bytes): no overflow below.
  constexpr std::uint64_t kFar = std::uint64_t{1} << 40;
  std::uint64_t jump = number.value > kFar ? kFar : number.value * op.multiplier;
  if (jump > kFar) jump = kFar;
  if (op.align && jump % 4 != 0) jump += 4 - jump % 4;
  std::int64_t target = static_cast<std::int64_t>(jump) + op.post_offset;
  if (op.from_end) {
    target += size;
  } else if (!op.from_beginning) {
    target += at + number.length;
  }
  if (target < 0) return 0;
  if (target > size) return std::nullopt;
  return target;
}

}  // namespace soc::packet
