// Collector ingest: events per second from agents on loopback to stored and correlated events,
// through the real soc-collector (CURVE and ZAP, msgpack+zstd decode, the SQLite store with its
// full-text and field indexes, correlation and incidents with the default pack published).
//
// The agents are this program's own DEALER sockets, enrolled through socctl like real ones. Their
// events are the loghub OpenSSH, Linux and Apache samples decoded by the agent's own decoders,
// plus the alerts the default pack's Sigma rules raise on them, so the collector's correlation
// rules (SSH brute force ...) have work to do. Every batch is encoded before the clock starts;
// each agent keeps a window of unacknowledged batches, as soc-agent does, and the clock stops at
// the last acknowledgement (the collector acks a batch once it is committed).
//
// Usage: bench_ingest [EVENTS] [--prefill EVENTS] [--agents N] [--batch N] [--window N]
// --prefill stores that many events first (rounded up to whole batches of every agent), untimed,
// to measure ingest into a store that is no longer empty.
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "agent/decode/decoder_registry.h"
#include "common/curve_keys.h"
#include "common/wire.h"
#include "signatures/sigma/alert.h"
#include "signatures/sigma/field_mapping.h"
#include "signatures/sigma/rule_loader.h"
#include "signatures/sigma/rule_set.h"
#include "tests/bench/guarded_main.h"
#include "tests/integration/harness.h"

namespace {

using namespace soc;
using namespace soc::testing;

struct Sample {
  const char* path;  // under the shared data
  const char* source;
  sigma::LogSource logsource;
};

const Sample kSamples[] = {
    {"logs/loghub/OpenSSH/OpenSSH_2k.log",
     "/var/log/auth.log",
     {"linux", {}, {"sshd", "auth", "syslog"}}},
    {"logs/loghub/Linux/Linux_2k.log", "/var/log/messages", {"linux", {}, {"syslog"}}},
    {"logs/loghub/Apache/Apache_2k.log",
     "/var/log/apache2/error.log",
     {"linux", {"webserver"}, {"apache"}}},
};

// The samples' lines, decoded, each followed by the alerts the default pack raises on it.
std::vector<Event> load_events() {
  const std::string pack = std::string(SOC_SOURCE_DIR) + "/signatures/packs/default";
  auto mappings = sigma::FieldMappings::load(pack + "/field_mappings.yaml");
  if (!mappings) return {};
  std::vector<sigma::CompileIssue> issues;
  auto rules = sigma::RuleSet::compile(sigma::load_rules(pack + "/rules").rules, *mappings, issues,
                                       sigma::RuleSetOptions{});
  auto decoder = agent::make_decoder("auto");
  if (!rules || !decoder) return {};
  std::vector<Event> events;
  std::vector<const sigma::CompiledRule*> hits;
  for (const Sample& sample : kSamples) {
    for (const std::string& line : read_lines(shared_data(sample.path))) {
      Event e;
      e.time_ns = now_ns();
      e.source = sample.source;
      e.raw = line;
      (*decoder)->decode(e);
      hits.clear();
      (*rules)->match(e, sample.logsource, hits);
      events.push_back(e);
      for (const sigma::CompiledRule* rule : hits) events.push_back(sigma::make_alert(e, *rule));
    }
  }
  return events;
}

// One agent: sends its encoded batches keeping at most `window` unacknowledged; returns how many
// were acknowledged (all of them unless the collector failed or stalled for 60 s).
std::size_t run_agent(zmq::context_t& ctx, const std::string& endpoint,
                      const std::string& server_key, const CurveKeypair& keys,
                      const std::vector<std::string>& batches, std::size_t window) {
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::curve_serverkey, server_key);
  s.set(zmq::sockopt::curve_publickey, keys.public_key);
  s.set(zmq::sockopt::curve_secretkey, keys.secret_key);
  s.set(zmq::sockopt::rcvtimeo, 60'000);
  s.connect(endpoint);
  std::size_t sent = 0;
  std::size_t acked = 0;
  while (acked < batches.size()) {
    while (sent < batches.size() && sent - acked < window) {
      if (!s.send(zmq::buffer(batches[sent]), zmq::send_flags::none)) return acked;
      ++sent;
    }
    zmq::message_t reply;
    if (!s.recv(reply)) return acked;
    auto message = wire::decode(reply.to_string_view());
    if (message && std::holds_alternative<wire::Ack>(*message)) ++acked;
  }
  return acked;
}

// The batches of one round, per agent: agent a sends every agents-th slice of the sample
// stream, numbered on from first_seq, one millisecond of event time apart from start_time on.
// `next` is the position in the stream, kept across rounds.
std::vector<std::vector<std::string>> encode_round(const std::vector<Event>& sample,
                                                   std::size_t agents, std::size_t batches,
                                                   std::size_t batch_size, std::uint64_t first_seq,
                                                   TimeNs start_time, std::size_t& next) {
  std::vector<std::vector<std::string>> encoded(agents);
  for (std::size_t a = 0; a < agents; ++a) {
    for (std::size_t b = 0; b < batches; ++b) {
      wire::Batch batch{1, first_seq + b, 1, {}};
      for (std::size_t i = 0; i < batch_size; ++i, ++next) {
        Event e = sample[next % sample.size()];
        e.time_ns = start_time + static_cast<TimeNs>(next) * 1'000'000;
        batch.events.push_back(std::move(e));
      }
      encoded[a].push_back(wire::encode(batch));
    }
  }
  return encoded;
}

// Sends one round from all agents at once; returns the batches acknowledged.
std::size_t run_round(Deployment& d, const std::vector<CurveKeypair>& keys,
                      const std::vector<std::vector<std::string>>& encoded, std::size_t window) {
  zmq::context_t ctx;
  std::vector<std::size_t> acked(encoded.size(), 0);
  {
    std::vector<std::jthread> threads;
    for (std::size_t a = 0; a < encoded.size(); ++a) {
      threads.emplace_back([&, a] {
        acked[a] =
            run_agent(ctx, d.endpoint(), d.collector_public_key(), keys[a], encoded[a], window);
      });
    }
  }
  std::size_t total = 0;
  for (std::size_t n : acked) total += n;
  return total;
}

int run(int argc, char** argv) {
  std::size_t total = 400'000;
  std::size_t prefill = 0;
  std::size_t agents = 4;
  std::size_t batch_size = 2000;  // soc-agent's default batch.max_events
  std::size_t window = 16;        // soc-agent's default transport.max_inflight
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto number = [&](std::size_t& out) {
      if (i + 1 < argc) out = std::stoul(argv[++i]);
    };
    if (arg == "--agents") {
      number(agents);
    } else if (arg == "--batch") {
      number(batch_size);
    } else if (arg == "--window") {
      number(window);
    } else if (arg == "--prefill") {
      number(prefill);
    } else if (!arg.empty() && arg[0] != '-') {
      total = std::stoul(arg);
    } else {
      std::fprintf(stderr,
                   "usage: bench_ingest [EVENTS] [--prefill EVENTS] [--agents N] [--batch N] "
                   "[--window N]\n");
      return 2;
    }
  }
  const std::vector<Event> sample = load_events();
  if (sample.empty() || agents == 0 || batch_size == 0 || window == 0) {
    std::fprintf(stderr, "no sample events (shared data or default pack missing) or bad options\n");
    return 1;
  }
  std::size_t alerts = 0;
  for (const Event& e : sample) alerts += e.kind == EventKind::kAlert ? 1 : 0;

