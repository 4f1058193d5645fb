// socctl: the command line for analysts and admins, working on the collector's store.
//   socctl --config COLLECTOR.yaml agent add NAME --key PUBLIC_KEY [--agency AGENCY]
//   socctl --config COLLECTOR.yaml agent list [--json]
//   socctl --config COLLECTOR.yaml events [QUERY] [--agent NAME] [--kind KIND] [--since 1h]
//                                         [--until T] [--limit N] [--json|--csv] [--count]
//     QUERY is in the search language of collector/query/parser.h (a KQL subset).
//   socctl rules check|test ...                     (socctl_rules.h)
//   socctl pack keygen|build|verify|inspect ...     (socctl_pack.h, no collector needed)
//   socctl --config COLLECTOR.yaml pack publish|rollback|list ...   (socctl_publish.h)
//   socctl --config COLLECTOR.yaml token add|list|revoke ...        (socctl_tokens.h)
//   socctl --url URL --token T events|incidents|incident|agent list ...   (socctl_remote.h)
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "collector/collector_config.h"
#include "collector/query/compiler.h"
#include "collector/query/parser.h"
#include "collector/socctl_incidents.h"
#include "collector/socctl_pack.h"
#include "collector/socctl_publish.h"
#include "collector/socctl_remote.h"
#include "collector/socctl_rules.h"
#include "collector/socctl_tokens.h"
#include "collector/store/sqlite_store.h"
#include "collector/time_spec.h"
#include "common/curve_keys.h"
#include "common/event_json.h"

