// Only enrolled agents over CURVE get anything stored; bad messages are refused, never a crash.
#include <gtest/gtest.h>

#include <fstream>
#include <zmq.hpp>

#include "common/curve_keys.h"
#include "common/wire.h"
#include "tests/integration/harness.h"

namespace soc::testing {
namespace {

using std::chrono::seconds;

void write_lines(const std::string& path, int n, const std::string& prefix) {
  std::ofstream out(path, std::ios::app);
  for (int i = 0; i < n; ++i) out << prefix << " line " << i << "\n";
}

TEST(Auth, UnenrolledAgentGetsNothingStoredUntilEnrolledWithoutRestart) {
  Deployment d;
  const std::string good_log = d.dir() + "/good.log";
  const std::string bad_log = d.dir() + "/bad.log";
  write_lines(good_log, 50, "good");
  write_lines(bad_log, 50, "stranger");
  d.start_collector();
  d.add_agent("good", {good_log}, true);
  d.add_agent("stranger", {bad_log}, false);
  d.start_agent("good");
  d.start_agent("stranger");
  const std::string stranger_key = read_lines(d.agent_dir("stranger") + "/keys/public.key").at(0);
  ASSERT_TRUE(wait_until(
      [&] { return d.collector().log().find("refused key " + stranger_key) != std::string::npos; },
      seconds(30)))
      << d.collector().log();
  ASSERT_TRUE(wait_until([&] { return d.stored_count() == 50; }, seconds(30)));
  EXPECT_EQ(d.stored_count("good"), 50u);
  EXPECT_EQ(d.stored_count("stranger"), 0u);
  for (const std::string& m : d.stored_messages()) EXPECT_EQ(m.find("stranger"), std::string::npos);

  // Enrolling takes effect without restarting the collector or the agent.
  const CommandResult r = run_command({SOCCTL_BIN, "--config", d.collector_config(), "agent", "add",
                                       "stranger", "--key", stranger_key});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(wait_until([&] { return d.stored_count("stranger") == 50; }, seconds(30)))
      << d.agent("stranger").log();
}

TEST(Auth, PlainZeroMqClientWithoutCurveGetsNothingStored) {
  Deployment d;
  d.start_collector();
  zmq::context_t ctx;
  zmq::socket_t plain(ctx, zmq::socket_type::dealer);
  plain.set(zmq::sockopt::linger, 0);
  plain.connect(d.endpoint());
  wire::Batch batch{1, 1, 1, {}};
  Event e;
  e.raw = "forged line";
  batch.events.push_back(e);
  (void)plain.send(zmq::buffer(wire::encode(batch)), zmq::send_flags::dontwait);
  ASSERT_TRUE(
      wait_until([&] { return d.collector().log().find("handshake failed") != std::string::npos; },
                 seconds(30)))
      << d.collector().log();
  EXPECT_EQ(d.stored_count(), 0u);
  EXPECT_TRUE(d.collector().running());
}

TEST(Auth, ClientWithWrongServerKeyGetsNothingStored) {
  Deployment d;
  d.start_collector();
  const std::string log = d.dir() + "/x.log";
  write_lines(log, 5, "x");
  const CurveKeypair wrong = *generate_curve_keypair();
  d.add_agent("x", {log}, true, "");
  // Point the enrolled agent at a server key that is not the collector's.
  d.start_agent("x");
  ASSERT_TRUE(wait_until([&] { return d.stored_count("x") == 5; }, seconds(30)));  // control
  d.kill_agent("x", SIGKILL);
  const CommandResult check =
      run_command({SOC_AGENT_BIN, "--config", d.agent_dir("x") + "/agent.yaml", "--set",
                   "collector.public_key=" + wrong.public_key, "--check-config"});
  ASSERT_EQ(check.exit_code, 0) << check.output;
  Process agent({SOC_AGENT_BIN, "--config", d.agent_dir("x") + "/agent.yaml", "--set",
                 "collector.public_key=" + wrong.public_key},
                d.dir() + "/wrong.log");
  write_lines(log, 5, "after");
  ASSERT_TRUE(
      wait_until([&] { return d.collector().log().find("handshake failed") != std::string::npos; },
                 seconds(30)));
  EXPECT_EQ(d.stored_count("x"), 5u);
}

TEST(Auth, MalformedMessagesFromAnEnrolledAgentAreRefusedAndCounted) {
  Deployment d;
  d.start_collector();
  const std::string log = d.dir() + "/unused.log";
  d.add_agent("m", {log}, true);
  const CurveKeypair keys = *load_keypair(d.agent_dir("m") + "/keys");
  zmq::context_t ctx;
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::curve_serverkey, d.collector_public_key());
  s.set(zmq::sockopt::curve_publickey, keys.public_key);
  s.set(zmq::sockopt::curve_secretkey, keys.secret_key);
  s.connect(d.endpoint());
  const std::string valid =
      wire::encode(wire::Batch{9, 1, 1, {Event{1, "src", EventKind::kLog, "ok", {}}}});
  const std::vector<std::string> bad = {"", "garbage", valid.substr(0, valid.size() / 2),
                                        std::string("\x94\x02\x02\x01\x01", 5) /* version 2 */,
                                        wire::encode(wire::Ack{1, 1}) /* only collectors ack */};
  for (const std::string& b : bad) ASSERT_TRUE(s.send(zmq::buffer(b), zmq::send_flags::none));
  // A multipart message is refused too.
  ASSERT_TRUE(s.send(zmq::str_buffer("a"), zmq::send_flags::sndmore));
  ASSERT_TRUE(s.send(zmq::str_buffer("b"), zmq::send_flags::none));
  ASSERT_TRUE(s.send(zmq::buffer(valid), zmq::send_flags::none));
  zmq::message_t reply;
  s.set(zmq::sockopt::rcvtimeo, 30000);
  ASSERT_TRUE(s.recv(reply));
  auto ack = wire::decode(reply.to_string_view());
  ASSERT_TRUE(ack);
  EXPECT_EQ(std::get<wire::Ack>(*ack), (wire::Ack{9, 1}));
  EXPECT_EQ(d.stored_count("m"), 1u);
  EXPECT_TRUE(d.collector().running());
  const std::string clog = d.collector().log();
  EXPECT_NE(clog.find("refused a message (malformed"), std::string::npos) << clog;
  EXPECT_NE(clog.find("refused a message (unsupported"), std::string::npos) << clog;
  EXPECT_NE(clog.find("refused a message (multipart"), std::string::npos) << clog;
  EXPECT_NE(clog.find("refused a message (unexpected_type"), std::string::npos) << clog;
}

}  // namespace
}  // namespace soc::testing
