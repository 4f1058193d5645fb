// ZapHandler: the collector's ZeroMQ authentication (ZAP, RFC 27) handler. It admits a CURVE
// client only when its public key belongs to an enrolled agent, looked up in the store on every
// handshake, so `socctl agent add` takes effect without a restart. The admitted key becomes the
// connection's User-Id: an agent's identity is its key, never a name it claims.
// Refused keys are logged once per interval per key, with the number of attempts.
//
// Runs on its own thread with its own store connection; start() before binding any CURVE
// server socket on the same context; destroy it before the context.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "common/result.h"

namespace soc::collector {

class ZapHandler {
 public:
  static Result<std::unique_ptr<ZapHandler>> start(zmq::context_t& context,
                                                   const std::string& store_path,
                                                   std::int64_t refused_log_interval_s);
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  std::uint64_t admitted() const { return admitted_.load(); }
  std::uint64_t refused() const { return refused_.load(); }

 private:
  ZapHandler() = default;
  void serve(zmq::socket_t socket, const std::string& store_path, std::int64_t interval_s);

  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> admitted_{0};
  std::atomic<std::uint64_t> refused_{0};
};

}  // namespace soc::collector
