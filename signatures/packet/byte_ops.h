// byte_test and byte_jump, as Suricata reads and runs them.
//
//   byte_test:N, [!]OP, VALUE, OFFSET [, relative] [, big|little] [, string [, hex|dec|oct]]
//             [, bitmask MASK]
//     reads N bytes at OFFSET (from the previous match's end when relative) and tests them
//     against VALUE: OP is < > = <= >= & (some bit in common) ^ (differs); ! negates, != is !=.
//   byte_jump:N, OFFSET [, relative] [, multiplier M] [, big|little] [, string [, hex|dec|oct]]
//             [, align] [, from_beginning | from_end] [, post_offset P]
//     reads N bytes at OFFSET the same way and moves the position (for the relative items after
//     it) to the end of what it read (a string: its digits) plus the number (times M, rounded up to
//     a multiple of 4 with align, plus P), or to that many bytes from the buffer's start or end. A
//     jump before the start lands on the start; past the end, the rule does not match.
// A binary number is 1-8 bytes, big-endian unless little. A string one is 1-23 bytes read as C's
// strtoull reads them (as Suricata does): leading spaces, a sign (a minus wraps around), at
// least one digit; without hex/dec/oct, 0x... is hexadecimal and 0... octal. With a bitmask the
// number is masked, then shifted right by the mask's trailing zero bits. Bytes outside the
// buffer, or text that is not a number, make the item fail, negated or not. A jump's number
// beyond 2^40 fails (Suricata's 64-bit sum would wrap around). VALUE is decimal, 0x...
// hexadecimal or 0... octal. `dce` and byte_extract variables are not supported: the parser says
// so.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "signatures/packet/packet_rule.h"

namespace soc::packet {

// Parses the keyword's value into `item` (kind, byte, offset, relative, negated); returns "" or
// the reason the rule cannot load.
std::string parse_byte_test(std::string_view value, DetectItem& item);
std::string parse_byte_jump(std::string_view value, DetectItem& item);

struct ByteNumber {
  std::uint64_t value = 0;  // masked and shifted when the op has a bitmask
  std::int64_t length = 0;  // the bytes read: all of them, or a string's digits (and spaces)
};

// The number `op` reads at `at` in `buffer`; nullopt when the bytes are not all inside it or
// are not a number.
std::optional<ByteNumber> read_byte_number(const ByteOp& op, std::string_view buffer,
                                           std::int64_t at);

// Whether `number` passes the byte_test (before its negation).
bool byte_test_passes(const ByteOp& op, std::uint64_t number);

// Where a byte_jump that read `number` at `at` lands in a buffer of `size` bytes; nullopt past
// its end.
std::optional<std::int64_t> byte_jump_target(const ByteOp& op, std::int64_t size, std::int64_t at,
                                             const ByteNumber& number);

}  // namespace soc::packet
