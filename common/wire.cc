#include "common/wire.h"

#include <algorithm>
#include <cstring>

#include <msgpack.hpp>

#include "common/msgpack_reader.h"
#include "common/zstd_codec.h"

namespace soc::wire {
namespace {

constexpr std::uint64_t kCodecPlain = 0;
constexpr std::uint64_t kCodecZstd = 1;
constexpr std::int8_t kExtIpAddress = 1;
constexpr int kZstdLevel = 1;  // fast; logs compress well even at level 1
constexpr std::size_t kEventArity = 5;

using Packer = msgpack::packer<msgpack::sbuffer>;

// ---- encoding ----

struct ValuePacker {
  Packer& pk;
  void operator()(const std::string& s) const { pk.pack(s); }
  void operator()(std::int64_t v) const { pk.pack(v); }
  void operator()(double v) const { pk.pack(v); }
  void operator()(bool v) const { pk.pack(v); }
  void operator()(const IpAddress& ip) const {
    const std::uint32_t len = ip.is_v4 ? 4 : 16;
    pk.pack_ext(len, kExtIpAddress);
    pk.pack_ext_body(reinterpret_cast<const char*>(ip.bytes.data()), len);
  }
  void operator()(const StringList& list) const {
    pk.pack_array(static_cast<std::uint32_t>(list.size()));
    for (const std::string& s : list) pk.pack(s);
  }
};

void pack_event(Packer& pk, const Event& e) {
  pk.pack_array(kEventArity);
  pk.pack(static_cast<std::int64_t>(e.time_ns));
  pk.pack(e.source);
  pk.pack(static_cast<std::uint64_t>(e.kind));
  pk.pack(e.raw);
  pk.pack_array(static_cast<std::uint32_t>(e.fields.size()));
  for (const Field& f : e.fields) {
    pk.pack_array(2);
    pk.pack(f.name);
    std::visit(ValuePacker{pk}, f.value);
  }
}

void pack_bin(Packer& pk, const std::string& bytes) {
  pk.pack_bin(static_cast<std::uint32_t>(bytes.size()));
  pk.pack_bin_body(bytes.data(), static_cast<std::uint32_t>(bytes.size()));
}

struct MessagePacker {
  Packer& pk;
  Compression compression;

