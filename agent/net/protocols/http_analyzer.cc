#include "agent/net/protocols/http_analyzer.h"

#include <deque>
#include <optional>

#include "agent/net/packet.h"
#include "agent/net/protocols/analyzer_util.h"
#include "agent/net/protocols/body_decoder.h"
#include "agent/net/protocols/http_head.h"

namespace soc::agent::net::protocols {
namespace {

constexpr std::size_t kMaxLine = 1024;  // chunk-size and trailer lines
constexpr std::size_t kMaxMethod = 20;

bool method_char(char c) { return (c >= 'A' && c <= 'Z') || c == '-' || c == '_'; }

// Whether `s` can be the start of a request line: a method token then a space.
enum class Sniff { kYes, kNo, kMore };
Sniff sniff_request(std::string_view s) {
  for (std::size_t i = 0; i < s.size() && i <= kMaxMethod; ++i) {
    if (s[i] == ' ') return i >= 3 ? Sniff::kYes : Sniff::kNo;
    if (!method_char(s[i])) return Sniff::kNo;
  }
  return s.size() > kMaxMethod ? Sniff::kNo : Sniff::kMore;
}

struct Head {
  // Request: method, target, version; response: version, status.
  std::string method, target, version;
  int status = 0;
  std::string host, user_agent, content_type, content_encoding;
  bool chunked = false;
  std::optional<std::uint64_t> content_length;
};

bool parse_decimal(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

// Parses a header block (start line and header lines, without the blank line).
bool parse_head(std::string_view block, bool request, Head& h) {
  const std::string_view line = http_start_line(block);
  if (request) {
    const std::size_t a = line.find(' ');
    const std::size_t b = line.rfind(' ');
    if (a == std::string_view::npos) return false;
    if (b == a) {  // HTTP/0.9 simple request: method and target only
      h.method = std::string(line.substr(0, a));
      h.target = printable(line.substr(a + 1), 8192);
      h.version = "0.9";
      return !h.target.empty();
    }
    const std::string_view version = line.substr(b + 1);
    if (version.substr(0, 5) != "HTTP/") return false;
    h.method = std::string(line.substr(0, a));
    h.target = printable(http_trim(line.substr(a + 1, b - a - 1)), 8192);
    h.version = std::string(version.substr(5));
  } else {
    if (line.substr(0, 5) != "HTTP/") return false;
    const std::size_t a = line.find(' ');
    if (a == std::string_view::npos) return false;
    h.version = std::string(line.substr(5, a - 5));
    std::string_view rest = line.substr(a + 1);
    std::uint64_t code = 0;
    if (!parse_decimal(rest.substr(0, 3), code) || code < 100 || code > 999) return false;
    h.status = static_cast<int>(code);
  }
  for_each_header_line(block, [&h](const HttpHeaderLine& header) {
    const std::string_view name = header.name;
    const std::string_view value = header.value;
    if (iequals_ascii(name, "host")) {
      h.host = printable(value, 1024);
    } else if (iequals_ascii(name, "user-agent")) {
      h.user_agent = printable(value, 2048);
    } else if (iequals_ascii(name, "content-type")) {
      h.content_type = printable(http_trim(value.substr(0, value.find(';'))), 256);
    } else if (iequals_ascii(name, "content-length")) {
      std::uint64_t n = 0;
      if (parse_decimal(value, n)) h.content_length = n;
    } else if (iequals_ascii(name, "content-encoding")) {
      h.content_encoding = std::string(value.substr(0, 32));
    } else if (iequals_ascii(name, "transfer-encoding")) {
      h.chunked = value.size() >= 7 && iequals_ascii(value.substr(value.size() - 7), "chunked");
    }
  });
  return true;
}

// One direction's message framing: header blocks, then bodies skipped by length, chunks or
// until the close. The owner is told of each head and each completed message.
class MessageParser {
 public:
  enum class State {
    kHead,
    kBody,
    kChunkSize,
    kChunkData,
    kChunkEnd,
    kTrailer,
    kUntilClose,
    kDone
  };

  explicit MessageParser(bool request) : request_(request) {}

  State state() const { return state_; }
  bool done() const { return state_ == State::kDone; }
  std::uint64_t body_bytes() const { return body_; }
  std::string_view head_text() const { return head_; }
  bool at_message_start() const { return state_ == State::kHead && head_.empty(); }
  // The rest of the stream is one body (an HTTP/0.9 response).
  void until_close() {
    state_ = State::kUntilClose;
    body_ = 0;
  }
  void stop() {
    state_ = State::kDone;
    head_.clear();
    head_.shrink_to_fit();
  }

  // Feeds bytes; on_head(block) returns the body framing to use (kBody with `length`, kChunkSize,
  // kUntilClose, kHead for none, kDone to stop); on_body(bytes) with each piece of the body
  // (chunk framing removed); on_complete() after each message's body.
  template <typename OnHead, typename OnBody, typename OnComplete>
  void feed(std::string_view data, OnHead on_head, OnBody on_body, OnComplete on_complete) {
    while (!data.empty() && state_ != State::kDone) {
      switch (state_) {
        case State::kHead: {
          if (head_.empty()) {  // stray line ends between messages
            while (!data.empty() && (data.front() == '\r' || data.front() == '\n')) {
              data.remove_prefix(1);
            }
            if (data.empty()) return;
          }
          const std::size_t old = head_.size();
          const std::size_t room = kHttpMaxHeader + 4 - old;
          head_.append(data.substr(0, room));
          std::size_t end = std::string::npos, term = 0;
          for (std::size_t i = old < 3 ? 0 : old - 3; i < head_.size(); ++i) {
            if (head_[i] != '\n') continue;
            if (i + 1 < head_.size() && head_[i + 1] == '\n') {
              end = i + 1, term = 1;
              break;
            }
            if (i + 2 < head_.size() && head_[i + 1] == '\r' && head_[i + 2] == '\n') {
              end = i + 1, term = 2;
              break;
            }
          }
          const std::size_t first_nl = head_.find('\n');
          if (request_ && first_nl != std::string::npos && first_nl < end &&
              simple_request(std::string_view(head_).substr(0, first_nl))) {
            end = first_nl, term = 1;  // HTTP/0.9: the request is one line
          }
          if (end == std::string::npos) {
            if (head_.size() > kHttpMaxHeader) stop();
            return;  // everything taken was appended
          }
          const std::size_t used = end + term - old;
          data.remove_prefix(used);
          head_.resize(end);
          std::uint64_t length = 0;
          body_ = 0;
          const State next = on_head(std::string_view(head_), length);
          head_.clear();
          if (next == State::kDone) {
            stop();
            return;
          }
          state_ = next;
          remaining_ = length;
          if (next == State::kHead || (next == State::kBody && length == 0)) {
            state_ = State::kHead;
            on_complete();
          }
          break;
        }
        case State::kBody:
        case State::kChunkData: {
          const std::size_t n =
              static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size()));
          body_ += n;
          remaining_ -= n;
          on_body(data.substr(0, n));
          data.remove_prefix(n);
          if (remaining_ == 0) {
            if (state_ == State::kBody) {
              state_ = State::kHead;
              on_complete();
            } else {
              state_ = State::kChunkEnd;
            }
          }
          break;
        }
        case State::kUntilClose:
          body_ += data.size();
          on_body(data);
          return;
        case State::kChunkSize:
        case State::kChunkEnd:
        case State::kTrailer: {
          const std::size_t nl = data.find('\n');
          const std::string_view part = data.substr(0, nl);
          if (line_.size() + part.size() > kMaxLine) {
            stop();
            return;
          }
          line_.append(part);
          if (nl == std::string_view::npos) return;
          data.remove_prefix(nl + 1);
          const std::string_view line = http_trim(line_);
          if (state_ == State::kChunkEnd) {
            state_ = State::kChunkSize;
          } else if (state_ == State::kTrailer) {
            if (line.empty()) {
              state_ = State::kHead;
              on_complete();
            }
          } else {
            std::uint64_t size = 0;
            std::size_t digits = 0;
            for (char c : line.substr(0, line.find(';'))) {
              const int v = c >= '0' && c <= '9'   ? c - '0'
                            : c >= 'a' && c <= 'f' ? c - 'a' + 10
                            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                   : -1;
              if (v < 0 || ++digits > 15) {
                if (c == ' ' || c == '\t') break;
                line_.clear();
                stop();
                return;
              }
              size = size * 16 + static_cast<std::uint64_t>(v);
            }
            if (digits == 0) {
              line_.clear();
              stop();
              return;
            }
            remaining_ = size;
            state_ = size == 0 ? State::kTrailer : State::kChunkData;
          }
          line_.clear();
          break;
        }
        case State::kDone:
          return;
      }
    }
  }

