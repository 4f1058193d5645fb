// DefaultAnalyzers: the protocol analyzers every pcap source runs. The registration list: a new
// protocol is one member here and one line in register_with().
//
// Owns the factories; the flow table it registers them with must not outlive it (declare it
// before the PacketProcessor that holds the table).
#pragma once

#include <string>

#include "agent/net/flow_table.h"
#include "agent/net/protocols/dns_analyzer.h"
#include "agent/net/protocols/http_analyzer.h"
#include "agent/net/protocols/ssh_analyzer.h"
#include "agent/net/protocols/tls_analyzer.h"

namespace soc::agent::net::protocols {

struct DefaultAnalyzers {
  // `source`: Event::source of the summaries (the interface or file).
  explicit DefaultAnalyzers(const std::string& source) : dns(source), http(source), tls(source) {}

  void register_with(FlowTable& table) {
    table.add_analyzer_factory(&dns);
    table.add_analyzer_factory(&http);
    table.add_analyzer_factory(&tls);
    table.add_analyzer_factory(&ssh);
  }

  DnsAnalyzerFactory dns;
  HttpAnalyzerFactory http;
  TlsAnalyzerFactory tls;
  SshAnalyzerFactory ssh;
};

}  // namespace soc::agent::net::protocols
