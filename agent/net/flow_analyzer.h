// The extension point for protocol analyzers (DNS, HTTP, TLS, SSH ... one file each).
//
// A FlowAnalyzerFactory is registered with the FlowTable (not owned; it must outlive the
// table). At a flow's first packet that carries payload, the table asks every factory for an
// analyzer of it (by port, protocol or nothing at all; flows without payload get none); a flow
// with at least one analyzer gets in-order payload:
// TCP after bounded reassembly (TcpStream), UDP datagram by datagram. An analyzer may emit
// events of its own (kind dns/http/tls ...) into `out` at any call, and adds its summary
// fields to the flow's event when the flow ends (e.g. "network.protocol").
//
// Threading: all calls come from the thread that drives the flow table (the source's poll).
// Analyzers parse untrusted bytes: they must bound what they hold and never crash; the table
// stops feeding one that returns false from wants_more(), and stops reassembling a flow once
// none of its analyzers wants more.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "agent/net/flow.h"
#include "common/event.h"

namespace soc::agent::net {

class FlowAnalyzer {
 public:
  virtual ~FlowAnalyzer() = default;

  // In-order payload of one direction (a TCP stream piece, or one whole UDP datagram).
  // `ts` is the time of the packet that completed it.
  virtual void on_payload(const Flow& flow, Direction dir, std::span<const std::uint8_t> bytes,
                          TimeNs ts, std::vector<Event>& out) = 0;

  // `bytes` of one TCP direction were never seen; the stream goes on after them.
  virtual void on_gap(const Flow& flow, Direction dir, std::uint64_t bytes) {
    (void)flow;
    (void)dir;
    (void)bytes;
  }

  // The flow ends: add summary fields to its event and emit anything still held.
  virtual void on_end(const Flow& flow, Event& flow_event, std::vector<Event>& out) {
    (void)flow;
    (void)flow_event;
    (void)out;
  }

  // False once the analyzer needs no more payload (done, or not its protocol).
  virtual bool wants_more() const { return true; }
};

class FlowAnalyzerFactory {
 public:
  virtual ~FlowAnalyzerFactory() = default;
  virtual std::string_view name() const = 0;
  // An analyzer for a flow (at its first payload), or nullptr when this flow is not for it.
  virtual std::unique_ptr<FlowAnalyzer> create(const Flow& flow) = 0;
};

}  // namespace soc::agent::net
