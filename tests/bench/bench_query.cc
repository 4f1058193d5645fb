// Search latency over a large store: fills a SQLite store in a temporary folder with synthetic
// but realistic events (sshd, web access, flows and a few alerts, from 50 agents over the last
// 7 days) through store_batches (the collector's own path: JSON fields, full-text and field
// indexes), then times the typical searches of an analyst (newest 100, and their count).
//
// Usage: bench_query [EVENTS] [--baseline] [--dir DIR]
//   EVENTS      how many events to store (default 10,000,000)
//   --baseline  drop the field indexes (schema 5) before filling: the ingest rate without them
//               (the full-text index stays: store_batches fills it)
//   --dir DIR   keep the database in DIR (reused when it already holds EVENTS events)
#include <stdlib.h>

#include <sqlite3.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "collector/query/compiler.h"
#include "collector/store/sqlite_store.h"

namespace {

using namespace soc;
using namespace soc::collector;
using Clock = std::chrono::steady_clock;

constexpr TimeNs kSec = 1'000'000'000;
constexpr std::size_t kAgents = 50;
constexpr std::size_t kBatch = 8192;          // events per agent batch, as the collector commits
constexpr std::size_t kBatchesPerCommit = 4;  // batches per store_batches call

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Pools {
  std::vector<IpAddress> attackers;  // public addresses that brute-force and scan
  std::vector<IpAddress> internal;   // 10.0.0.0/8 hosts
  std::vector<IpAddress> v6;
  std::vector<std::string> users;
  std::vector<std::string> paths;
  std::vector<std::string> agents_ua;
  std::vector<std::string> rule_ids;
  std::vector<std::string> hosts;
};

IpAddress v4(unsigned a, unsigned b, unsigned c, unsigned d) {
  return *IpAddress::parse(std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c) +
                           "." + std::to_string(d));
}

Pools make_pools(std::mt19937_64& rng) {
  Pools p;
  std::uniform_int_distribution<unsigned> octet(1, 254);
  for (int i = 0; i < 5000; ++i)
    p.attackers.push_back(v4(octet(rng) % 200 + 20, octet(rng), octet(rng), octet(rng)));
  for (int i = 0; i < 2000; ++i)
    p.internal.push_back(v4(10, octet(rng) % 16, octet(rng), octet(rng)));
  for (int i = 0; i < 500; ++i) {
    p.v6.push_back(
        *IpAddress::parse("2001:db8:" + std::to_string(i % 64) + "::" + std::to_string(i + 1)));
  }
  const char* common[] = {"root",     "admin",  "test",     "user",  "oracle",
                          "postgres", "ubuntu", "git",      "ftp",   "guest",
                          "pi",       "deploy", "www-data", "mysql", "support"};
  for (const char* u : common) p.users.push_back(u);
  for (int i = 0; i < 2000; ++i) p.users.push_back("staff" + std::to_string(i));
  const char* paths[] = {"/",
                         "/index.html",
                         "/login",
                         "/wp-login.php",
                         "/admin/",
                         "/api/v1/items",
                         "/static/app.js",
                         "/.env",
                         "/phpmyadmin/",
                         "/cgi-bin/test.cgi",
                         "/search?q=x",
                         "/favicon.ico",
                         "/robots.txt",
                         "/xmlrpc.php"};
  for (const char* path : paths) p.paths.push_back(path);
  p.agents_ua = {"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0", "curl/7.88.1",
                 "python-requests/2.31", "Nmap Scripting Engine", "Googlebot/2.1"};
  for (int i = 0; i < 40; ++i) {
    char id[40];
    std::snprintf(
        id, sizeof id, "%08x-%04x-4%03x-a%03x-%012llx", 0x5eed0000u + static_cast<unsigned>(i),
        static_cast<unsigned>(i * 7), static_cast<unsigned>(i), static_cast<unsigned>(i * 3),
        static_cast<unsigned long long>(0xc0ffee000000ULL + static_cast<unsigned long long>(i)));
    p.rule_ids.push_back(id);
  }
  for (std::size_t i = 0; i < kAgents; ++i) p.hosts.push_back("srv-" + std::to_string(i));
  return p;
}

