// MsgpackReader: reads MessagePack values one after another from bytes it does not own, so a
// decoder of untrusted input builds its own objects straight from the bytes (no intermediate
// tree of every value, as msgpack-c's unpack makes). Every length is checked against the bytes
// left before it is used; nothing is allocated.
//
// next() reads the next value: a scalar whole, a string, binary or extension as a view into
// the bytes, and an array or map as its header only (its element count; the elements are the
// values that follow, a map's as key, value, key, value ...). Integers are read as msgpack-c
// reads them: any encoding of a value >= 0 is kUint, of a value < 0 kInt. A float32 is widened
// to double.
//
// Contract: the bytes outlive the reader and the views it returned. next() sets the value's kind
// and the members of that kind only. After next() has failed (the bytes end inside a value, or
// a byte starts none), the reader stays failed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace soc {

struct MsgpackValue {
  enum class Kind { kNil, kBool, kUint, kInt, kFloat, kStr, kBin, kExt, kArray, kMap };
  Kind kind = Kind::kNil;
  bool boolean = false;
  std::uint64_t uint = 0;    // kUint; the element count of kArray and kMap
  std::int64_t integer = 0;  // kInt (always negative)
  double real = 0;           // kFloat
  std::string_view bytes;    // kStr, kBin, kExt (its data)
  std::int8_t ext_type = 0;  // kExt
};

class MsgpackReader {
 public:
  enum class Failure { kNone, kTruncated, kInvalidByte };

  explicit MsgpackReader(std::string_view bytes) : bytes_(bytes) {}

  // Reads the next value into out; false when there is none (then failure() says why; also at
  // the end of the bytes).
  bool next(MsgpackValue& out);

  bool at_end() const { return failure_ == Failure::kNone && offset_ == bytes_.size(); }
  std::size_t remaining() const { return bytes_.size() - offset_; }
  Failure failure() const { return failure_; }

 private:
  // Consumes n bytes (big-endian) as an unsigned number; false (failed) when fewer are left.
  bool take_number(std::size_t n, std::uint64_t& out);
  // Consumes n bytes as a view; false (failed) when fewer are left.
  bool take_bytes(std::uint64_t n, std::string_view& out);
  bool truncated();

  std::string_view bytes_;
  std::size_t offset_ = 0;
  Failure failure_ = Failure::kNone;
};

}  // namespace soc
