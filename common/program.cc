#include "common/program.h"

#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

#include "common/curve_keys.h"

namespace soc {
namespace {
std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int /*signal*/) { g_stop.store(true); }
}  // namespace

const std::atomic<bool>& install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return g_stop;
}

namespace {
int run_keygen(const std::string& program, const std::string& out_dir, bool force) {
  auto keys = generate_curve_keypair();
  if (!keys) {
    std::cerr << program << " keygen: " << keys.error().message << "\n";
    return 1;
  }
  auto written = write_keypair(out_dir, *keys, force);
  if (!written) {
    std::cerr << program << " keygen: " << written.error().message << "\n";
    return 1;
  }
  std::cout << "wrote " << out_dir << "/secret.key (mode 0600) and " << out_dir
            << "/public.key\npublic key: " << keys->public_key << "\n";
  return 0;
}
}  // namespace

int daemon_main(int argc, char** argv, const std::string& program, const std::string& description,
                const std::function<int(const DaemonOptions&)>& run) {
  CLI::App app{program + ": " + description};
  DaemonOptions options;
  app.add_option("--config", options.config_path, "config file (YAML)");
  app.add_option("--set", options.overrides, "override a config key by its dotted path")
      ->type_name("KEY=VALUE");
  app.add_flag("--check-config", options.check_only, "validate the config and exit");
  std::string out_dir;
  bool force = false;
  auto* keygen = app.add_subcommand("keygen", "write a CURVE keypair");
  keygen->add_option("--out-dir", out_dir, "folder for secret.key and public.key")->required();
  keygen->add_flag("--force", force, "replace an existing key");
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);
  if (keygen->parsed()) return run_keygen(program, out_dir, force);
  if (options.config_path.empty()) {
    std::cerr << program << ": --config FILE is required (see --help)\n";
    return 2;
  }
  return run(options);
}

}  // namespace soc
