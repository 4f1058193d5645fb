#include "tests/integration/harness.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "collector/store/sqlite_store.h"

extern char** environ;

namespace soc::testing {
namespace fs = std::filesystem;

std::string shared_data(const std::string& relative) {
  return std::string(SOC_SHARED_DATA) + "/" + relative;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // as the agent reads CRLF lines
    lines.push_back(line);
  }
  return lines;
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("bind");
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

Process::Process(const std::vector<std::string>& argv, const std::string& log_path)
    : log_path_(log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("spawn " + argv[0] + " failed");
}

Process::~Process() {
  if (running()) {
    signal(SIGKILL);
    wait();
  }
}

namespace {

// utime + stime of a /proc .../stat file, in seconds; -1 when it cannot be read.
double stat_cpu_seconds(const std::string& stat_path) {
  std::ifstream in(stat_path);
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (in parentheses, which may hold spaces): utime and stime are
  // the 12th and 13th of them.
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 > stat.size()) return -1;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 1; i <= 13 && rest >> field; ++i) {
    if (i >= 12) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

double Process::cpu_seconds() const {
  if (exited_) return -1;
  return stat_cpu_seconds("/proc/" + std::to_string(pid_) + "/stat");
}

std::map<std::string, double> Process::thread_cpu_seconds() const {
  std::map<std::string, double> by_name;
  if (exited_) return by_name;
  std::error_code ec;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid_) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
    std::string name = read_file(task.path() / "comm");
    while (!name.empty() && name.back() == '\n') name.pop_back();
    const double seconds = stat_cpu_seconds(task.path() / "stat");
    if (seconds >= 0) by_name[name] += seconds;
  }
  return by_name;
}

bool Process::running() {
  if (exited_) return false;
  const pid_t r = ::waitpid(pid_, &status_, WNOHANG);
  if (r == pid_) exited_ = true;
  return !exited_;
}

void Process::signal(int sig) {
  if (!exited_) ::kill(pid_, sig);
}

int Process::wait(std::chrono::milliseconds timeout) {
  if (!wait_until([this] { return !running(); }, timeout)) return -1;
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  return 128 + WTERMSIG(status_);
}

CommandResult run_command(const std::vector<std::string>& argv) {
  TempDir tmp;
  const std::string log = tmp.path() + "/out";
  Process p(argv, log);
  CommandResult r;
  r.exit_code = p.wait(std::chrono::seconds(60));
  r.output = read_file(log);
  return r;
}