namespace {

using namespace soc;
using namespace soc::collector;

constexpr int kExitUsage = 2;
constexpr int kExitFailure = 1;

int fail_with(const std::string& message, int code = kExitFailure) {
  std::cerr << "socctl: " << message << "\n";
  return code;
}

bool is_valid_name(const std::string& name) {
  static const std::regex pattern("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  return std::regex_match(name, pattern);
}

std::string short_time(TimeNs t) {
  if (t == 0) return "never";
  std::string s = format_rfc3339(t);
  return s.substr(0, 19) + "Z";  // seconds are enough on a terminal
}

// "[level] rule name: " for alerts, "" for other events.
std::string alert_title(const Event& event) {
  if (event.kind != EventKind::kAlert) return "";
  auto text = [&](const char* name) -> std::string {
    const FieldValue* v = event.find(name);
    const auto* s = v != nullptr ? std::get_if<std::string>(v) : nullptr;
    return s != nullptr ? *s : "";
  };
  return "[" + text("rule.level") + "] " + text("rule.name") + ": ";
}

struct AgentAddArgs {
  std::string name;
  std::string key;
  std::string agency = "default";
};

int agent_add(EventStore& store, const AgentAddArgs& args) {
  if (!is_valid_name(args.name)) {
    return fail_with("agent name '" + args.name +
                         "': expected 1-64 of A-Z a-z 0-9 . _ - (starting with a letter or digit)",
                     kExitUsage);
  }
  if (!is_valid_name(args.agency)) {
    return fail_with("agency '" + args.agency + "': expected 1-64 of A-Z a-z 0-9 . _ -",
                     kExitUsage);
  }
  auto key = resolve_public_key(args.key);
  if (!key) return fail_with("--key: " + key.error().message, kExitUsage);
  auto agent = store.enroll_agent(args.name, *key, args.agency);
  if (!agent) return fail_with(agent.error().message);
  std::cout << "enrolled agent " << agent->name << " (agency " << agent->agency << ", key "
            << agent->public_key << "); it can connect now\n";
  return 0;
}

// The counters an admin looks at first, from an agent's last heartbeat ("" when it sent none):
// "read 3601, spooled 0 batches, resent 0, packs accepted 1 / refused 0".
std::string counter_summary(const std::string& counters_json) {
  const auto c = nlohmann::json::parse(counters_json, nullptr, false);
  if (c.is_discarded() || !c.is_object() || c.empty()) return "";
  const auto get = [&](const char* name) {
    const auto it = c.find(name);
    return it != c.end() && it->is_number_unsigned() ? std::to_string(it->get<std::uint64_t>())
                                                     : std::string("?");
  };
  return "read " + get("events_read") + ", spooled " + get("spool_batches") + " batches, resent " +
         get("batches_resent") + ", packs accepted " + get("packs_accepted") + " / refused " +
         get("packs_refused");
}

int agent_list(EventStore& store, bool json) {
  auto agents = store.list_agents();
  if (!agents) return fail_with(agents.error().message);
  if (json) {
    for (const AgentRecord& a : *agents) {
      nlohmann::json counters = nlohmann::json::parse(a.counters_json, nullptr, false);
      std::cout << nlohmann::json{{"name", a.name},
                                  {"agency", a.agency},
                                  {"public_key", a.public_key},
                                  {"enrolled", format_rfc3339(a.enrolled_ns)},
                                  {"last_seen", a.last_seen_ns == 0 ? nlohmann::json(nullptr)
                                                                    : nlohmann::json(format_rfc3339(
                                                                          a.last_seen_ns))},
                                  {"events", a.event_count},
                                  {"pack_version", a.pack_version},
                                  {"pack_report", a.pack_report},
                                  {"counters",
                                   counters.is_discarded() ? nlohmann::json::object() : counters}}
                       .dump()
                << "\n";
    }
    return 0;
  }
  std::printf("%-20s %-14s %10s  %-20s  %-10s  %s\n", "NAME", "AGENCY", "EVENTS", "LAST SEEN",
              "PACK", "PUBLIC KEY");
  for (const AgentRecord& a : *agents) {
    std::printf("%-20s %-14s %10llu  %-20s  %-10s  %s\n", a.name.c_str(), a.agency.c_str(),
                static_cast<unsigned long long>(a.event_count), short_time(a.last_seen_ns).c_str(),
                a.pack_version.empty() ? "-" : a.pack_version.c_str(), a.public_key.c_str());
    const std::string counters = counter_summary(a.counters_json);
    if (!counters.empty()) std::printf("    %s\n", counters.c_str());
    if (!a.pack_report.empty()) std::printf("    last pack refused: %s\n", a.pack_report.c_str());
  }
  return 0;
}

struct EventsArgs {
  std::string query;
  std::string agent;
  std::string kind;
  std::string since;
  std::string until;
  std::size_t limit = 20;
  bool json = false;
  bool csv = false;
  bool count = false;
};

// "socctl: invalid query: column 14: ..." and the query with a caret under that column.
int query_failure(const std::string& text, const query::QueryError& error) {
  std::cerr << "socctl: invalid query: " << error.describe() << "\n";
  if (error.column == 0) return kExitUsage;
  std::string shown;
  std::size_t caret = 0;  // characters (not bytes) before the column
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool continuation = (c & 0xc0) == 0x80;
    shown += c < 0x20 || c == 0x7f ? ' ' : text[i];
    if (i + 1 < error.column && !continuation) ++caret;
  }
  std::cerr << "  " << shown << "\n  " << std::string(caret, ' ') << "^\n";
  return kExitUsage;
}

// RFC 4180 cell: quoted when needed; a cell a spreadsheet would run as a formula gets a leading
// apostrophe (log lines are attacker-controlled).
std::string csv_cell(const std::string& value) {
  std::string text = value;
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' ||
                        text[0] == '\t' || text[0] == '\r')) {
    text.insert(text.begin(), '\'');
  }
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// A short "name=value ..." of an event's first fields, for events without raw text (flows).
std::string fields_summary(const Event& event) {
  std::string out;
  for (std::size_t i = 0; i < event.fields.size() && i < 6; ++i) {
    const Field& f = event.fields[i];
    std::string value;
    if (const auto* s = std::get_if<std::string>(&f.value)) {
      value = *s;
    } else if (const auto* n = std::get_if<std::int64_t>(&f.value)) {
      value = std::to_string(*n);
    } else if (const auto* b = std::get_if<bool>(&f.value)) {
      value = *b ? "true" : "false";
    } else if (const auto* d = std::get_if<double>(&f.value)) {
      value = std::to_string(*d);
    } else {
      value = "...";
    }
    out += (out.empty() ? "" : " ") + f.name + "=" + value;
  }
  return out;
}

