// PcapCapture: a libpcap handle for a live interface or a pcap/pcapng file, with a BPF filter.
//
// Contract: opening returns an Error (never throws) naming the interface or file and
// libpcap's reason. A live handle is non-blocking: dispatch() returns at once with what the
// kernel buffered. Timestamps are nanoseconds when libpcap can give them (files: always).
// Not thread-safe; owned by one source. Closing happens in the destructor.
#pragma once

#include <pcap/pcap.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/result.h"

namespace soc::agent::net {

struct CaptureOptions {
  std::string interface;  // live capture, or ...
  std::string file;       // ... a pcap/pcapng file
  std::string bpf_filter;
  int snaplen = 262144;
  bool promiscuous = false;
  int buffer_size_mb = 0;  // 0: libpcap's default
  bool immediate_mode = true;
};

struct CaptureStats {
  std::uint64_t received = 0;  // ps_recv
  std::uint64_t dropped = 0;   // ps_drop: no room in the buffer
  std::uint64_t if_dropped = 0;
};

class PcapCapture {
 public:
  static Result<std::unique_ptr<PcapCapture>> open(const CaptureOptions& options);
  ~PcapCapture();
  PcapCapture(const PcapCapture&) = delete;
  PcapCapture& operator=(const PcapCapture&) = delete;

  bool live() const { return live_; }
  int datalink() const { return pcap_datalink(handle_); }
  const std::string& what() const { return what_; }  // interface name or file path

  // Calls f(ts_ns, data, caplen, wirelen) for up to max_packets packets available now.
  // Returns how many were read; 0 with at_end() for the end of a file; an Error on failure.
  template <typename F>
  Result<int> dispatch(int max_packets, F&& f);

  bool at_end() const { return at_end_; }

  // Kernel counters of a live capture (zero for files).
  CaptureStats stats() const;

 private:
  PcapCapture(pcap_t* handle, bool live, bool nano, std::string what)
      : handle_(handle), live_(live), nano_(nano), what_(std::move(what)) {}

  pcap_t* handle_;
  bool live_;
  bool nano_;
  bool at_end_ = false;
  std::string what_;
};

template <typename F>
Result<int> PcapCapture::dispatch(int max_packets, F&& f) {
  struct Ctx {
    F* f;
    bool nano;
  } ctx{&f, nano_};
  auto trampoline = [](u_char* user, const pcap_pkthdr* h, const u_char* bytes) {
    auto* c = reinterpret_cast<Ctx*>(user);
    const TimeNs ts = static_cast<TimeNs>(h->ts.tv_sec) * 1'000'000'000 +
                      static_cast<TimeNs>(h->ts.tv_usec) * (c->nano ? 1 : 1000);
    (*c->f)(ts, reinterpret_cast<const std::uint8_t*>(bytes), h->caplen, h->len);
  };
  const int n = pcap_dispatch(handle_, max_packets, trampoline, reinterpret_cast<u_char*>(&ctx));
  if (n == PCAP_ERROR) {
    return fail(ErrorCode::kIo, what_ + ": " + pcap_geterr(handle_));
  }
  if (n == 0 && !live_) at_end_ = true;
  if (n == PCAP_ERROR_BREAK) return 0;
  return n;
}

}  // namespace soc::agent::net
