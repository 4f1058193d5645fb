// Packet-rule buffer transforms (signatures/packet/transform.h), each against hand-computed
// outputs, and in sequence.
#include "signatures/packet/transform.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace soc::packet {
namespace {

std::string run(std::vector<Transform> transforms, std::string_view input) {
  std::string out;
  apply_transforms(transforms, input, out);
  return out;
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

TEST(PacketTransform, Each) {
  EXPECT_EQ(run({Transform::kDotPrefix}, "example.com"), ".example.com");
  EXPECT_EQ(run({Transform::kDotPrefix}, ""), ".");
  EXPECT_EQ(run({Transform::kUrlDecode}, "id=cat+%2Fetc%2fpasswd%"), "id=cat /etc/passwd%");
  EXPECT_EQ(run({Transform::kUrlDecode}, "%zz%4"), "%zz%4");  // not two hex digits: kept
  EXPECT_EQ(run({Transform::kUrlDecode}, "%00a"), std::string("\0a", 2));
  EXPECT_EQ(run({Transform::kStripWhitespace}, " a\tb\r\nc\vd\fe "), "abcde");
  EXPECT_EQ(run({Transform::kCompressWhitespace}, "a  \t b\r\n\nc \td"), "a b\rc d");
  EXPECT_EQ(run({Transform::kToLowercase}, "MiXeD-123\xC4"), "mixed-123\xC4");
  EXPECT_EQ(run({Transform::kToUppercase}, "MiXeD-123"), "MIXED-123");
  // Digests of "abc" (FIPS 180 and RFC 1321 test vectors), as raw bytes.
  EXPECT_EQ(hex(run({Transform::kToMd5}, "abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(hex(run({Transform::kToSha1}, "abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex(run({Transform::kToSha256}, "abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(PacketTransform, InOrderAndByName) {
  EXPECT_EQ(run({Transform::kUrlDecode, Transform::kToUppercase, Transform::kDotPrefix}, "a%20b"),
            ".A B");
  EXPECT_EQ(run({}, "as is"), "as is");
  EXPECT_EQ(transform_named("dotprefix"), Transform::kDotPrefix);
  EXPECT_EQ(transform_named("to_sha256"), Transform::kToSha256);
  EXPECT_FALSE(transform_named("xor"));
  EXPECT_FALSE(transform_named("content"));
}

}  // namespace
}  // namespace soc::packet
