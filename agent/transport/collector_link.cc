#include "agent/transport/collector_link.h"

#include <zmq.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>

#include <zmq.hpp>

#include "common/clock.h"
#include "common/log.h"

namespace soc::agent {

namespace {
constexpr std::int64_t kFirstRetryMs = 1000;
constexpr std::int64_t kMaxRetryMs = 60'000;
std::atomic<int> g_monitor_id{0};
constexpr int kMonitorEvents =
    ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;

// One CURVE DEALER connection to the collector and the monitor that reports its handshakes.
struct Connection {
  zmq::socket_t dealer;
  zmq::socket_t monitor;
  const char* name;  // "data" or "control", for logs
  bool connected = false;
  bool reconnected = false;
  std::uint64_t connects = 0;
  // ZeroMQ gives up on a peer that refused our key; we retry on our own, backing off.
  std::int64_t retry_at_ms = 0;
  std::int64_t retry_backoff_ms = kFirstRetryMs;

  Connection(zmq::context_t& context, const char* channel_name)
      : dealer(context, zmq::socket_type::dealer),
        monitor(context, zmq::socket_type::pair),
        name(channel_name) {}

  void open(const LinkConfig& config);
  void handle_monitor_event(const std::string& endpoint, LinkCounters& counters);
  void retry_if_due(const std::string& endpoint);
};

void Connection::open(const LinkConfig& config) {
  zmq::socket_t& s = dealer;
  s.set(zmq::sockopt::curve_serverkey, config.server_public_key);
  s.set(zmq::sockopt::curve_publickey, config.agent_keys.public_key);
  s.set(zmq::sockopt::curve_secretkey, config.agent_keys.secret_key);
  s.set(zmq::sockopt::immediate, 1);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(config.limits.max_message_bytes));
  s.set(zmq::sockopt::reconnect_ivl, 100);
  s.set(zmq::sockopt::reconnect_ivl_max, 5000);
  const std::string monitor_endpoint =
      "inproc://agent-link-monitor-" + std::to_string(g_monitor_id++);
  if (zmq_socket_monitor(s.handle(), monitor_endpoint.c_str(), kMonitorEvents) != 0) {
    throw zmq::error_t();
  }
  monitor.connect(monitor_endpoint);
  s.connect(config.endpoint);
}

void Connection::handle_monitor_event(const std::string& endpoint, LinkCounters& counters) {
  zmq::message_t header;
  zmq::message_t address;
  if (!monitor.recv(header, zmq::recv_flags::dontwait)) return;
  if (header.more()) (void)monitor.recv(address, zmq::recv_flags::dontwait);
  if (header.size() < 6) return;
  std::uint16_t event = 0;
  std::uint32_t value = 0;
  std::memcpy(&event, header.data(), sizeof event);
  std::memcpy(&value, static_cast<const char*>(header.data()) + 2, sizeof value);
  switch (event) {
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
      connected = true;
      reconnected = true;
      retry_at_ms = 0;
      retry_backoff_ms = kFirstRetryMs;
      ++connects;
      log(LogLevel::kInfo, "agent", "connected to collector ", endpoint, " (", name, ")");
      break;
    case ZMQ_EVENT_DISCONNECTED:
      if (connected) {
        log(LogLevel::kWarn, "agent", "disconnected from collector ", endpoint, " (", name, ")");
      }
      connected = false;
      ++counters.disconnects;
      break;
    default:
      ++counters.handshake_failures;
      log(LogLevel::kWarn, "agent", "handshake with collector ", endpoint, " (", name,
          ") failed (is this agent enrolled, and is collector.public_key right?) code ", value,
          "; retrying in ", retry_backoff_ms, " ms");
      retry_at_ms = monotonic_ms() + retry_backoff_ms;
      retry_backoff_ms = std::min(retry_backoff_ms * 2, kMaxRetryMs);
      break;
  }
}

void Connection::retry_if_due(const std::string& endpoint) {
  if (retry_at_ms == 0 || monotonic_ms() < retry_at_ms) return;
  retry_at_ms = 0;
  try {
    dealer.disconnect(endpoint);
  } catch (const zmq::error_t&) {
    // Already disconnected: fine.
  }
  try {
    dealer.connect(endpoint);
  } catch (const zmq::error_t& e) {
    log(LogLevel::kWarn, "agent", "reconnect to ", endpoint, " failed: ", e.what());
  }
}
}  // namespace

