// BodyDecoder: the kept start of a body, as sent or inflated (gzip, zlib-wrapped and raw
// deflate), fed in any pieces; bounded output whatever the compression ratio; corrupt data and
// gaps keep what came before.
#include "agent/net/protocols/body_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net_test_util.h"

namespace soc::agent::net::protocols {
namespace {

using testing::compressed;

std::string decode(BodyDecoder::Encoding encoding, const std::string& body, std::size_t piece,
                   std::size_t limit = 4096) {
  BodyDecoder d(encoding, limit);
  for (std::size_t i = 0; i < body.size(); i += piece)
    d.add(std::string_view(body).substr(i, piece));
  return d.text();
}

TEST(NetBodyDecoder, EncodingNames) {
  EXPECT_EQ(BodyDecoder::encoding_of(" GZIP "), BodyDecoder::Encoding::kGzip);
  EXPECT_EQ(BodyDecoder::encoding_of("x-gzip"), BodyDecoder::Encoding::kGzip);
  EXPECT_EQ(BodyDecoder::encoding_of("deflate"), BodyDecoder::Encoding::kDeflate);
  EXPECT_EQ(BodyDecoder::encoding_of("br"), BodyDecoder::Encoding::kIdentity);
  EXPECT_EQ(BodyDecoder::encoding_of(""), BodyDecoder::Encoding::kIdentity);
}

TEST(NetBodyDecoder, IdentityKeepsTheStart) {
  EXPECT_EQ(decode(BodyDecoder::Encoding::kIdentity, "hello world", 3), "hello world");
  EXPECT_EQ(decode(BodyDecoder::Encoding::kIdentity, std::string(5000, 'a'), 999),
            std::string(4096, 'a'));
}

TEST(NetBodyDecoder, InflatesGzipZlibAndRawDeflateInAnyPieces) {
  const std::string page = "<html><body>" + std::string(300, 'x') + "eval(unescape(</body></html>";
  for (std::size_t piece : {1u, 7u, 100000u}) {
    EXPECT_EQ(decode(BodyDecoder::Encoding::kGzip, compressed(page, 31), piece), page) << piece;
    EXPECT_EQ(decode(BodyDecoder::Encoding::kDeflate, compressed(page, 15), piece), page) << piece;
    EXPECT_EQ(decode(BodyDecoder::Encoding::kDeflate, compressed(page, -15), piece), page) << piece;
  }
}

TEST(NetBodyDecoder, GzipSentAsDeflateIsInflatedToo) {
  EXPECT_EQ(decode(BodyDecoder::Encoding::kDeflate, compressed("page", 31), 1), "page");
}

// At most kMaxLiveInflaters bodies inflate at once: one more keeps nothing; each frees its place.
TEST(NetBodyDecoder, LiveInflatersAreBounded) {
  const std::string gz = compressed(std::string(100, 'a'), 31);
  const std::size_t before = BodyDecoder::live_inflaters_now();
  {
    std::vector<BodyDecoder> open;
    for (std::size_t i = before; i < BodyDecoder::kMaxLiveInflaters; ++i) {
      open.emplace_back(BodyDecoder::Encoding::kGzip, 4096);
      open.back().add(std::string_view(gz).substr(0, 12));  // started, not finished
    }
    EXPECT_EQ(BodyDecoder::live_inflaters_now(), BodyDecoder::kMaxLiveInflaters);
    BodyDecoder one_more(BodyDecoder::Encoding::kGzip, 4096);
    one_more.add(gz);
    EXPECT_TRUE(one_more.text().empty());
    open.back().add(std::string_view(gz).substr(12));  // finishes: its place is free
    EXPECT_EQ(open.back().text(), std::string(100, 'a'));
    BodyDecoder now_fits(BodyDecoder::Encoding::kGzip, 4096);
    now_fits.add(gz);
    EXPECT_EQ(now_fits.text(), std::string(100, 'a'));
  }
  EXPECT_EQ(BodyDecoder::live_inflaters_now(), before);
}

TEST(NetBodyDecoder, OutputIsBoundedWhateverTheRatio) {
  const std::string bomb = compressed(std::string(8 << 20, '\0'), 31);  // 8 MiB of zeros
  ASSERT_LT(bomb.size(), 16u * 1024);
  EXPECT_EQ(decode(BodyDecoder::Encoding::kGzip, bomb, 512), std::string(4096, '\0'));
  EXPECT_EQ(decode(BodyDecoder::Encoding::kGzip, bomb, 512, 10), std::string(10, '\0'));
}

TEST(NetBodyDecoder, CorruptDataAndGapsKeepWhatCameBefore) {
  const std::string page(3000, 'p');
  std::string gz = compressed(page + std::string(3000, 'q'), 31);
  EXPECT_TRUE(decode(BodyDecoder::Encoding::kGzip, "not gzip at all", 4).empty());
  // A gap: nothing after it, even when the rest would decode.
  BodyDecoder d(BodyDecoder::Encoding::kIdentity, 4096);
  d.add("abc");
  d.gap();
  d.add("def");
  EXPECT_EQ(d.text(), "abc");
  // Garbage after some good input: the good part stays.
  std::string damaged = gz.substr(0, gz.size() / 2) + std::string(64, '\xff');
  const std::string kept = decode(BodyDecoder::Encoding::kGzip, damaged, 16);
  EXPECT_EQ(kept, (page + std::string(3000, 'q')).substr(0, kept.size()));
}

}  // namespace
}  // namespace soc::agent::net::protocols
