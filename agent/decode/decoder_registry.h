// The explicit table of log formats a file source can declare (`format:` in agent.yaml), each
// mapped to the decoder that turns its lines into events. Adding a format: one line in the table
// of decoder_registry.cc (see agent/decode/README.md).
//
//   auto        recognises each line: JSON object, syslog (RFC 5424, then RFC 3164 / ISO 8601)
//               with the program decoders, web access log, auditd record, bare iptables LOG line
//   syslog      syslog header + the program decoder chosen by the program name (sshd, PAM, sudo,
//               su, account tools, cron, kernel iptables/nftables LOG)
//   sshd        sshd (and its PAM) messages, with or without a syslog header
//   iptables    iptables/nftables LOG lines, with or without a syslog header
//   json        one JSON object per line
//   auditd      Linux audit records (audit.log)
//   web_access  nginx / Apache access logs (combined, common)
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "agent/decode/decoder.h"
#include "agent/decode/syslog_decoder.h"
#include "common/clock.h"
#include "common/result.h"

namespace soc::agent {

struct DecoderOptions {
  // The zone of syslog times that carry none (RFC 3164, ISO without offset).
  SyslogTimeZone time_zone = SyslogTimeZone::local();
  // The clock of the RFC 3164 year inference (tests pass a fixed one; only the date matters).
  SyslogDecoder::NowFn now = &coarse_now_ns;
};

// The decoder for `format`, or kInvalidArgument naming the known formats. The decoder is
// immutable and may be shared between threads.
Result<std::unique_ptr<Decoder>> make_decoder(std::string_view format);
Result<std::unique_ptr<Decoder>> make_decoder(std::string_view format,
                                              const DecoderOptions& options);

// The known format names, in table order ("auto" first).
std::vector<std::string_view> decoder_formats();

}  // namespace soc::agent
