// TcpStream: bounded in-order reassembly of one direction of a TCP connection, for protocol
// analyzers. Segments ahead of the next expected byte are held (up to max_held_bytes and
// max_held_segments); when a bound is reached, or at the end of the flow, the stream gives up
// on the missing bytes: it reports a gap of their length and goes on with the held data.
// Retransmitted bytes are delivered once (the first copy wins). Bytes cut off by the snap
// length are reported as a gap.
//
// Not thread-safe; owned by one flow. The sink is called synchronously from add()/finish().
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <vector>

namespace soc::agent::net {

struct StreamLimits {
  std::size_t max_held_bytes = 64 * 1024;  // out-of-order bytes held per direction
  std::size_t max_held_segments = 64;
};

class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual void on_data(std::span<const std::uint8_t> bytes) = 0;
  virtual void on_gap(std::uint64_t bytes) = 0;
};

class TcpStream {
 public:
  explicit TcpStream(StreamLimits limits = {}) : limits_(limits) {}

  // One segment: its sequence number, whether it carries SYN (its data then starts at seq+1),
  // the captured payload and the payload length on the wire (>= data.size()).
  void add(std::uint32_t seq, bool syn, std::span<const std::uint8_t> data, std::uint32_t wire_len,
           StreamSink& sink);

  // Delivers whatever is held, with gaps for the holes (the flow ends).
  void finish(StreamSink& sink);

  std::uint64_t delivered() const { return delivered_; }
  std::uint64_t gaps() const { return gaps_; }
  std::uint64_t gap_bytes() const { return gap_bytes_; }
  std::size_t held_bytes() const { return held_bytes_; }

 private:
  void deliver(std::span<const std::uint8_t> bytes, StreamSink& sink);
  void gap(std::uint64_t bytes, StreamSink& sink);
  void drain(StreamSink& sink);
  // Skips to the first held segment (a gap), then delivers what is contiguous.
  void skip_to_held(StreamSink& sink);

  StreamLimits limits_;
  bool started_ = false;
  std::uint32_t next_seq_ = 0;   // sequence number of stream offset delivered_
  std::uint64_t delivered_ = 0;  // stream offset of the next byte to deliver
  std::map<std::uint64_t, std::vector<std::uint8_t>> held_;  // by stream offset
  std::size_t held_bytes_ = 0;
  std::uint64_t gaps_ = 0;
  std::uint64_t gap_bytes_ = 0;
};

}  // namespace soc::agent::net
