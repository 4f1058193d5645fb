// Test harness for integration tests and end-to-end benchmarks: real soc-collector, soc-agent
// and socctl processes on loopback, in a temporary folder, with ports picked at run time.
// Waiting is always on a condition with a deadline, never a blind sleep.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/temp_dir.h"

namespace soc::testing {

// ../shared/data/<relative>
std::string shared_data(const std::string& relative);
std::string read_file(const std::string& path);
// The lines of a file without their line ends ("\n" or "\r\n"), as the agent reads them.
std::vector<std::string> read_lines(const std::string& path);

// Polls pred every few ms until it holds (true) or timeout passes (false).
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

// A free TCP port on 127.0.0.1 (bound and released; the kernel does not hand it out again soon).
int free_tcp_port();

// A child process with stdout+stderr appended to log_path. Killed (SIGKILL) on destruction.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::string& log_path);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  bool running();
  void signal(int sig);
  // Waits for exit (up to timeout); returns the exit code, or -1 if it did not exit.
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  const std::string& log_path() const { return log_path_; }
  std::string log() const { return read_file(log_path_); }
  // CPU seconds (user + system, all threads) the running process has used so far; -1 once it
  // has exited or when /proc cannot tell.
  double cpu_seconds() const;
  // The same per thread name (threads of one name summed), for the threads alive now; empty
  // once it has exited or when /proc cannot tell.
  std::map<std::string, double> thread_cpu_seconds() const;

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool exited_ = false;
  std::string log_path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};
CommandResult run_command(const std::vector<std::string>& argv);
// Runs socctl with `args`, expects (EXPECT) exit code 0 and returns its output.
std::string socctl_ok(const std::vector<std::string>& args);

// One collector and any number of agents in a temporary folder.
class Deployment {
 public:
  Deployment();
  ~Deployment();

  const std::string& dir() const { return dir_.path(); }
  const std::string& collector_config() const { return collector_config_; }
  const std::string& collector_public_key() const { return collector_public_key_; }
  std::string endpoint() const;

  void start_collector();
  // Starts the collector unable to write any file past max_file_bytes (RLIMIT_FSIZE, with
  // SIGXFSZ ignored so the write fails with EFBIG as on a full disk instead of killing it).
  void start_collector_with_file_size_limit(std::uint64_t max_file_bytes);
  // Makes a pack signing key in dir()/pack-keys (pack_signing.key, .pub), signs the default pack
  // with it (dir()/default.pack), makes the collector trust the key, starts the collector and
  // publishes the pack.
  void start_collector_with_default_pack();
  Process& collector() { return *collector_; }
  void kill_collector(int sig);

  // Creates keys and a config for an agent tailing `paths` (YAML list items); enrolls it
  // through socctl unless enroll is false. Extra lines are appended to the config.
  void add_agent(const std::string& name, const std::vector<std::string>& paths, bool enroll,
                 const std::string& extra_yaml = "");
  // extra_args: more command-line arguments, e.g. {"--set", "batch.max_events=5000"}.
  void start_agent(const std::string& name, const std::vector<std::string>& extra_args = {});
  Process& agent(const std::string& name) { return *agents_.at(name); }
  void kill_agent(const std::string& name, int sig);
  std::string agent_dir(const std::string& name) const { return dir() + "/agent-" + name; }
  // Number of batches in the agent's spool (unacknowledged).
  std::size_t spooled_batches(const std::string& name) const;

  // Raw messages stored for an agent (or all when empty), read from the store.
  std::vector<std::string> stored_messages(const std::string& agent = "") const;
  std::uint64_t stored_count(const std::string& agent = "") const;
  // The store's per-agent event counter (kept in each batch's transaction): O(1), for waiting
  // on large volumes without scanning the events as stored_count does.
  std::uint64_t counted_events(const std::string& agent) const;

 private:
  TempDir dir_{"soc-it"};
  int port_ = 0;
  std::string collector_config_;
  std::string collector_public_key_;
  std::unique_ptr<Process> collector_;
  std::map<std::string, std::unique_ptr<Process>> agents_;

  void start_collector_with(const std::vector<std::string>& argv);
};

}  // namespace soc::testing
