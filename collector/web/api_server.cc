#include "collector/web/api_server.h"

#include <sys/stat.h>

#include <atomic>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <regex>
#include <thread>
#include <vector>

#include <httplib.h>

#include "collector/web/api_handlers.h"
#include "collector/web/api_json.h"
#include "collector/web/api_tokens.h"
#include "common/log.h"
#include "common/thread_name.h"

namespace soc::collector {
namespace {

// cpp-httplib's task queue with a bound: `threads` workers, at most `max_queued` connections
// waiting; enqueue() blocks the accepting thread beyond that (back-pressure to the kernel backlog).
class BoundedTaskQueue final : public httplib::TaskQueue {
 public:
  BoundedTaskQueue(std::size_t threads, std::size_t max_queued) : max_queued_(max_queued) {
    for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
  }

  void enqueue(std::function<void()> fn) override {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return jobs_.size() < max_queued_ || shutdown_; });
    jobs_.push_back(std::move(fn));
    lock.unlock();
    ready_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard lock(mutex_);
      shutdown_ = true;
    }
    ready_.notify_all();
    room_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return !jobs_.empty() || shutdown_; });
        if (jobs_.empty()) return;  // shut down and drained
        fn = std::move(jobs_.front());
        jobs_.pop_front();
      }
      room_.notify_one();
      fn();  // serves one connection; closes its socket
    }
  }

  const std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable room_;
  std::deque<std::function<void()>> jobs_;
  bool shutdown_ = false;
  std::vector<std::thread> workers_;
};

// The tokens file, re-read whenever its inode, size or modification time change. A file that
// cannot be read (or has a loose mode) admits nobody: failing closed, with one log line per change.
class TokenCache {
 public:
  explicit TokenCache(std::string path) : path_(std::move(path)) {}

  std::optional<ApiToken> authenticate(std::string_view presented) {
    std::lock_guard lock(mutex_);
    refresh();
    return tokens_.authenticate(presented);
  }

 private:
  struct Identity {
    ino_t ino = 0;
    off_t size = -1;
    std::int64_t mtime_ns = -1;
    bool operator==(const Identity&) const = default;
  };

  void refresh() {
    struct stat st {};
    Identity now;
    if (::stat(path_.c_str(), &st) == 0) {
      now = Identity{
          st.st_ino, st.st_size,
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
    }
    if (loaded_ && now == identity_) return;
    loaded_ = true;
    identity_ = now;
    auto tokens = ApiTokens::load_or_empty(path_);
    if (!tokens) {
      log(LogLevel::kError, "api",
          "tokens file refused, no token is accepted: ", tokens.error().message);
      tokens_ = ApiTokens{};
      return;
    }
    tokens_ = std::move(*tokens);
    log(LogLevel::kInfo, "api", tokens_.tokens().size(), " token(s) loaded from ", path_);
  }

  const std::string path_;
  std::mutex mutex_;
  bool loaded_ = false;
  Identity identity_;
  ApiTokens tokens_;
};

enum class Access { kPublic, kAnalyst, kAdmin };

struct Route {
  const char* method;
  std::regex path;
  Access access;
  ApiReply (ApiHandlers::*handler)(const ApiRequest&) const;
};

std::vector<Route> make_routes() {
  const auto re = [](const char* p) { return std::regex(p, std::regex::ECMAScript); };
  return {
      {"GET", re("/api/v1/health"), Access::kPublic, &ApiHandlers::health},
      {"GET", re("/api/v1/events"), Access::kAnalyst, &ApiHandlers::events},
      {"GET", re("/api/v1/incidents"), Access::kAnalyst, &ApiHandlers::incidents},
      {"GET", re("/api/v1/incidents/([^/]+)"), Access::kAnalyst, &ApiHandlers::incident},
      {"POST", re("/api/v1/incidents/([^/]+)/ack"), Access::kAnalyst, &ApiHandlers::ack},
      {"POST", re("/api/v1/incidents/([^/]+)/close"), Access::kAnalyst, &ApiHandlers::close},
      {"GET", re("/api/v1/agents"), Access::kAdmin, &ApiHandlers::agents},
      {"GET", re("/api/v1/packs"), Access::kAdmin, &ApiHandlers::packs},
  };
}

const char* reason_phrase(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not found";
    case 405:
      return "method not allowed";
    case 408:
      return "request timeout";
    case 409:
      return "conflict";
    case 413:
      return "request body too large";
    case 414:
      return "request URI too long";
    case 416:
      return "range not satisfiable";
    case 431:
      return "request headers too large";
    case 500:
      return "internal error";
    case 503:
      return "unavailable";
    default:
      return "error";
  }
}

void send(httplib::Response& res, const ApiReply& reply) {
  res.status = reply.status;
  res.set_content(dump_json(reply.body), "application/json");
}

// The token of "Authorization: Bearer TOKEN"; nullopt when the header is absent or not Bearer.
std::optional<std::string> bearer_token(const httplib::Request& req) {
  if (!req.has_header("Authorization")) return std::nullopt;
  const std::string value = req.get_header_value("Authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kScheme[i]) return std::nullopt;
  }
  std::string token = value.substr(kScheme.size());
  const std::size_t first = token.find_first_not_of(' ');
  if (first == std::string::npos) return std::nullopt;
  token.erase(0, first);
  token.erase(token.find_last_not_of(' ') + 1);
  return token;
}

}  // namespace

struct ApiServer::Impl {
  ApiConfig config;
  std::string url;
  std::unique_ptr<httplib::Server> server;
  ApiHandlers handlers;
  TokenCache tokens;
  std::vector<Route> routes = make_routes();
  std::thread listener;
  std::atomic<bool> listener_done{false};

