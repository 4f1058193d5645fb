// PcapSource: network traffic as flow events (kind=flow), from a live interface or a
// pcap/pcapng file, through the decoder, fragment reassembly and flow table of agent/net.
//
// - Live: the capture is opened when the source is built (at start-up, while the process
//   still has CAP_NET_RAW); make_sources() then drops every capability when drop_capabilities
//   is on. The handle is non-blocking; poll() reads what the kernel buffered (at most
//   max_packets_per_poll packets) and ends idle flows by packet time, or by the wall clock when
//   no packet comes.
// - File: the file is read at the pace of poll(); at its end every flow is ended and the
//   source stays idle. The checkpoint records a file read to its end (path, size, mtime), so a
//   restart does not report its flows again; a file read partly is read again from its start.
// - Live traffic cannot be replayed, so a live source's checkpoint is empty and restore()
//   accepts anything: flows open at a stop or crash are not reported. flush() releases the
//   events already made (never the flows still open: they are not "held" lines).
// Events: kind=flow, plus dns/http/tls summaries from the protocol analyzers
// (agent/net/protocols), source=the interface or file, fields per agent/net/README.md, plus
// `alert` events of the packet rules (agent/packet_matcher.h) when opened with ActiveRules:
// each poll takes the snapshot's packet rule set, as log sources take the Sigma rules.
// Single-threaded like every Source.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/active_rules.h"
#include "agent/net/packet_processor.h"
#include "agent/net/pcap_capture.h"
#include "agent/net/protocols/default_analyzers.h"
#include "agent/packet_matcher.h"
#include "agent/sources/source.h"
#include "common/config.h"

namespace soc::agent {

struct PcapSourceConfig {
  std::string name = "pcap";
  net::CaptureOptions capture;
  net::ProcessorConfig processor;
  int max_packets_per_poll = 10000;
  bool drop_capabilities = true;  // after live captures are open (see source_factory.cc)
};

// Reads the pcap keys under `prefix` ("sources.N", or "" for the --pcap replay):
// interface | file, bpf_filter, snaplen, promiscuous, buffer_size_mb, immediate_mode,
// max_flows, tcp_timeout_s, udp_timeout_s, icmp_timeout_s, other_timeout_s, tcp_linger_s,
// active_timeout_s, max_packets_per_poll, drop_capabilities, fragments.max_bytes,
// fragments.max_datagrams, fragments.timeout_s, stream.max_held_bytes.
// Errors name the file, the key and what was expected.
Result<PcapSourceConfig> read_pcap_source_config(Config& config, const std::string& prefix,
                                                 const std::string& name);

class PcapSource final : public Source {
 public:
  // Opens the capture; the error names the interface or file and why. `rules` (may be null;
  // must outlive the source): the packet rules of its snapshots are matched.
  static Result<std::unique_ptr<PcapSource>> open(PcapSourceConfig config,
                                                  const ActiveRules* rules = nullptr);

  const std::string& name() const override { return config_.name; }
  std::size_t poll(std::vector<Event>& out, std::size_t max_events) override;
  void flush(std::vector<Event>& out) override;
  nlohmann::json checkpoint() const override;
  Result<void> restore(const nlohmann::json& checkpoint) override;
  std::map<std::string, std::uint64_t> counters() const override;

  bool live() const { return capture_->live(); }
  bool finished() const { return finished_; }  // a file read to its end

 private:
  PcapSource(PcapSourceConfig config, std::unique_ptr<net::PcapCapture> capture, net::LinkType link,
             const ActiveRules* rules);
  void take_rules();
  nlohmann::json file_identity() const;

  PcapSourceConfig config_;
  std::unique_ptr<net::PcapCapture> capture_;
  net::protocols::DefaultAnalyzers analyzers_;  // before processor_: its table uses them
  PacketMatcher matcher_;                       // likewise
  const ActiveRules* rules_;
  std::shared_ptr<const RuleSnapshot> snapshot_;  // the rules of the last poll
  net::PacketProcessor processor_;
  std::vector<Event> pending_;  // made, not yet returned
  std::size_t pending_pos_ = 0;
  bool finished_ = false;
  std::uint64_t read_errors_ = 0;
};

}  // namespace soc::agent
