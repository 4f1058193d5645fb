#include "common/wire.h"

#include <algorithm>
#include <cstring>
#include <exception>

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

Result<std::uint64_t> as_uint(const msgpack::object& o, const char* what) {
  if (o.type != msgpack::type::POSITIVE_INTEGER)
    return malformed(std::string(what) + " not an unsigned integer");
  return o.via.u64;
}

Result<std::string> as_string(const msgpack::object& o, const char* what) {
  if (o.type != msgpack::type::STR) return malformed(std::string(what) + " not a string");
  return std::string(o.via.str.ptr, o.via.str.size);
}

// A short string (a reason, a version): longer than limits.max_text_bytes is kTooLarge.
Result<std::string> as_text(const msgpack::object& o, const char* what, const Limits& limits) {
  if (o.type == msgpack::type::STR && o.via.str.size > limits.max_text_bytes)
    return fail(ErrorCode::kTooLarge, std::string(what) + " longer than the limit");
  return as_string(o, what);
}

Result<bool> as_bool(const msgpack::object& o, const char* what) {
  if (o.type != msgpack::type::BOOLEAN) return malformed(std::string(what) + " not a boolean");
  return o.via.boolean;
}

// ---- the events of a batch, read straight from the bytes (msgpack_reader.h) ----

// How many elements an array may claim: msgpack-c's limit for the envelope, and for the lists
// inside events.
std::size_t max_array_elements(const Limits& limits) {
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

Result<std::string> read_string(MsgpackReader& r, const char* what) {
  MsgpackValue v;
  if (!r.next(v)) return reader_failure(r);
  if (v.kind != MsgpackValue::Kind::kStr) return malformed(std::string(what) + " not a string");
  return std::string(v.bytes);
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
      auto count =
          array_count(r, v, max_array_elements(limits), "message exceeds a size limit: array");
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

msgpack::unpack_limit make_unpack_limit(const Limits& limits) {
  const auto big = static_cast<std::size_t>(limits.max_decompressed_bytes);
  return msgpack::unpack_limit(max_array_elements(limits), limits.max_counters, big, big, 32, 8);
}

// Unpacks exactly one msgpack value occupying all of bytes.
Result<msgpack::object_handle> unpack_exact(std::string_view bytes, const Limits& limits) {
  try {
    std::size_t offset = 0;
    msgpack::object_handle oh = msgpack::unpack(bytes.data(), bytes.size(), offset, nullptr,
                                                nullptr, make_unpack_limit(limits));
    if (offset != bytes.size()) return malformed("trailing bytes after the message");
    return oh;
  } catch (const msgpack::size_overflow& e) {
    return fail(ErrorCode::kTooLarge, std::string("message exceeds a size limit: ") + e.what());
  } catch (const msgpack::insufficient_bytes&) {
    return malformed("truncated");
  } catch (const std::exception& e) {
    return malformed(e.what());
  }
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

Result<Message> decode_batch(const msgpack::object* a, std::uint32_t n, const Limits& limits) {
  if (n != 7) return malformed("batch has the wrong number of fields");
  Batch b;
  auto epoch = as_uint(a[2], "epoch");
  auto seq = as_uint(a[3], "seq");
  auto base = as_uint(a[4], "base");
  auto codec = as_uint(a[5], "codec");
  if (!epoch) return tl::unexpected(epoch.error());
  if (!seq) return tl::unexpected(seq.error());
  if (!base) return tl::unexpected(base.error());
  if (!codec) return tl::unexpected(codec.error());
  if (a[6].type != msgpack::type::BIN) return malformed("batch payload is not bin");
  b.epoch = *epoch;
  b.seq = *seq;
  b.base = *base;
  std::string_view payload(a[6].via.bin.ptr, a[6].via.bin.size);
  Result<std::vector<Event>> events;
  if (*codec == kCodecPlain) {
    events = decode_events(payload, limits);
  } else if (*codec == kCodecZstd) {
    auto plain = decompress(payload, limits);
    if (!plain) return tl::unexpected(plain.error());
    events = decode_events(*plain, limits);
  } else {
    return fail(ErrorCode::kUnsupported, "unknown batch codec " + std::to_string(*codec));
  }
  if (!events) return tl::unexpected(events.error());
  b.events = std::move(*events);
  return Message(std::move(b));
}

Result<Message> decode_heartbeat(const msgpack::object* a, std::uint32_t n, const Limits& limits) {
  if (n != 4 && n != 5) return malformed("heartbeat has the wrong number of fields");
  auto epoch = as_uint(a[2], "epoch");
  if (!epoch) return tl::unexpected(epoch.error());
  if (a[3].type != msgpack::type::MAP) return malformed("heartbeat counters not a map");
  if (a[3].via.map.size > limits.max_counters)
    return fail(ErrorCode::kTooLarge, "too many counters");
  Heartbeat h;
  h.epoch = *epoch;
  for (std::uint32_t i = 0; i < a[3].via.map.size; ++i) {
    const msgpack::object_kv& kv = a[3].via.map.ptr[i];
    auto key = as_string(kv.key, "counter name");
    auto value = as_uint(kv.val, "counter value");
    if (!key) return tl::unexpected(key.error());
    if (!value) return tl::unexpected(value.error());
    h.counters[*key] = *value;
  }
  if (n == 5) {
    auto version = as_text(a[4], "pack version", limits);
    if (!version) return tl::unexpected(version.error());
    h.pack_version = std::move(*version);
  }
  return Message(std::move(h));
}

Result<Message> decode_pack_push(const msgpack::object* a, std::uint32_t n) {
  if (n != 5) return malformed("pack push has the wrong number of fields");
  auto publication = as_uint(a[2], "publication");
  auto rollback = as_bool(a[3], "rollback");
  if (!publication) return tl::unexpected(publication.error());
  if (!rollback) return tl::unexpected(rollback.error());
  if (a[4].type != msgpack::type::BIN) return malformed("pack is not bin");
  return Message(
      PackPush{*publication, *rollback, std::string(a[4].via.bin.ptr, a[4].via.bin.size)});
}

Result<Message> decode_pack_report(const msgpack::object* a, std::uint32_t n,
                                   const Limits& limits) {
  if (n != 6) return malformed("pack report has the wrong number of fields");
  auto publication = as_uint(a[2], "publication");
  auto version = as_text(a[3], "pack version", limits);
  auto accepted = as_bool(a[4], "accepted");
  auto reason = as_text(a[5], "reason", limits);
  if (!publication) return tl::unexpected(publication.error());
  if (!version) return tl::unexpected(version.error());
  if (!accepted) return tl::unexpected(accepted.error());
  if (!reason) return tl::unexpected(reason.error());
  return Message(PackReport{*publication, std::move(*version), *accepted, std::move(*reason)});
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
  auto oh = unpack_exact(bytes, limits);
  if (!oh) return tl::unexpected(oh.error());
  const msgpack::object& o = oh->get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size < 2)
    return malformed("not an envelope array");
  const msgpack::object* a = o.via.array.ptr;
  const std::uint32_t n = o.via.array.size;
  auto version = as_uint(a[0], "protocol version");
  if (!version) return tl::unexpected(version.error());
  if (*version != kProtocolVersion)
    return fail(ErrorCode::kUnsupported, "unknown protocol version " + std::to_string(*version));
  auto type = as_uint(a[1], "message type");
  if (!type) return tl::unexpected(type.error());
  if (*type < static_cast<std::uint64_t>(MessageType::kBatch) ||
      *type > static_cast<std::uint64_t>(MessageType::kPackReport)) {
    return fail(ErrorCode::kUnsupported, "unknown message type " + std::to_string(*type));
  }
  switch (static_cast<MessageType>(*type)) {
    case MessageType::kBatch:
      return decode_batch(a, n, limits);
    case MessageType::kAck: {
      if (n != 4) return malformed("ack has the wrong number of fields");
      auto epoch = as_uint(a[2], "epoch");
      auto seq = as_uint(a[3], "seq");
      if (!epoch) return tl::unexpected(epoch.error());
      if (!seq) return tl::unexpected(seq.error());
      return Message(Ack{*epoch, *seq});
    }
    case MessageType::kNack: {
      if (n != 5) return malformed("nack has the wrong number of fields");
      auto epoch = as_uint(a[2], "epoch");
      auto seq = as_uint(a[3], "expected seq");
      auto reason = as_text(a[4], "reason", limits);
      if (!epoch) return tl::unexpected(epoch.error());
      if (!seq) return tl::unexpected(seq.error());
      if (!reason) return tl::unexpected(reason.error());
      return Message(Nack{*epoch, *seq, std::move(*reason)});
    }
    case MessageType::kHeartbeat:
      return decode_heartbeat(a, n, limits);
    case MessageType::kPackPush:
      return decode_pack_push(a, n);
    case MessageType::kPackReport:
      return decode_pack_report(a, n, limits);
  }
  return fail(ErrorCode::kUnsupported, "unknown message type " + std::to_string(*type));
}

}  // namespace soc::wire
