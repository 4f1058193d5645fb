#include "collector/zap_handler.h"

#include <zmq.h>

#include <array>
#include <map>
#include <vector>

#include "collector/store/sqlite_store.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/thread_name.h"

namespace soc::collector {
namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";
constexpr std::size_t kZapRequestFrames = 7;  // version .. credentials (one for CURVE)
constexpr std::size_t kCurveKeyBytes = 32;

struct ZapVerdict {
  bool admit = false;
  std::string user_id;  // the Z85 key when admitted
  std::string reason;
};

std::string z85_of(const zmq::message_t& key) {
  std::array<char, 41> text{};
  zmq_z85_encode(text.data(), static_cast<const std::uint8_t*>(key.data()), kCurveKeyBytes);
  return text.data();
}

// Tracks refused keys so each is logged at most once per interval.
class RefusalLog {
 public:
  explicit RefusalLog(std::int64_t interval_ms) : interval_ms_(interval_ms) {}
  void note(const std::string& key, const std::string& address, const std::string& reason) {
    forget_quiet_keys();
    Entry& e = entries_[key];
    ++e.attempts;
    const std::int64_t now = monotonic_ms();
    if (e.last_logged_ms != 0 && now - e.last_logged_ms < interval_ms_) return;
    log(LogLevel::kWarn, "zap", "refused key ", key, " from ", address, ": ", reason, " (",
        e.attempts, " attempt(s) since last report)");
    e.last_logged_ms = now;
    e.attempts = 0;
  }

 private:
  struct Entry {
    std::int64_t last_logged_ms = 0;
    std::uint64_t attempts = 0;
  };

  // Keys not seen for an interval are dropped, so throwaway keys cannot grow the map forever.
  void forget_quiet_keys() {
    const std::int64_t now = monotonic_ms();
    if (now - last_sweep_ms_ < interval_ms_) return;
    last_sweep_ms_ = now;
    std::erase_if(entries_, [&](const auto& kv) {
      return kv.second.attempts == 0 && now - kv.second.last_logged_ms >= interval_ms_;
    });
  }

  std::int64_t last_sweep_ms_ = 0;
  std::int64_t interval_ms_;
  std::map<std::string, Entry> entries_;
};

}  // namespace

Result<std::unique_ptr<ZapHandler>> ZapHandler::start(zmq::context_t& context,
                                                      const std::string& store_path,
                                                      std::int64_t refused_log_interval_s) {
  zmq::socket_t socket(context, zmq::socket_type::rep);
  try {
    socket.set(zmq::sockopt::linger, 0);
    socket.bind(kZapEndpoint);
  } catch (const zmq::error_t& e) {
    return fail(ErrorCode::kInternal, std::string("ZAP handler bind: ") + e.what());
  }
  auto handler = std::unique_ptr<ZapHandler>(new ZapHandler());
  // The socket was bound here; it moves to the handler's thread and is used only there.
  handler->thread_ = std::thread(&ZapHandler::serve, handler.get(), std::move(socket), store_path,
                                 refused_log_interval_s);
  return handler;
}

ZapHandler::~ZapHandler() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void ZapHandler::serve(zmq::socket_t socket, const std::string& store_path,
                       std::int64_t interval_s) {
  name_this_thread("soc-zap");
  auto store = open_sqlite_store(store_path);
  if (!store)
    log(LogLevel::kError, "zap",
        "cannot open the store; refusing every agent: ", store.error().message);
  RefusalLog refusals(interval_s * 1000);
  while (!stop_.load()) {
    std::vector<zmq::message_t> frames;
    try {
      std::array<zmq::pollitem_t, 1> items{{{socket.handle(), 0, ZMQ_POLLIN, 0}}};
      if (zmq::poll(items.data(), 1, std::chrono::milliseconds(200)) == 0) continue;
      bool more = true;
      while (more) {
        zmq::message_t frame;
        if (!socket.recv(frame, zmq::recv_flags::none)) break;
        more = frame.more();
        frames.push_back(std::move(frame));
      }
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;
      log(LogLevel::kError, "zap", "receive: ", e.what());
      continue;
    }
    ZapVerdict verdict;
    std::string address = frames.size() > 3 ? frames[3].to_string() : "?";
    if (frames.size() != kZapRequestFrames || frames[5].to_string_view() != "CURVE" ||
        frames[6].size() != kCurveKeyBytes) {
      verdict.reason = "not a CURVE handshake";
    } else {
      const std::string key = z85_of(frames[6]);
      verdict.user_id = key;
      if (!store) {
        verdict.reason = "store unavailable";
      } else if (auto agent = (*store)->find_agent_by_key(key); !agent) {
        verdict.reason = "store error: " + agent.error().message;
      } else if (!agent->has_value()) {
        verdict.reason = "not an enrolled agent";
      } else {
        verdict.admit = true;
      }
    }
    if (verdict.admit) {
      ++admitted_;
    } else {
      ++refused_;
      refusals.note(verdict.user_id.empty() ? "(none)" : verdict.user_id, address, verdict.reason);
    }
    const std::string request_id = frames.size() > 1 ? frames[1].to_string() : "";
    try {
      socket.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
      socket.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
      socket.send(zmq::buffer(std::string(verdict.admit ? "200" : "400")),
                  zmq::send_flags::sndmore);
      socket.send(zmq::buffer(verdict.admit ? std::string("OK") : verdict.reason),
                  zmq::send_flags::sndmore);
      socket.send(zmq::buffer(verdict.admit ? verdict.user_id : std::string()),
                  zmq::send_flags::sndmore);
      socket.send(zmq::message_t(), zmq::send_flags::none);
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;
      log(LogLevel::kError, "zap", "reply: ", e.what());
    }
  }
}

}  // namespace soc::collector
