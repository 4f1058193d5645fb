#include "agent/net/tcp_stream.h"

namespace soc::agent::net {

void TcpStream::deliver(std::span<const std::uint8_t> bytes, StreamSink& sink) {
  if (bytes.empty()) return;
  delivered_ += bytes.size();
  next_seq_ += static_cast<std::uint32_t>(bytes.size());
  sink.on_data(bytes);
}

void TcpStream::gap(std::uint64_t bytes, StreamSink& sink) {
  if (bytes == 0) return;
  ++gaps_;
  gap_bytes_ += bytes;
  delivered_ += bytes;
  next_seq_ += static_cast<std::uint32_t>(bytes);
  sink.on_gap(bytes);
}

void TcpStream::drain(StreamSink& sink) {
  while (!held_.empty() && held_.begin()->first <= delivered_) {
    auto node = held_.extract(held_.begin());
    held_bytes_ -= node.mapped().size();
    const std::uint64_t end = node.key() + node.mapped().size();
    if (end > delivered_) {
      const std::size_t skip = static_cast<std::size_t>(delivered_ - node.key());
      deliver(std::span<const std::uint8_t>(node.mapped()).subspan(skip), sink);
    }
  }
}

void TcpStream::skip_to_held(StreamSink& sink) {
  if (held_.empty()) return;
  const std::uint64_t first = held_.begin()->first;
  if (first > delivered_) gap(first - delivered_, sink);
  drain(sink);
}

void TcpStream::add(std::uint32_t seq, bool syn, std::span<const std::uint8_t> data,
                    std::uint32_t wire_len, StreamSink& sink) {
  if (syn) {
    seq += 1;
    if (!started_) {
      started_ = true;
      next_seq_ = seq;
    }
  }
  if (wire_len == 0) return;
  if (!started_) {
    started_ = true;
    next_seq_ = seq;
  }
  if (data.size() > wire_len) data = data.first(wire_len);
  const std::int64_t rel = static_cast<std::int32_t>(seq - next_seq_);
  const std::int64_t end = rel + wire_len;
  if (end <= 0) return;  // all of it delivered already
  if (rel <= 0) {
    const std::size_t skip = static_cast<std::size_t>(-rel);
    if (skip < data.size()) deliver(data.subspan(skip), sink);
    // Bytes beyond the captured part (cut by the snap length) are missing.
    const std::uint64_t have = skip < data.size() ? data.size() - skip : 0;
    if (static_cast<std::uint64_t>(end) > have) gap(static_cast<std::uint64_t>(end) - have, sink);
    drain(sink);
    return;
  }
  // Ahead of the stream: hold it, within bounds.
  if (data.size() < wire_len) data = {};  // a cut segment ahead is useless: let it be a gap
  while (!held_.empty() && (held_bytes_ + data.size() > limits_.max_held_bytes ||
                            held_.size() >= limits_.max_held_segments)) {
    skip_to_held(sink);
  }
  const std::int64_t rel_now = static_cast<std::int32_t>(seq - next_seq_);
  if (rel_now + static_cast<std::int64_t>(wire_len) <= 0) return;
  if (rel_now <= 0) {  // the skip reached it
    add(seq, false, data, wire_len, sink);
    return;
  }
  if (data.empty() || data.size() > limits_.max_held_bytes) {
    gap(static_cast<std::uint64_t>(rel_now), sink);
    add(seq, false, data, wire_len, sink);
    return;
  }
  const std::uint64_t offset = delivered_ + static_cast<std::uint64_t>(rel_now);
  auto [it, inserted] = held_.try_emplace(offset, data.begin(), data.end());
  if (inserted) {
    held_bytes_ += data.size();
  } else if (it->second.size() < data.size()) {
    held_bytes_ += data.size() - it->second.size();
    it->second.assign(data.begin(), data.end());
  }
}

void TcpStream::finish(StreamSink& sink) {
  while (!held_.empty()) skip_to_held(sink);
}

}  // namespace soc::agent::net
