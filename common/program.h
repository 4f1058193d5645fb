// Start-up helpers shared by the soc-agent and soc-collector programs.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace soc {

// SIGINT and SIGTERM set the returned flag (the programs' loops poll it); SIGPIPE is ignored.
const std::atomic<bool>& install_stop_signals();

struct DaemonOptions {
  std::string config_path;
  std::vector<std::string> overrides;  // --set KEY=VALUE, in order
  bool check_only = false;             // --check-config
};

// The command line both daemons share:
//   PROGRAM --config FILE [--set KEY=VALUE]... [--check-config]
//   PROGRAM keygen --out-dir DIR [--force]      (writes a CURVE keypair, prints the public key)
// Runs keygen itself; otherwise calls run(options). Returns the process exit code
// (2 for usage errors).
int daemon_main(int argc, char** argv, const std::string& program, const std::string& description,
                const std::function<int(const DaemonOptions&)>& run);

}  // namespace soc
