// socctl through the HTTP API: with `--url URL --token TOKEN` (or SOC_URL / SOC_TOKEN, and
// SOC_CA_CERT or --ca-cert for a collector with a self-signed certificate), these commands ask a
// running collector's API instead of opening its store (collector/web/api_client.h):
//   events [QUERY] [--agent] [--kind] [--since] [--until] [--limit] [--json]
//   incidents [--state] [--limit] [--json]      incident show ID [--json]
//   incident ack|close ID [--note TEXT]        (the actor is the token's name)
//   agent list [--json]                        (an admin token)
// The output is the local commands' (--json: the same objects, one per line).
// Exit codes: 0 done, 1 failed or refused (401/403/409, transport), 2 usage (400), 3 not found.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "collector/web/api_client.h"

namespace soc::collector {

struct RemoteEventsArgs {
  std::string query;
  std::string agent;
  std::string kind;
  std::string since;
  std::string until;
  std::size_t limit = 20;
  bool json = false;
};

int remote_events(ApiClient& api, const RemoteEventsArgs& args);
int remote_agent_list(ApiClient& api, bool json);
int remote_incidents(ApiClient& api, const std::string& state, std::size_t limit, bool json);
int remote_incident_show(ApiClient& api, std::int64_t id, bool json);
int remote_incident_change(ApiClient& api, std::int64_t id, bool close, const std::string& note);

}  // namespace soc::collector
