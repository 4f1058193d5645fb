#include "agent/net/protocols/ssh_analyzer.h"

#include "agent/net/packet.h"
#include "agent/net/protocols/analyzer_util.h"

namespace soc::agent::net::protocols {
namespace {

constexpr std::string_view kPrefix = "SSH-";

class SshAnalyzer final : public FlowAnalyzer {
 public:
  void on_payload(const Flow& flow, Direction dir, std::span<const std::uint8_t> bytes, TimeNs ts,
                  std::vector<Event>& out) override {
    (void)flow;
    (void)ts;
    (void)out;
    if (not_ssh_) return;
    Side& s = side_[static_cast<int>(dir)];
    std::string_view data = as_chars(bytes);
    while (!s.done && !data.empty()) {
      const std::size_t nl = data.find('\n');
      const std::string_view part = data.substr(0, nl);
      s.line.append(part.substr(0, kSshMaxLine + 1 - std::min(s.line.size(), kSshMaxLine + 1)));
      if (!started_) {
        // The first bytes of the connection must be an identification string.
        const std::size_t n = std::min(s.line.size(), kPrefix.size());
        if (s.line.compare(0, n, kPrefix.substr(0, n)) != 0) {
          not_ssh_ = true;
          return;
        }
        if (n == kPrefix.size()) started_ = true;
      }
      if (nl == std::string_view::npos) {
        if (s.line.size() > kSshMaxLine) s.done = true;
        return;
      }
      data.remove_prefix(nl + 1);
      std::string_view line = s.line;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.substr(0, kPrefix.size()) == kPrefix && line.size() <= kSshMaxLine) {
        s.banner = printable(line, kSshMaxLine);
        s.done = true;
      } else if (dir == Direction::kOrig || ++s.pre_lines > kSshMaxPreLines) {
        s.done = true;
      }
      s.line.clear();
    }
  }

  void on_end(const Flow& flow, Event& flow_event, std::vector<Event>& out) override {
    (void)flow;
    (void)out;
    if (not_ssh_) return;
    // kOrig is the originator (the client, once the table has oriented the flow).
    const std::string& client = side_[0].banner;
    const std::string& server = side_[1].banner;
    if (client.empty() && server.empty()) return;
    set_network_protocol(flow_event, "ssh");
    if (!client.empty()) append_string(flow_event.fields, "ssh.client", client);
    if (!server.empty()) append_string(flow_event.fields, "ssh.server", server);
  }

  bool wants_more() const override { return !not_ssh_ && !(side_[0].done && side_[1].done); }

 private:
  struct Side {
    std::string line;
    std::string banner;
    int pre_lines = 0;
    bool done = false;
  };
  Side side_[2];
  bool started_ = false;
  bool not_ssh_ = false;
};

}  // namespace

std::unique_ptr<FlowAnalyzer> SshAnalyzerFactory::create(const Flow& flow) {
  if (flow.proto != kProtoTcp) return nullptr;
  return std::make_unique<SshAnalyzer>();
}

}  // namespace soc::agent::net::protocols
