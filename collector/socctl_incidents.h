// `socctl incidents` and `socctl incident show|ack|close`: what analysts act on, from the
// collector's store.
//   socctl --config COLLECTOR.yaml incidents [--state open|acknowledged|closed] [--limit N]
//   [--json] socctl --config COLLECTOR.yaml incident show ID [--json] socctl --config
//   COLLECTOR.yaml incident ack ID [--note TEXT] [--as NAME] socctl --config COLLECTOR.yaml
//   incident close ID [--note TEXT] [--as NAME]
// The actor recorded with a state change is --as, else $SUDO_USER, else $USER.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace soc::collector {

struct IncidentArgs {
  std::string state;
  std::size_t limit = 50;
  bool json = false;
  std::int64_t id = 0;
  std::string note;
  std::string actor;
};

struct IncidentCommands {
  CLI::App* list = nullptr;
  CLI::App* show = nullptr;
  CLI::App* ack = nullptr;
  CLI::App* close = nullptr;
  IncidentArgs args;

  bool parsed() const;
  bool writes() const;  // ack or close
};

// Registers the commands on app; `commands` must outlive parsing (CLI11 binds to its fields).
void add_incident_commands(CLI::App& app, IncidentCommands& commands);

// Runs the parsed command against the store at store_path. Exit codes: 0 done, 1 failed or
// refused (e.g. already closed), 2 usage, 3 no such incident.
int run_incident_command(const IncidentCommands& commands, const std::string& store_path);

}  // namespace soc::collector