void print_events(const std::vector<StoredEvent>& rows, const EventsArgs& args) {
  if (args.json) {
    for (const StoredEvent& e : rows) {
      // Real log lines are not always UTF-8: invalid bytes become U+FFFD instead of an abort.
      std::cout << event_to_ecs_json(e.event, {e.agent, e.agency})
                       .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                << "\n";
    }
    return;
  }
  if (args.csv) {
    std::cout << "@timestamp,agent.name,organization.name,event.dataset,event.provider,message,"
                 "ecs_json\n";
    for (const StoredEvent& e : rows) {
      const nlohmann::json ecs = event_to_ecs_json(e.event, {e.agent, e.agency});
      std::cout << csv_cell(format_rfc3339(e.event.time_ns)) << ',' << csv_cell(e.agent) << ','
                << csv_cell(e.agency) << ',' << csv_cell(std::string(event_kind_name(e.event.kind)))
                << ',' << csv_cell(e.event.source) << ',' << csv_cell(e.event.raw) << ','
                << csv_cell(ecs.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
                << "\r\n";
    }
    return;
  }
  std::size_t agent_width = 5;
  for (const StoredEvent& e : rows) agent_width = std::max(agent_width, e.agent.size());
  std::printf("%-20s  %-*s  %-5s  %s\n", "TIME", static_cast<int>(agent_width), "AGENT", "KIND",
              "MESSAGE");
  for (const StoredEvent& e : rows) {
    const std::string text = e.event.raw.empty() ? fields_summary(e.event) : e.event.raw;
    std::printf("%-20s  %-*s  %-5s  %s%s\n", short_time(e.event.time_ns).c_str(),
                static_cast<int>(agent_width), e.agent.c_str(),
                std::string(event_kind_name(e.event.kind)).c_str(), alert_title(e.event).c_str(),
                text.c_str());
  }
}

// With a QUERY: --agent and --kind are added to it as conditions, and the store searches.
int search(EventStore& store, const EventsArgs& args, std::optional<TimeNs> since,
           std::optional<TimeNs> until) {
  std::vector<query::Node> parts;
  auto tree = query::parse_query(args.query);
  if (!tree) return query_failure(args.query, tree.error());
  parts.push_back(std::move(*tree));
  if (!args.agent.empty()) {
    parts.push_back(query::Node::match("agent.name", query::Value::literal(args.agent)));
  }
  if (!args.kind.empty()) {
    parts.push_back(query::Node::match("event.dataset", query::Value::literal(args.kind)));
  }
  auto compiled = query::compile_query(query::Node::all_of(std::move(parts)));
  if (!compiled) return query_failure(args.query, compiled.error());
  EventSearch s;
  s.query = std::move(*compiled);
  s.since = since;
  s.until = until;
  s.limit = args.limit;
  if (args.count) {
    auto n = store.count_search(s);
    if (!n) return fail_with(n.error().message);
    std::cout << *n << "\n";
    return 0;
  }
  auto rows = store.search_events(s);
  if (!rows) return fail_with(rows.error().message);
  print_events(*rows, args);
  return 0;
}

int events(EventStore& store, const EventsArgs& args) {
  EventQuery q;
  q.limit = args.limit;
  if (!args.agent.empty()) q.agent = args.agent;
  if (!args.kind.empty()) {
    q.kind = parse_event_kind(args.kind);
    if (!q.kind)
      return fail_with(
          "--kind '" + args.kind + "': expected log, flow, dns, http, tls, alert or agent",
          kExitUsage);
  }
  const TimeNs now = now_ns();
  if (!args.since.empty()) {
    auto t = parse_time_spec(args.since, now);
    if (!t) return fail_with("--since " + t.error().message, kExitUsage);
    q.since = *t;
  }
  if (!args.until.empty()) {
    auto t = parse_time_spec(args.until, now);
    if (!t) return fail_with("--until " + t.error().message, kExitUsage);
    q.until = *t;
  }
  if (!args.query.empty()) return search(store, args, q.since, q.until);
  if (args.count) {
    auto n = store.count_events(q);
    if (!n) return fail_with(n.error().message);
    std::cout << *n << "\n";
    return 0;
  }
  auto rows = store.query_events(q);
  if (!rows) return fail_with(rows.error().message);
  print_events(*rows, args);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"socctl: query and administer the SOC collector"};
  std::string config_path;
  app.add_option("--config", config_path,
                 "the collector's config file (its store is used; not needed by rules)");
  ApiClientOptions api_options;
  app.add_option("--url", api_options.url,
                 "a collector's HTTP API (https://HOST:8443): events, incidents, incident and "
                 "agent list go through it (default $SOC_URL when there is no --config)");
  app.add_option("--token", api_options.token, "the API bearer token (default $SOC_TOKEN)");
  app.add_option("--ca-cert", api_options.ca_cert,
                 "CA certificates (PEM) for an https --url (default $SOC_CA_CERT; else the "
                 "system's)");
  app.require_subcommand(1);

  auto* agent = app.add_subcommand("agent", "enroll and list agents");
  agent->require_subcommand(1);
  AgentAddArgs add_args;
  auto* add = agent->add_subcommand("add", "enroll an agent by its public key");
  add->add_option("name", add_args.name, "agent name")->required();
  add->add_option("--key", add_args.key, "the agent's public key: Z85 text or its public.key file")
      ->required();
  add->add_option("--agency", add_args.agency, "the agency the agent belongs to")
      ->capture_default_str();
  bool list_json = false;
  auto* list = agent->add_subcommand("list", "list enrolled agents");
  list->add_flag("--json", list_json, "one JSON object per line");

  EventsArgs ev;
  auto* events_cmd = app.add_subcommand(
      "events", "search stored events, newest first (QUERY: see README, \"Searching events\")");
  events_cmd->add_option("query", ev.query,
                         "e.g. 'source.ip: 10.0.0.0/8 and not event.outcome: success' "
                         "(default: every event)");
  events_cmd->add_option("--agent", ev.agent, "only this agent");
  events_cmd->add_option("--kind", ev.kind,
                         "only this kind (log, flow, dns, http, tls, alert, agent)");
  events_cmd->add_option("--since", ev.since, "from this long ago (1h) or this UTC time");
  events_cmd->add_option("--until", ev.until, "up to this long ago or this UTC time");
  events_cmd->add_option("--limit", ev.limit, "at most this many")
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000));
  auto* json_flag = events_cmd->add_flag("--json", ev.json, "one ECS-shaped JSON object per line");
  events_cmd->add_flag("--csv", ev.csv, "CSV with a header row (RFC 4180 quoting)")
      ->excludes(json_flag);
  events_cmd->add_flag("--count", ev.count, "print only the number of matching events");
  RulesArgs rules_args;
  IncidentCommands incident_cmds;
  add_incident_commands(app, incident_cmds);
  TokenCommands token_cmds;
  add_token_commands(app, token_cmds);

  auto* rules_cmd = app.add_subcommand("rules", "check and try Sigma rules");
  rules_cmd->require_subcommand(1);
  auto* check = rules_cmd->add_subcommand("check", "report every rule that does not compile");
  check->add_option("rules", rules_args.rules, "rule file or folder")->required();
  auto* test = rules_cmd->add_subcommand("test", "show which rules match which lines of a log");
  test->add_option("rules", rules_args.rules, "rule file or folder")->required();
  test->add_option("logfile", rules_args.log_file, "log file to decode and match")->required();
  test->add_option("--format", rules_args.format, "log format (see agent.yaml)")
      ->capture_default_str();
  test->add_flag("--json", rules_args.json, "one JSON object per match");
  for (CLI::App* cmd : {check, test}) {
    cmd->add_option("--field-mappings", rules_args.field_mappings,
                    "field mapping file (default: the nearest field_mappings.yaml above RULES)");
  }
  auto* pack_cmd = app.add_subcommand("pack", "build, sign, check and publish signature packs");
  pack_cmd->require_subcommand(1);
  std::string pack_dir, pack_file, pack_key, pack_out, pack_version;
  std::vector<std::string> pack_pubkeys;
  bool pack_force = false, pack_skip_invalid = false, pack_json = false;
  auto* keygen = pack_cmd->add_subcommand("keygen", "make an Ed25519 pack-signing keypair");
  keygen->add_option("--out-dir", pack_dir, "folder for pack_signing.key and .pub")->required();
  keygen->add_flag("--force", pack_force, "overwrite existing key files");
  auto* build = pack_cmd->add_subcommand("build", "validate a pack folder and sign it");
  build->add_option("dir", pack_dir, "pack folder (pack.yaml, rules/, field_mappings.yaml)")
      ->required();
  build->add_option("--key", pack_key, "the secret signing key (pack_signing.key)")->required();
  build->add_option("-o,--output", pack_out, "the pack file to write")->required();
  build->add_flag("--skip-invalid", pack_skip_invalid,
                  "leave out rules that do not compile (recorded in the manifest)");
  auto* verify = pack_cmd->add_subcommand("verify", "check a pack's signature and contents");
  verify->add_option("file", pack_file, "pack file")->required();
  verify->add_option("--pubkey", pack_pubkeys, "trusted public key (repeatable)")->required();
  auto* inspect = pack_cmd->add_subcommand("inspect", "show a pack's manifest (not verified)");
  inspect->add_option("file", pack_file, "pack file")->required();
  inspect->add_flag("--json", pack_json, "the manifest as JSON");
  auto* publish = pack_cmd->add_subcommand("publish", "make a pack current; agents get it");
  publish->add_option("file", pack_file, "pack file")->required();
  auto* rollback = pack_cmd->add_subcommand("rollback", "republish an older pack on purpose");
  rollback->add_option("version", pack_version, "a version published before")->required();
  auto* packs_list = pack_cmd->add_subcommand("list", "publications, newest (current) first");
  packs_list->add_flag("--json", pack_json, "one JSON object per line");
  CLI11_PARSE(app, argc, argv);
  if (check->parsed()) return rules_check(rules_args);
  if (test->parsed()) return rules_test(rules_args);
  if (keygen->parsed()) return pack_keygen(pack_dir, pack_force);
  if (build->parsed()) return pack_build(pack_dir, pack_key, pack_out, pack_skip_invalid);
  if (verify->parsed()) return pack_verify(pack_file, pack_pubkeys);
  if (inspect->parsed()) return pack_inspect(pack_file, pack_json);
  // --url (or $SOC_URL without --config): the commands an analyst runs go through the HTTP API.
  const bool remote = !api_options.url.empty() ||
                      (config_path.empty() && !ApiClient::with_environment({}).url.empty());
  if (remote) {
    auto api = ApiClient::open(ApiClient::with_environment(api_options));
    if (!api) return fail_with(api.error().message, kExitUsage);
    if (events_cmd->parsed()) {
      if (ev.csv || ev.count) {
        return fail_with("--csv and --count work with --config only", kExitUsage);
      }
      return remote_events(**api,
                           {ev.query, ev.agent, ev.kind, ev.since, ev.until, ev.limit, ev.json});
    }
    if (list->parsed()) return remote_agent_list(**api, list_json);
    const IncidentArgs& ia = incident_cmds.args;
    if (incident_cmds.list->parsed()) return remote_incidents(**api, ia.state, ia.limit, ia.json);
    if (incident_cmds.show->parsed()) return remote_incident_show(**api, ia.id, ia.json);
    if (incident_cmds.ack->parsed() || incident_cmds.close->parsed()) {
      if (!ia.actor.empty()) {
        return fail_with("--as: with --url the actor is the token's name", kExitUsage);
      }
      return remote_incident_change(**api, ia.id, incident_cmds.close->parsed(), ia.note);
    }
    return fail_with("this command works with --config COLLECTOR.yaml only (not through --url)",
                     kExitUsage);
  }
  if (config_path.empty()) return fail_with("--config COLLECTOR.yaml is required", kExitUsage);

  auto config = load_collector_config(config_path, {});
  if (!config) return fail_with(config.error().message, kExitUsage);
  if (incident_cmds.parsed()) return run_incident_command(incident_cmds, config->store_path);
  if (token_cmds.parsed()) return run_token_command(token_cmds, config->api.tokens_file);
  const bool writes = add->parsed() || publish->parsed() || rollback->parsed();
  auto store =
      open_sqlite_store(config->store_path, writes ? StoreMode::kReadWrite : StoreMode::kReadOnly);
  if (!store) return fail_with(config->store_path + ": " + store.error().message);
  if (add->parsed()) return agent_add(**store, add_args);
  if (list->parsed()) return agent_list(**store, list_json);
  if (publish->parsed()) return pack_publish(**store, *config, pack_file);
  if (rollback->parsed()) return pack_rollback(**store, *config, pack_version);
  if (packs_list->parsed()) return pack_list(**store, pack_json);
  return events(**store, ev);
}
