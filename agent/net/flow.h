// Flow: one bidirectional conversation (5-tuple) as the flow table tracks it. The originator
// is the side that sent the first packet, except when Zeek's rules say otherwise: a TCP
// connection first seen mid-way (no SYN) or a UDP flow whose sender uses a well-known server
// port while the receiver does not is turned round (history gets '^'); a SYN answering a
// SYN-ACK turns it round too.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "agent/net/conn_state.h"
#include "agent/net/flow_key.h"
#include "common/clock.h"

namespace soc::agent::net {

enum class Direction : std::uint8_t { kOrig, kResp };

// Why a flow ended (flow.end_reason in its event).
enum class EndReason : std::uint8_t {
  kIdle,     // no packet for the protocol's idle timeout
  kActive,   // open for the active timeout: reported, and continued as a new record
  kClosed,   // TCP FIN from both sides or a RST, after the linger time
  kEvicted,  // the table was full; the least recently active flow made room
  kReused,   // a new TCP connection (SYN) on the same 5-tuple after a close
  kFlush,    // end of a capture file, or shutdown
};
std::string_view end_reason_name(EndReason reason);

struct EndpointStats {
  std::uint64_t packets = 0;
  std::uint64_t ip_bytes = 0;       // IP-layer bytes (header + payload per the IP header)
  std::uint64_t payload_bytes = 0;  // transport payload (UDP/ICMP/other; TCP uses TcpConn)
};

class FlowAnalyzer;
class TcpStream;

// Protocol analyzers attached to a flow and their stream reassemblers; allocated only for
// flows some analyzer wants.
struct FlowExtras {
  FlowExtras();
  ~FlowExtras();
  std::vector<std::unique_ptr<FlowAnalyzer>> analyzers;
  std::unique_ptr<TcpStream> stream[2];  // by Direction
};

struct Flow {
  // Oriented identity: originator and responder.
  std::array<std::uint8_t, 16> orig_addr{};
  std::array<std::uint8_t, 16> resp_addr{};
  std::uint16_t orig_port = 0;  // ICMP: the originator's message type
  std::uint16_t resp_port = 0;  // ICMP: the counterpart type, or the code
  std::uint8_t proto = 0;
  std::uint8_t ip_version = 0;
  bool icmp_one_way = false;
  std::uint8_t icmp_type = 0;  // first ICMP message's type and code
  std::uint8_t icmp_code = 0;
  std::uint8_t vlan_count = 0;
  bool analyzers_offered = false;  // the factories were asked (at the first payload)
  std::array<std::uint16_t, 2> vlan{};

  TimeNs start = 0;
  TimeNs last = 0;  // the last packet (for timeouts)
  // The last packet that counts towards the duration: as in Zeek, packets of a TCP connection
  // after both sides closed (FIN or RST) do not extend it.
  TimeNs end = 0;
  EndpointStats orig;
  EndpointStats resp;
  FlowHistory history;
  std::unique_ptr<TcpConn> tcp;  // TCP flows only
  // TCP payload already reported by active-timeout records (orig, resp).
  std::array<std::uint64_t, 2> tcp_payload_reported{};
  std::unique_ptr<FlowExtras> extras;

  // The flow table's bookkeeping.
  FlowKey key;
  bool orig_is_a = true;  // the originator is key.addr_a/port_a
  std::uint8_t list = 0;  // which timeout list holds it
  Flow* prev = nullptr;
  Flow* next = nullptr;

  bool has_analyzers() const { return extras != nullptr && !extras->analyzers.empty(); }
  // Payload bytes each way: sequence space for TCP, transport payload otherwise.
  std::uint64_t orig_payload_bytes() const;
  std::uint64_t resp_payload_bytes() const;
  std::string_view state() const;  // Zeek's conn_state
};

}  // namespace soc::agent::net