  // Bytes never seen: skipped inside a body of known length, fatal elsewhere. A gap that
  // reaches the end of a Content-Length body leaves the parser at the next message start
  // without on_complete (there is no output here): the caller completes that message.
  void gap(std::uint64_t bytes) {
    if ((state_ == State::kBody || state_ == State::kChunkData) && bytes <= remaining_) {
      remaining_ -= bytes;
      body_ += bytes;
      if (remaining_ == 0) state_ = state_ == State::kBody ? State::kHead : State::kChunkEnd;
      return;
    }
    if (state_ == State::kUntilClose) {
      body_ += bytes;
      return;
    }
    stop();
  }

 private:
  // A request line without a version (method SP target): HTTP/0.9.
  static bool simple_request(std::string_view line) {
    line = http_trim(line);
    const std::size_t a = line.find(' ');
    return a != std::string_view::npos && line.find(' ', a + 1) == std::string_view::npos &&
           a + 1 < line.size();
  }

  bool request_;
  State state_ = State::kHead;
  std::string head_;
  std::string line_;
  std::uint64_t remaining_ = 0;
  std::uint64_t body_ = 0;
};

struct Request {
  Head head;
  std::string text;  // the head as sent, at most kHttpMaxRawHead bytes
  // The body's start (chunk framing removed), at most kHttpMaxKeptBody bytes.
  BodyDecoder body{BodyDecoder::Encoding::kIdentity, kHttpMaxKeptBody};
  TimeNs ts = 0;
  std::uint64_t seq = 0;
  std::uint64_t body_bytes = 0;
};

class HttpAnalyzer final : public FlowAnalyzer {
 public:
  HttpAnalyzer(const std::string& source, HttpRuleData keep) : source_(source), keep_(keep) {}

