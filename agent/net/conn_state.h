// TCP connection tracking with Zeek's semantics, so our flows read like Zeek's conn.log:
// - per-endpoint states (INACTIVE, SYN_SENT, SYN_ACK_SENT, PARTIAL, ESTABLISHED, CLOSED, RESET)
//   driven by the flags each side sends, as Zeek's TCP analyzer does;
// - payload size in sequence space (orig_bytes/resp_bytes): the highest sequence number seen
//   or acknowledged minus the initial one, not counting SYN and FIN, so bytes that were acked
//   but never captured still count (Zeek's missed_bytes are inside them);
// - the `history` letters: S h A D F R (uppercase = originator, lowercase = responder) for
//   SYN, SYN-ACK, pure ACK, data, FIN, RST, each once per direction (a SYN/FIN/RST again when
//   its sequence number differs), T for retransmitted data (at 1, 10, 100 ... occurrences),
//   Q for a multi-flag packet (SYN with FIN or RST), I for FIN+RST, ^ when roles were flipped;
// - conn_state: S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH.
// Not thread-safe; owned by one Flow.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/net/packet.h"

namespace soc::agent::net {

enum class TcpState : std::uint8_t {
  kInactive,
  kSynSent,
  kSynAckSent,
  kPartial,
  kEstablished,
  kClosed,
  kReset,
};

// The flow's history letters and which of them were already recorded.
struct FlowHistory {
  std::string letters;
  std::uint32_t seen = 0;  // bit per letter kind; responder's kinds shifted by 16

  // Records `code` (uppercase form) for the originator, lowercase for the responder, unless
  // that kind was recorded already. Returns true when it was recorded before.
  bool check(bool is_orig, std::uint32_t kind_bit, char code);
  void add(bool is_orig, char code);
};

struct TcpEndpoint {
  TcpState state = TcpState::kInactive;
  TcpState prev_state = TcpState::kInactive;
  bool seq_init = false;
  std::uint32_t start_seq = 0;  // initial sequence number (first seq - 1 when no SYN seen)
  bool syn_seen = false;
  std::uint32_t first_syn_seq = 0;  // the sequence number of its first SYN, once syn_seen
  std::uint64_t last_rel = 0;       // highest sequence number sent, relative to start_seq
  std::uint64_t ack_rel = 0;        // highest sequence number the peer acknowledged, relative
  std::uint32_t fin_count = 0;
  std::uint32_t rxmit_count = 0;
  std::uint32_t rxmit_threshold = 1;
  std::uint64_t hist_last_syn = ~0ull;
  std::uint64_t hist_last_fin = ~0ull;
  std::uint64_t hist_last_rst = ~0ull;

  // Relative position of an absolute sequence number (nearest to last_rel).
  std::uint64_t rel(std::uint32_t seq) const;
  // Payload bytes in sequence space (Zeek's endpoint size).
  std::uint64_t size() const;
};

class TcpConn {
 public:
  // Updates the connection for one segment sent by the originator (is_orig) or responder,
  // recording history letters. `flipped` is set when the segment shows the roles were the
  // other way round (a SYN answering a SYN-ACK): the caller swaps its orientation.
  void update(bool is_orig, const Packet& p, FlowHistory& history, bool& flipped);

  // Both sides closed (FIN) or one reset: the connection is over (the flow lingers a little).
  bool finished() const;

  // Swaps the endpoints (after the caller flipped the flow's orientation).
  void flip();

  TcpEndpoint orig;
  TcpEndpoint resp;
};

// Zeek's conn_state for a flow of protocol `proto`. For TCP, `tcp` is the connection; for UDP
// orig_packets/resp_packets tell which sides were active.
std::string_view conn_state(std::uint8_t proto, const TcpConn* tcp, std::uint64_t orig_packets,
                            std::uint64_t resp_packets, std::string_view history);

}  // namespace soc::agent::net