  void header(std::size_t arity, MessageType type) const {
    pk.pack_array(static_cast<std::uint32_t>(arity));
    pk.pack(kProtocolVersion);
    pk.pack(static_cast<std::uint64_t>(type));
  }
  void operator()(const Batch& b) const {
    header(7, MessageType::kBatch);
    pk.pack(b.epoch);
    pk.pack(b.seq);
    pk.pack(b.base);
    const std::string plain = encode_events(b.events);
    std::string packed;
    if (compression == Compression::kAuto) packed = zstd_compress(plain, kZstdLevel);
    if (!packed.empty() && packed.size() < plain.size()) {
      pk.pack(kCodecZstd);
      pack_bin(pk, packed);
    } else {
      pk.pack(kCodecPlain);
      pack_bin(pk, plain);
    }
  }
  void operator()(const Ack& a) const {
    header(4, MessageType::kAck);
    pk.pack(a.epoch);
    pk.pack(a.seq);
  }
  void operator()(const Nack& n) const {
    header(5, MessageType::kNack);
    pk.pack(n.epoch);
    pk.pack(n.expected_seq);
    pk.pack(n.reason);
  }
  void operator()(const Heartbeat& h) const {
    header(5, MessageType::kHeartbeat);
    pk.pack(h.epoch);
    pk.pack(h.counters);
    pk.pack(h.pack_version);
  }
  void operator()(const PackPush& p) const {
    header(5, MessageType::kPackPush);
    pk.pack(p.publication);
    pk.pack(p.rollback);
    pack_bin(pk, p.pack);
  }
  void operator()(const PackReport& r) const {
    header(6, MessageType::kPackReport);
    pk.pack(r.publication);
    pk.pack(r.version);
    pk.pack(r.accepted);
    pk.pack(r.reason);
  }
};

// ---- decoding ----

tl::unexpected<Error> malformed(const std::string& what) {
  return fail(ErrorCode::kMalformed, "malformed message: " + what);
}

// Messages are read straight from the bytes (msgpack_reader.h), each value checked as it comes.

// How many strings a list value may claim.
std::size_t max_list_elements(const Limits& limits) {
  return std::max(limits.max_events, limits.max_fields) + 8;
}

tl::unexpected<Error> reader_failure(const MsgpackReader& r) {
  return malformed(r.failure() == MsgpackReader::Failure::kInvalidByte ? "invalid byte 0xc1"
                                                                       : "truncated");
}

// An array header whose count fits the limit and what is left (each element takes a byte at
// least), so that reserving its count is safe.
Result<std::size_t> array_count(MsgpackReader& r, const MsgpackValue& v, std::size_t limit,
                                const char* too_many) {
  if (v.uint > limit) return fail(ErrorCode::kTooLarge, too_many);
  if (v.uint > r.remaining()) return malformed("truncated");
  return static_cast<std::size_t>(v.uint);
}

// The next value, which must be of that kind.
Result<MsgpackValue> read_kind(MsgpackReader& r, MsgpackValue::Kind kind, const char* what,
                               const char* kind_name) {
  MsgpackValue v;
  if (!r.next(v)) return reader_failure(r);
  if (v.kind != kind) return malformed(std::string(what) + " not " + kind_name);
  return v;
}

Result<std::string> read_string(MsgpackReader& r, const char* what) {
  auto v = read_kind(r, MsgpackValue::Kind::kStr, what, "a string");
  if (!v) return tl::unexpected(v.error());
  return std::string(v->bytes);
}

// A short string (a reason, a version): longer than limits.max_text_bytes is kTooLarge.
Result<std::string> read_text(MsgpackReader& r, const char* what, const Limits& limits) {
  auto v = read_kind(r, MsgpackValue::Kind::kStr, what, "a string");
  if (!v) return tl::unexpected(v.error());
  if (v->bytes.size() > limits.max_text_bytes) {
    return fail(ErrorCode::kTooLarge, std::string(what) + " longer than the limit");
  }
  return std::string(v->bytes);
}

Result<std::uint64_t> read_uint(MsgpackReader& r, const char* what) {
  auto v = read_kind(r, MsgpackValue::Kind::kUint, what, "an unsigned integer");
  if (!v) return tl::unexpected(v.error());
  return v->uint;
}

Result<bool> read_bool(MsgpackReader& r, const char* what) {
  auto v = read_kind(r, MsgpackValue::Kind::kBool, what, "a boolean");
  if (!v) return tl::unexpected(v.error());
  return v->boolean;
}

Result<std::string> read_bin(MsgpackReader& r, const char* what) {
  auto v = read_kind(r, MsgpackValue::Kind::kBin, what, "bin");
  if (!v) return tl::unexpected(v.error());
  return std::string(v->bytes);
}

Result<FieldValue> read_value(MsgpackReader& r, const Limits& limits) {
  using Kind = MsgpackValue::Kind;
  MsgpackValue v;
  if (!r.next(v)) return reader_failure(r);
  switch (v.kind) {
    case Kind::kStr:
      return FieldValue(std::string(v.bytes));
    case Kind::kUint:
      if (v.uint > static_cast<std::uint64_t>(INT64_MAX)) {
        return malformed("integer field out of range");
      }
      return FieldValue(static_cast<std::int64_t>(v.uint));
    case Kind::kInt:
      return FieldValue(v.integer);
    case Kind::kFloat:
      return FieldValue(v.real);
    case Kind::kBool:
      return FieldValue(v.boolean);
    case Kind::kExt: {
      const std::size_t len = v.bytes.size();
      if (v.ext_type != kExtIpAddress || (len != 4 && len != 16)) {
        return malformed("unknown ext field value");
      }
      IpAddress ip;
      ip.is_v4 = (len == 4);
      std::memcpy(ip.bytes.data(), v.bytes.data(), len);
      return FieldValue(ip);
    }
    case Kind::kArray: {
      auto count = array_count(r, v, max_list_elements(limits), "list value has too many elements");
      if (!count) return tl::unexpected(count.error());
      StringList list;
      list.reserve(*count);
      for (std::size_t i = 0; i < *count; ++i) {
        auto s = read_string(r, "list element");
        if (!s) return tl::unexpected(s.error());
        list.push_back(std::move(*s));
      }
      return FieldValue(std::move(list));
    }
    default:
      return malformed("unsupported field value type");
  }
}

Result<Event> read_event(MsgpackReader& r, const Limits& limits) {
  using Kind = MsgpackValue::Kind;
  MsgpackValue v;
  if (!r.next(v)) return reader_failure(r);
  if (v.kind != Kind::kArray || v.uint != kEventArity) {
    return malformed("event is not a 5-element array");
  }
  Event e;
  if (!r.next(v)) return reader_failure(r);
  if (v.kind == Kind::kUint) {
    if (v.uint > static_cast<std::uint64_t>(INT64_MAX)) return malformed("event time out of range");
    e.time_ns = static_cast<TimeNs>(v.uint);
  } else if (v.kind == Kind::kInt) {
    e.time_ns = v.integer;
  } else {
    return malformed("event time not an integer");
  }
  auto source = read_string(r, "event source");
  if (!source) return tl::unexpected(source.error());
  e.source = std::move(*source);
  if (!r.next(v)) return reader_failure(r);
  if (v.kind != Kind::kUint) return malformed("event kind not an unsigned integer");
  if (v.uint > static_cast<std::uint64_t>(EventKind::kAgent))
    return malformed("unknown event kind");
  e.kind = static_cast<EventKind>(v.uint);
  auto raw = read_string(r, "event raw");
  if (!raw) return tl::unexpected(raw.error());
  e.raw = std::move(*raw);
  if (!r.next(v)) return reader_failure(r);
  if (v.kind != Kind::kArray) return malformed("event fields not an array");
  auto count = array_count(r, v, limits.max_fields, "event has too many fields");
  if (!count) return tl::unexpected(count.error());
  e.fields.reserve(*count);
  for (std::size_t i = 0; i < *count; ++i) {
    if (!r.next(v)) return reader_failure(r);
    if (v.kind != Kind::kArray || v.uint != 2) {
      return malformed("field is not a [name, value] pair");
    }
    auto name = read_string(r, "field name");
    if (!name) return tl::unexpected(name.error());
    auto value = read_value(r, limits);
    if (!value) return tl::unexpected(value.error());
    e.fields.push_back(Field{std::move(*name), std::move(*value)});
  }
  return e;
}

Result<std::vector<Event>> decode_events(std::string_view payload, const Limits& limits) {
  MsgpackReader r(payload);
  MsgpackValue top;
  if (!r.next(top)) return reader_failure(r);
  if (top.kind != MsgpackValue::Kind::kArray) return malformed("batch payload is not an array");
  auto count = array_count(r, top, limits.max_events, "batch has too many events");
  if (!count) return tl::unexpected(count.error());
  std::vector<Event> events;
  events.reserve(*count);
  for (std::size_t i = 0; i < *count; ++i) {
    auto e = read_event(r, limits);
    if (!e) return tl::unexpected(e.error());
    events.push_back(std::move(*e));
  }
  if (!r.at_end()) return malformed("trailing bytes after the message");
  return events;
}

Result<std::string> decompress(std::string_view packed, const Limits& limits) {
  std::string out;
  switch (zstd_decompress(packed, limits.max_decompressed_bytes, out)) {
    case ZstdStatus::kOk:
      return out;
    case ZstdStatus::kBadFrame:
      return malformed("bad zstd frame");
    case ZstdStatus::kTooLarge:
      return fail(ErrorCode::kTooLarge, "batch payload decompresses beyond the limit");
    case ZstdStatus::kCorrupt:
      break;
  }
  return malformed("zstd payload does not decompress");
}

// Each message after its envelope's version and type: n is the envelope's element count.
Result<Message> decode_batch(MsgpackReader& r, std::uint64_t n, const Limits& limits) {
  if (n != 7) return malformed("batch has the wrong number of fields");
  Batch b;
  auto epoch = read_uint(r, "epoch");
  if (!epoch) return tl::unexpected(epoch.error());
  auto seq = read_uint(r, "seq");
  if (!seq) return tl::unexpected(seq.error());
  auto base = read_uint(r, "base");
  if (!base) return tl::unexpected(base.error());
  auto codec = read_uint(r, "codec");
  if (!codec) return tl::unexpected(codec.error());
  auto payload = read_kind(r, MsgpackValue::Kind::kBin, "batch payload", "bin");
  if (!payload) return tl::unexpected(payload.error());
  b.epoch = *epoch;
  b.seq = *seq;
  b.base = *base;
  Result<std::vector<Event>> events;
  if (*codec == kCodecPlain) {
    events = decode_events(payload->bytes, limits);
  } else if (*codec == kCodecZstd) {
    auto plain = decompress(payload->bytes, limits);
    if (!plain) return tl::unexpected(plain.error());
    events = decode_events(*plain, limits);
  } else {
    return fail(ErrorCode::kUnsupported, "unknown batch codec " + std::to_string(*codec));
  }
  if (!events) return tl::unexpected(events.error());
  b.events = std::move(*events);
  return Message(std::move(b));
}

Result<Message> decode_heartbeat(MsgpackReader& r, std::uint64_t n, const Limits& limits) {
  if (n != 4 && n != 5) return malformed("heartbeat has the wrong number of fields");
  auto epoch = read_uint(r, "epoch");
  if (!epoch) return tl::unexpected(epoch.error());
  auto counters = read_kind(r, MsgpackValue::Kind::kMap, "heartbeat counters", "a map");
  if (!counters) return tl::unexpected(counters.error());
  if (counters->uint > limits.max_counters) {
    return fail(ErrorCode::kTooLarge, "too many counters");
  }
  Heartbeat h;
  h.epoch = *epoch;
  for (std::uint64_t i = 0; i < counters->uint; ++i) {
    auto key = read_string(r, "counter name");
    if (!key) return tl::unexpected(key.error());
    auto value = read_uint(r, "counter value");
    if (!value) return tl::unexpected(value.error());
    h.counters[*key] = *value;
  }
  if (n == 5) {
    auto version = read_text(r, "pack version", limits);
    if (!version) return tl::unexpected(version.error());
    h.pack_version = std::move(*version);
  }
  return Message(std::move(h));
}

Result<Message> decode_pack_push(MsgpackReader& r, std::uint64_t n) {
  if (n != 5) return malformed("pack push has the wrong number of fields");
  auto publication = read_uint(r, "publication");
  if (!publication) return tl::unexpected(publication.error());
  auto rollback = read_bool(r, "rollback");
  if (!rollback) return tl::unexpected(rollback.error());
  auto pack = read_bin(r, "pack");
  if (!pack) return tl::unexpected(pack.error());
  return Message(PackPush{*publication, *rollback, std::move(*pack)});
}

Result<Message> decode_pack_report(MsgpackReader& r, std::uint64_t n, const Limits& limits) {
  if (n != 6) return malformed("pack report has the wrong number of fields");
  auto publication = read_uint(r, "publication");
  if (!publication) return tl::unexpected(publication.error());
  auto version = read_text(r, "pack version", limits);
  if (!version) return tl::unexpected(version.error());
  auto accepted = read_bool(r, "accepted");
  if (!accepted) return tl::unexpected(accepted.error());
  auto reason = read_text(r, "reason", limits);
  if (!reason) return tl::unexpected(reason.error());
  return Message(PackReport{*publication, std::move(*version), *accepted, std::move(*reason)});
}

Result<Message> decode_ack(MsgpackReader& r, std::uint64_t n) {
  if (n != 4) return malformed("ack has the wrong number of fields");
  auto epoch = read_uint(r, "epoch");
  if (!epoch) return tl::unexpected(epoch.error());
  auto seq = read_uint(r, "seq");
  if (!seq) return tl::unexpected(seq.error());
  return Message(Ack{*epoch, *seq});
}

Result<Message> decode_nack(MsgpackReader& r, std::uint64_t n, const Limits& limits) {
  if (n != 5) return malformed("nack has the wrong number of fields");
  auto epoch = read_uint(r, "epoch");
  if (!epoch) return tl::unexpected(epoch.error());
  auto seq = read_uint(r, "expected seq");
  if (!seq) return tl::unexpected(seq.error());
  auto reason = read_text(r, "reason", limits);
  if (!reason) return tl::unexpected(reason.error());
  return Message(Nack{*epoch, *seq, std::move(*reason)});
}

Result<Message> decode_body(MsgpackReader& r, MessageType type, std::uint64_t n,
                            const Limits& limits) {
  switch (type) {
    case MessageType::kBatch:
      return decode_batch(r, n, limits);
    case MessageType::kAck:
      return decode_ack(r, n);
    case MessageType::kNack:
      return decode_nack(r, n, limits);
    case MessageType::kHeartbeat:
      return decode_heartbeat(r, n, limits);
    case MessageType::kPackPush:
      return decode_pack_push(r, n);
    case MessageType::kPackReport:
      return decode_pack_report(r, n, limits);
  }
  return fail(ErrorCode::kUnsupported, "unknown message type");
}

}  // namespace

std::string encode_events(const std::vector<Event>& events) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_array(static_cast<std::uint32_t>(events.size()));
  for (const Event& e : events) pack_event(pk, e);
  return std::string(buf.data(), buf.size());
}

