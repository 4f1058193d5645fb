#include "collector/socctl_incidents.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "collector/incident_json.h"
#include "collector/store/incident_store.h"

namespace soc::collector {

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitNotFound = 3;
constexpr std::size_t kEvidenceShown = 20;

int complain(const std::string& message, int code = kExitFailure) {
  std::cerr << "socctl: " << message << "\n";
  return code;
}

std::string actor_name(const std::string& given) {
  if (!given.empty()) return given;
  for (const char* var : {"SUDO_USER", "USER"}) {
    if (const char* v = std::getenv(var); v != nullptr && *v != '\0') return v;
  }
  return "socctl";
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ",") + s;
  return out.empty() ? "-" : out;
}

int list(IncidentStore& store, const IncidentArgs& args) {
  IncidentFilter filter;
  filter.limit = args.limit;
  if (!args.state.empty()) {
    filter.state = parse_incident_state(args.state);
    if (!filter.state) {
      return complain("--state '" + args.state + "': expected open, acknowledged or closed",
                      kExitUsage);
    }
  }
  auto incidents = store.list(filter);
  if (!incidents) return complain(incidents.error().message);
  if (args.json) {
    for (const Incident& i : *incidents) std::cout << incident_to_json(i).dump() << "\n";
    return 0;
  }
  std::printf("%-6s %-13s %-9s %6s  %-20s  %-40s %s\n", "ID", "STATE", "LEVEL", "HITS", "LAST SEEN",
              "TITLE", "GROUP / HOSTS");
  for (const Incident& i : *incidents) {
    std::printf("%-6lld %-13s %-9s %6llu  %-20s  %-40.40s %s / %s\n", static_cast<long long>(i.id),
                std::string(incident_state_name(i.state)).c_str(), i.level.c_str(),
                static_cast<unsigned long long>(i.hits),
                format_rfc3339(i.last_seen_ns).substr(0, 19).c_str(), i.title.c_str(),
                i.group_key.empty() ? "-" : i.group_key.c_str(), join(i.hosts).c_str());
  }
  std::printf("%zu incidents\n", incidents->size());
  return 0;
}

int show(IncidentStore& store, const IncidentArgs& args) {
  auto incident = store.find(args.id);
  if (!incident) return complain(incident.error().message);
  if (!incident->has_value()) {
    return complain("no incident " + std::to_string(args.id), kExitNotFound);
  }
  auto evidence = store.evidence(args.id, args.json ? IncidentStore::kMaxEvidence : kEvidenceShown);
  if (!evidence) return complain(evidence.error().message);
  auto changes = store.changes(args.id);
  if (!changes) return complain(changes.error().message);
  const Incident& i = **incident;
  if (args.json) {
    nlohmann::json j = incident_to_json(i);
    j["evidence"] = nlohmann::json::array();
    for (const EvidenceEvent& e : *evidence) j["evidence"].push_back(evidence_to_json(e));
    j["changes"] = nlohmann::json::array();
    for (const IncidentChange& c : *changes) j["changes"].push_back(change_to_json(c));
    std::cout << j.dump() << "\n";
    return 0;
  }
  std::printf("incident %lld: %s\n", static_cast<long long>(i.id), i.title.c_str());
  std::printf("  state      %s%s%s\n", std::string(incident_state_name(i.state)).c_str(),
              i.state_by.empty() ? "" : (" by " + i.state_by).c_str(),
              i.state_note.empty() ? "" : (": " + i.state_note).c_str());
  std::printf("  rule       %s (%s, %s)\n", i.rule_id.c_str(), i.origin.c_str(), i.level.c_str());
  std::printf("  group      %s\n", i.group_key.empty() ? "-" : i.group_key.c_str());
  std::printf("  hits       %llu, %s .. %s\n", static_cast<unsigned long long>(i.hits),
              format_rfc3339(i.first_seen_ns).c_str(), format_rfc3339(i.last_seen_ns).c_str());
  std::printf("  agencies   %s\n  hosts      %s\n", join(i.agencies).c_str(),
              join(i.hosts).c_str());
  std::printf("  evidence (%zu shown):\n", evidence->size());
  for (const EvidenceEvent& e : *evidence) {
    std::printf("    %s %s %s %s\n", format_rfc3339(e.time_ns).c_str(), e.agent.c_str(),
                e.kind.c_str(), e.message.c_str());
  }
  std::printf("  history:\n");
  for (const IncidentChange& c : *changes) {
    std::printf("    %s %s by %s%s\n", format_rfc3339(c.time_ns).c_str(),
                std::string(incident_state_name(c.state)).c_str(), c.actor.c_str(),
                c.note.empty() ? "" : (": " + c.note).c_str());
  }
  return 0;
}

int change(IncidentStore& store, const IncidentArgs& args, IncidentState to) {
  auto changed = store.change_state(args.id, to, actor_name(args.actor), args.note);
  if (!changed) {
    return complain(changed.error().message,
                    changed.error().code == ErrorCode::kNotFound ? kExitNotFound : kExitFailure);
  }
  std::cout << "incident " << changed->id << " " << incident_state_name(changed->state) << " by "
            << changed->state_by << "\n";
  return 0;
}

}  // namespace

bool IncidentCommands::parsed() const {
  return list->parsed() || show->parsed() || ack->parsed() || close->parsed();
}

bool IncidentCommands::writes() const { return ack->parsed() || close->parsed(); }

void add_incident_commands(CLI::App& app, IncidentCommands& c) {
  IncidentArgs& a = c.args;
  c.list = app.add_subcommand("incidents", "list incidents, most recently updated first");
  c.list->add_option("--state", a.state, "open, acknowledged or closed");
  c.list->add_option("--limit", a.limit, "at most this many")->check(CLI::Range(1, 1'000'000));
  c.list->add_flag("--json", a.json, "one JSON object per line");
  auto* incident = app.add_subcommand("incident", "show, acknowledge or close an incident");
  incident->require_subcommand(1);
  c.show = incident->add_subcommand("show", "an incident with its evidence and history");
  c.show->add_option("id", a.id, "incident id")->required();
  c.show->add_flag("--json", a.json, "as one JSON object");
  c.ack = incident->add_subcommand("ack", "acknowledge: someone is on it");
  c.close = incident->add_subcommand("close", "close: handled");
  for (CLI::App* cmd : {c.ack, c.close}) {
    cmd->add_option("id", a.id, "incident id")->required();
    cmd->add_option("--note", a.note, "why, what was done");
    cmd->add_option("--as", a.actor, "who (default $SUDO_USER or $USER)");
  }
}

int run_incident_command(const IncidentCommands& c, const std::string& store_path) {
  auto store =
      IncidentStore::open(store_path, c.writes() ? StoreMode::kReadWrite : StoreMode::kReadOnly);
  if (!store) return complain(store_path + ": " + store.error().message);
  if (c.list->parsed()) return list(**store, c.args);
  if (c.show->parsed()) return show(**store, c.args);
  if (c.ack->parsed()) return change(**store, c.args, IncidentState::kAcknowledged);
  return change(**store, c.args, IncidentState::kClosed);
}

}  // namespace soc::collector
