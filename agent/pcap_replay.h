// `soc-agent --pcap FILE [--set KEY=VALUE]...`: the one-shot replay of a capture file for
// analysts. Reads FILE through the same decoder and flow table as the pcap source, prints each
// flow event as one ECS JSON line on stdout, then the counters ("name value" lines) on stderr.
// --set takes the pcap source keys without a prefix (e.g. --set bpf_filter=tcp,
// --set udp_timeout_s=30); unknown keys are errors.
// Exit codes: 0 done, 2 usage error, bad key or unreadable file (with a message on stderr).
#pragma once

namespace soc::agent {

// True when argv asks for the replay mode (contains --pcap).
bool is_pcap_replay(int argc, char** argv);

// Runs the replay; returns the process exit code.
int run_pcap_replay(int argc, char** argv);

}  // namespace soc::agent
