#include "collector/socctl_tokens.h"

#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "collector/web/api_tokens.h"

namespace soc::collector {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitNotFound = 3;

int complain(const std::string& message, int code = kExitFailure) {
  std::cerr << "socctl: " << message << "\n";
  return code;
}

int add(const TokenCommands& c, const std::string& path) {
  const auto role = parse_api_role(c.role);
  if (!role) return complain("--role '" + c.role + "': expected analyst or admin", kExitUsage);
  if (!is_valid_token_name(c.name)) {
    return complain("token name '" + c.name + "': expected 1-64 of A-Z a-z 0-9 . _ -", kExitUsage);
  }
  auto tokens = ApiTokens::load_or_empty(path);
  if (!tokens) return complain(tokens.error().message);
  auto token = generate_api_token();
  if (!token) return complain(token.error().message);
  if (auto added = tokens->add(c.name, *role, hash_api_token(*token)); !added) {
    return complain(added.error().message);
  }
  if (auto saved = tokens->save(path); !saved) return complain(saved.error().message);
  // The token alone on stdout (for scripts); the explanation on stderr.
  std::cout << *token << "\n";
  std::cerr << "token '" << c.name << "' (" << api_role_name(*role) << ") added to " << path
            << ".\nIt is shown only this once: only its SHA-256 is kept. Use it as\n"
            << "  Authorization: Bearer TOKEN   or   socctl --url URL --token TOKEN ...\n";
  return 0;
}

int list(const TokenCommands& c, const std::string& path) {
  auto tokens = ApiTokens::load_or_empty(path);
  if (!tokens) return complain(tokens.error().message);
  if (c.json) {
    for (const ApiToken& t : tokens->tokens()) {
      std::cout
          << nlohmann::json{{"name", t.name}, {"role", std::string(api_role_name(t.role))}}.dump()
          << "\n";
    }
    return 0;
  }
  std::printf("%-24s %s\n", "NAME", "ROLE");
  for (const ApiToken& t : tokens->tokens()) {
    std::printf("%-24s %s\n", t.name.c_str(), std::string(api_role_name(t.role)).c_str());
  }
  return 0;
}

int revoke(const TokenCommands& c, const std::string& path) {
  auto tokens = ApiTokens::load(path);
  if (!tokens) {
    return complain(tokens.error().message,
                    tokens.error().code == ErrorCode::kNotFound ? kExitNotFound : kExitFailure);
  }
  if (!tokens->revoke(c.name)) return complain("no token named '" + c.name + "'", kExitNotFound);
  if (auto saved = tokens->save(path); !saved) return complain(saved.error().message);
  std::cout << "token '" << c.name << "' revoked\n";
  return 0;
}

}  // namespace

bool TokenCommands::parsed() const { return add->parsed() || list->parsed() || revoke->parsed(); }

void add_token_commands(CLI::App& app, TokenCommands& c) {
  auto* token = app.add_subcommand("token", "bearer tokens of the HTTP API (api.tokens_file)");
  token->require_subcommand(1);
  c.add = token->add_subcommand("add", "make a token and print it once");
  c.add->add_option("name", c.name, "who uses it (recorded as the actor of incident changes)")
      ->required();
  c.add->add_option("--role", c.role, "analyst (events, incidents) or admin (also agents, packs)")
      ->capture_default_str();
  c.list = token->add_subcommand("list", "names and roles (never the tokens)");
  c.list->add_flag("--json", c.json, "one JSON object per line");
  c.revoke = token->add_subcommand("revoke", "remove a token; it stops working at once");
  c.revoke->add_option("name", c.name, "token name")->required();
}

int run_token_command(const TokenCommands& c, const std::string& tokens_file) {
  if (c.add->parsed()) return add(c, tokens_file);
  if (c.list->parsed()) return list(c, tokens_file);
  return revoke(c, tokens_file);
}

}  // namespace soc::collector
