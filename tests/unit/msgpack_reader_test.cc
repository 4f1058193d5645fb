#include "common/msgpack_reader.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <msgpack.hpp>

namespace soc {
namespace {

using Kind = MsgpackValue::Kind;
using Packer = msgpack::packer<msgpack::sbuffer>;

// Values written by msgpack-c, in each of its encodings, with what the reader must see.
struct Expected {
  Kind kind;
  std::uint64_t uint = 0;
  std::int64_t integer = 0;
  double real = 0;
  bool boolean = false;
  std::string bytes;
  std::int8_t ext_type = 0;
};

Expected of(Kind kind) {
  Expected e;
  e.kind = kind;
  return e;
}
Expected number(Kind kind, std::uint64_t uint) {
  Expected e = of(kind);
  e.uint = uint;
  return e;
}
Expected negative(std::int64_t integer) {
  Expected e = of(Kind::kInt);
  e.integer = integer;
  return e;
}
Expected real(double v) {
  Expected e = of(Kind::kFloat);
  e.real = v;
  return e;
}
Expected boolean(bool v) {
  Expected e = of(Kind::kBool);
  e.boolean = v;
  return e;
}
Expected bytes(Kind kind, std::string data, std::int8_t ext_type = 0) {
  Expected e = of(kind);
  e.bytes = std::move(data);
  e.ext_type = ext_type;
  return e;
}

struct Sample {
  std::string encoded;
  std::vector<Expected> values;
};

Sample every_encoding() {
  msgpack::sbuffer buf;
  Packer pk(buf);
  std::vector<Expected> values;
  const auto uint = [&](std::uint64_t v) { values.push_back(number(Kind::kUint, v)); };
  const auto neg = [&](std::int64_t v) { values.push_back(negative(v)); };
  // Unsigned: positive fixint, uint8, 16, 32, 64.
  pk.pack_fix_uint8(5), uint(5);
  pk.pack_uint8(200), uint(200);
  pk.pack_uint16(60000), uint(60000);
  pk.pack_uint32(4'000'000'000U), uint(4'000'000'000U);
  pk.pack_uint64(std::numeric_limits<std::uint64_t>::max());
  uint(std::numeric_limits<std::uint64_t>::max());
  // Signed: negative fixint, int8 ... int64; an int encoding of a value >= 0 reads as unsigned.
  pk.pack_fix_int8(-3), neg(-3);
  pk.pack_int8(-100), neg(-100);
  pk.pack_int16(-30000), neg(-30000);
  pk.pack_int32(-2'000'000'000), neg(-2'000'000'000);
  pk.pack_int64(std::numeric_limits<std::int64_t>::min());
  neg(std::numeric_limits<std::int64_t>::min());
  pk.pack_int8(7), uint(7);
  pk.pack_int64(1'700'000'000'000'000'000), uint(1'700'000'000'000'000'000);
  // Floats (float32 widened), nil, booleans.
  pk.pack_float(1.5F), values.push_back(real(1.5));
  pk.pack_double(-0.25), values.push_back(real(-0.25));
  pk.pack_nil(), values.push_back(of(Kind::kNil));
  pk.pack_true(), values.push_back(boolean(true));
  pk.pack_false(), values.push_back(boolean(false));
  // Strings: fixstr, str8, str16, str32 (msgpack-c picks the smallest form for the length).
  for (std::size_t n : {0UL, 31UL, 32UL, 255UL, 256UL, 65535UL, 65536UL}) {
    const std::string s(n, 'x');
    pk.pack(s);
    values.push_back(bytes(Kind::kStr, s));
  }
  // Binaries: bin8, bin16, bin32.
  for (std::size_t n : {1UL, 300UL, 70000UL}) {
    const std::string b(n, '\0');
    pk.pack_bin(static_cast<std::uint32_t>(n));
    pk.pack_bin_body(b.data(), static_cast<std::uint32_t>(n));
    values.push_back(bytes(Kind::kBin, b));
  }
  // Extensions: fixext 1, 2, 4, 8, 16 and ext8, ext16, ext32.
  for (std::size_t n : {1UL, 2UL, 4UL, 8UL, 16UL, 3UL, 300UL, 70000UL}) {
    const std::string data(n, '\x7f');
    pk.pack_ext(n, -7);
    pk.pack_ext_body(data.data(), static_cast<std::uint32_t>(n));
    values.push_back(bytes(Kind::kExt, data, -7));
  }
  // Containers, header only: fixarray, array16, array32, fixmap, map16, map32.
  pk.pack_array(3), values.push_back(number(Kind::kArray, 3));
  pk.pack_array(1000), values.push_back(number(Kind::kArray, 1000));
  pk.pack_array(70000), values.push_back(number(Kind::kArray, 70000));
  pk.pack_map(2), values.push_back(number(Kind::kMap, 2));
  pk.pack_map(1000), values.push_back(number(Kind::kMap, 1000));
  pk.pack_map(70000), values.push_back(number(Kind::kMap, 70000));
  return {std::string(buf.data(), buf.size()), values};
}

TEST(MsgpackReader, ReadsEveryEncodingAsMsgpackCWritesIt) {
  const Sample sample = every_encoding();
  MsgpackReader r(sample.encoded);
  for (std::size_t i = 0; i < sample.values.size(); ++i) {
    const Expected& want = sample.values[i];
    MsgpackValue got;
    ASSERT_TRUE(r.next(got)) << "value " << i;
    ASSERT_EQ(got.kind, want.kind) << "value " << i;
    switch (want.kind) {
      case Kind::kUint:
      case Kind::kArray:
      case Kind::kMap:
        EXPECT_EQ(got.uint, want.uint) << "value " << i;
        break;
      case Kind::kInt:
        EXPECT_EQ(got.integer, want.integer) << "value " << i;
        break;
      case Kind::kFloat:
        EXPECT_EQ(got.real, want.real) << "value " << i;
        break;
      case Kind::kBool:
        EXPECT_EQ(got.boolean, want.boolean) << "value " << i;
        break;
      case Kind::kExt:
        EXPECT_EQ(got.ext_type, want.ext_type) << "value " << i;
        [[fallthrough]];
      case Kind::kStr:
      case Kind::kBin:
        EXPECT_EQ(got.bytes, want.bytes) << "value " << i;
        break;
      case Kind::kNil:
        break;
    }
  }
  EXPECT_TRUE(r.at_end());
  MsgpackValue none;
  EXPECT_FALSE(r.next(none));  // nothing left: reported as the bytes ending
  EXPECT_EQ(r.failure(), MsgpackReader::Failure::kTruncated);
}

TEST(MsgpackReader, EveryTruncationFailsWithinTheBytes) {
  const Sample sample = every_encoding();
  // Cut inside each value in turn (every prefix would take minutes: the sample is ~200 KB).
  std::vector<std::size_t> cuts;
  {
    MsgpackReader r(sample.encoded);
    MsgpackValue v;
    std::size_t before = sample.encoded.size();
    while (r.next(v)) {
      const std::size_t start = sample.encoded.size() - before;
      const std::size_t end = sample.encoded.size() - r.remaining();
      for (std::size_t cut = start + 1; cut < end && cut < start + 12; ++cut) cuts.push_back(cut);
      if (end - start > 12) cuts.push_back(end - 1);
      before = r.remaining();
    }
  }
  ASSERT_GT(cuts.size(), 100U);
  for (std::size_t cut : cuts) {
    // A view over a copy of exactly `cut` bytes, so that ASan sees any read past it.
    const std::string prefix = sample.encoded.substr(0, cut);
    MsgpackReader r(prefix);
    MsgpackValue v;
    std::size_t read = 0;
    while (r.next(v)) ++read;
    EXPECT_EQ(r.failure(), MsgpackReader::Failure::kTruncated) << "cut at " << cut;
    EXPECT_LT(read, sample.values.size()) << "cut at " << cut;
    EXPECT_FALSE(r.at_end());
  }
}

TEST(MsgpackReader, TheNeverUsedByteFailsAndTheReaderStaysFailed) {
  const std::string bytes = std::string("\x01\xc1\x02", 3);
  MsgpackReader r(bytes);
  MsgpackValue v;
  ASSERT_TRUE(r.next(v));
  EXPECT_EQ(v.uint, 1U);
  EXPECT_FALSE(r.next(v));
  EXPECT_EQ(r.failure(), MsgpackReader::Failure::kInvalidByte);
  EXPECT_FALSE(r.next(v));  // the 0x02 after it is not read
  EXPECT_FALSE(r.at_end());
}

TEST(MsgpackReader, ALengthBeyondTheBytesIsNotTrusted) {
  // str32 claiming 4 GiB, bin32 and ext32 likewise: nothing is read past the 8 bytes given.
  for (const char lead : {'\xdb', '\xc6', '\xc9'}) {
    const std::string bytes = std::string(1, lead) + std::string("\xff\xff\xff\xff\x01\x02", 6);
    MsgpackReader r(bytes);
    MsgpackValue v;
    EXPECT_FALSE(r.next(v));
    EXPECT_EQ(r.failure(), MsgpackReader::Failure::kTruncated);
  }
}

}  // namespace
}  // namespace soc
