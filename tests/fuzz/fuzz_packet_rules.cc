// libFuzzer target: any bytes, parsed as a packet-rule file and compiled, must give rules or
// issues with a reason, never a crash or a hang; whatever compiles is matched against a few
// payloads and protocol summaries (the matcher must cope with any compiled rule).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/event.h"
#include "signatures/packet/packet_rule_set.h"
#include "signatures/packet/rule_parser.h"

namespace {

using soc::packet::AppProto;
using soc::packet::Buffer;
using soc::packet::Inspection;

std::vector<Inspection> inspections() {
  static const std::string payload =
      "GET /dvwa/?id=1+union+select+null HTTP/1.1\r\nHost: a.test\r\nUser-Agent: Nmap\r\n\r\n";
  static const std::vector<std::string> instances = {"Host: a.test", "", "User-Agent: Nmap",
                                                     payload};
  std::vector<Inspection> out(5);
  out[0].proto = 6;
  out[0].src = soc::IpAddress::parse("192.168.1.1")->bytes;
  out[0].dst = soc::IpAddress::parse("8.8.8.8")->bytes;
  out[0].sport = 40000;
  out[0].dport = 80;
  out[0].established = true;
  out[0].buffers[0] = payload;
  out[0].present[0] = true;
  // An HTTP summary with every HTTP buffer, and its response; a TLS summary's both sides.
  out[1] = out[0];
  out[1].app = AppProto::kHttp;
  out[2] = out[0];
  out[2].app = AppProto::kTls;
  out[2].present[0] = false;
  for (int b = 1; b < soc::packet::kBufferCount; ++b) {
    const auto buffer = static_cast<Buffer>(b);
    Inspection& in = out[soc::packet::buffer_app(buffer) == AppProto::kTls ? 2 : 1];
    if (soc::packet::is_multi_buffer(buffer)) {
      in.instances[b] = instances;
    } else {
      in.buffers[b] = payload;
    }
    in.present[b] = true;
  }
  out[3] = out[1];
  out[3].to_server = false;
  out[4] = out[2];
  out[4].to_server = false;
  out.push_back(out[0]);
  Inspection& dns = out.back();
  dns.proto = 17;
  dns.app = AppProto::kDns;
  dns.present[0] = false;
  dns.buffers[static_cast<int>(Buffer::kDnsQuery)] = "www.example.com";
  dns.present[static_cast<int>(Buffer::kDnsQuery)] = true;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const soc::packet::Variables vars = soc::packet::Variables::defaults();
  static const std::vector<Inspection> ins = inspections();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  soc::packet::ParsedPacketRules parsed = soc::packet::parse_packet_rules(text, "fuzz", vars);
  if (parsed.rules.size() + parsed.issues.size() != parsed.total) std::abort();
  for (const auto& issue : parsed.issues) {
    if (issue.reason.empty()) std::abort();
  }
  // The same rules without the prefilter (every rule a candidate) must match alike: the
  // prefilter, the header index and the shared header tests only skip rules that cannot match.
  auto plain =
      soc::packet::PacketRuleSet::compile(parsed.rules, parsed.issues, {.use_prefilter = false});
  auto set = soc::packet::PacketRuleSet::compile(std::move(parsed.rules), parsed.issues);
  if (!set || !plain) return 0;
  std::vector<const soc::packet::CompiledPacketRule*> hits, plain_hits;
  soc::packet::FlowBits bits, plain_bits;  // one flow's, through every inspection
  auto sids = [](const std::vector<const soc::packet::CompiledPacketRule*>& h) {
    std::vector<std::uint32_t> out;
    out.reserve(h.size());
    for (const auto* r : h) out.push_back(r->rule.sid);
    return out;
  };
  for (const Inspection& in : ins) {
    (*set)->match(in, hits);
    (*set)->match(in, hits, &bits);
    (*plain)->match(in, plain_hits);
    (*plain)->match(in, plain_hits, &plain_bits);
    if (sids(hits) != sids(plain_hits)) std::abort();
  }
  return 0;
}
