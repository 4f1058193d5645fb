// Wire messages between agent and collector (DESIGN.md "Wire").
//
// Every message is one msgpack array: [protocol_version, type, ...fields]. A batch carries its
// events as a msgpack array inside a bin payload, zstd-compressed when that is smaller.
//
//   Batch     [1, 1, epoch, seq, base, codec, payload]   codec 0 = plain, 1 = zstd
//   Ack       [1, 2, epoch, seq]                          seq is durably stored (or was before)
//   Nack      [1, 3, epoch, expected_seq, reason]         resend from expected_seq
//   Heartbeat [1, 4, epoch, {counter: value ...}, pack_version]   pack_version: "" for none
//                                                    (the 4-field form of older agents reads as "")
//   PackPush  [1, 5, publication, rollback, pack]      collector -> agent: the current pack file
//   PackReport [1, 6, publication, version, accepted, reason]   agent -> collector: its verdict
//
// An event is [time_ns, source, kind, raw, [[name, value] ...]]; a value is a msgpack string,
// integer, float, bool, array of strings, or ext type 1 holding a 4- or 16-byte IP address.
//
// decode() is a parser of untrusted bytes: anything malformed, truncated, oversized or of an
// unknown version returns an Error (kMalformed, kTooLarge, kUnsupported) and never throws.
// Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/event.h"
#include "common/result.h"

namespace soc::wire {

inline constexpr std::uint64_t kProtocolVersion = 1;

enum class MessageType : std::uint8_t {
  kBatch = 1,
  kAck = 2,
  kNack = 3,
  kHeartbeat = 4,
  kPackPush = 5,
  kPackReport = 6,
};

struct Batch {
  std::uint64_t epoch = 0;  // identifies the agent installation's stream
  std::uint64_t seq = 0;    // 1, 2, 3 ... per epoch
  std::uint64_t base = 0;   // oldest seq the agent still holds
  std::vector<Event> events;
  bool operator==(const Batch&) const = default;
};

struct Ack {
  std::uint64_t epoch = 0;
  std::uint64_t seq = 0;
  bool operator==(const Ack&) const = default;
};

struct Nack {
  std::uint64_t epoch = 0;
  std::uint64_t expected_seq = 0;
  std::string reason;
  bool operator==(const Nack&) const = default;
};

struct Heartbeat {
  std::uint64_t epoch = 0;
  std::map<std::string, std::uint64_t> counters;
  std::string pack_version;  // the active pack's version, "" when the agent runs none
  bool operator==(const Heartbeat&) const = default;
};

// The collector's current pack, sent to an agent. `publication` numbers the publications (a
// republished or rolled-back pack gets a new one); `rollback` is set when an admin asked for an
// older pack on purpose, the only case in which an agent accepts a lower version.
struct PackPush {
  std::uint64_t publication = 0;
  bool rollback = false;
  std::string pack;  // the signed pack file (signatures/pack/pack_file.h)
  bool operator==(const PackPush&) const = default;
};

// What the agent did with a pushed pack: accepted (now active) or refused, and why.
struct PackReport {
  std::uint64_t publication = 0;
  std::string version;  // the pushed pack's version, "" when it could not be read
  bool accepted = false;
  std::string reason;  // "" when accepted
  bool operator==(const PackReport&) const = default;
};

using Message = std::variant<Batch, Ack, Nack, Heartbeat, PackPush, PackReport>;

struct Limits {
  std::size_t max_message_bytes = 16u << 20;       // encoded size
  std::size_t max_decompressed_bytes = 64u << 20;  // batch payload after zstd
  std::size_t max_events = 100'000;                // per batch
  std::size_t max_fields = 1'024;                  // per event
  std::size_t max_counters = 256;                  // per heartbeat
  std::size_t max_text_bytes = 4096;               // a reason or version string
};

enum class Compression { kAuto, kNone };  // kAuto: zstd when it makes the payload smaller

std::string encode(const Message& message, Compression compression = Compression::kAuto);
Result<Message> decode(std::string_view bytes, const Limits& limits = Limits{});

// The events of a batch as a plain msgpack array (no envelope, no compression), for
// measurements and tests.
std::string encode_events(const std::vector<Event>& events);

}  // namespace soc::wire
