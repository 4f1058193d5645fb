#include "collector/web/api_handlers.h"

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <memory>
#include <optional>

#include "collector/incident_json.h"
#include "collector/query/compiler.h"
#include "collector/query/parser.h"
#include "collector/store/incident_store.h"
#include "collector/store/sqlite_store.h"
#include "collector/time_spec.h"
#include "collector/web/api_json.h"
#include "common/event_json.h"
#include "common/log.h"

namespace soc::collector {
namespace {

constexpr std::size_t kDefaultLimit = 100;
constexpr std::size_t kMaxNoteBytes = 4096;

// This thread's store connections (see the contract in the header).
struct ThreadStores {
  std::string path;
  std::unique_ptr<EventStore> events;
  std::unique_ptr<IncidentStore> incidents;
};
thread_local ThreadStores t_stores;

ThreadStores& stores_for(const std::string& path) {
  if (t_stores.path != path) t_stores = ThreadStores{path, nullptr, nullptr};
  return t_stores;
}

Result<EventStore*> event_store(const std::string& path) {
  ThreadStores& s = stores_for(path);
  if (!s.events) {
    auto opened = open_sqlite_store(path, StoreMode::kReadOnly);
    if (!opened) return tl::unexpected(opened.error());
    s.events = std::move(*opened);
  }
  return s.events.get();
}

Result<IncidentStore*> incident_store(const std::string& path) {
  ThreadStores& s = stores_for(path);
  if (!s.incidents) {
    auto opened = IncidentStore::open(path, StoreMode::kReadWrite);
    if (!opened) return tl::unexpected(opened.error());
    s.incidents = std::move(*opened);
  }
  return s.incidents.get();
}

// A store failure: logged with its detail, answered without it.
ApiReply store_failure(const Error& error) {
  log(LogLevel::kError, "api", "store: ", error.message);
  return api_error(500, "the store failed; see the collector's log");
}

// Query parameters: only the known ones, each at most once.
class Params {
 public:
  static std::optional<ApiReply> check(const ApiRequest& request,
                                       std::initializer_list<const char*> allowed) {
    for (auto it = request.params.begin(); it != request.params.end(); ++it) {
      bool known = false;
      for (const char* name : allowed) known = known || it->first == name;
      if (!known) return api_error(400, "unknown parameter '" + it->first + "'");
      if (request.params.count(it->first) > 1) {
        return api_error(400, "parameter '" + it->first + "' given more than once");
      }
    }
    return std::nullopt;
  }

  static std::optional<std::string> get(const ApiRequest& request, const char* name) {
    const auto it = request.params.find(name);
    if (it == request.params.end()) return std::nullopt;
    return it->second;
  }
};

// `limit`: default kDefaultLimit, 1..max.
std::optional<ApiReply> read_limit(const ApiRequest& request, std::size_t max, std::size_t& out) {
  out = std::min(kDefaultLimit, max);
  const auto text = Params::get(request, "limit");
  if (!text) return std::nullopt;
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size() || value < 1 ||
      value > max) {
    return api_error(400, "limit '" + *text + "': expected 1-" + std::to_string(max));
  }
  out = value;
  return std::nullopt;
}

std::optional<ApiReply> read_time(const ApiRequest& request, const char* name, TimeNs now,
                                  std::optional<TimeNs>& out) {
  const auto text = Params::get(request, name);
  if (!text || text->empty()) return std::nullopt;
  auto t = parse_time_spec(*text, now);
  if (!t) return api_error(400, std::string(name) + ": " + t.error().message);
  out = *t;
  return std::nullopt;
}

std::optional<std::int64_t> parse_id(const std::string& text) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || id < 1) {
    return std::nullopt;
  }
  return id;
}

}  // namespace

ApiReply api_error(int status, const std::string& message) {
  return ApiReply{status, nlohmann::json{{"error", message}}};
}

