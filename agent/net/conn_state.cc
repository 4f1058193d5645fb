#include "agent/net/conn_state.h"

#include <cctype>

namespace soc::agent::net {
namespace {

// History kinds (bits); the responder's are shifted by 16.
constexpr std::uint32_t kHistSyn = 1u << 0;
constexpr std::uint32_t kHistFin = 1u << 1;
constexpr std::uint32_t kHistRst = 1u << 2;
constexpr std::uint32_t kHistFinRst = 1u << 3;
constexpr std::uint32_t kHistData = 1u << 4;
constexpr std::uint32_t kHistAck = 1u << 5;
constexpr std::uint32_t kHistMulti = 1u << 6;

// Sequence deltas beyond this from a SYN or RST are not trusted (Zeek's TOO_LARGE_SEQ_DELTA).
constexpr std::int64_t kTooLargeSeqDelta = 1048576;

bool inactive(TcpState s) { return s == TcpState::kInactive || s == TcpState::kPartial; }

void set_state(TcpEndpoint& e, TcpState s) {
  e.prev_state = e.state;
  e.state = s;
}

// Does the history match ^?S[^HAFGIQ]*R.* (a SYN answered by nothing but a reset)?
bool syn_then_reset(std::string_view h) {
  std::size_t i = 0;
  if (i < h.size() && h[i] == '^') ++i;
  if (i >= h.size() || h[i] != 'S') return false;
  for (++i; i < h.size(); ++i) {
    const char c = h[i];
    if (c == 'R') return true;
    if (c == 'H' || c == 'A' || c == 'F' || c == 'G' || c == 'I' || c == 'Q') return false;
  }
  return false;
}

}  // namespace

bool FlowHistory::check(bool is_orig, std::uint32_t kind_bit, char code) {
  const std::uint32_t bit = is_orig ? kind_bit : kind_bit << 16;
  if ((seen & bit) != 0) return true;
  seen |= bit;
  add(is_orig, code);
  return false;
}

void FlowHistory::add(bool is_orig, char code) {
  letters += is_orig ? code : static_cast<char>(std::tolower(static_cast<unsigned char>(code)));
}

std::uint64_t TcpEndpoint::rel(std::uint32_t seq) const {
  const std::uint32_t last_abs = start_seq + static_cast<std::uint32_t>(last_rel);
  const std::int64_t r =
      static_cast<std::int64_t>(last_rel) + static_cast<std::int32_t>(seq - last_abs);
  return r < 0 ? 0 : static_cast<std::uint64_t>(r);
}

std::uint64_t TcpEndpoint::size() const {
  std::uint64_t s = last_rel > ack_rel ? last_rel : ack_rel;
  if (s > 0) --s;  // the SYN's sequence number
  if (fin_count > 0 && s > 0) --s;
  return s;
}

bool TcpConn::finished() const {
  const bool reset = orig.state == TcpState::kReset || resp.state == TcpState::kReset;
  const bool closed = orig.state == TcpState::kClosed && resp.state == TcpState::kClosed;
  return reset || closed;
}

void TcpConn::flip() { std::swap(orig, resp); }

void TcpConn::update(bool is_orig, const Packet& p, FlowHistory& history, bool& flipped) {
  flipped = false;
  TcpEndpoint& ep = is_orig ? orig : resp;
  TcpEndpoint& peer = is_orig ? resp : orig;
  const std::uint8_t f = p.tcp_flags;
  const bool syn = (f & kTcpSyn) != 0;
  const bool fin = (f & kTcpFin) != 0;
  const bool rst = (f & kTcpRst) != 0;
  const bool ack = (f & kTcpAck) != 0;
  const std::uint32_t len = p.payload_wire_len;
  const std::uint32_t seq_len = len + (syn ? 1 : 0) + (fin ? 1 : 0);
  if (syn && !ep.syn_seen) {
    ep.syn_seen = true;
    ep.first_syn_seq = p.seq;
  }

  // Initial sequence numbers: a partial connection is numbered as though a SYN had been seen.
  bool just_init = false;
  if (!ep.seq_init || (syn && !ack &&
                       (ep.state == TcpState::kSynSent || ep.state == TcpState::kPartial ||
                        ep.state == TcpState::kEstablished) &&
                       p.seq != ep.start_seq)) {
    ep.seq_init = true;
    ep.start_seq = syn ? p.seq : p.seq - 1;
    ep.last_rel = 0;
    ep.ack_rel = 0;
    ep.last_rel = ep.rel(p.seq + seq_len);
    just_init = true;
  }
  const std::uint64_t rel_seq = ep.rel(p.seq);

  // History (Zeek's update_history).
  const int bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
  if (bits > 1) {
    if (fin && rst) {
      history.check(is_orig, kHistFinRst, 'I');
    } else {
      history.check(is_orig, kHistMulti, 'Q');
    }
  } else if (bits == 1) {
    if (syn) {
      const char code = ack ? 'H' : 'S';
      if (history.check(is_orig, kHistSyn, code) && rel_seq != ep.hist_last_syn) {
        history.add(is_orig, code);
      }
      ep.hist_last_syn = rel_seq;
    }
    if (fin) {
      if (history.check(is_orig, kHistFin, 'F') && rel_seq + len != ep.hist_last_fin) {
        history.add(is_orig, 'F');
      }
      ep.hist_last_fin = rel_seq + len;
    }
    if (rst) {
      if (history.check(is_orig, kHistRst, 'R') && rel_seq != ep.hist_last_rst) {
        history.add(is_orig, 'R');
      }
      ep.hist_last_rst = rel_seq;
    }
  } else if (len > 0) {
    history.check(is_orig, kHistData, 'D');
  } else if (ack) {
    history.check(is_orig, kHistAck, 'A');
  }

  // The peer's acknowledged position (an ack of 0 far ahead is more likely broken).
  if (ack && peer.seq_init) {
    const std::uint32_t ack_abs = peer.start_seq + static_cast<std::uint32_t>(peer.ack_rel);
    const std::int32_t delta = static_cast<std::int32_t>(p.ack - ack_abs);
    if (!(p.ack == 0 && delta > kTooLargeSeqDelta) && delta > 0) {
      peer.ack_rel += static_cast<std::uint32_t>(delta);
    }
  }

  // The highest sequence number this side sent (Zeek's update_last_seq).
  if (!just_init) {
    const std::uint32_t last_abs = ep.start_seq + static_cast<std::uint32_t>(ep.last_rel);
    const std::int32_t delta = static_cast<std::int32_t>(p.seq + seq_len - last_abs);
    if ((syn || rst) && (delta > kTooLargeSeqDelta || delta < -kTooLargeSeqDelta)) {
      // not trusted
    } else if (fin && ep.last_rel == 1) {
      ep.last_rel = ep.rel(p.seq + seq_len);
    } else if (ep.state == TcpState::kReset) {
      // nothing after a reset is trusted
    } else if (delta > 0) {
      ep.last_rel += static_cast<std::uint32_t>(delta);
    } else if (len > 0) {
      if (++ep.rxmit_count == ep.rxmit_threshold) {
        history.add(is_orig, 'T');
        ep.rxmit_threshold *= 10;
      }
    }
  }

  // State machine (Zeek's TCP analyzer).
  switch (ep.state) {
    case TcpState::kInactive: {
      if (syn) {
        if (is_orig) {
          set_state(ep, ack ? TcpState::kSynAckSent : TcpState::kSynSent);
        } else {
          if (!ack && peer.state == TcpState::kSynAckSent) {
            // A SYN answering a SYN-ACK: the roles were the other way round.
            flipped = true;
            set_state(peer, TcpState::kEstablished);
          }
          if (peer.state == TcpState::kSynSent) set_state(peer, TcpState::kEstablished);
          set_state(ep, TcpState::kEstablished);
        }
      }
      if (fin) set_state(ep, TcpState::kClosed);
      if (rst) set_state(ep, TcpState::kReset);
      if (ep.state == TcpState::kInactive) {
        // An ACK of an initial SYN before the SYN-ACK does not make a partial connection.
        if (!(!is_orig && len == 0 && orig.state == TcpState::kSynSent)) {
          set_state(ep, TcpState::kPartial);
        }
      }
      break;
    }
    case TcpState::kSynSent:
    case TcpState::kSynAckSent:
      if (fin) set_state(ep, TcpState::kClosed);
      if (rst) set_state(ep, TcpState::kReset);
      break;
    case TcpState::kPartial:
    case TcpState::kEstablished:
      if (syn && !ack && ep.state == TcpState::kPartial && peer.state == TcpState::kInactive) {
        set_state(ep, TcpState::kSynSent);
      }
      if (fin && !rst) set_state(ep, TcpState::kClosed);
      if (rst) set_state(ep, TcpState::kReset);
      break;
    case TcpState::kClosed:
      if (rst && peer.state != TcpState::kClosed) set_state(ep, TcpState::kReset);
      break;
    case TcpState::kReset:
      break;
  }
  if (fin) ++ep.fin_count;
  if (flipped) flip();
}

std::string_view conn_state(std::uint8_t proto, const TcpConn* tcp, std::uint64_t orig_packets,
                            std::uint64_t resp_packets, std::string_view history) {
  if (proto == kProtoTcp && tcp != nullptr) {
    const TcpState os = tcp->orig.state;
    const TcpState rs = tcp->resp.state;
    const bool o_inactive = inactive(os);
    const bool r_inactive = inactive(rs);
    if (rs == TcpState::kReset) {
      if (os == TcpState::kSynSent || os == TcpState::kSynAckSent ||
          (os == TcpState::kReset && tcp->orig.size() == 0 && tcp->resp.size() == 0)) {
        return "REJ";
      }
      return o_inactive ? "RSTRH" : "RSTR";
    }
    if (os == TcpState::kReset) {
      if (r_inactive) return syn_then_reset(history) ? "RSTOS0" : "OTH";
      return "RSTO";
    }
    if (rs == TcpState::kClosed && os == TcpState::kClosed) return "SF";
    if (os == TcpState::kClosed) return r_inactive ? "SH" : "S2";
    if (rs == TcpState::kClosed) return o_inactive ? "SHR" : "S3";
    if (os == TcpState::kSynSent && rs == TcpState::kInactive) return "S0";
    if (os == TcpState::kEstablished && rs == TcpState::kEstablished) return "S1";
    return "OTH";
  }
  if (proto == kProtoUdp) {
    if (orig_packets > 0) return resp_packets > 0 ? "SF" : "S0";
    return resp_packets > 0 ? "SHR" : "OTH";
  }
  return "OTH";
}

}  // namespace soc::agent::net