  void on_payload(const Flow& flow, Direction dir, std::span<const std::uint8_t> bytes, TimeNs ts,
                  std::vector<Event>& out) override {
    if (not_http_) return;
    const std::string_view data = as_chars(bytes);
    if (!sniffed_) {
      if (dir != Direction::kOrig && !picked_up_midway(flow)) {
        not_http_ = true;  // the server spoke first: not HTTP
        return;
      }
      // Mid-way, the flow's originator is a guess (Zeek's port rules): the first side to send
      // is taken for the client, and it must start with a request line.
      if (sniff_.empty() && pending_client_.empty()) client_dir_ = dir;
      if (dir != client_dir_) {
        not_http_ = true;  // both sides spoke before a request line was seen
        return;
      }
      sniff_.append(data.substr(0, kMaxMethod + 1 - std::min(sniff_.size(), kMaxMethod + 1)));
      const Sniff s = sniff_request(sniff_);
      if (s == Sniff::kNo) not_http_ = true;
      if (s != Sniff::kYes && !not_http_ && sniff_.size() <= kMaxMethod) {
        // Too few bytes to tell: keep them for the parser too.
        pending_client_.append(data);
        return;
      }
      if (not_http_) return;
      sniffed_ = true;
      std::string first = std::move(pending_client_);
      first.append(data);
      sniff_.clear();
      client(flow, first, ts, out);
      return;
    }
    if (dir == client_dir_) {
      client(flow, data, ts, out);
    } else {
      server(flow, data, ts, out);
    }
  }

  void on_gap(const Flow& flow, Direction dir, std::uint64_t bytes) override {
    (void)flow;
    if (!sniffed_) {
      not_http_ = true;
      return;
    }
    (dir == client_dir_ ? client_ : server_).gap(bytes);
    if (dir == client_dir_) {
      if (Request* r = current_request()) {
        r->body_bytes = client_.body_bytes();
        r->body.gap();  // what follows is not contiguous with the kept start
      }
    } else if (response_body_ != nullptr) {
      response_body_->gap();
    }
  }

  void on_end(const Flow& flow, Event& flow_event, std::vector<Event>& out) override {
    if (!sniffed_ || not_http_) return;
    // A response read until the close, or cut short, ends with the flow.
    if (response_) complete_response(flow, flow.last, out);
    while (!queue_.empty()) {
      out.push_back(make_event(flow, &queue_.front(), nullptr, 0));
      queue_.pop_front();
    }
    if (requests_ > 0) set_network_protocol(flow_event, "http");
  }

  bool wants_more() const override { return !not_http_ && !(client_.done() && server_.done()); }

 private:
  Request* current_request() {
    for (Request& r : queue_) {
      if (r.seq == client_seq_) return &r;
    }
    return nullptr;
  }

