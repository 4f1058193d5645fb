// Start-up helpers shared by the soc-agent and soc-collector programs.
#pragma once

#include <atomic>
#include <string>

namespace soc {

// SIGINT and SIGTERM set the returned flag (the programs' loops poll it); SIGPIPE is ignored.
const std::atomic<bool>& install_stop_signals();

// `PROGRAM keygen --out-dir DIR [--force]`: writes a CURVE keypair, prints the public key.
// Returns the process exit code.
int run_keygen(const std::string& program, const std::string& out_dir, bool force);

}  // namespace soc
