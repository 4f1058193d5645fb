#include "agent/sources/pcap_source.h"

#include <sys/stat.h>

#include "agent/net/protocols/http_analyzer.h"
#include "common/log.h"

namespace soc::agent {
namespace {

std::string key(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

}  // namespace

Result<PcapSourceConfig> read_pcap_source_config(Config& config, const std::string& prefix,
                                                 const std::string& name) {
  PcapSourceConfig pc;
  pc.name = name;
  net::CaptureOptions& cap = pc.capture;
  SOC_TRY_ASSIGN(cap.interface, config.get_string(key(prefix, "interface"), ""));
  SOC_TRY_ASSIGN(cap.file, config.get_string(key(prefix, "file"), ""));
  if (cap.interface.empty() == cap.file.empty()) {
    return tl::unexpected(config.error(
        key(prefix, cap.file.empty() ? "interface" : "file"),
        "expected exactly one of 'interface' (live capture) or 'file' (pcap/pcapng replay)"));
  }
  SOC_TRY_ASSIGN(cap.bpf_filter, config.get_string(key(prefix, "bpf_filter"), ""));
  SOC_TRY_ASSIGN(cap.snaplen, config.get_int(key(prefix, "snaplen"), 262144, 64, 262144));
  SOC_TRY_ASSIGN(cap.promiscuous, config.get_bool(key(prefix, "promiscuous"), false));
  SOC_TRY_ASSIGN(cap.buffer_size_mb, config.get_int(key(prefix, "buffer_size_mb"), 0, 0, 4096));
  SOC_TRY_ASSIGN(cap.immediate_mode, config.get_bool(key(prefix, "immediate_mode"), true));

  net::FlowTableConfig& fl = pc.processor.flows;
  fl.source = cap.file.empty() ? cap.interface : cap.file;
  SOC_TRY_ASSIGN(fl.max_flows, config.get_int(key(prefix, "max_flows"), 100000, 1, 100'000'000));
  auto seconds = [&](const std::string& k, std::int64_t def, std::int64_t min,
                     TimeNs& out) -> Result<void> {
    auto v = config.get_int(key(prefix, k), def, min, 30 * 86400);
    if (!v) return tl::unexpected(v.error());
    out = *v * net::kNsPerSecond;
    return ok();
  };
  if (auto r = seconds("tcp_timeout_s", 300, 1, fl.tcp_idle_ns); !r)
    return tl::unexpected(r.error());
  if (auto r = seconds("udp_timeout_s", 60, 1, fl.udp_idle_ns); !r)
    return tl::unexpected(r.error());
  if (auto r = seconds("icmp_timeout_s", 60, 1, fl.icmp_idle_ns); !r)
    return tl::unexpected(r.error());
  if (auto r = seconds("other_timeout_s", 60, 1, fl.other_idle_ns); !r)
    return tl::unexpected(r.error());
  if (auto r = seconds("tcp_linger_s", 5, 0, fl.tcp_linger_ns); !r)
    return tl::unexpected(r.error());
  if (auto r = seconds("active_timeout_s", 1800, 0, fl.active_timeout_ns); !r) {
    return tl::unexpected(r.error());
  }
  SOC_TRY_ASSIGN(fl.stream.max_held_bytes,
                 config.get_int(key(prefix, "stream.max_held_bytes"), 65536, 0, 64 << 20));
  net::ReassemblyLimits& fr = pc.processor.fragments;
  SOC_TRY_ASSIGN(fr.max_total_bytes,
                 config.get_int(key(prefix, "fragments.max_bytes"), 4 << 20, 65536, 1 << 30));
  SOC_TRY_ASSIGN(fr.max_datagrams,
                 config.get_int(key(prefix, "fragments.max_datagrams"), 4096, 1, 1 << 20));
  if (auto r = seconds("fragments.timeout_s", 30, 1, fr.timeout_ns); !r) {
    return tl::unexpected(r.error());
  }
  SOC_TRY_ASSIGN(pc.max_packets_per_poll,
                 config.get_int(key(prefix, "max_packets_per_poll"), 10000, 1, 1'000'000));
  SOC_TRY_ASSIGN(pc.drop_capabilities, config.get_bool(key(prefix, "drop_capabilities"), true));
  return pc;
}

Result<std::unique_ptr<PcapSource>> PcapSource::open(PcapSourceConfig config,
                                                     const ActiveRules* rules) {
  auto capture = net::PcapCapture::open(config.capture);
  if (!capture) return tl::unexpected(capture.error());
  const int dlt = (*capture)->datalink();
  auto link = net::link_type_from_dlt(dlt);
  if (!link) {
    return fail(
        ErrorCode::kUnsupported,
        (*capture)->what() + ": unsupported link type " + std::to_string(dlt) + " (" +
            (pcap_datalink_val_to_name(dlt) != nullptr ? pcap_datalink_val_to_name(dlt) : "?") +
            ")");
  }
  return std::unique_ptr<PcapSource>(
      new PcapSource(std::move(config), std::move(*capture), *link, rules));
}

PcapSource::PcapSource(PcapSourceConfig config, std::unique_ptr<net::PcapCapture> capture,
                       net::LinkType link, const ActiveRules* rules)
    : config_(std::move(config)),
      capture_(std::move(capture)),
      analyzers_(config_.processor.flows.source),
      matcher_(config_.processor.flows.source),
      rules_(rules),
      processor_(link, config_.processor) {
  analyzers_.register_with(processor_.flows());
  processor_.flows().set_packet_inspector(&matcher_);
}

void PcapSource::take_rules() {
  if (rules_ == nullptr) return;
  std::shared_ptr<const RuleSnapshot> snapshot = rules_->get();
  if (snapshot == snapshot_) return;
  snapshot_ = std::move(snapshot);
  if (snapshot_ == nullptr) {
    matcher_.set_rules(nullptr);
  } else {
    matcher_.set_rules(snapshot_->packet_rules, snapshot_->pack_name, snapshot_->pack_version);
  }
  analyzers_.http.keep(http_rule_data(matcher_.rules()));
  analyzers_.tls.keep_certificates(tls_certificates_wanted(matcher_.rules()));
}

std::size_t PcapSource::poll(std::vector<Event>& out, std::size_t max_events) {
  if (pending_pos_ >= pending_.size() && !finished_) {
    pending_.clear();
    pending_pos_ = 0;
    take_rules();  // one rule set for every packet of this poll
    auto n = capture_->dispatch(
        config_.max_packets_per_poll,
        [this](TimeNs ts, const std::uint8_t* data, std::uint32_t caplen, std::uint32_t len) {
          processor_.process(data, caplen, len, ts, pending_);
        });
    if (!n) {
      ++read_errors_;
      log(LogLevel::kWarn, "pcap", name(), ": ", n.error().message);
    }
    if (capture_->at_end()) {
      processor_.flush(pending_);
      finished_ = true;
      log(LogLevel::kInfo, "pcap", name(), ": ", capture_->what(), " read to its end");
    } else if (capture_->live() && n && *n == 0) {
      // Quiet link: the clock moves on without packets.
      processor_.expire(std::max(processor_.last_packet_time(), now_ns()), pending_);
    }
    // (The application rules ran on the summaries as the flow table made them.)
    net::protocols::redact_http_credentials(pending_);
    net::protocols::drop_tls_certificates(pending_);
  }
  std::size_t given = 0;
  while (pending_pos_ < pending_.size() && given < max_events) {
    out.push_back(std::move(pending_[pending_pos_++]));
    ++given;
  }
  return given;
}

void PcapSource::flush(std::vector<Event>& out) {
  while (pending_pos_ < pending_.size()) out.push_back(std::move(pending_[pending_pos_++]));
}

nlohmann::json PcapSource::file_identity() const {
  struct stat st {};
  if (::stat(config_.capture.file.c_str(), &st) != 0) return nullptr;
  return {{"file", config_.capture.file},
          {"size", static_cast<std::int64_t>(st.st_size)},
          {"mtime_ns",
           static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec}};
}

nlohmann::json PcapSource::checkpoint() const {
  if (capture_->live() || !finished_ || pending_pos_ < pending_.size()) {
    return nlohmann::json::object();
  }
  nlohmann::json done = file_identity();
  return done.is_null() ? nlohmann::json::object() : nlohmann::json{{"finished", done}};
}

Result<void> PcapSource::restore(const nlohmann::json& checkpoint) {
  if (!checkpoint.is_null() && !checkpoint.is_object()) {
    return fail(ErrorCode::kInvalidArgument, "pcap checkpoint: expected an object");
  }
  if (capture_->live() || checkpoint.is_null() || !checkpoint.contains("finished")) return ok();
  if (checkpoint["finished"] == file_identity()) {
    finished_ = true;  // this very file was read to its end before: its flows went out
    log(LogLevel::kInfo, "pcap", name(), ": ", config_.capture.file,
        " was read to its end by an earlier run; not read again");
  }
  return ok();
}

std::map<std::string, std::uint64_t> PcapSource::counters() const {
  std::map<std::string, std::uint64_t> c = processor_.counter_map();
  if (capture_->live()) {
    const net::CaptureStats s = capture_->stats();
    c["pcap_received"] = s.received;
    c["pcap_dropped"] = s.dropped;
    c["pcap_if_dropped"] = s.if_dropped;
  }
  c["read_errors"] = read_errors_;
  c["packet_alerts"] = matcher_.alerts();
  c["packet_alerts_filtered"] = matcher_.filtered();  // held back by threshold/detection_filter
  return c;
}

}  // namespace soc::agent