  void client(const Flow& flow, std::string_view data, TimeNs ts, std::vector<Event>& out) {
    client_.feed(
        data,
        [&](std::string_view block, std::uint64_t& length) {
          Request r;
          if (!parse_head(block, true, r.head)) {
            if (requests_ == 0) not_http_ = true;
            return MessageParser::State::kDone;
          }
          ++requests_;
          r.text = block.substr(0, kHttpMaxRawHead);
          r.ts = ts;
          r.seq = ++client_seq_;
          if (queue_.size() >= kHttpMaxPending) {
            out.push_back(make_event(flow, &queue_.front(), nullptr, 0));
            queue_.pop_front();
          }
          const bool connect = r.head.method == "CONNECT";
          const bool chunked = r.head.chunked;
          length = r.head.content_length.value_or(0);
          queue_.push_back(std::move(r));
          if (connect) return MessageParser::State::kDone;  // a tunnel follows
          if (chunked) return MessageParser::State::kChunkSize;
          return MessageParser::State::kBody;
        },
        [&](std::string_view piece) {
          Request* r = current_request();
          if (r == nullptr) return;
          r->body_bytes = client_.body_bytes();
          if (keep_.request_body) r->body.add(piece);
        },
        [&] {});
  }

  void server(const Flow& flow, std::string_view data, TimeNs ts, std::vector<Event>& out) {
    // A gap that ran to the end of a body of known length finished the response without its
    // completion (on_gap has nowhere to emit): emit it now, before the next response pairs.
    if (response_ && server_.at_message_start()) complete_response(flow, ts, out);
    if (!response_ && server_.at_message_start() && !queue_.empty() &&
        queue_.front().head.version == "0.9") {
      // An HTTP/0.9 response has no status line or headers: the body runs to the close.
      response_ = Head{};
      response_text_.clear();
      // No head, so no response inspection: its body is not kept.
      response_->version = "0.9";
      response_ts_ = ts;
      server_.until_close();
    }
    server_.feed(
        data,
        [&](std::string_view block, std::uint64_t& length) {
          Head h;
          if (!parse_head(block, false, h)) return MessageParser::State::kDone;
          if (h.status == 101) return MessageParser::State::kDone;  // another protocol follows
          if (h.status < 200) return MessageParser::State::kHead;   // interim: not the answer
          const bool head_request = !queue_.empty() && queue_.front().head.method == "HEAD";
          const bool connect = !queue_.empty() && queue_.front().head.method == "CONNECT";
          if (keep_.response_body) {
            response_body_ = std::make_unique<BodyDecoder>(
                BodyDecoder::encoding_of(h.content_encoding), kHttpMaxKeptBody);
          }
          response_ = std::move(h);
          if (keep_.response_head) response_text_ = block.substr(0, kHttpMaxRawHead);
          response_ts_ = ts;
          if (connect && response_->status < 300) {
            complete_response(flow, ts, out);
            return MessageParser::State::kDone;
          }
          if (head_request || response_->status == 204 || response_->status == 304) {
            return MessageParser::State::kHead;
          }
          if (response_->chunked) return MessageParser::State::kChunkSize;
          if (response_->content_length) {
            length = *response_->content_length;
            return MessageParser::State::kBody;
          }
          return MessageParser::State::kUntilClose;
        },
        [&](std::string_view piece) {
          if (response_body_) response_body_->add(piece);
        },
        [&] {
          if (response_) complete_response(flow, ts, out);
        });
  }

  void complete_response(const Flow& flow, TimeNs ts, std::vector<Event>& out) {
    (void)ts;
    const std::uint64_t body = server_.body_bytes();
    if (queue_.empty()) {
      out.push_back(make_event(flow, nullptr, &*response_, body));
    } else {
      out.push_back(make_event(flow, &queue_.front(), &*response_, body));
      queue_.pop_front();
    }
    response_.reset();
    response_text_.clear();
    response_body_.reset();
  }

