#include "agent/decode/decoder_registry.h"

#include <array>
#include <string>
#include <utility>

#include "agent/decode/auditd_decoder.h"
#include "agent/decode/auth_decoders.h"
#include "agent/decode/json_decoder.h"
#include "agent/decode/web_access_decoder.h"

namespace soc::agent {
namespace {

using ProgramDecoders = std::vector<std::unique_ptr<ProgramDecoder>>;

// The program decoders run on syslog bodies. Order matters twice: the first decoder that
// claims a line decodes it (PAM first: its lines come from any program), and a program nobody
// claims is tried against each in this order.
ProgramDecoders make_program_decoders() {
  ProgramDecoders d;
  d.push_back(std::make_unique<PamDecoder>());
  d.push_back(std::make_unique<SshdDecoder>());
  d.push_back(std::make_unique<SudoDecoder>());
  d.push_back(std::make_unique<SuDecoder>());
  d.push_back(std::make_unique<AccountDecoder>());
  d.push_back(std::make_unique<CronDecoder>());
  d.push_back(std::make_unique<FirewallDecoder>());
  return d;
}

// An audit record behind a syslog header (audispd, audisp-syslog, the kernel's "audit: type=").
// In "auto" these go to the auditd decoder, which reads the header itself.
bool is_audit_record(std::string_view program, std::string_view body) {
  if (program == "audispd" || program == "audisp-syslog" || program == "auditd") return true;
  if (body.starts_with("[")) {
    const std::size_t close = body.find("] ");
    if (close != std::string_view::npos) body.remove_prefix(close + 2);
  }
  if (body.starts_with("audit: ")) body.remove_prefix(7);
  return body.starts_with("type=") || body.starts_with("node=");
}

// Syslog header, then one program decoder on the body. Contract as Decoder's; decode() returns
// true when the header or the body was understood.
class SyslogChainDecoder final : public Decoder {
 public:
  struct Mode {
    std::string_view name;
    bool header_required = true;  // false: a line without a header is a bare body
    bool any_program = false;     // true: run the decoders whatever the program
    bool defer_audit = false;     // true: refuse audit records (auto mode)
  };

  SyslogChainDecoder(Mode mode, SyslogDecoder header, ProgramDecoders programs)
      : mode_(mode), header_(header), programs_(std::move(programs)) {}

  std::string_view name() const override { return mode_.name; }

  // Header plus body fields of most auth lines; more only cost a reallocation. 14 fields are
  // 1,008 bytes: within glibc's per-thread cache of small blocks (up to 1,032 bytes), which
  // allocates and frees them several times faster than its general bins.
  static constexpr std::size_t kTypicalFields = 14;

  bool decode(Event& event) const override {
    SyslogHeader h;
    const bool has_header = header_.parse(event.raw, h);
    if (!has_header && mode_.header_required) return false;
    if (has_header && mode_.defer_audit && is_audit_record(h.program, h.message)) return false;
    std::string_view body = has_header ? h.message : std::string_view(event.raw);
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.remove_suffix(1);
    std::int64_t repeated = 1;
    body = unwrap_repeated_message(body, repeated);
    // Fields go straight into the event (room for a typical line reserved once); the views in
    // `h` and `body` point into event.raw, which is never modified here.
    event.fields.reserve(event.fields.size() + kTypicalFields);
    if (has_header) SyslogDecoder::emit_fields(h, event.fields);
    const bool body_ok = decode_body(h.program, h.tag, body, event.fields);
    if (body_ok && repeated > 1) append_int(event.fields, "log.syslog.repeat_count", repeated);
    if (has_header && h.has_time) event.time_ns = h.time_ns;
    return has_header || body_ok;
  }

 private:
  bool decode_body(std::string_view program, std::string_view tag, std::string_view body,
                   std::vector<Field>& out) const {
    if (!mode_.any_program) {
      for (const auto& d : programs_) {
        if (d->claims(program, tag, body)) return d->decode_body(tag, body, out);
      }
    }
    for (const auto& d : programs_) {
      if (d->decode_body(tag, body, out)) return true;
    }
    return false;
  }

  Mode mode_;
  SyslogDecoder header_;
  ProgramDecoders programs_;
};

// Tries each decoder in order; the first that accepts the line wins (each leaves the event
// unchanged when it refuses, so no cleanup is needed).
class FirstMatchDecoder final : public Decoder {
 public:
  FirstMatchDecoder(std::string_view name, std::vector<std::unique_ptr<Decoder>> decoders)
      : name_(name), decoders_(std::move(decoders)) {}

  std::string_view name() const override { return name_; }

  bool decode(Event& event) const override {
    for (const auto& d : decoders_) {
      if (d->decode(event)) return true;
    }
    return false;
  }

