// ApiHandlers: what each endpoint of the HTTP API does, without the HTTP plumbing (that is
// api_server.h: routing, authentication, limits). Each handler reads the request's parameters
// and body, asks the stores and answers a status and a JSON body; bad input is a 400 with
// {"error": "..."} naming the parameter, never an exception.
//
//   GET  /api/v1/health                          {"status": "ok"}
//   GET  /api/v1/events?q=&agent=&kind=&since=&until=&limit=   {"events": [ECS objects]}
//   GET  /api/v1/incidents?state=&limit=         {"incidents": [...]}
//   GET  /api/v1/incidents/{id}                  incident + "evidence" + "changes"
//   POST /api/v1/incidents/{id}/ack   {"note"}   the incident after the change (409 if it cannot)
//   POST /api/v1/incidents/{id}/close {"note"}
//   GET  /api/v1/agents                          {"agents": [...]}
//   GET  /api/v1/packs                           {"current": publication|null, "history": [...]}
//
// Contract: handlers may run on several threads at once. Store connections are one per thread
// (EventStore and IncidentStore are one-object-per-thread): each worker thread opens its own on
// first use and keeps them until it ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace soc::collector {

struct ApiRequest {
  std::multimap<std::string, std::string> params;  // query string, decoded
  std::string body;
  std::string path_id;  // {id} of the path, "" when the route has none
  std::string caller;   // the token's name (the actor of state changes)
};

struct ApiReply {
  int status = 200;
  nlohmann::json body;
};

ApiReply api_error(int status, const std::string& message);

class ApiHandlers {
 public:
  // store_path: the collector's SQLite file; max_limit: the largest `limit` accepted.
  ApiHandlers(std::string store_path, std::size_t max_limit);

  ApiReply health(const ApiRequest& request) const;
  ApiReply events(const ApiRequest& request) const;
  ApiReply incidents(const ApiRequest& request) const;
  ApiReply incident(const ApiRequest& request) const;
  ApiReply ack(const ApiRequest& request) const;
  ApiReply close(const ApiRequest& request) const;
  ApiReply agents(const ApiRequest& request) const;
  ApiReply packs(const ApiRequest& request) const;

 private:
  ApiReply change_state(const ApiRequest& request, bool close) const;

  std::string store_path_;
  std::size_t max_limit_;
};

}  // namespace soc::collector