struct CollectorLink::Impl {
  zmq::context_t context{1};
  Connection data{context, "data"};
  Connection control{context, "control"};
  wire::Limits limits;
  std::string endpoint;
  LinkCounters counters;

  Connection& of(Channel channel) { return channel == Channel::kData ? data : control; }
  std::optional<wire::Message> read(zmq::socket_t& dealer);
};

std::optional<wire::Message> CollectorLink::Impl::read(zmq::socket_t& dealer) {
  zmq::message_t msg;
  if (!dealer.recv(msg, zmq::recv_flags::dontwait)) return std::nullopt;
  if (msg.more()) {  // the protocol is single-frame: drop a multipart message whole
    bool more = true;
    while (more) {
      zmq::message_t part;
      if (!dealer.recv(part, zmq::recv_flags::dontwait)) break;
      more = part.more();
    }
    ++counters.malformed_received;
    return std::nullopt;
  }
  auto decoded = wire::decode(msg.to_string_view(), limits);
  if (!decoded) {
    ++counters.malformed_received;
    log(LogLevel::kWarn, "agent",
        "ignored a message from the collector: ", decoded.error().message);
    return std::nullopt;
  }
  return std::move(*decoded);
}

CollectorLink::CollectorLink(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CollectorLink::~CollectorLink() = default;

Result<std::unique_ptr<CollectorLink>> CollectorLink::connect(const LinkConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->limits = config.limits;
  impl->endpoint = config.endpoint;
  try {
    impl->data.open(config);
    impl->control.open(config);
  } catch (const zmq::error_t& e) {
    return fail(ErrorCode::kInvalidArgument, "connect to " + config.endpoint + ": " + e.what());
  }
  return std::unique_ptr<CollectorLink>(new CollectorLink(std::move(impl)));
}

bool CollectorLink::try_send(Channel channel, const std::string& bytes) {
  try {
    auto sent = impl_->of(channel).dealer.send(zmq::buffer(bytes), zmq::send_flags::dontwait);
    return sent.has_value();
  } catch (const zmq::error_t& e) {
    log(LogLevel::kWarn, "agent", "send failed: ", e.what());
    return false;
  }
}

std::optional<wire::Message> CollectorLink::receive(int timeout_ms) {
  Impl& impl = *impl_;
  std::array<zmq::pollitem_t, 4> items{{{impl.control.dealer.handle(), 0, ZMQ_POLLIN, 0},
                                        {impl.data.dealer.handle(), 0, ZMQ_POLLIN, 0},
                                        {impl.control.monitor.handle(), 0, ZMQ_POLLIN, 0},
                                        {impl.data.monitor.handle(), 0, ZMQ_POLLIN, 0}}};
  try {
    zmq::poll(items.data(), items.size(), std::chrono::milliseconds(timeout_ms));
    if ((items[2].revents & ZMQ_POLLIN) != 0) {
      impl.control.handle_monitor_event(impl.endpoint, impl.counters);
    }
    if ((items[3].revents & ZMQ_POLLIN) != 0) {
      impl.data.handle_monitor_event(impl.endpoint, impl.counters);
    }
    impl.control.retry_if_due(impl.endpoint);
    impl.data.retry_if_due(impl.endpoint);
    // Control first: a pushed pack is not kept waiting behind acknowledgements.
    if ((items[0].revents & ZMQ_POLLIN) != 0) {
      if (auto message = impl.read(impl.control.dealer)) return message;
    }
    if ((items[1].revents & ZMQ_POLLIN) != 0) return impl.read(impl.data.dealer);
    return std::nullopt;
  } catch (const zmq::error_t& e) {
    log(LogLevel::kWarn, "agent", "receive failed: ", e.what());
    return std::nullopt;
  }
}

bool CollectorLink::take_reconnected(Channel channel) {
  Connection& c = impl_->of(channel);
  const bool r = c.reconnected;
  c.reconnected = false;
  return r;
}

bool CollectorLink::connected() const { return impl_->data.connected; }

LinkCounters CollectorLink::counters() const {
  LinkCounters c = impl_->counters;
  c.connects = impl_->data.connects;
  c.control_connects = impl_->control.connects;
  return c;
}

}  // namespace soc::agent