 private:
  std::string_view name_;
  std::vector<std::unique_ptr<Decoder>> decoders_;
};

SyslogDecoder header_decoder(const DecoderOptions& o) { return SyslogDecoder(o.time_zone, o.now); }

std::unique_ptr<Decoder> make_syslog(const DecoderOptions& o) {
  return std::make_unique<SyslogChainDecoder>(
      SyslogChainDecoder::Mode{"syslog", true, false, false}, header_decoder(o),
      make_program_decoders());
}

std::unique_ptr<Decoder> make_sshd(const DecoderOptions& o) {
  ProgramDecoders d;
  d.push_back(std::make_unique<PamDecoder>());
  d.push_back(std::make_unique<SshdDecoder>());
  return std::make_unique<SyslogChainDecoder>(SyslogChainDecoder::Mode{"sshd", false, true, false},
                                              header_decoder(o), std::move(d));
}

std::unique_ptr<Decoder> make_iptables(const DecoderOptions& o) {
  ProgramDecoders d;
  d.push_back(std::make_unique<FirewallDecoder>());
  return std::make_unique<SyslogChainDecoder>(
      SyslogChainDecoder::Mode{"iptables", false, true, false}, header_decoder(o), std::move(d));
}

// A bare iptables LOG line (no syslog header: dmesg, journal message field).
std::unique_ptr<Decoder> make_bare_iptables() { return std::make_unique<FirewallDecoder>(); }

// ---- colleague's decoders (agent/decode/json_decoder.h, web_access_decoder.h, auditd_decoder.h)
std::unique_ptr<Decoder> make_json(const DecoderOptions&) {
  return std::make_unique<JsonDecoder>();
}
std::unique_ptr<Decoder> make_web_access(const DecoderOptions&) {
  return std::make_unique<WebAccessDecoder>();
}
std::unique_ptr<Decoder> make_auditd(const DecoderOptions&) {
  return std::make_unique<AuditdDecoder>();
}

// "auto": the order in which a line's format is recognised. Each decoder is strict about its
// own shape, so the order only decides between look-alikes:
//   1. JSON object lines (start with '{')
//   2. syslog: RFC 5424 ("<PRI>1 "), then RFC 3164 / ISO 8601 / journald, with the program
//      decoders; audit records behind a syslog header are left to 4.
//   3. web access logs (nginx / Apache combined and common)
//   4. auditd records (also behind audispd / audisp-syslog / kernel syslog headers)
//   5. bare iptables/nftables LOG lines
std::unique_ptr<Decoder> make_auto(const DecoderOptions& o) {
  std::vector<std::unique_ptr<Decoder>> d;
  d.push_back(make_json(o));
  d.push_back(
      std::make_unique<SyslogChainDecoder>(SyslogChainDecoder::Mode{"syslog", true, false, true},
                                           header_decoder(o), make_program_decoders()));
  d.push_back(make_web_access(o));
  d.push_back(make_auditd(o));
  d.push_back(make_bare_iptables());
  return std::make_unique<FirstMatchDecoder>("auto", std::move(d));
}

struct FormatEntry {
  std::string_view name;
  std::unique_ptr<Decoder> (*make)(const DecoderOptions&);
};

// The registration table: one line per format.
constexpr std::array<FormatEntry, 7> kFormats = {{
    {"auto", &make_auto},
    {"syslog", &make_syslog},
    {"sshd", &make_sshd},
    {"iptables", &make_iptables},
    {"json", &make_json},
    {"auditd", &make_auditd},
    {"web_access", &make_web_access},
}};

}  // namespace

Result<std::unique_ptr<Decoder>> make_decoder(std::string_view format) {
  return make_decoder(format, DecoderOptions{});
}

Result<std::unique_ptr<Decoder>> make_decoder(std::string_view format,
                                              const DecoderOptions& options) {
  for (const FormatEntry& entry : kFormats) {
    if (entry.name == format) {
      try {
        return entry.make(options);
      } catch (const std::exception& e) {  // std::bad_alloc: out of memory at start-up
        return fail(ErrorCode::kInternal, "decoder '" + std::string(format) + "': " + e.what());
      }
    }
  }
  std::string known;
  for (const FormatEntry& entry : kFormats) {
    if (!known.empty()) known += ", ";
    known += entry.name;
  }
  return fail(ErrorCode::kInvalidArgument,
              "unknown log format '" + std::string(format) + "' (known: " + known + ")");
}

std::vector<std::string_view> decoder_formats() {
  std::vector<std::string_view> names;
  names.reserve(kFormats.size());
  for (const FormatEntry& entry : kFormats) names.push_back(entry.name);
  return names;
}

}  // namespace soc::agent