std::string encode(const Message& message, Compression compression) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  std::visit(MessagePacker{pk, compression}, message);
  return std::string(buf.data(), buf.size());
}

Result<Message> decode(std::string_view bytes, const Limits& limits) {
  if (bytes.size() > limits.max_message_bytes)
    return fail(ErrorCode::kTooLarge, "message larger than the limit");
  MsgpackReader r(bytes);
  MsgpackValue envelope;
  if (!r.next(envelope)) return reader_failure(r);
  if (envelope.kind != MsgpackValue::Kind::kArray || envelope.uint < 2)
    return malformed("not an envelope array");
  auto version = read_uint(r, "protocol version");
  if (!version) return tl::unexpected(version.error());
  if (*version != kProtocolVersion)
    return fail(ErrorCode::kUnsupported, "unknown protocol version " + std::to_string(*version));
  auto type = read_uint(r, "message type");
  if (!type) return tl::unexpected(type.error());
  if (*type < static_cast<std::uint64_t>(MessageType::kBatch) ||
      *type > static_cast<std::uint64_t>(MessageType::kPackReport)) {
    return fail(ErrorCode::kUnsupported, "unknown message type " + std::to_string(*type));
  }
  auto message = decode_body(r, static_cast<MessageType>(*type), envelope.uint, limits);
  if (!message) return message;
  if (!r.at_end()) return malformed("trailing bytes after the message");
  return message;
}

}  // namespace soc::wire
