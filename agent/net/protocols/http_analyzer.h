// HTTP/1.x as a FlowAnalyzer: one `http` event per request/response pair (or a request left
// unanswered, or a response without a request seen, at flow end). Fields: method, URL parts,
// version, user agent, status, content types and body lengths; see agent/net/protocols/README.md.
// The event's raw text is the request head as sent (request line and header lines, without the
// blank line that ends it; at most kHttpMaxRawHead bytes): packet rules that mix payload content
// with http buffers match it. When the packet rules ask (HttpAnalyzerFactory::keep) the event
// also carries the request body's start (kHttpRequestBodyField), the response head
// (kHttpResponseHeadField) and the response body's start (kHttpResponseBodyField, inflated);
// those fields and the credentials in the raw text stay until redact_http_credentials() runs.
//
// Contract: the factory attaches an analyzer to every TCP flow that carries payload; it gives up
// (wants_more() false) unless the client's first bytes look like a request line (an upper-case
// token and a space). The client is the flow's originator, except on a TCP flow picked up mid-way
// (no SYN seen), whose first side to send payload is taken for the client (the event's source is
// then the flow's responder when that side is); the flow is HTTP only if that payload starts with
// a request line. Requests are queued (pipelining; at most kHttpMaxPending, the oldest is emitted
// unanswered to make room) and responses paired with them in order; 1xx interim responses are
// skipped. Bodies are counted and skipped by Content-Length or chunked framing, or until the
// connection closes; only each body's first kHttpMaxKeptBody bytes are kept, if asked. A header
// block is held up to kHttpMaxHeader bytes; a longer one, a malformed start line, or a gap outside
// a body of known length ends the analysis of that direction. CONNECT and 101 Switching Protocols
// end it too (the rest is not HTTP). Single-threaded; no exceptions.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "agent/net/flow_analyzer.h"

namespace soc::agent::net::protocols {

inline constexpr std::size_t kHttpMaxHeader = std::size_t{16} * 1024;
inline constexpr std::size_t kHttpMaxRawHead = std::size_t{4} * 1024;
inline constexpr std::size_t kHttpMaxKeptBody = std::size_t{4} * 1024;
// The field that carries a request body's first kHttpMaxKeptBody bytes (chunk framing removed)
// for the packet rules' http.request_body; redact_http_credentials() removes it.
inline constexpr std::string_view kHttpRequestBodyField = "http.request.body.content";
// The field that carries the response head as sent (status line and header lines, at most
// kHttpMaxRawHead bytes) for the packet rules' response buffers; redact_http_credentials()
// removes it (Set-Cookie).
inline constexpr std::string_view kHttpResponseHeadField = "http.response.head";
// The field that carries the response body's first kHttpMaxKeptBody bytes (chunk framing
// removed, gzip or deflate Content-Encoding inflated) for file_data; redaction removes it.
inline constexpr std::string_view kHttpResponseBodyField = "http.response.body.content";
inline constexpr std::size_t kHttpMaxPending = 32;

// What the analyzers keep beyond the summary's fields, only for packet rules that ask: each costs
// memory per request, and a compressed response body the CPU to inflate it.
struct HttpRuleData {
  bool request_body = false;   // kHttpRequestBodyField
  bool response_head = false;  // kHttpResponseHeadField
  bool response_body = false;  // kHttpResponseBodyField
};

class HttpAnalyzerFactory final : public FlowAnalyzerFactory {
 public:
  explicit HttpAnalyzerFactory(std::string source = {}) : source_(std::move(source)) {}
  std::string_view name() const override { return "http"; }
  std::unique_ptr<FlowAnalyzer> create(const Flow& flow) override;
  // What analyzers created from now on keep (flows already analyzed keep what they had).
  void keep(HttpRuleData data) { keep_ = data; }

 private:
  std::string source_;
  HttpRuleData keep_;
};

// Replaces, in the raw text of the `http` events among `events`, the values of Authorization,
// Proxy-Authorization and Cookie by "<redacted>" (and drops their folded continuation lines),
// and removes the bodies and the response head (kHttpRequestBodyField: login forms carry
// passwords; kHttpResponseHeadField: Set-Cookie carries sessions; kHttpResponseBodyField). The pcap
// source calls it once its packet rules ran, before the events leave it: credentials are
// matched, never shipped.
void redact_http_credentials(std::span<Event> events);

}  // namespace soc::agent::net::protocols
