#include "agent/net/pcap_capture.h"

namespace soc::agent::net {
namespace {

Result<void> apply_filter(pcap_t* handle, const std::string& filter, const std::string& what) {
  if (filter.empty()) return ok();
  bpf_program program{};
  if (pcap_compile(handle, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    return fail(ErrorCode::kInvalidArgument,
                what + ": bpf_filter '" + filter + "': " + pcap_geterr(handle));
  }
  const int set = pcap_setfilter(handle, &program);
  pcap_freecode(&program);
  if (set != 0) {
    return fail(ErrorCode::kInvalidArgument,
                what + ": bpf_filter '" + filter + "': " + pcap_geterr(handle));
  }
  return ok();
}

}  // namespace

Result<std::unique_ptr<PcapCapture>> PcapCapture::open(const CaptureOptions& o) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  if (!o.file.empty()) {
    pcap_t* h =
        pcap_open_offline_with_tstamp_precision(o.file.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (h == nullptr) {
      const std::string why = errbuf;  // usually names the file already
      return fail(ErrorCode::kIo, why.rfind(o.file, 0) == 0 ? why : o.file + ": " + why);
    }
    std::unique_ptr<PcapCapture> c(new PcapCapture(h, false, true, o.file));
    if (auto f = apply_filter(h, o.bpf_filter, o.file); !f) return tl::unexpected(f.error());
    return c;
  }
  pcap_t* h = pcap_create(o.interface.c_str(), errbuf);
  if (h == nullptr) return fail(ErrorCode::kIo, "interface " + o.interface + ": " + errbuf);
  std::unique_ptr<PcapCapture> c(new PcapCapture(h, true, false, o.interface));
  pcap_set_snaplen(h, o.snaplen);
  pcap_set_promisc(h, o.promiscuous ? 1 : 0);
  pcap_set_timeout(h, 100);
  pcap_set_immediate_mode(h, o.immediate_mode ? 1 : 0);
  if (o.buffer_size_mb > 0) pcap_set_buffer_size(h, o.buffer_size_mb * 1024 * 1024);
  const bool nano = pcap_set_tstamp_precision(h, PCAP_TSTAMP_PRECISION_NANO) == 0;
  const int activated = pcap_activate(h);
  if (activated < 0) {
    std::string why = pcap_statustostr(activated);
    const std::string detail = pcap_geterr(h);
    if (!detail.empty() && detail != why) why += " (" + detail + ")";
    if (activated == PCAP_ERROR_PERM_DENIED) {
      why += "; live capture needs CAP_NET_RAW (see agent/net/README.md)";
    }
    return fail(ErrorCode::kIo, "interface " + o.interface + ": " + why);
  }
  c->nano_ = nano && pcap_get_tstamp_precision(h) == PCAP_TSTAMP_PRECISION_NANO;
  if (pcap_setnonblock(h, 1, errbuf) != 0) {
    return fail(ErrorCode::kIo, "interface " + o.interface + ": " + errbuf);
  }
  if (auto f = apply_filter(h, o.bpf_filter, "interface " + o.interface); !f) {
    return tl::unexpected(f.error());
  }
  return c;
}

PcapCapture::~PcapCapture() {
  if (handle_ != nullptr) pcap_close(handle_);
}

CaptureStats PcapCapture::stats() const {
  CaptureStats s;
  if (!live_) return s;
  pcap_stat ps{};
  if (pcap_stats(handle_, &ps) == 0) {
    s.received = ps.ps_recv;
    s.dropped = ps.ps_drop;
    s.if_dropped = ps.ps_ifdrop;
  }
  return s;
}

}  // namespace soc::agent::net
