// SyslogDecoder: the header of a syslog line (RFC 3164, RFC 5424, and the ISO 8601 variant that
// rsyslog and syslog-ng write) into ECS fields; the message body is left for a program decoder
// (agent/decode/auth_decoders.h), chained by decoder_registry.cc.
//
// Accepted shapes (PRI is optional except where RFC 5424 requires it):
//   <PRI>Mmm dd hh:mm:ss[.frac] HOST TAG[PID]: MSG            RFC 3164 (year inferred)
//   Mmm dd hh:mm:ss TAG[PID]: MSG  /  Mmm dd hh:mm:ss [TAG] MSG no host (old sysklogd, fail2ban)
//   YYYY Mmm dd hh:mm:ss HOST TAG[PID]: MSG                    syslog-ng with a year
//   YYYY-MM-DD(T| )hh:mm:ss[.frac][Z|+hh:mm|+hhmm] HOST TAG[PID]: MSG   ISO 8601 (rsyslog)
//   HOST TAG[PID]: MSG                                         journald short export, no time
//   <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD...] MSG         RFC 5424 (structured data kept)
// A TAG without a colon is accepted only in the "TAG[PID]" form; otherwise the rest after HOST is
// the message and no process fields are set.
//
// Fields: host.hostname, process.name (the tag up to "(" or "[", e.g. "sshd" for
// "sshd(pam_unix)[12]"), process.pid (int64), log.syslog.appname (the full tag, only when it
// differs from process.name, e.g. "sshd(pam_unix)"), log.syslog.facility.code and
// log.syslog.severity.code (int64, when PRI is present), log.syslog.msgid, log.syslog.procid (RFC
// 5424 PROCID when not a number), log.syslog.structured_data (the raw SD text, RFC 5424),
// log.syslog.message (the body after the header, byte for byte); event.time_ns when the line has
// a time.
//
// Time zones: RFC 3164 times and ISO times without an offset are read in the configured zone.
// Only "UTC", "local" (the host's zone: TZ or /etc/localtime, through mktime) and fixed offsets
// ("+HH:MM", "-HHMM", "+HH") are supported: GCC 12 has no std::chrono::zoned_time and a tz
// database reader is out of scope. The RFC 3164 year is the current year in that zone, or last
// year when that would put the line more than a day in the future (compared in wall-clock time
// with the zone's current offset, so a daylight-saving change can move that limit by an hour).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "agent/decode/decoder.h"
#include "common/clock.h"
#include "common/result.h"

namespace soc::agent {

// The zone a syslog time without an offset is read in. Cheap to copy; immutable.
class SyslogTimeZone {
 public:
  static SyslogTimeZone utc() { return SyslogTimeZone(false, 0); }
  static SyslogTimeZone local() { return SyslogTimeZone(true, 0); }
  // offset_seconds east of UTC, e.g. +02:00 is 7200.
  static SyslogTimeZone fixed(std::int32_t offset_seconds) {
    return SyslogTimeZone(false, offset_seconds);
  }
  // "UTC" (also "utc", "Z", "GMT", "UTC0", "Etc/UTC"), "local" (or ""), "+HH:MM", "-HH:MM",
  // "+HHMM", "+HH". Anything else (e.g. "Europe/Paris") is kUnsupported, naming the value.
  static Result<SyslogTimeZone> parse(std::string_view spec);

  bool is_local() const { return local_; }
  std::int32_t offset_seconds() const { return offset_; }

  // UTC seconds since the epoch of a wall-clock time in this zone, given as the seconds since the
  // epoch that time would have if the wall clock were UTC. Thread-safe (the local zone keeps a
  // per-thread cache of the offset per hour, so mktime runs about once per hour of log data).
  std::int64_t wall_to_utc(std::int64_t wall_seconds) const;

  // The zone's offset east of UTC, in seconds, at a UTC time (localtime_r for the local zone,
  // cached per thread and hour like wall_to_utc).
  std::int64_t offset_at(std::int64_t utc_seconds) const;

 private:
  SyslogTimeZone(bool local, std::int32_t offset) : local_(local), offset_(offset) {}
  bool local_ = false;
  std::int32_t offset_ = 0;
};

// The header of one syslog line. Every view points into the parsed line.
struct SyslogHeader {
  int priority = -1;  // 0..191, or -1 when the line has no <PRI>
  bool rfc5424 = false;
  bool has_time = false;
  TimeNs time_ns = 0;  // valid when has_time
  std::string_view hostname;
  std::string_view tag;      // "sshd(pam_unix)" (no [pid]); RFC 5424 APP-NAME
  std::string_view program;  // tag up to the first "(": "sshd"
  std::int64_t pid = -1;     // -1 when absent
  std::string_view proc_id;  // RFC 5424 PROCID when it is not a number
  std::string_view msg_id;
  std::string_view structured_data;
  std::string_view message;
};

class SyslogDecoder final : public Decoder {
 public:
  using NowFn = TimeNs (*)();

  // `now` gives the current time for the RFC 3164 year inference (tests pass a fixed clock; the
  // date is all it needs, so the default is the cheap coarse clock).
  explicit SyslogDecoder(SyslogTimeZone zone = SyslogTimeZone::local(), NowFn now = &coarse_now_ns)
      : zone_(zone), now_(now) {}

  std::string_view name() const override { return "syslog"; }
  bool decode(Event& event) const override;

  // Parses the header of `line` (a trailing "\r" / "\n" is ignored). Returns false, leaving `out`
  // in an unspecified state, when the line is not syslog. Never throws.
  bool parse(std::string_view line, SyslogHeader& out) const;

  // Appends the header fields to `event` and sets event.time_ns when the header has a time.
  static void emit(const SyslogHeader& header, Event& event);
  // Appends the header fields to `fields` (no time).
  static void emit_fields(const SyslogHeader& header, std::vector<Field>& fields);

 private:
  SyslogTimeZone zone_;
  NowFn now_;
};

}  // namespace soc::agent
