// Decoders for the message body of syslog lines written by authentication and system programs:
// sshd, PAM modules, sudo, su, the shadow-utils account tools, cron, and iptables/nftables LOG
// lines from the kernel. agent/decode/README.md lists every field each one emits.
//
// Each is a ProgramDecoder: decoder_registry.cc chains them after the syslog header decoder and
// picks one by the syslog program name (claims()); on its own (Decoder::decode) a program decoder
// reads the body from the event's log.syslog.message field, or from event.raw when there is no
// such field (a bare message line).
//
// All are immutable, thread-safe, allocation-free except for the field strings they emit, never
// throw and never crash; a body they do not recognise leaves the event unchanged.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "agent/decode/decoder.h"

namespace soc::agent {

class ProgramDecoder : public Decoder {
 public:
  // Whether lines of `program` (the syslog tag's base name, e.g. "sshd"; `tag` is the full tag,
  // e.g. "sshd(pam_unix)") with this `body` belong to this decoder. Cheap: no parsing.
  virtual bool claims(std::string_view program, std::string_view tag,
                      std::string_view body) const = 0;

  // Decodes `body` (the message after the syslog header). On success appends fields to `out`
  // and returns true; otherwise returns false and leaves `out` unchanged. `tag` is the full
  // syslog tag, empty when unknown. The views may point into `out`'s strings only if the caller
  // reserved room first (the chain passes views into event.raw, which is never modified).
  virtual bool decode_body(std::string_view tag, std::string_view body,
                           std::vector<Field>& out) const = 0;

  // Decoder: body = log.syslog.message (or event.raw), tag = log.syslog.appname or process.name.
  bool decode(Event& event) const final;
};

// sshd, sshd-session, sshd-auth and the old "sshd(pam_unix)" tag: logins, invalid users,
// preauth disconnects, maximum attempts, missing identification, reverse mapping and key
// exchange failures, refused root logins, denied users; IPv4 and IPv6 sources.
class SshdDecoder final : public ProgramDecoder {
 public:
  std::string_view name() const override { return "sshd"; }
  bool claims(std::string_view program, std::string_view tag, std::string_view body) const override;
  bool decode_body(std::string_view tag, std::string_view body,
                   std::vector<Field>& out) const override;
};

// PAM messages of any program: "pam_unix(svc:type): ...", "pam_xxx: ...", "(pam_unix) ...",
// the "prog(pam_unix)" tag, sshd's "PAM N more authentication failures; ...": authentication
// failures (logname/uid/euid/tty/ruser/rhost/user), unknown users, sessions opened and closed,
// password changes, pam_tally2/pam_faillock lockouts.
class PamDecoder final : public ProgramDecoder {
 public:
  std::string_view name() const override { return "pam"; }
  bool claims(std::string_view program, std::string_view tag, std::string_view body) const override;
  bool decode_body(std::string_view tag, std::string_view body,
                   std::vector<Field>& out) const override;
};

// sudo: "user : [MESSAGE ; ]TTY=... ; PWD=... ; USER=... ; COMMAND=...": commands, users not in
// sudoers, incorrect password attempts, commands not allowed.
class SudoDecoder final : public ProgramDecoder {
 public:
  std::string_view name() const override { return "sudo"; }
  bool claims(std::string_view program, std::string_view tag, std::string_view body) const override;
  bool decode_body(std::string_view tag, std::string_view body,
                   std::vector<Field>& out) const override;
};

// su (shadow, util-linux and BSD wordings): successful and failed switches of user.
class SuDecoder final : public ProgramDecoder {
 public:
  std::string_view name() const override { return "su"; }
  bool claims(std::string_view program, std::string_view tag, std::string_view body) const override;
  bool decode_body(std::string_view tag, std::string_view body,
                   std::vector<Field>& out) const override;
};

// useradd, groupadd, userdel, groupdel, usermod, groupmod, passwd, chpasswd, chage, gpasswd:
// users and groups created, deleted and modified, passwords changed.
class AccountDecoder final : public ProgramDecoder {
 public:
  std::string_view name() const override { return "account"; }
  bool claims(std::string_view program, std::string_view tag, std::string_view body) const override;
  bool decode_body(std::string_view tag, std::string_view body,
                   std::vector<Field>& out) const override;
};

// cron / crond: "(user) CMD (command)".
class CronDecoder final : public ProgramDecoder {
 public:
  std::string_view name() const override { return "cron"; }
  bool claims(std::string_view program, std::string_view tag, std::string_view body) const override;
  bool decode_body(std::string_view tag, std::string_view body,
                   std::vector<Field>& out) const override;
};

// iptables/nftables LOG target lines ("[12345.678] PREFIX IN=eth0 OUT= MAC=... SRC=... DST=...
// LEN=... TTL=... ID=... PROTO=TCP SPT=... DPT=... ..."), from the kernel via syslog or bare.
class FirewallDecoder final : public ProgramDecoder {
 public:
  std::string_view name() const override { return "iptables"; }
  bool claims(std::string_view program, std::string_view tag, std::string_view body) const override;
  bool decode_body(std::string_view tag, std::string_view body,
                   std::vector<Field>& out) const override;
};

// rsyslog's "message repeated N times: [ MSG]": returns MSG and sets `count` to N; returns
// `body` unchanged with `count` = 1 when it is not such a line.
std::string_view unwrap_repeated_message(std::string_view body, std::int64_t& count);

}  // namespace soc::agent
