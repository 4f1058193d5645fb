#include "common/wire.h"

#include <gtest/gtest.h>

#include <limits>

#include <msgpack.hpp>

namespace soc::wire {
namespace {

Event sample_event(int i) {
  Event e;
  e.time_ns = 1'700'000'000'000'000'000 + i;
  e.source = "/var/log/auth.log";
  e.kind = EventKind::kLog;
  e.raw = "Dec 10 06:55:46 LabSZ sshd[24200]: Failed password for root from 1.2.3.4 port " +
          std::to_string(i);
  e.fields = {{"log.file.path", std::string("/var/log/auth.log")},
              {"source.port", std::int64_t{-i}},
              {"score", 0.5},
              {"event.truncated", true},
              {"source.ip", *IpAddress::parse("2001:db8::1")},
              {"destination.ip", *IpAddress::parse("10.0.0.1")},
              {"tags", StringList{"a", "b"}}};
  return e;
}

Batch sample_batch(std::size_t n) {
  Batch b{42, 7, 5, {}};
  for (std::size_t i = 0; i < n; ++i) b.events.push_back(sample_event(static_cast<int>(i)));
  return b;
}

TEST(Wire, BatchRoundTripsCompressedAndPlain) {
  const Batch batch = sample_batch(200);
  for (Compression c : {Compression::kAuto, Compression::kNone}) {
    auto decoded = decode(encode(batch, c));
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(std::get<Batch>(*decoded), batch);
  }
  EXPECT_LT(encode(batch, Compression::kAuto).size(), encode(batch, Compression::kNone).size() / 3)
      << "repetitive log lines should compress well";
}

TEST(Wire, ControlMessagesRoundTrip) {
  const std::vector<Message> messages = {
      Ack{1, 2},
      Nack{3, 4, "missing earlier batch"},
      Heartbeat{5, {{"events_read", 10}, {"spool_bytes", 0}}, ""},
      Heartbeat{6, {}, "1.2.0"},
      PackPush{7, true, std::string("pack\0bytes", 10)},
      PackReport{7, "1.2.0", false, "bad signature"},
      PackReport{8, "2", true, ""},
      Batch{1, 1, 1, {}}};
  for (const Message& m : messages) {
    auto decoded = decode(encode(m));
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, m);
  }
}

TEST(Wire, RejectsEveryTruncation) {
  const std::string bytes = encode(sample_batch(3), Compression::kNone);
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    auto decoded = decode(std::string_view(bytes).substr(0, len));
    ASSERT_FALSE(decoded) << "prefix of " << len << " bytes decoded";
    EXPECT_EQ(decoded.error().code, ErrorCode::kMalformed);
  }
}

TEST(Wire, HeartbeatOfAnOlderAgentHasNoPackVersion) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(4);
  for (int v : {1, 4, 9}) pk.pack(v);
  pk.pack(std::map<std::string, std::uint64_t>{{"events_read", 3}});
  auto d = decode(std::string(buf.data(), buf.size()));
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(std::get<Heartbeat>(*d), (Heartbeat{9, {{"events_read", 3}}, ""}));
}

TEST(Wire, HeartbeatCountersBeyondTheLimitAreTooLarge) {
  Heartbeat many{1, {}, "1.0.0"};
  for (int i = 0; i < 10; ++i) many.counters["counter_" + std::to_string(i)] = 1;
  Limits nine;
  nine.max_counters = 9;
  auto refused = decode(encode(many), nine);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kTooLarge);
  nine.max_counters = 10;
  EXPECT_TRUE(decode(encode(many), nine));
  // A map claiming 4 billion counters in a few bytes ends first, whatever the limit.
  nine.max_counters = std::numeric_limits<std::size_t>::max();
  auto truncated = decode(std::string("\x94\x01\x04\x01\xdf\xff\xff\xff\xff\xa1k\x01", 12), nine);
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, ErrorCode::kMalformed);
  EXPECT_NE(truncated.error().message.find("truncated"), std::string::npos)
      << truncated.error().message;
}