ApiHandlers::ApiHandlers(std::string store_path, std::size_t max_limit)
    : store_path_(std::move(store_path)), max_limit_(max_limit) {}

ApiReply ApiHandlers::health(const ApiRequest&) const {
  return ApiReply{200, nlohmann::json{{"status", "ok"}}};
}

ApiReply ApiHandlers::events(const ApiRequest& request) const {
  if (auto bad = Params::check(request, {"q", "agent", "kind", "since", "until", "limit"})) {
    return *bad;
  }
  EventSearch search;
  if (auto bad = read_limit(request, max_limit_, search.limit)) return *bad;
  const TimeNs now = now_ns();
  if (auto bad = read_time(request, "since", now, search.since)) return *bad;
  if (auto bad = read_time(request, "until", now, search.until)) return *bad;
  // q, and agent/kind as extra terms joined by `and`.
  std::vector<query::Node> terms;
  if (auto text = Params::get(request, "q");
      text && text->find_first_not_of(" \t\r\n") != std::string::npos) {
    auto parsed = query::parse_query(*text);
    if (!parsed) {
      ApiReply reply = api_error(400, "q: " + parsed.error().describe());
      reply.body["column"] = parsed.error().column;
      return reply;
    }
    terms.push_back(std::move(*parsed));
  }
  if (auto agent = Params::get(request, "agent"); agent && !agent->empty()) {
    terms.push_back(query::Node::match("agent.name", query::Value::literal(*agent)));
  }
  if (auto kind = Params::get(request, "kind"); kind && !kind->empty()) {
    if (!parse_event_kind(*kind)) {
      return api_error(400,
                       "kind '" + *kind + "': expected log, flow, dns, http, tls, alert or agent");
    }
    terms.push_back(query::Node::match("event.dataset", query::Value::literal(*kind)));
  }
  if (!terms.empty()) {
    auto compiled = query::compile_query(query::Node::all_of(std::move(terms)));
    if (!compiled) {
      ApiReply reply = api_error(400, "q: " + compiled.error().describe());
      reply.body["column"] = compiled.error().column;
      return reply;
    }
    search.query = std::move(*compiled);
  }
  auto store = event_store(store_path_);
  if (!store) return store_failure(store.error());
  auto rows = (*store)->search_events(search);
  if (!rows) return store_failure(rows.error());
  nlohmann::json events = nlohmann::json::array();
  for (const StoredEvent& e : *rows) {
    nlohmann::json ecs = event_to_ecs_json(e.event, {e.agent, e.agency});
    ecs["event"]["id"] = std::to_string(e.id);
    events.push_back(std::move(ecs));
  }
  return ApiReply{200, nlohmann::json{{"events", std::move(events)}}};
}

ApiReply ApiHandlers::incidents(const ApiRequest& request) const {
  if (auto bad = Params::check(request, {"state", "limit"})) return *bad;
  IncidentFilter filter;
  if (auto bad = read_limit(request, max_limit_, filter.limit)) return *bad;
  if (auto state = Params::get(request, "state"); state && !state->empty()) {
    filter.state = parse_incident_state(*state);
    if (!filter.state) {
      return api_error(400, "state '" + *state + "': expected open, acknowledged or closed");
    }
  }
  auto store = incident_store(store_path_);
  if (!store) return store_failure(store.error());
  auto list = (*store)->list(filter);
  if (!list) return store_failure(list.error());
  nlohmann::json out = nlohmann::json::array();
  for (const Incident& i : *list) out.push_back(incident_to_json(i));
  return ApiReply{200, nlohmann::json{{"incidents", std::move(out)}}};
}

