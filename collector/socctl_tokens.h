// `socctl token`: the HTTP API's bearer tokens, in the collector's api.tokens_file (see
// collector/web/api_tokens.h). Works locally on the file, like the other --config commands; the
// running collector re-reads the file on its next request.
//   socctl --config COLLECTOR.yaml token add NAME [--role analyst|admin]   prints the token once
//   socctl --config COLLECTOR.yaml token list [--json]
//   socctl --config COLLECTOR.yaml token revoke NAME
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace soc::collector {

struct TokenCommands {
  CLI::App* add = nullptr;
  CLI::App* list = nullptr;
  CLI::App* revoke = nullptr;
  std::string name;
  std::string role = "analyst";
  bool json = false;

  bool parsed() const;
};

// Registers the commands on app; `commands` must outlive parsing (CLI11 binds to its fields).
void add_token_commands(CLI::App& app, TokenCommands& commands);

// Exit codes: 0 done, 1 failed, 2 usage, 3 no such token (revoke).
int run_token_command(const TokenCommands& commands, const std::string& tokens_file);

}  // namespace soc::collector