std::string socctl_ok(const std::vector<std::string>& args) {
  std::vector<std::string> argv{SOCCTL_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandResult r = run_command(argv);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

namespace {
void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string keygen(const char* program, const std::string& dir) {
  const CommandResult r = run_command({program, "keygen", "--out-dir", dir});
  if (r.exit_code != 0) throw std::runtime_error(std::string(program) + " keygen: " + r.output);
  std::string key = read_file(dir + "/public.key");
  key.erase(key.find_last_not_of('\n') + 1);
  return key;
}
}  // namespace

Deployment::Deployment() {
  port_ = free_tcp_port();
  collector_public_key_ = keygen(SOC_COLLECTOR_BIN, dir() + "/collector-keys");
  collector_config_ = dir() + "/collector.yaml";
  write(collector_config_, "listen: " + endpoint() + "\nkeys_dir: " + dir() +
                               "/collector-keys\nstore:\n  path: " + dir() +
                               "/store/events.db\nlog:\n  refused_interval_s: 1\n");
}

Deployment::~Deployment() {
  for (auto& [name, agent] : agents_) agent.reset();
  collector_.reset();
  if (::testing::Test::HasFailure()) {  // the programs' logs explain most failures
    std::fprintf(stderr, "---- collector log ----\n%s",
                 read_file(dir() + "/collector.log").c_str());
    for (const auto& [name, agent] : agents_) {
      std::fprintf(stderr, "---- agent %s log ----\n%s", name.c_str(),
                   read_file(agent_dir(name) + "/agent.log").c_str());
    }
  }
}

std::string Deployment::endpoint() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

void Deployment::start_collector() {
  start_collector_with({SOC_COLLECTOR_BIN, "--config", collector_config_});
}

void Deployment::start_collector_with_file_size_limit(std::uint64_t max_file_bytes) {
  // The shell's ulimit -f counts blocks of 512 bytes; an ignored signal stays ignored in the
  // program exec'd.
  const std::string limit =
      "trap '' XFSZ; ulimit -f " + std::to_string(max_file_bytes / 512) + " && exec \"$0\" \"$@\"";
  start_collector_with({"/bin/sh", "-c", limit, SOC_COLLECTOR_BIN, "--config", collector_config_});
}

void Deployment::start_collector_with(const std::vector<std::string>& argv) {
  collector_ = std::make_unique<Process>(argv, dir() + "/collector.log");
  // Ready once it logs that it listens (or dead: the test then fails on its log).
  wait_until(
      [this] {
        return collector_->log().find("listening on") != std::string::npos ||
               !collector_->running();
      },
      std::chrono::seconds(20));
}

void Deployment::start_collector_with_default_pack() {
  const std::string keys = dir() + "/pack-keys";
  socctl_ok({"pack", "keygen", "--out-dir", keys});
  socctl_ok({"pack", "build", std::string(SOC_SOURCE_DIR) + "/signatures/packs/default", "--key",
             keys + "/pack_signing.key", "-o", dir() + "/default.pack"});
  std::ofstream(collector_config_, std::ios::app)
      << "packs:\n  trusted_keys:\n    - " << keys << "/pack_signing.pub\n";
  start_collector();
  socctl_ok({"--config", collector_config_, "pack", "publish", dir() + "/default.pack"});
}

void Deployment::kill_collector(int sig) {
  collector_->signal(sig);
  collector_->wait();
}

void Deployment::add_agent(const std::string& name, const std::vector<std::string>& paths,
                           bool enroll, const std::string& extra_yaml) {
  const std::string adir = agent_dir(name);
  fs::create_directories(adir);
  const std::string key = keygen(SOC_AGENT_BIN, adir + "/keys");
  std::string yaml = "collector:\n  endpoint: " + endpoint() + "\n  public_key: '" +
                     collector_public_key_ + "'\nkeys_dir: " + adir + "/keys\nstate_dir: " + adir +
                     "/state\nsources:\n  - type: file\n    start: beginning\n    paths:\n";
  for (const std::string& p : paths) yaml += "      - " + p + "\n";
  yaml +=
      "batch:\n  max_delay_ms: 50\n  max_events: 500\ntransport:\n  resend_timeout_ms: 2000\n  "
      "heartbeat_interval_ms: 500\n" +
      extra_yaml;
  write(adir + "/agent.yaml", yaml);
  if (enroll) {
    const CommandResult r = run_command({SOCCTL_BIN, "--config", collector_config_, "agent", "add",
                                         name, "--key", key, "--agency", "test-agency"});
    if (r.exit_code != 0) throw std::runtime_error("socctl agent add: " + r.output);
  }
}

void Deployment::start_agent(const std::string& name, const std::vector<std::string>& extra_args) {
  const std::string adir = agent_dir(name);
  std::vector<std::string> argv{SOC_AGENT_BIN, "--config", adir + "/agent.yaml"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  agents_[name] = std::make_unique<Process>(argv, adir + "/agent.log");
}

void Deployment::kill_agent(const std::string& name, int sig) {
  agents_.at(name)->signal(sig);
  agents_.at(name)->wait();
}

std::size_t Deployment::spooled_batches(const std::string& name) const {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(agent_dir(name) + "/state/spool", ec)) {
    if (e.path().extension() == ".batch") ++n;
  }
  return n;
}

std::vector<std::string> Deployment::stored_messages(const std::string& agent) const {
  auto store =
      collector::open_sqlite_store(dir() + "/store/events.db", collector::StoreMode::kReadOnly);
  if (!store) return {};
  collector::EventQuery q;
  if (!agent.empty()) q.agent = agent;
  q.limit = 100'000'000;
  auto rows = (*store)->query_events(q);
  std::vector<std::string> out;
  if (!rows) return out;
  for (const auto& r : *rows) out.push_back(r.event.raw);
  return out;
}

std::uint64_t Deployment::stored_count(const std::string& agent) const {
  auto store =
      collector::open_sqlite_store(dir() + "/store/events.db", collector::StoreMode::kReadOnly);
  if (!store) return 0;
  collector::EventQuery q;
  if (!agent.empty()) q.agent = agent;
  auto n = (*store)->count_events(q);
  return n ? *n : 0;
}

std::uint64_t Deployment::counted_events(const std::string& agent) const {
  auto store =
      collector::open_sqlite_store(dir() + "/store/events.db", collector::StoreMode::kReadOnly);
  if (!store) return 0;
  auto agents = (*store)->list_agents();
  if (!agents) return 0;
  for (const collector::AgentRecord& a : *agents) {
    if (a.name == agent) return a.event_count;
  }
  return 0;
}

}  // namespace soc::testing
