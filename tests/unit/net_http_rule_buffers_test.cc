// The packet-rule buffers of an HTTP head (http_rule_buffers.h): what each holds for a request
// and for a response, the normalisation of values, repeated headers, and heads without headers.
#include "agent/net/protocols/http_rule_buffers.h"

#include <gtest/gtest.h>

namespace soc::agent::net::protocols {
namespace {

std::string value_or_none(const HttpHeadBuffers& b, std::string_view name) {
  const std::string* v = b.value(name);
  return v != nullptr ? *v : "<none>";
}

TEST(NetHttpRuleBuffers, EveryBufferOfARequest) {
  const std::string head =
      "POST /login?x=1 HTTP/1.1\r\n"
      "Host: shop.test\r\n"
      "User-Agent:  curl/8.0 \t\r\n"
      "Cookie: session=abc\r\n"
      "Accept: */*\r\n"
      "Referer: http://evil.test/\r\n"
      "Content-Length: 12\r\n";
  const HttpHeadBuffers b = http_head_buffers(head, HttpSide::kRequest);
  EXPECT_EQ(b.start_line, "POST /login?x=1 HTTP/1.1");
  EXPECT_EQ(b.protocol, "HTTP/1.1");
  EXPECT_EQ(b.status_code, "");
  // Cookie left out, values trimmed.
  EXPECT_EQ(b.header,
            "Host: shop.test\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n"
            "Referer: http://evil.test/\r\nContent-Length: 12\r\n");
  EXPECT_EQ(b.start,
            "POST /login?x=1 HTTP/1.1\r\nHost: shop.test\r\nUser-Agent: curl/8.0\r\n"
            "Cookie: session=abc\r\nAccept: */*\r\nReferer: http://evil.test/\r\n"
            "Content-Length: 12\r\n\r\n");
  EXPECT_EQ(b.header_raw,
            "Host: shop.test\r\nUser-Agent:  curl/8.0 \t\r\nCookie: session=abc\r\n"
            "Accept: */*\r\nReferer: http://evil.test/\r\nContent-Length: 12\r\n\r\n");
  EXPECT_EQ(b.header_names,
            "\r\nHost\r\nUser-Agent\r\nCookie\r\nAccept\r\nReferer\r\nContent-Length\r\n\r\n");
  // http.request_header's instances: every header, Cookie included, one per line.
  EXPECT_EQ(b.header_lines,
            (std::vector<std::string>{"Host: shop.test", "User-Agent: curl/8.0",
                                      "Cookie: session=abc", "Accept: */*",
                                      "Referer: http://evil.test/", "Content-Length: 12"}));
  EXPECT_EQ(value_or_none(b, "cookie"), "session=abc");
  EXPECT_EQ(value_or_none(b, "REFERER"), "http://evil.test/");
  EXPECT_EQ(value_or_none(b, "content-length"), "12");
  EXPECT_EQ(value_or_none(b, "accept-language"), "<none>");
}

TEST(NetHttpRuleBuffers, EveryBufferOfAResponse) {
  const std::string head =
      "HTTP/1.1 302 Found\r\nServer: nginx/1.2\r\nSet-Cookie: a=1\r\nLocation: /next\r\n"
      "Set-Cookie: b=2\r\nContent-Type: text/html\r\n";
  const HttpHeadBuffers b = http_head_buffers(head, HttpSide::kResponse);
  EXPECT_EQ(b.start_line, "HTTP/1.1 302 Found");
  EXPECT_EQ(b.protocol, "HTTP/1.1");
  EXPECT_EQ(b.status_code, "302");
  EXPECT_EQ(b.status_message, "Found");
  EXPECT_EQ(b.header, "Server: nginx/1.2\r\nLocation: /next\r\nContent-Type: text/html\r\n");
  EXPECT_EQ(value_or_none(b, "set-cookie"), "a=1, b=2");
  EXPECT_EQ(value_or_none(b, "server"), "nginx/1.2");
  EXPECT_EQ(value_or_none(b, "location"), "/next");
  const HttpHeadBuffers bare = http_head_buffers("HTTP/1.0 200", HttpSide::kResponse);
  EXPECT_EQ(bare.status_code, "200");
  EXPECT_EQ(bare.status_message, "");
  EXPECT_EQ(bare.header, "");
  // In a request, Set-Cookie is an ordinary header; in a response, Cookie is.
  EXPECT_EQ(http_head_buffers("GET / HTTP/1.1\r\nSet-Cookie: x\r\n", HttpSide::kRequest).header,
            "Set-Cookie: x\r\n");
}

TEST(NetHttpRuleBuffers, RepeatedHeadersJoinAtTheirFirstPlace) {
  const HttpHeadBuffers b = http_head_buffers(
      "GET / HTTP/1.0\nX-A: 1\ncookie: a=1\nX-B: 2\nx-a: 3\nCookie: b=2\n", HttpSide::kRequest);
  EXPECT_EQ(b.header, "X-A: 1, 3\r\nX-B: 2\r\n");
  EXPECT_EQ(b.header_names, "\r\nX-A\r\ncookie\r\nX-B\r\n\r\n");
  EXPECT_EQ(value_or_none(b, "Cookie"), "a=1, b=2");
  EXPECT_EQ(b.header_lines, (std::vector<std::string>{"X-A: 1, 3", "cookie: a=1, b=2", "X-B: 2"}));
  EXPECT_EQ(b.header_raw, "X-A: 1\ncookie: a=1\nX-B: 2\nx-a: 3\nCookie: b=2\n\r\n");  // as sent
}

TEST(NetHttpRuleBuffers, RequestWithoutHeaders) {
  const HttpHeadBuffers simple = http_head_buffers("GET /index.html", HttpSide::kRequest);
  EXPECT_EQ(simple.start_line, "GET /index.html");  // HTTP/0.9
  EXPECT_EQ(simple.protocol, "");
  EXPECT_EQ(simple.header, "");
  EXPECT_EQ(simple.header_raw, "\r\n");
  EXPECT_EQ(simple.header_names, "\r\n\r\n");
  EXPECT_TRUE(simple.header_lines.empty());
  EXPECT_EQ(simple.start, "GET /index.html\r\n\r\n");
  EXPECT_TRUE(simple.headers.empty());
  const HttpHeadBuffers bare = http_head_buffers("GET / HTTP/1.0\r\n", HttpSide::kRequest);
  EXPECT_EQ(bare.protocol, "HTTP/1.0");
  EXPECT_EQ(bare.header, "");
}

// Folded lines continue their header (joined by a space); other lines without a colon are not
// headers; a lone CR ends a line, as the redaction of credentials splits it.
TEST(NetHttpRuleBuffers, FoldedLinesLoneCrAndLinesWithoutColon) {
  const HttpHeadBuffers b = http_head_buffers(
      "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\tX: still Host\r\ngarbage line\r\n"
      "Accept: x\rCookie: secret\r\nEmpty:\r\n  more\r\n",
      HttpSide::kRequest);
  EXPECT_EQ(b.header, "Host: a folded X: still Host\r\nAccept: x\r\nEmpty: more\r\n");
  EXPECT_EQ(value_or_none(b, "accept"), "x");
  EXPECT_EQ(value_or_none(b, "cookie"), "secret");
  EXPECT_EQ(b.header_names, "\r\nHost\r\nAccept\r\nCookie\r\nEmpty\r\n\r\n");
  EXPECT_EQ(b.header_lines, (std::vector<std::string>{"Host: a folded X: still Host", "Accept: x",
                                                      "Cookie: secret", "Empty: more"}));
}

}  // namespace
}  // namespace soc::agent::net::protocols
