// SSH version exchange as a FlowAnalyzer: the client's and the server's identification strings
// ("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3") become `ssh.client` and `ssh.server` on the flow's own
// event, with network.protocol "ssh" (no event of its own: the banners are a property of the
// connection, and EventKind has no ssh kind).
//
// Contract: the factory attaches an analyzer to every TCP flow that carries payload; it gives up
// unless the first payload of the connection starts with "SSH-". A banner line is at most
// kSshMaxLine bytes; the server may send up to kSshMaxPreLines other lines before it (RFC
// 4253 4.2). After both banners (or on anything else) it wants no more payload. Single-threaded; no
// exceptions.
#pragma once

#include <memory>
#include <string>

#include "agent/net/flow_analyzer.h"

namespace soc::agent::net::protocols {

inline constexpr std::size_t kSshMaxLine = 255;
inline constexpr int kSshMaxPreLines = 16;

class SshAnalyzerFactory final : public FlowAnalyzerFactory {
 public:
  std::string_view name() const override { return "ssh"; }
  std::unique_ptr<FlowAnalyzer> create(const Flow& flow) override;
};

}  // namespace soc::agent::net::protocols
