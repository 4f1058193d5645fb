// WebAccessDecoder: nginx / Apache access logs in the "combined" and "common" formats, optionally
// with a leading virtual host ("vhost_combined", "host:port") and trailing extra fields (nginx's
// "main" format with "$http_x_forwarded_for", request times ...).
//
//   [vhost[:port]] client ident user [10/Oct/2000:13:55:36 -0700] "GET /a?b HTTP/1.1" 200 2326
//       ["referrer" "user agent" [extra ...]]
//
// The time may carry a fraction and may lack the zone (UTC then); a server name may also stand
// between the time and the request ("%t %v \"%r\""); the ident/user part may have one or more
// words; fields may contain backslash-escaped quotes (Apache). A line without a valid
// "[dd/Mon/yyyy:hh:mm:ss ...]", a quoted request and a numeric (or "-") status is not an access
// log: decode returns false and the event is unchanged.
//
// Fields:
//   source.ip (IpAddress) / source.domain (client given as a hostname), client.ip, related.ip
//   user.name (the authenticated user; "-" omitted; the ident field is not emitted)
//   http.request.method, http.version ("1.1"), url.original (the request target exactly as
//   logged), url.path and url.query (percent-decoded once; the query without '?'; '+' kept),
//   url.scheme / url.domain / url.port for absolute-form targets ("GET http://h:8080/p"), else
//   url.domain / url.port from the vhost
//   http.response.status_code (int), http.response.body.bytes (int; "-" omitted)
//   http.request.referrer, user_agent.original (as logged, "-" included; empty omitted)
//   event.time_ns from the bracketed time.
//
// Client address and X-Forwarded-For: the address chain is the XFF entries followed by the TCP
// peer. XFF entries come from (a) a leading list in the client position ("10.0.0.2, 10.0.0.1,
// 1.2.3.4 - - [...]": every entry but the last is XFF, the last is the peer), (b) a leading
// quoted list followed by the peer ("\"a, b\" 10.2.1.185 - - [...]"), or (c) the first trailing
// quoted field whose comma-separated entries are all IP addresses (nginx "main" format). With a
// chain of more than one address, source.ip is the first public address of the chain (left to
// right), or the first address when none is public (the rule of Filebeat's nginx module), and
// client.ip is the peer; related.ip lists every address of the chain. Without XFF, source.ip is
// the peer.
//
// A request line that is not "METHOD target [HTTP/x.y]" (e.g. "\x16\x03\x01..." from a TLS
// handshake sent to a plain HTTP port) still decodes: url.original keeps the raw text, and no
// method, path, query or version is emitted; "-" and "" give no url fields at all.
#pragma once

#include <string_view>

#include "agent/decode/decoder.h"

namespace soc::agent {

class WebAccessDecoder final : public Decoder {
 public:
  WebAccessDecoder() = default;
  std::string_view name() const override { return "web_access"; }
  bool decode(Event& event) const override;
};

}  // namespace soc::agent