  Event make_event(const Flow& flow, const Request* req, const Head* resp,
                   std::uint64_t resp_body) const {
    Event e;
    e.kind = EventKind::kHttp;
    e.source = source_;
    e.time_ns = req != nullptr ? req->ts : response_ts_;
    auto& f = e.fields;
    append_endpoints(flow, f, client_dir_ != Direction::kOrig);
    append_field<StringList>(f, "event.category", StringList{"network", "web"});
    append_field<StringList>(f, "event.type", StringList{"protocol"});
    append_string(f, "network.protocol", "http");
    if (req != nullptr) {
      const Head& h = req->head;
      e.raw = req->text;
      append_string(f, "http.request.method", h.method);
      append_string(f, "url.original", h.target);
      std::string_view path = h.target;
      if (path.substr(0, 7) == "http://" || path.substr(0, 8) == "https://") {
        const std::size_t slash = path.find('/', path.find("//") + 2);
        path = slash == std::string_view::npos ? "/" : path.substr(slash);
      }
      const std::size_t q = path.find('?');
      append_string(f, "url.path", path.substr(0, q));
      if (q != std::string_view::npos) append_string(f, "url.query", path.substr(q + 1));
      if (!h.host.empty()) {
        std::string_view host = h.host;
        const std::size_t colon = host.rfind(':');
        if (colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos) {
          std::uint64_t port = 0;
          if (parse_decimal(host.substr(colon + 1), port) && port < 65536) {
            append_int(f, "url.port", static_cast<std::int64_t>(port));
          }
          host = host.substr(0, colon);
        }
        append_string(f, "url.domain", host);
      }
      append_string(f, "http.version", h.version);
      if (!h.user_agent.empty()) append_string(f, "user_agent.original", h.user_agent);
      if (!h.content_type.empty()) append_string(f, "http.request.mime_type", h.content_type);
      append_int(f, "http.request.body.bytes", static_cast<std::int64_t>(req->body_bytes));
      if (!req->body.text().empty()) append_string(f, kHttpRequestBodyField, req->body.text());
    }
    if (resp != nullptr) {
      if (req == nullptr) append_string(f, "http.version", resp->version);
      if (resp->status != 0) append_int(f, "http.response.status_code", resp->status);
      if (!resp->content_type.empty()) {
        append_string(f, "http.response.mime_type", resp->content_type);
      }
      append_int(f, "http.response.body.bytes", static_cast<std::int64_t>(resp_body));
      if (!response_text_.empty()) append_string(f, kHttpResponseHeadField, response_text_);
      if (response_body_ != nullptr && !response_body_->text().empty()) {
        append_string(f, kHttpResponseBodyField, response_body_->text());
      }
    }
    return e;
  }

  // A TCP flow whose start (SYN) neither side was seen sending.
  static bool picked_up_midway(const Flow& flow) {
    return flow.tcp != nullptr && !flow.tcp->orig.syn_seen && !flow.tcp->resp.syn_seen;
  }

  const std::string& source_;
  const HttpRuleData keep_;
  Direction client_dir_ = Direction::kOrig;  // the side that sends requests
  bool sniffed_ = false;
  bool not_http_ = false;
  std::string sniff_;
  std::string pending_client_;
  MessageParser client_{true};
  MessageParser server_{false};
  std::deque<Request> queue_;
  std::uint64_t client_seq_ = 0;
  std::optional<Head> response_;
  std::string response_text_;  // response_'s head as sent, at most kHttpMaxRawHead bytes
  std::unique_ptr<BodyDecoder> response_body_;  // response_'s body start, decoded
  TimeNs response_ts_ = 0;
  std::int64_t requests_ = 0;
};

}  // namespace

std::unique_ptr<FlowAnalyzer> HttpAnalyzerFactory::create(const Flow& flow) {
  if (flow.proto != kProtoTcp) return nullptr;
  return std::make_unique<HttpAnalyzer>(source_, keep_);
}

namespace {

// The head with the values of the headers that carry credentials replaced by "<redacted>" and
// their folded continuation lines dropped (lines split as next_http_line does).
std::string redacted_head(std::string_view head) {
  static constexpr std::string_view kSecret[] = {"authorization", "proxy-authorization", "cookie"};
  std::string out;
  out.reserve(head.size());
  bool first = true;
  bool in_secret = false;  // the lines go on the value of a secret header
  for (std::size_t pos = 0; pos < head.size();) {
    const std::string_view line = next_http_line(head, pos);
    if (in_secret && (line.front() == ' ' || line.front() == '\t')) continue;  // folded
    in_secret = false;
    const std::size_t colon = line.find(':');
    if (!first && colon != std::string_view::npos) {
      for (std::string_view name : kSecret) {
        in_secret = in_secret || iequals_ascii(http_trim(line.substr(0, colon)), name);
      }
    }
    first = false;
    if (!in_secret) {
      out += line;
      continue;
    }
    out += line.substr(0, colon + 1);
    out += " <redacted>";
    out += line.substr(line.find_last_not_of("\r\n") + 1);  // its line ending (it has a colon)
  }
  return out;
}

}  // namespace

void redact_http_credentials(std::span<Event> events) {
  for (Event& e : events) {
    if (e.kind != EventKind::kHttp) continue;
    if (!e.raw.empty()) e.raw = redacted_head(e.raw);
    std::erase_if(e.fields, [](const Field& f) {
      return f.name == kHttpRequestBodyField || f.name == kHttpResponseHeadField ||
             f.name == kHttpResponseBodyField;
    });
  }
}

}  // namespace soc::agent::net::protocols
