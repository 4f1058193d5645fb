// ApiClient: a small client of the collector's HTTP JSON API (api_handlers.h lists the
// endpoints), for `socctl --url URL --token TOKEN ...`.
//
// open() takes the base URL (http://HOST:PORT or https://HOST:PORT) and the bearer token; an
// https server's certificate is verified against the system's CAs, or against ca_cert when given
// (a self-signed collector certificate). get()/post() return the JSON body of a 2xx answer; any
// other answer is an Error carrying the server's {"error"} message and the status, mapped as
//   400 -> kInvalidArgument, 401/403 -> kInvalidArgument ("... (HTTP 401)"), 404 -> kNotFound,
//   409 -> kConflict, 413/414/431 -> kTooLarge, anything else and transport failures -> kIo.
//
// Contract: one object per thread (it keeps one connection); no exceptions escape.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace soc::collector {

struct ApiClientOptions {
  std::string url;      // base URL, no path ("https://soc.example:8443")
  std::string token;    // the bearer token
  std::string ca_cert;  // PEM file of CA certificates for https; "" = the system's
  int timeout_s = 30;
};

using QueryParams = std::vector<std::pair<std::string, std::string>>;

class ApiClient {
 public:
  // kInvalidArgument for a URL that is not http(s)://HOST[:PORT] or a missing token.
  static Result<std::unique_ptr<ApiClient>> open(const ApiClientOptions& options);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // GET path?params (values percent-encoded here).
  Result<nlohmann::json> get(const std::string& path, const QueryParams& params = {});
  // POST path with a JSON body.
  Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body);

  // The options' fields, or the SOC_URL / SOC_TOKEN / SOC_CA_CERT environment variables where
  // they are empty.
  static ApiClientOptions with_environment(ApiClientOptions options);

 private:
  struct Impl;
  explicit ApiClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "a b/c" -> "a%20b%2Fc" (RFC 3986 unreserved characters kept).
std::string percent_encode(const std::string& text);

}  // namespace soc::collector