// Skewed pick: low indexes are much more frequent (a few users and attackers dominate).
template <typename T>
const T& skewed(const std::vector<T>& pool, std::mt19937_64& rng) {
  const double u = std::uniform_real_distribution<double>(0, 1)(rng);
  return pool[std::min(pool.size() - 1,
                       static_cast<std::size_t>(u * u * u * static_cast<double>(pool.size())))];
}

Event make_event(const Pools& p, std::mt19937_64& rng, TimeNs t, const std::string& host) {
  Event e;
  e.time_ns = t;
  const unsigned roll = static_cast<unsigned>(rng() % 100);
  auto add = [&](const char* name, FieldValue v) { e.fields.push_back({name, std::move(v)}); };
  if (roll < 50) {  // sshd
    e.kind = EventKind::kLog;
    e.source = "/var/log/auth.log";
    const bool internal = rng() % 10 == 0;
    const IpAddress ip = internal ? skewed(p.internal, rng) : skewed(p.attackers, rng);
    const std::string& user = skewed(p.users, rng);
    const unsigned port = 1024 + static_cast<unsigned>(rng() % 60000);
    const bool ok = internal && rng() % 2 == 0;
    const bool invalid = !ok && rng() % 3 == 0;
    e.raw = std::string(ok ? "Accepted password for " : "Failed password for ") +
            (invalid ? "invalid user " : "") + user + " from " + ip.to_string() + " port " +
            std::to_string(port) + " ssh2";
    add("host.hostname", host);
    add("process.name", std::string("sshd"));
    add("event.action", std::string(ok ? "logged-in" : "authentication_failure"));
    add("event.outcome", std::string(ok ? "success" : "failure"));
    add("user.name", user);
    add("source.ip", ip);
    add("source.port", static_cast<std::int64_t>(port));
  } else if (roll < 80) {  // web access
    e.kind = EventKind::kLog;
    e.source = "/var/log/nginx/access.log";
    const IpAddress ip = rng() % 20 == 0 ? skewed(p.v6, rng) : skewed(p.attackers, rng);
    const std::string& path = skewed(p.paths, rng);
    const int status =
        path == "/.env" || path == "/phpmyadmin/" ? 404 : (rng() % 10 == 0 ? 404 : 200);
    const std::string& ua = skewed(p.agents_ua, rng);
    e.raw = ip.to_string() + " - - [30/Nov/2026:12:00:00 +0000] \"GET " + path + " HTTP/1.1\" " +
            std::to_string(status) + " " + std::to_string(rng() % 50000) + " \"-\" \"" + ua + "\"";
    add("host.hostname", host);
    add("source.ip", ip);
    add("http.request.method", std::string("GET"));
    add("url.original", path);
    add("http.response.status_code", std::int64_t{status});
    add("user_agent.original", ua);
  } else if (roll < 99) {  // flow
    e.kind = EventKind::kFlow;
    e.source = "pcap:eth0";
    add("source.ip", skewed(p.internal, rng));
    add("source.port", std::int64_t{1024 + static_cast<std::int64_t>(rng() % 60000)});
    add("destination.ip", rng() % 2 ? skewed(p.attackers, rng) : skewed(p.internal, rng));
    const std::int64_t ports[] = {53, 443, 80, 22, 123, 3306, 8080};
    add("destination.port", ports[rng() % 7]);
    add("network.transport", std::string(rng() % 4 == 0 ? "udp" : "tcp"));
    add("network.bytes", std::int64_t{static_cast<std::int64_t>(rng() % 100000)});
  } else {  // alert
    e.kind = EventKind::kAlert;
    e.source = "/var/log/auth.log";
    const IpAddress ip = skewed(p.attackers, rng);
    const std::string& user = skewed(p.users, rng);
    e.raw =
        "Failed password for invalid user " + user + " from " + ip.to_string() + " port 22 ssh2";
    const std::string& rule = skewed(p.rule_ids, rng);
    add("rule.id", rule);
    add("rule.name", std::string("SSH authentication failure"));
    add("rule.level", std::string("medium"));
    add("host.hostname", host);
    add("source.ip", ip);
    add("user.name", user);
  }
  return e;
}

