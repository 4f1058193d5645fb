// ApiServer: the collector's HTTP JSON API (cpp-httplib), on its own threads beside ingest.
//
// HTTP plumbing only; what each endpoint does is api_handlers.h. Every /api/v1 route except
// /api/v1/health needs `Authorization: Bearer TOKEN` of a token in api.tokens_file (api_tokens.h),
// which is re-read when it changes, so `socctl token add|revoke` takes effect without a restart.
// Answers are JSON; errors are {"error": "..."} with
//   400 malformed parameter, id or body        401 no or unknown token (with WWW-Authenticate)
//   403 the token's role may not do that        404 no such route or incident
//   405 the route exists for other methods (Allow lists them)
//   409 the incident is already in that state    413 body larger than api.max_body_bytes
//   414 URI longer than 8 KiB (cpp-httplib)      500 store failure (detail in the log only)
// With api.tls_cert and api.tls_key set it serves HTTPS (OpenSSL), otherwise plain HTTP.
//
// Contract: start() binds (kIo when the address is taken, kInvalidArgument for unusable TLS
// files) and returns once the listener accepts. At most api.threads requests run at once;
// api.max_queued accepted connections wait, beyond that accepting pauses (the kernel's backlog
// holds the rest). Connections time out after api.timeout_s without progress. stop() (or the
// destructor) stops listening, lets running requests finish and joins every thread. The object is
// used by the thread that started it; the handlers run on the server's own threads.
#pragma once

#include <memory>
#include <string>

#include "collector/collector_config.h"
#include "common/result.h"

namespace soc::collector {

class ApiServer {
 public:
  static Result<std::unique_ptr<ApiServer>> start(const CollectorConfig& config);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  void stop();
  const std::string& url() const;

 private:
  struct Impl;
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace soc::collector
