#include "common/program.h"

#include <csignal>
#include <iostream>

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

}  // namespace soc