bool drop_field_indexes(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  const int rc = sqlite3_exec(
      db,
      "DROP INDEX events_source_ip; DROP INDEX events_destination_ip; DROP INDEX events_user_name; "
      "DROP INDEX events_host_hostname; DROP INDEX events_rule_id;",
      nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return rc == SQLITE_OK;
}

struct Timing {
  double median = 0;
  double max = 0;
};

template <typename F>
Timing time_runs(F&& run, int runs) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    run();
    ms.push_back(ms_since(start));
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.back()};
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t total = 10'000'000;
  bool baseline = false;
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--baseline") {
      baseline = true;
    } else if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (!arg.empty() && arg[0] != '-') {
      total = std::stoul(arg);
    } else {
      std::fprintf(stderr, "usage: bench_query [EVENTS] [--baseline] [--dir DIR]\n");
      return 2;
    }
  }
  const bool temporary = dir.empty();
  if (temporary) {
    std::string pattern = (std::filesystem::temp_directory_path() / "bench_query.XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) return 1;
    dir = pattern;
  }
  const std::string path = dir + "/events.db";
  auto opened = open_sqlite_store(path);
  if (!opened) {
    std::fprintf(stderr, "%s\n", opened.error().message.c_str());
    return 1;
  }
  std::unique_ptr<EventStore> store = std::move(*opened);
  auto existing = store->count_search({});
  const TimeNs now = now_ns();
  TimeNs newest = now;
  if (existing && *existing == total) {
    std::printf("reusing %zu events in %s\n", total, path.c_str());
  } else if (existing && *existing == 0) {
    if (baseline && !drop_field_indexes(path)) {
      std::fprintf(stderr, "could not drop the field indexes\n");
      return 1;
    }
    std::mt19937_64 rng(42);
    const Pools pools = make_pools(rng);
    std::vector<std::int64_t> agent_ids;
    for (std::size_t a = 0; a < kAgents; ++a) {
      auto agent = store->enroll_agent("agent-" + std::to_string(a),
                                       "key" + std::to_string(a) + std::string(36, 'k'),
                                       "agency-" + std::to_string(a % 10));
      if (!agent) return 1;
      agent_ids.push_back(agent->id);
    }
    const TimeNs span = 7 * 86'400 * kSec;  // the last week, oldest first
    std::vector<std::uint64_t> seqs(kAgents, 0);
    std::vector<std::vector<Event>> events(kBatchesPerCommit);
    std::vector<IncomingBatch> batches(kBatchesPerCommit);
    const auto start = Clock::now();
    std::size_t done = 0;
    while (done < total) {
      std::size_t n_batches = 0;
      for (; n_batches < kBatchesPerCommit && done < total; ++n_batches) {
        const std::size_t agent = (done / kBatch) % kAgents;
        const std::size_t n = std::min(kBatch, total - done);
        events[n_batches].clear();
        for (std::size_t i = 0; i < n; ++i, ++done) {
          const TimeNs t =
              now - span +
              static_cast<TimeNs>(static_cast<double>(span) * static_cast<double>(done) /
                                  static_cast<double>(total));
          events[n_batches].push_back(make_event(pools, rng, t, pools.hosts[agent]));
        }
        IncomingBatch& b = batches[n_batches];
        b.agent_id = agent_ids[agent];
        b.epoch = 1;
        b.seq = ++seqs[agent];
        b.received_ns = now;
        b.events = &events[n_batches];
      }
      auto stored = store->store_batches({batches.data(), n_batches});
      if (!stored) {
        std::fprintf(stderr, "store: %s\n", stored.error().message.c_str());
        return 1;
      }
      if (done % (kBatch * kBatchesPerCommit * 32) == 0) {
        std::fprintf(stderr, "  %zu events, %.0f events/s\n", done,
                     static_cast<double>(done) / (ms_since(start) / 1000));
      }
    }
    const double secs = ms_since(start) / 1000;
    std::printf("filled %zu events in %.1f s = %.0f events/s through store_batches (%s)\n", total,
                secs, static_cast<double>(total) / secs,
                baseline ? "baseline: without the field indexes" : "with the search indexes");
    if (baseline) return 0;
  } else {
    std::fprintf(stderr, "%s holds another number of events; give an empty --dir\n", path.c_str());
    return 1;
  }
  {
    // A reused database was filled earlier: "the last hour" is the hour before its newest event.
    EventSearch newest_one;
    newest_one.limit = 1;
    auto latest = store->search_events(newest_one);
    if (latest && !latest->empty()) newest = latest->front().event.time_ns;
  }
  std::error_code ec;
  std::printf("database: %.0f MB\n",
              static_cast<double>(std::filesystem::file_size(path, ec)) / 1e6);

  // Typical searches; the values exist in the data (the pools are seeded the same way).
  std::mt19937_64 rng(42);
  const Pools pools = make_pools(rng);
  const std::string hour_ago = format_rfc3339(newest - 3600 * kSec).substr(0, 19) + "Z";
  const std::vector<std::pair<std::string, std::string>> queries = {
      {"source.ip exact", "source.ip: " + pools.attackers[0].to_string()},
      {"source.ip exact (rare)", "source.ip: " + pools.attackers[4000].to_string()},
      {"user.name + outcome", "user.name: oracle and event.outcome: failure"},
      {"user.name wildcard", "user.name: staff19*"},
      {"rule.id", "rule.id: " + pools.rule_ids[3]},
      {"CIDR /8 (common)", "source.ip: 10.0.0.0/8"},
      {"CIDR /24 (rare)", "source.ip: " +
                              pools.attackers[2000].to_string().substr(
                                  0, pools.attackers[2000].to_string().rfind('.')) +
                              ".0/24"},
      {"CIDR IPv6 /48", "source.ip: 2001:db8:7::/48"},
      {"full text, common word", "failed"},
      {"full text, rare word", "staff1999"},
      {"full text phrase", "\"invalid user oracle\""},
      {"last hour", "@timestamp >= " + hour_ago},
      {"negation", "not event.outcome: success and event.dataset: log"},
      {"http status range", "http.response.status_code >= 400 and url.original: /.env"},
      {"flows to port 3306", "event.dataset: flow and destination.port: 3306"},
  };
  std::printf("\n%-26s %12s %14s %14s  %s\n", "search (newest 100)", "matches", "search ms",
              "count ms", "query");
  for (const auto& [name, text] : queries) {
    auto compiled = query::compile_query_text(text);
    if (!compiled) {
      std::fprintf(stderr, "%s: %s\n", text.c_str(), compiled.error().describe().c_str());
      return 1;
    }
    EventSearch search;
    search.query = *compiled;
    search.limit = 100;
    std::size_t rows = 0;
    const Timing t = time_runs([&] { rows = store->search_events(search)->size(); }, 5);
    std::uint64_t count = 0;
    const Timing c = time_runs([&] { count = *store->count_search(search); }, 1);
    std::printf("%-26s %12llu %7.1f (%5.1f) %14.1f  %s  [%zu rows]\n", name.c_str(),
                static_cast<unsigned long long>(count), t.median, t.max, c.median, text.c_str(),
                rows);
  }
  std::printf("(search ms: median of 5 runs, max in parentheses; count: one run)\n");
  store.reset();
  if (temporary) std::filesystem::remove_all(dir, ec);
  return 0;
}