  Deployment d;
  d.start_collector_with_default_pack();
  std::vector<CurveKeypair> keys;
  for (std::size_t a = 0; a < agents; ++a) {
    const std::string name = "bench-" + std::to_string(a);
    d.add_agent(name, {d.dir() + "/unused.log"}, true);
    keys.push_back(*load_keypair(d.agent_dir(name) + "/keys"));
  }
  auto batches_for = [&](std::size_t events) {
    return (events / agents + batch_size - 1) / batch_size;
  };
  const std::size_t prefill_batches = batches_for(prefill);
  const std::size_t per_agent_batches = batches_for(total);
  // Event times spread over the last hour or more, the prefill's first.
  std::size_t next = 0;
  const TimeNs start_time = now_ns() - 3'600'000'000'000 -
                            static_cast<TimeNs>(prefill_batches * agents * batch_size) * 1'000'000;

  // An untimed first round fills the store, so the timed one measures a store that already
  // holds that many events (deeper indexes, checkpoints into a larger file).
  if (prefill_batches > 0) {
    const auto filler =
        encode_round(sample, agents, prefill_batches, batch_size, 1, start_time, next);
    if (run_round(d, keys, filler, window) != agents * prefill_batches) {
      std::fprintf(stderr, "the prefill was not acknowledged\n%s", d.collector().log().c_str());
      return 1;
    }
  }
  const std::size_t prefilled = next;
  // Every batch is encoded before the clock starts.
  const auto encoded = encode_round(sample, agents, per_agent_batches, batch_size,
                                    prefill_batches + 1, start_time, next);
  const std::size_t events = next - prefilled;

  const double cpu_before = d.collector().cpu_seconds();
  const auto threads_before = d.collector().thread_cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  const std::size_t acked_batches = run_round(d, keys, encoded, window);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu_after = d.collector().cpu_seconds();
  const auto threads_after = d.collector().thread_cpu_seconds();
  const double cpu = cpu_before < 0 || cpu_after < 0 ? -1 : cpu_after - cpu_before;
  if (acked_batches != agents * per_agent_batches) {
    std::fprintf(stderr, "only %zu of %zu batches acknowledged\n%s", acked_batches,
                 agents * per_agent_batches, d.collector().log().c_str());
    return 1;
  }
  std::uint64_t stored = 0;
  for (std::size_t a = 0; a < agents; ++a) stored += d.counted_events("bench-" + std::to_string(a));
  std::printf(
      "collector ingest: %zu events (%.1f%% alerts) from %zu agents in batches of %zu, window "
      "%zu, into a store of %zu: %.2f s = %.0f events/s stored and correlated (%llu counted in "
      "the store); the collector used %.1f us of CPU per event (-1: /proc could not tell)\n",
      events, 100.0 * static_cast<double>(alerts) / static_cast<double>(sample.size()), agents,
      batch_size, window, prefilled, secs, static_cast<double>(events) / secs,
      static_cast<unsigned long long>(stored),
      cpu < 0 ? -1.0 : cpu * 1e6 / static_cast<double>(events));
  // Where that CPU went: the writer thread is the ingest's one serial stage.
  std::printf("  per thread (us of CPU per event):");
  for (const auto& [name, after] : threads_after) {
    auto before = threads_before.find(name);
    const double used = after - (before == threads_before.end() ? 0.0 : before->second);
    if (used > 0) std::printf(" %s %.2f", name.c_str(), used * 1e6 / static_cast<double>(events));
  }
  std::printf("\n");
  return stored == prefilled + events ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return soc::testing::guarded_main("bench_ingest", [&] { return run(argc, argv); });
}
