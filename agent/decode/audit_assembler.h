// AuditAssembler: groups the records of one Linux audit event (the lines sharing one
// msg=audit(time:serial), e.g. SYSCALL + EXECVE + CWD + PATH... + PROCTITLE + EOE) into ONE event.
//
// Feed it every event of a source in order, after AuditdDecoder ran on it:
//   push(): a record whose time:serial differs from the pending group's emits that group first;
//           an EOE record ends its group (the group is emitted at once); a record that is not
//           an audit record (no auditd.message_type field) emits the pending group and then
//           passes through unchanged, so the order of events is kept.
//   flush(): emits the pending group; the agent calls it before sealing each batch, so no line
//           is ever held across a batch.
// Records of one event are expected to be contiguous (as auditd writes them); an event whose
// records are interleaved with another's comes out as several groups. A group is emitted early
// when it reaches kMaxRecords records or kMaxRawBytes of text.
//
// The grouped event: time, source and kind of the first record; raw = the records' lines joined
// with '\n' (EOE included); auditd.message_type and event.action of the first record;
// auditd.message_types = the record types in order (EOE excluded); the ECS fields of the records
// merged, first value winning (process.* from SYSCALL, process.title from PROCTITLE,
// process.command_line/args from EXECVE, process.working_directory from CWD), file.path = the
// name of the first PATH record whose nametype (objtype on old kernels) is not PARENT, else of the
// first PATH; with a SOCKADDR record and an x86_64/aarch64 SYSCALL of connect/sendto/sendmsg
// the socket address becomes destination.ip/port, of accept/accept4/recvfrom/recvmsg/getpeername
// source.ip/port. auditd.data.<key> keeps the first record's key; a key that is already taken is
// named auditd.<type>.<key> (type lower-cased: auditd.execve.a0, auditd.path.name), and when
// that is taken too auditd.<type>.<n>.<key> with n the record's index among its type (the third
// PATH: auditd.path.2.name). See README-auditd.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/event.h"

namespace soc::agent {

class AuditAssembler {
 public:
  static constexpr std::size_t kMaxRecords = 256;
  static constexpr std::size_t kMaxRawBytes = 1 << 20;

  void push(Event&& decoded_record, std::vector<Event>& out);
  void flush(std::vector<Event>& out);

  // Records waiting in the current group.
  std::size_t pending() const { return records_.size(); }

 private:
  std::vector<Event> records_;
  std::int64_t sequence_ = 0;
  TimeNs time_ns_ = 0;
  std::size_t raw_bytes_ = 0;
};

}  // namespace soc::agent
