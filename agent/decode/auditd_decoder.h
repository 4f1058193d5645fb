// AuditdDecoder: one Linux audit record per line, as auditd writes it to audit.log:
//   type=SYSCALL msg=audit(1234567890.123:4567): arch=c000003e syscall=59 ... comm="ls" ...
// also with a leading "node=host ", behind a syslog header ("... audispd: node=h type=..." or
// "audisp-syslog: type=..."), in the kernel's own form ("audit: type=1400 audit(...): ...",
// numeric types named) and in auditd's ENRICHED format (\x1d then UID="root" ...).
// Every key=value becomes auditd.data.<key> (hex-encoded values decoded, the msg='...' of
// user-space records parsed into its own keys), and the usual keys are mapped onto ECS. The exact
// rules are in agent/decode/README-auditd.md.
//
// One record is one event; AuditAssembler (audit_assembler.h) groups the records of one audit
// event (same msg=audit(time:serial)) into a single event.
#pragma once

#include <string_view>

#include "agent/decode/decoder.h"

namespace soc::agent {

class AuditdDecoder final : public Decoder {
 public:
  AuditdDecoder() = default;
  std::string_view name() const override { return "auditd"; }
  bool decode(Event& event) const override;
};

}  // namespace soc::agent
