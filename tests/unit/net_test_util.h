// Helpers for the agent/net tests: reading capture files in place (SOC_SHARED_DATA) and
// running them through a PacketProcessor; compressing bodies.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/net/packet_processor.h"
#include "agent/net/pcap_capture.h"
#include "common/event.h"

namespace soc::agent::net::testing {

inline std::uint32_t u32(std::size_t n) { return static_cast<std::uint32_t>(n); }

inline std::string shared(const std::string& rel) {
  return std::string(SOC_SHARED_DATA) + "/" + rel;
}

struct Frame {
  TimeNs ts = 0;
  std::uint32_t wirelen = 0;
  std::vector<std::uint8_t> bytes;
};

struct Capture {
  LinkType link = LinkType::kEthernet;
  std::vector<Frame> frames;
};

// All frames of a pcap/pcapng file; nullopt (with a test failure) when it cannot be read.
inline std::optional<Capture> read_capture(const std::string& path) {
  CaptureOptions o;
  o.file = path;
  auto cap = PcapCapture::open(o);
  if (!cap) return std::nullopt;
  auto link = link_type_from_dlt((*cap)->datalink());
  if (!link) return std::nullopt;
  Capture c;
  c.link = *link;
  while (!(*cap)->at_end()) {
    auto n = (*cap)->dispatch(
        1000, [&](TimeNs ts, const std::uint8_t* d, std::uint32_t caplen, std::uint32_t len) {
          c.frames.push_back(Frame{ts, len, std::vector<std::uint8_t>(d, d + caplen)});
        });
    if (!n) return std::nullopt;
  }
  return c;
}

// Runs frames through a processor (default config unless given) and flushes it.
inline std::vector<Event> run_frames(PacketProcessor& p, const Capture& c) {
  std::vector<Event> out;
  for (const Frame& f : c.frames) {
    p.process(f.bytes.data(), static_cast<std::uint32_t>(f.bytes.size()), f.wirelen, f.ts, out);
  }
  p.flush(out);
  return out;
}

inline const std::string* str_field(const Event& e, std::string_view name) {
  const FieldValue* v = e.find(name);
  return v != nullptr ? std::get_if<std::string>(v) : nullptr;
}
inline std::optional<std::int64_t> int_field(const Event& e, std::string_view name) {
  const FieldValue* v = e.find(name);
  if (v == nullptr) return std::nullopt;
  if (const auto* i = std::get_if<std::int64_t>(v)) return *i;
  return std::nullopt;
}
inline std::string ip_field(const Event& e, std::string_view name) {
  const FieldValue* v = e.find(name);
  if (v == nullptr) return "";
  if (const auto* ip = std::get_if<IpAddress>(v)) return ip->to_string();
  return "";
}

// `text` compressed with zlib's deflate: window_bits 31 gzip, 15 zlib, -15 raw.
inline std::string compressed(const std::string& text, int window_bits) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&z, static_cast<uLong>(text.size())) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace soc::agent::net::testing