TEST(Wire, RejectsBadPackMessages) {
  // rollback not a bool, pack not bin, wrong arity, an oversized reason.
  const auto packed = [](auto&&... fields) {
    msgpack::sbuffer buf;
    msgpack::packer<msgpack::sbuffer> pk(buf);
    pk.pack_array(sizeof...(fields));
    (pk.pack(fields), ...);
    return std::string(buf.data(), buf.size());
  };
  EXPECT_FALSE(decode(packed(1, 5, 1, 1, std::string("x"))));
  EXPECT_FALSE(decode(packed(1, 5, 1, true, std::string("not bin"))));
  EXPECT_FALSE(decode(packed(1, 5, 1, true)));
  EXPECT_FALSE(decode(packed(1, 6, 1, std::string("1"), std::string("yes"), std::string(""))));
  auto long_reason = decode(packed(1, 6, 1, std::string("1"), false, std::string(5000, 'r')));
  ASSERT_FALSE(long_reason);
  EXPECT_EQ(long_reason.error().code, ErrorCode::kTooLarge);
  EXPECT_TRUE(decode(packed(1, 6, 1, std::string("1"), false, std::string("short"))));
}

TEST(Wire, RejectsTrailingBytesAndGarbage) {
  EXPECT_FALSE(decode(encode(Ack{1, 2}) + "x"));
  EXPECT_FALSE(decode("hello"));
  EXPECT_FALSE(decode(""));
  EXPECT_FALSE(decode(std::string(1, '\xc1')));  // never-used msgpack byte
}

std::string pack(
    const msgpack::type::tuple<std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t>& t) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, t);
  return std::string(buf.data(), buf.size());
}

TEST(Wire, RejectsUnknownVersionAndType) {
  auto v2 = decode(pack({2, 2, 1, 1}));
  ASSERT_FALSE(v2);
  EXPECT_EQ(v2.error().code, ErrorCode::kUnsupported);
  auto type9 = decode(pack({1, 9, 1, 1}));
  ASSERT_FALSE(type9);
  EXPECT_EQ(type9.error().code, ErrorCode::kUnsupported);
  EXPECT_TRUE(decode(pack({1, 2, 1, 1})));  // the same shape with a known type is an ack
}

TEST(Wire, RejectsWrongShapes) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(4);
  pk.pack(1);
  pk.pack(2);
  pk.pack("not a number");
  pk.pack(1);
  auto d = decode(std::string(buf.data(), buf.size()));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, ErrorCode::kMalformed);

  // A batch whose payload is not an events array.
  msgpack::sbuffer b2;
  msgpack::packer<msgpack::sbuffer> p2(b2);
  p2.pack_array(7);
  for (int v : {1, 1, 1, 1, 1, 0}) p2.pack(v);
  p2.pack_bin(1);
  p2.pack_bin_body("\x01", 1);
  EXPECT_FALSE(decode(std::string(b2.data(), b2.size())));
}

TEST(Wire, RejectsOversizedMessagesAndBatches) {
  const std::string bytes = encode(sample_batch(100), Compression::kNone);
  Limits small;
  small.max_message_bytes = bytes.size() - 1;
  auto too_big = decode(bytes, small);
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code, ErrorCode::kTooLarge);

  Limits few_events;
  few_events.max_events = 99;
  auto too_many = decode(bytes, few_events);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().code, ErrorCode::kTooLarge);

  // A small compressed payload that would expand beyond the limit (a zip bomb) is refused.
  Batch bomb{1, 1, 1, {}};
  Event e;
  e.raw = std::string(1 << 20, 'a');
  bomb.events.assign(8, e);
  const std::string packed = encode(bomb, Compression::kAuto);
  Limits tight;
  tight.max_decompressed_bytes = 1 << 20;
  auto refused = decode(packed, tight);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kTooLarge);
  EXPECT_LT(packed.size(), 1u << 16);
}

TEST(Wire, RejectsUnknownEventKindAndBadIp) {
  Batch b = sample_batch(1);
  std::string bytes = encode(b, Compression::kNone);
  // Flip the kind (0 = log) to 99 by re-encoding a hand-built event.
  msgpack::sbuffer ev;
  msgpack::packer<msgpack::sbuffer> pk(ev);
  pk.pack_array(1);
  pk.pack_array(5);
  pk.pack(1);
  pk.pack("src");
  pk.pack(99);
  pk.pack("raw");
  pk.pack_array(0);
  msgpack::sbuffer msg;
  msgpack::packer<msgpack::sbuffer> mp(msg);
  mp.pack_array(7);
  for (int v : {1, 1, 1, 1, 1, 0}) mp.pack(v);
  mp.pack_bin(static_cast<std::uint32_t>(ev.size()));
  mp.pack_bin_body(ev.data(), static_cast<std::uint32_t>(ev.size()));
  auto d = decode(std::string(msg.data(), msg.size()));
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("kind"), std::string::npos);
}

