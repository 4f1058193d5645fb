// ApiConfig: the `api:` section of collector.yaml (read by load_collector_config, documented in
// config/collector.yaml). Plain data, validated when loaded.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/result.h"

namespace soc::collector {

struct ApiConfig {
  bool enabled = false;
  std::string host = "127.0.0.1";  // from api.listen ("HOST:PORT", "[V6]:PORT")
  int port = 8443;
  // Both set: HTTPS (PEM certificate chain and its key); both empty: plain HTTP.
  std::string tls_cert;
  std::string tls_key;
  // `name role sha256hex` lines, mode 0600 (see api_tokens.h). Default: api_tokens beside the
  // store file.
  std::string tokens_file;
  std::size_t threads = 4;             // requests handled at once
  std::size_t max_queued = 64;         // accepted connections waiting for a thread
  std::size_t max_body_bytes = 65536;  // larger request bodies get 413
  std::int64_t timeout_s = 10;         // read/write timeout of a connection
  std::size_t max_limit = 10'000;      // the largest `limit` a request may ask for
};

// Parses "HOST:PORT" or "[IPV6]:PORT" (port 1-65535) into host and port.
// (Header-only: collector_config.cc uses it and the API library depends on the collector's.)
inline Result<void> parse_api_listen(const std::string& text, std::string& host, int& port) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return fail(ErrorCode::kInvalidArgument, "expected HOST:PORT (e.g. 127.0.0.1:8443)");
  }
  std::string h = text.substr(0, colon);
  if (h.front() == '[') {
    if (h.size() < 3 || h.back() != ']') {
      return fail(ErrorCode::kInvalidArgument, "expected [IPV6]:PORT");
    }
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string::npos) {
    return fail(ErrorCode::kInvalidArgument, "an IPv6 address goes in brackets: [::1]:8443");
  }
  const std::string p = text.substr(colon + 1);
  int value = 0;
  const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (p.empty() || ec != std::errc() || end != p.data() + p.size() || value < 1 || value > 65535) {
    return fail(ErrorCode::kInvalidArgument, "port '" + p + "': expected 1-65535");
  }
  host = h;
  port = value;
  return ok();
}

// The URL clients use for this config ("http://127.0.0.1:8443", "https://[::1]:8443").
inline std::string api_base_url(const ApiConfig& config) {
  const bool tls = !config.tls_cert.empty();
  const bool v6 = config.host.find(':') != std::string::npos;
  return std::string(tls ? "https://" : "http://") + (v6 ? "[" + config.host + "]" : config.host) +
         ":" + std::to_string(config.port);
}

}  // namespace soc::collector
