// The packet-rule buffers of an HTTP request head (http_rule_buffers.h): what each holds, the
// normalisation of values, repeated headers, and requests without headers.
#include "agent/net/protocols/http_rule_buffers.h"

#include <gtest/gtest.h>

namespace soc::agent::net::protocols {
namespace {

TEST(NetHttpRuleBuffers, EveryBufferOfARequest) {
  const HttpRequestBuffers b = http_request_buffers(
      "POST /login?x=1 HTTP/1.1\r\n"
      "Host: shop.test\r\n"
      "User-Agent:  curl/8.0 \t\r\n"
      "Cookie: session=abc\r\n"
      "Accept: */*\r\n"
      "Referer: http://evil.test/\r\n"
      "Accept-Language: en\r\n"
      "Accept-Encoding: gzip\r\n"
      "Connection: close\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: 12\r\n");
  EXPECT_EQ(b.request_line, "POST /login?x=1 HTTP/1.1");
  EXPECT_EQ(b.protocol, "HTTP/1.1");
  const std::string normalized =
      "Host: shop.test\r\nUser-Agent: curl/8.0\r\n%sAccept: */*\r\n"
      "Referer: http://evil.test/\r\nAccept-Language: en\r\nAccept-Encoding: gzip\r\n"
      "Connection: close\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: 12\r\n";
  auto with = [&](const std::string& cookie) {
    std::string s = normalized;
    s.replace(s.find("%s"), 2, cookie);
    return s;
  };
  EXPECT_EQ(b.header, with(""));  // Cookie left out, values trimmed
  EXPECT_EQ(b.start, "POST /login?x=1 HTTP/1.1\r\n" + with("Cookie: session=abc\r\n") + "\r\n");
  EXPECT_EQ(b.header_raw,
            "Host: shop.test\r\nUser-Agent:  curl/8.0 \t\r\nCookie: session=abc\r\n"
            "Accept: */*\r\nReferer: http://evil.test/\r\nAccept-Language: en\r\n"
            "Accept-Encoding: gzip\r\nConnection: close\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 12\r\n\r\n");
  EXPECT_EQ(b.header_names,
            "\r\nHost\r\nUser-Agent\r\nCookie\r\nAccept\r\nReferer\r\nAccept-Language\r\n"
            "Accept-Encoding\r\nConnection\r\nContent-Type\r\nContent-Length\r\n\r\n");
  EXPECT_EQ(b.cookie, "session=abc");
  EXPECT_EQ(b.referer, "http://evil.test/");
  EXPECT_EQ(b.accept, "*/*");
  EXPECT_EQ(b.accept_lang, "en");
  EXPECT_EQ(b.accept_enc, "gzip");
  EXPECT_EQ(b.connection, "close");
  EXPECT_EQ(b.content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(b.content_len, "12");
}

TEST(NetHttpRuleBuffers, RepeatedHeadersJoinAtTheirFirstPlace) {
  const HttpRequestBuffers b =
      http_request_buffers("GET / HTTP/1.0\nX-A: 1\ncookie: a=1\nX-B: 2\nx-a: 3\nCookie: b=2\n");
  EXPECT_EQ(b.header, "X-A: 1, 3\r\nX-B: 2\r\n");
  EXPECT_EQ(b.header_names, "\r\nX-A\r\ncookie\r\nX-B\r\n\r\n");
  EXPECT_EQ(b.cookie, "a=1, b=2");
  EXPECT_EQ(b.header_raw, "X-A: 1\ncookie: a=1\nX-B: 2\nx-a: 3\nCookie: b=2\n\r\n");  // as sent
}

TEST(NetHttpRuleBuffers, RequestWithoutHeaders) {
  const HttpRequestBuffers simple = http_request_buffers("GET /index.html");  // HTTP/0.9
  EXPECT_EQ(simple.request_line, "GET /index.html");
  EXPECT_EQ(simple.protocol, "");
  EXPECT_EQ(simple.header, "");
  EXPECT_EQ(simple.header_raw, "\r\n");
  EXPECT_EQ(simple.header_names, "\r\n\r\n");
  EXPECT_EQ(simple.start, "GET /index.html\r\n\r\n");
  EXPECT_FALSE(simple.cookie.has_value());
  EXPECT_FALSE(simple.referer.has_value());
  const HttpRequestBuffers bare = http_request_buffers("GET / HTTP/1.0\r\n");
  EXPECT_EQ(bare.protocol, "HTTP/1.0");
  EXPECT_EQ(bare.header, "");
  EXPECT_FALSE(bare.content_len.has_value());
}

TEST(NetHttpRuleBuffers, LinesWithoutColonAreNotHeaders) {
  const HttpRequestBuffers b = http_request_buffers(
      "GET / HTTP/1.1\r\nHost: a\r\n folded continuation\r\ngarbage line\r\nAccept: x\r\n");
  EXPECT_EQ(b.header, "Host: a\r\nAccept: x\r\n");
  EXPECT_EQ(b.accept, "x");
}

}  // namespace
}  // namespace soc::agent::net::protocols
