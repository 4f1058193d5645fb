#include "collector/socctl_remote.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "collector/web/api_json.h"

namespace soc::collector {
namespace {

using Json = nlohmann::json;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitNotFound = 3;

int complain(const Error& error) {
  std::cerr << "socctl: " << error.message << "\n";
  if (error.code == ErrorCode::kNotFound) return kExitNotFound;
  // 400 is a usage error; 401/403 are refusals (also kInvalidArgument, but with their status).
  const bool refused = error.message.find("(HTTP 401)") != std::string::npos ||
                       error.message.find("(HTTP 403)") != std::string::npos;
  return error.code == ErrorCode::kInvalidArgument && !refused ? kExitUsage : kExitFailure;
}

// A string member (possibly dotted through nested objects: "agent.name"), "" when absent.
std::string text(const Json& j, const std::string& dotted) {
  const Json* at = &j;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = dotted.find('.', start);
    const std::string key =
        dotted.substr(start, dot == std::string::npos ? dotted.npos : dot - start);
    if (!at->is_object() || !at->contains(key)) return "";
    at = &(*at)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (at->is_string()) return at->get<std::string>();
  if (at->is_null()) return "";
  return at->dump();
}

std::string short_time(const std::string& rfc3339) {
  return rfc3339.size() >= 19 ? rfc3339.substr(0, 19) + "Z" : rfc3339;
}

std::string join(const Json& list) {
  std::string out;
  if (list.is_array()) {
    for (const Json& s : list) {
      if (!out.empty()) out += ',';
      out += s.is_string() ? s.get<std::string>() : s.dump();
    }
  }
  return out.empty() ? "-" : out;
}

Json array_member(const Json& j, const char* name) {
  return j.is_object() && j.contains(name) && j[name].is_array() ? j[name] : Json::array();
}

}  // namespace

int remote_events(ApiClient& api, const RemoteEventsArgs& a) {
  QueryParams params{{"limit", std::to_string(a.limit)}};
  if (!a.query.empty()) params.emplace_back("q", a.query);
  if (!a.agent.empty()) params.emplace_back("agent", a.agent);
  if (!a.kind.empty()) params.emplace_back("kind", a.kind);
  if (!a.since.empty()) params.emplace_back("since", a.since);
  if (!a.until.empty()) params.emplace_back("until", a.until);
  auto reply = api.get("/api/v1/events", params);
  if (!reply) return complain(reply.error());
  const Json events = array_member(*reply, "events");
  if (a.json) {
    for (const Json& e : events) std::cout << dump_json(e) << "\n";
    return 0;
  }
  std::size_t agent_width = 5;
  for (const Json& e : events) agent_width = std::max(agent_width, text(e, "agent.name").size());
  std::printf("%-20s  %-*s  %-5s  %s\n", "TIME", static_cast<int>(agent_width), "AGENT", "KIND",
              "MESSAGE");
  for (const Json& e : events) {
    const std::string kind = text(e, "event.dataset");
    const std::string title = kind == "alert" ? std::string("[") + text(e, "rule.level") + "] " +
                                                    text(e, "rule.name") + ": "
                                              : std::string();
    std::printf("%-20s  %-*s  %-5s  %s%s\n", short_time(text(e, "@timestamp")).c_str(),
                static_cast<int>(agent_width), text(e, "agent.name").c_str(), kind.c_str(),
                title.c_str(), text(e, "message").c_str());
  }
  return 0;
}

int remote_agent_list(ApiClient& api, bool json) {
  auto reply = api.get("/api/v1/agents");
  if (!reply) return complain(reply.error());
  const Json agents = array_member(*reply, "agents");
  if (json) {
    for (const Json& a : agents) std::cout << dump_json(a) << "\n";
    return 0;
  }
  std::printf("%-20s %-14s %10s  %-20s  %-10s  %s\n", "NAME", "AGENCY", "EVENTS", "LAST SEEN",
              "PACK", "PUBLIC KEY");
  for (const Json& a : agents) {
    const std::string seen = text(a, "last_seen");
    const std::string pack = text(a, "pack_version");
    std::printf("%-20s %-14s %10s  %-20s  %-10s  %s\n", text(a, "name").c_str(),
                text(a, "agency").c_str(), text(a, "events").c_str(),
                seen.empty() ? "never" : short_time(seen).c_str(),
                pack.empty() ? "-" : pack.c_str(), text(a, "public_key").c_str());
    const std::string report = text(a, "pack_report");
    if (!report.empty()) std::printf("    last pack refused: %s\n", report.c_str());
  }
  return 0;
}

int remote_incidents(ApiClient& api, const std::string& state, std::size_t limit, bool json) {
  QueryParams params{{"limit", std::to_string(limit)}};
  if (!state.empty()) params.emplace_back("state", state);
  auto reply = api.get("/api/v1/incidents", params);
  if (!reply) return complain(reply.error());
  const Json incidents = array_member(*reply, "incidents");
  if (json) {
    for (const Json& i : incidents) std::cout << dump_json(i) << "\n";
    return 0;
  }
  std::printf("%-6s %-13s %-9s %6s  %-20s  %-40s %s\n", "ID", "STATE", "LEVEL", "HITS", "LAST SEEN",
              "TITLE", "GROUP / HOSTS");
  for (const Json& i : incidents) {
    const std::string group = text(i, "group_key");
    std::printf("%-6s %-13s %-9s %6s  %-20s  %-40.40s %s / %s\n", text(i, "id").c_str(),
                text(i, "state").c_str(), text(i, "level").c_str(), text(i, "hits").c_str(),
                short_time(text(i, "last_seen")).c_str(), text(i, "title").c_str(),
                group.empty() ? "-" : group.c_str(), join(i.value("hosts", Json::array())).c_str());
  }
  std::printf("%zu incidents\n", incidents.size());
  return 0;
}

int remote_incident_show(ApiClient& api, std::int64_t id, bool json) {
  auto reply = api.get(std::string("/api/v1/incidents/") + std::to_string(id));
  if (!reply) return complain(reply.error());
  const Json& i = *reply;
  if (json) {
    std::cout << dump_json(i) << "\n";
    return 0;
  }
  const std::string by = text(i, "state_by");
  const std::string note = text(i, "note");
  const std::string group = text(i, "group_key");
  std::printf("incident %s: %s\n", text(i, "id").c_str(), text(i, "title").c_str());
  std::printf("  state      %s%s%s\n", text(i, "state").c_str(),
              by.empty() ? "" : (std::string(" by ") + by).c_str(),
              note.empty() ? "" : (std::string(": ") + note).c_str());
  std::printf("  rule       %s (%s, %s)\n", text(i, "rule_id").c_str(), text(i, "origin").c_str(),
              text(i, "level").c_str());
  std::printf("  group      %s\n", group.empty() ? "-" : group.c_str());
  std::printf("  hits       %s, %s .. %s\n", text(i, "hits").c_str(), text(i, "first_seen").c_str(),
              text(i, "last_seen").c_str());
  std::printf("  agencies   %s\n  hosts      %s\n",
              join(i.value("agencies", Json::array())).c_str(),
              join(i.value("hosts", Json::array())).c_str());
  const Json evidence = array_member(i, "evidence");
  std::printf("  evidence (%zu):\n", evidence.size());
  for (const Json& e : evidence) {
    std::printf("    %s %s %s %s\n", text(e, "time").c_str(), text(e, "agent").c_str(),
                text(e, "kind").c_str(), text(e, "message").c_str());
  }
  std::printf("  history:\n");
  for (const Json& c : array_member(i, "changes")) {
    const std::string change_note = text(c, "note");
    std::printf("    %s %s by %s%s\n", text(c, "time").c_str(), text(c, "state").c_str(),
                text(c, "actor").c_str(),
                change_note.empty() ? "" : (std::string(": ") + change_note).c_str());
  }
  return 0;
}

int remote_incident_change(ApiClient& api, std::int64_t id, bool close, const std::string& note) {
  Json body = Json::object();
  if (!note.empty()) body["note"] = note;
  auto reply = api.post(
      std::string("/api/v1/incidents/") + std::to_string(id) + (close ? "/close" : "/ack"), body);
  if (!reply) return complain(reply.error());
  std::cout << "incident " << text(*reply, "id") << " " << text(*reply, "state") << " by "
            << text(*reply, "state_by") << "\n";
  return 0;
}

}  // namespace soc::collector