ApiReply ApiHandlers::incident(const ApiRequest& request) const {
  if (auto bad = Params::check(request, {})) return *bad;
  const auto id = parse_id(request.path_id);
  if (!id) return api_error(400, "incident id '" + request.path_id + "': expected a number");
  auto store = incident_store(store_path_);
  if (!store) return store_failure(store.error());
  auto found = (*store)->find(*id);
  if (!found) return store_failure(found.error());
  if (!*found) return api_error(404, "no incident " + std::to_string(*id));
  auto evidence = (*store)->evidence(*id, IncidentStore::kMaxEvidence);
  if (!evidence) return store_failure(evidence.error());
  auto changes = (*store)->changes(*id);
  if (!changes) return store_failure(changes.error());
  nlohmann::json out = incident_to_json(**found);
  out["evidence"] = nlohmann::json::array();
  for (const EvidenceEvent& e : *evidence) out["evidence"].push_back(evidence_to_json(e));
  out["changes"] = nlohmann::json::array();
  for (const IncidentChange& c : *changes) out["changes"].push_back(change_to_json(c));
  return ApiReply{200, std::move(out)};
}

ApiReply ApiHandlers::ack(const ApiRequest& request) const { return change_state(request, false); }

ApiReply ApiHandlers::close(const ApiRequest& request) const { return change_state(request, true); }

ApiReply ApiHandlers::change_state(const ApiRequest& request, bool close) const {
  if (auto bad = Params::check(request, {})) return *bad;
  const auto id = parse_id(request.path_id);
  if (!id) return api_error(400, "incident id '" + request.path_id + "': expected a number");
  std::string note;
  if (request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    const nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_discarded()) return api_error(400, "the body is not valid JSON");
    if (!body.is_object())
      return api_error(400, "the body must be a JSON object: {\"note\": \"...\"}");
    for (auto it = body.begin(); it != body.end(); ++it) {
      if (it.key() != "note") return api_error(400, "unknown body key '" + it.key() + "'");
      if (!it->is_string()) return api_error(400, "note: expected a string");
      note = it->get<std::string>();
    }
    if (note.size() > kMaxNoteBytes) {
      return api_error(400, "note: at most " + std::to_string(kMaxNoteBytes) + " bytes");
    }
  }
  auto store = incident_store(store_path_);
  if (!store) return store_failure(store.error());
  auto changed = (*store)->change_state(
      *id, close ? IncidentState::kClosed : IncidentState::kAcknowledged, request.caller, note);
  if (!changed) {
    if (changed.error().code == ErrorCode::kNotFound) {
      return api_error(404, "no incident " + std::to_string(*id));
    }
    if (changed.error().code == ErrorCode::kConflict)
      return api_error(409, changed.error().message);
    return store_failure(changed.error());
  }
  log(LogLevel::kInfo, "api", request.caller, (close ? " closed" : " acknowledged"), " incident ",
      *id);
  return ApiReply{200, incident_to_json(*changed)};
}

ApiReply ApiHandlers::agents(const ApiRequest& request) const {
  if (auto bad = Params::check(request, {})) return *bad;
  auto store = event_store(store_path_);
  if (!store) return store_failure(store.error());
  auto agents = (*store)->list_agents();
  if (!agents) return store_failure(agents.error());
  nlohmann::json out = nlohmann::json::array();
  for (const AgentRecord& a : *agents) out.push_back(agent_to_json(a));
  return ApiReply{200, nlohmann::json{{"agents", std::move(out)}}};
}

ApiReply ApiHandlers::packs(const ApiRequest& request) const {
  if (auto bad = Params::check(request, {})) return *bad;
  auto store = event_store(store_path_);
  if (!store) return store_failure(store.error());
  auto history = (*store)->pack_history();
  if (!history) return store_failure(history.error());
  nlohmann::json out = nlohmann::json::array();
  for (const PackPublication& p : *history) out.push_back(publication_to_json(p));
  // The current pack is the newest publication (pack_history is newest first).
  nlohmann::json current = history->empty() ? nlohmann::json(nullptr) : out.front();
  return ApiReply{200,
                  nlohmann::json{{"current", std::move(current)}, {"history", std::move(out)}}};
}

}  // namespace soc::collector