// A batch message (plain codec) carrying exactly these payload bytes.
std::string batch_with_payload(const std::string& payload) {
  msgpack::sbuffer msg;
  msgpack::packer<msgpack::sbuffer> mp(msg);
  mp.pack_array(7);
  for (int v : {1, 1, 1, 1, 1, 0}) mp.pack(v);
  mp.pack_bin(static_cast<std::uint32_t>(payload.size()));
  mp.pack_bin_body(payload.data(), static_cast<std::uint32_t>(payload.size()));
  return std::string(msg.data(), msg.size());
}

TEST(Wire, EventsDecodeFromAnyEncodingMsgpackAllows) {
  // What soc-agent never writes but another writer may: wider forms than needed.
  msgpack::sbuffer ev;
  msgpack::packer<msgpack::sbuffer> pk(ev);
  pk.pack_array(1);
  pk.pack_array(5);
  pk.pack_int64(1'700'000'000);  // time as a signed 64-bit integer
  pk.pack_str(3);                // source as str8 although fixstr would do
  pk.pack_str_body("src", 3);
  pk.pack_int8(5);  // kind (alert) as a signed integer
  pk.pack_str(3);
  pk.pack_str_body("raw", 3);
  pk.pack_array(4);
  pk.pack_array(2), pk.pack("n"), pk.pack_int16(-300);
  pk.pack_array(2), pk.pack("f"), pk.pack_float(0.5F);
  pk.pack_array(2), pk.pack("big"), pk.pack_uint64(42);
  pk.pack_array(2), pk.pack("ip"), pk.pack_ext(4, 1), pk.pack_ext_body("\x0a\x00\x00\x01", 4);
  auto d = decode(batch_with_payload(std::string(ev.data(), ev.size())));
  ASSERT_TRUE(d) << d.error().message;
  const auto& events = std::get<Batch>(*d).events;
  ASSERT_EQ(events.size(), 1U);
  Event want;
  want.time_ns = 1'700'000'000;
  want.source = "src";
  want.kind = EventKind::kAlert;
  want.raw = "raw";
  want.fields = {{"n", std::int64_t{-300}},
                 {"f", 0.5},
                 {"big", std::int64_t{42}},
                 {"ip", *IpAddress::parse("10.0.0.1")}};
  EXPECT_EQ(events[0], want);
}

TEST(Wire, CountsAreCheckedBeforeAnythingIsReservedForThem) {
  const auto refused = [](const std::string& payload) {
    auto d = decode(batch_with_payload(payload));
    EXPECT_FALSE(d);
    return d ? ErrorCode::kInternal : d.error().code;
  };
  // An events array claiming 4 billion events in 5 bytes: over max_events.
  EXPECT_EQ(refused(std::string("\xdd\xff\xff\xff\xf0", 5)), ErrorCode::kTooLarge);
  // 50,000 events (within the limit) in no bytes, or one event claiming 1,000 fields in none:
  // the bytes end first.
  EXPECT_EQ(refused(std::string("\xdd\x00\x00\xc3\x50", 5)), ErrorCode::kMalformed);
  msgpack::sbuffer ev;
  msgpack::packer<msgpack::sbuffer> pk(ev);
  pk.pack_array(1);
  pk.pack_array(5);
  pk.pack(1), pk.pack("s"), pk.pack(0), pk.pack("r");
  const std::string head(ev.data(), ev.size());
  EXPECT_EQ(refused(head + std::string("\xdc\x03\xe8", 3)), ErrorCode::kMalformed);
  EXPECT_EQ(refused(head + std::string("\xdc\x04\x01", 3)), ErrorCode::kTooLarge);  // 1025
  // A list value claiming more elements than any array may hold.
  EXPECT_EQ(refused(head + std::string("\x91\x92\xa1t\xdd\x00\x10\x00\x00", 9)),
            ErrorCode::kTooLarge);
  // Bytes after the events array.
  pk.pack_array(0);
  EXPECT_EQ(refused(std::string(ev.data(), ev.size()) + "x"), ErrorCode::kMalformed);
  EXPECT_TRUE(decode(batch_with_payload(std::string(ev.data(), ev.size()))));
}

}  // namespace
}  // namespace soc::wire