  Impl(const CollectorConfig& c)
      : config(c.api),
        url(api_base_url(c.api)),
        handlers(c.store_path, c.api.max_limit),
        tokens(c.api.tokens_file) {}

  void dispatch(const httplib::Request& req, httplib::Response& res) {
    const Route* route = nullptr;
    std::string allow;
    std::smatch match;
    for (const Route& r : routes) {
      std::smatch m;
      if (!std::regex_match(req.path, m, r.path)) continue;
      const bool method_ok = req.method == r.method || (req.method == "HEAD" && r.method[0] == 'G');
      if (method_ok) {
        route = &r;
        match = m;
        break;
      }
      allow += (allow.empty() ? "" : ", ") + std::string(r.method);
    }
    if (route == nullptr) {
      if (allow.empty()) return send(res, api_error(404, "no such endpoint: " + req.path));
      res.set_header("Allow", allow);
      return send(res, api_error(405, req.method + " is not allowed here; allowed: " + allow));
    }
    ApiRequest request;
    if (route->access != Access::kPublic) {
      const auto token = bearer_token(req);
      std::optional<ApiToken> caller;
      if (token && token->size() <= 256) caller = tokens.authenticate(*token);
      if (!caller) {
        res.set_header("WWW-Authenticate",
                       token ? R"(Bearer realm="soc-collector", error="invalid_token")"
                             : R"(Bearer realm="soc-collector")");
        log(LogLevel::kDebug, "api", req.remote_addr, " ", req.method, " ", req.path, ": ",
            token ? "unknown token" : "no token");
        return send(res, api_error(401, token ? "unknown or revoked token"
                                              : "an Authorization: Bearer TOKEN header is needed"));
      }
      if (route->access == Access::kAdmin && caller->role != ApiRole::kAdmin) {
        return send(res, api_error(403, "token '" + caller->name +
                                            "' (analyst) may not do this; "
                                            "an admin token may"));
      }
      request.caller = caller->name;
    }
    request.params.insert(req.params.begin(), req.params.end());
    request.body = req.body;
    if (match.size() > 1) request.path_id = match[1].str();
    send(res, (handlers.*(route->handler))(request));
  }
};

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ApiServer::~ApiServer() { stop(); }

const std::string& ApiServer::url() const { return impl_->url; }

Result<std::unique_ptr<ApiServer>> ApiServer::start(const CollectorConfig& config) {
  const ApiConfig& api = config.api;
  auto impl = std::make_unique<Impl>(config);
  if (!api.tls_cert.empty()) {
    auto tls = std::make_unique<httplib::SSLServer>(api.tls_cert.c_str(), api.tls_key.c_str());
    if (!tls->is_valid()) {
      return fail(ErrorCode::kInvalidArgument, "api: cannot use the TLS certificate " +
                                                   api.tls_cert + " with key " + api.tls_key +
                                                   " (unreadable, not PEM, or not a pair)");
    }
    impl->server = std::move(tls);
  } else {
    impl->server = std::make_unique<httplib::Server>();
  }
  httplib::Server& s = *impl->server;
  Impl* self = impl.get();
  s.new_task_queue = [threads = api.threads, queued = api.max_queued] {
    return new BoundedTaskQueue(threads, queued);
  };
  s.set_payload_max_length(api.max_body_bytes);
  s.set_read_timeout(static_cast<time_t>(api.timeout_s), 0);
  s.set_write_timeout(static_cast<time_t>(api.timeout_s), 0);
  s.set_keep_alive_timeout(5);
  s.set_keep_alive_max_count(100);
  const auto handler = [self](const httplib::Request& req, httplib::Response& res) {
    self->dispatch(req, res);
  };
  s.Get(".*", handler).Post(".*", handler).Put(".*", handler).Patch(".*", handler);
  s.Delete(".*", handler).Options(".*", handler);
  // Errors cpp-httplib answers itself (413, 414, 400 for unparsable requests) get a JSON body too.
  s.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        send(res, api_error(res.status, reason_phrase(res.status)));
        return httplib::Server::HandlerResponse::Handled;
      }));
  s.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        log(LogLevel::kError, "api", req.method, " ", req.path, ": ", what);
        send(res, api_error(500, "internal error; see the collector's log"));
      });
  s.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    log(LogLevel::kDebug, "api", req.remote_addr, " ", req.method, " ", req.path, " ", res.status);
  });
  if (!s.bind_to_port(api.host, api.port)) {
    return fail(ErrorCode::kIo, "api: cannot listen on " + api.host + ":" +
                                    std::to_string(api.port) + " (in use, or not this host's)");
  }
  impl->listener = std::thread([self] {
    name_this_thread("soc-api");
    self->server->listen_after_bind();
    self->listener_done = true;
  });
  // listen_after_bind() must be running before stop() can end it; it sets is_running() first.
  while (!s.is_running() && !self->listener_done) std::this_thread::yield();
  if (self->listener_done) {
    impl->listener.join();
    return fail(ErrorCode::kInternal, "api: the listener stopped at once");
  }
  if (api.tls_cert.empty() && api.host != "127.0.0.1" && api.host != "::1" &&
      api.host != "localhost") {
    log(LogLevel::kWarn, "api", "serving plain HTTP on ", api.host,
        ": tokens cross the network in clear; set api.tls_cert and api.tls_key");
  }
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

void ApiServer::stop() {
  if (!impl_ || !impl_->listener.joinable()) return;
  impl_->server->stop();
  impl_->listener.join();
}

}  // namespace soc::collector
