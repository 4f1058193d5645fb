// libFuzzer target: the web access, JSON and auditd decoders and the audit assembler on any bytes.
// The input is split into lines; every line goes through the three decoders and then the
// assembler. Properties: nothing crashes or throws; a decoder that returns false leaves the event
// exactly as it was; the assembler neither loses nor invents a line (the lines in the raw text of
// what it emits are the lines pushed, in order).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "agent/decode/audit_assembler.h"
#include "agent/decode/auditd_decoder.h"
#include "agent/decode/json_decoder.h"
#include "agent/decode/web_access_decoder.h"

namespace {

void check_unchanged_on_refusal(const soc::agent::Decoder& decoder, const std::string& line) {
  soc::Event e;
  e.raw = line;
  e.time_ns = 1;
  const soc::Event before = e;
  if (!decoder.decode(e) && !(e == before)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const soc::agent::WebAccessDecoder web;
  static const soc::agent::JsonDecoder json;
  static const soc::agent::AuditdDecoder auditd;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  soc::agent::AuditAssembler assembler;
  std::vector<soc::Event> out;
  std::string pushed;  // the lines pushed, joined with '\n'
  std::size_t lines = 0;
  std::size_t start = 0;
  while (start <= bytes.size()) {
    std::size_t end = bytes.find('\n', start);
    if (end == std::string_view::npos) end = bytes.size();
    const std::string line(bytes.substr(start, end - start));
    check_unchanged_on_refusal(web, line);
    check_unchanged_on_refusal(json, line);
    check_unchanged_on_refusal(auditd, line);

    soc::Event e;
    e.raw = line;
    if (!auditd.decode(e)) web.decode(e);
    assembler.push(std::move(e), out);
    if (lines++ > 0) pushed.push_back('\n');
    pushed += line;
    start = end + 1;
  }
  assembler.flush(out);

  std::string emitted;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0) emitted.push_back('\n');
    emitted += out[i].raw;
  }
  if (emitted != pushed) std::abort();
  return 0;
}
