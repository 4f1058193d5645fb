#include "collector/socctl_publish.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "collector/pack_trust.h"
#include "signatures/pack/compiled_pack.h"
#include "signatures/pack/pack_file.h"

namespace soc::collector {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
// Envelope bytes around the pack in a PackPush message.
constexpr std::size_t kPushOverhead = 64;

int complain(const std::string& message, int code = kExitFailure) {
  std::cerr << "socctl: " << message << "\n";
  return code;
}

// Checks `bytes` as an agent would; returns the verified manifest or prints why not.
Result<pack::Manifest> check_like_an_agent(const std::string& bytes,
                                           const CollectorConfig& config) {
  auto keys = load_trusted_keys(config);
  if (!keys) return tl::unexpected(keys.error());
  if (bytes.size() + kPushOverhead > config.limits.max_message_bytes) {
    return fail(ErrorCode::kTooLarge,
                "the pack (" + std::to_string(bytes.size()) +
                    " bytes) does not fit in one message (limits.max_message_bytes " +
                    std::to_string(config.limits.max_message_bytes) + ")");
  }
  auto verified = pack::read_pack(bytes, *keys);
  if (!verified) return tl::unexpected(verified.error());
  auto compiled = pack::compile_pack(*verified);
  if (!compiled) return tl::unexpected(compiled.error());
  return verified->manifest;
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, path + ": cannot open");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in && !in.eof()) return fail(ErrorCode::kIo, path + ": cannot read");
  if (bytes.str().size() > pack::kMaxPackBytes) {
    return fail(ErrorCode::kTooLarge, path + ": larger than a pack may be");
  }
  return bytes.str();
}

void print_published(const PackPublication& p) {
  std::cout << (p.rollback ? "rolled back to " : "published ") << p.name << " " << p.version
            << " (publication " << p.id
            << "); the collector pushes it to connected agents within seconds\n";
}

}  // namespace

int pack_publish(EventStore& store, const CollectorConfig& config, const std::string& file) {
  auto bytes = read_file(file);
  if (!bytes) return complain(bytes.error().message, kExitUsage);
  auto manifest = check_like_an_agent(*bytes, config);
  if (!manifest) {
    const int code =
        manifest.error().code == ErrorCode::kInvalidArgument && config.pack_trusted_keys.empty()
            ? kExitUsage
            : kExitFailure;
    return complain(file + ": refused: " + manifest.error().message, code);
  }
  auto current = store.current_publication();
  if (!current) return complain(current.error().message);
  if (current->has_value()) {
    const auto current_version = pack::PackVersion::parse((*current)->version);
    if (current_version && !(manifest->version > *current_version)) {
      return complain(file + ": refused: version " + manifest->version.to_string() +
                      " is not newer than the current " + (*current)->version +
                      " (to go back on purpose: socctl pack rollback VERSION)");
    }
  }
  auto published = store.publish_pack(
      StoredPack{manifest->name, manifest->version.to_string(), pack::sha256_hex(*bytes), *bytes},
      false);
  if (!published) return complain(file + ": " + published.error().message);
  print_published(*published);
  return 0;
}

int pack_rollback(EventStore& store, const CollectorConfig& config, const std::string& version) {
  auto stored = store.find_pack(version);
  if (!stored) return complain(stored.error().message);
  if (!stored->has_value()) {
    return complain(
        "no pack with version " + version + " was ever published (socctl pack list shows them)",
        kExitUsage);
  }
  // Checked again: a key may have been withdrawn since the pack was published.
  auto manifest = check_like_an_agent((*stored)->bytes, config);
  if (!manifest) return complain("pack " + version + ": refused: " + manifest.error().message);
  auto published = store.publish_pack(**stored, true);
  if (!published) return complain(published.error().message);
  print_published(*published);
  return 0;
}

int pack_list(EventStore& store, bool json) {
  auto history = store.pack_history();
  if (!history) return complain(history.error().message);
  if (json) {
    for (std::size_t i = 0; i < history->size(); ++i) {
      const PackPublication& p = (*history)[i];
      std::cout << nlohmann::json{{"publication", p.id},
                                  {"name", p.name},
                                  {"version", p.version},
                                  {"published", format_rfc3339(p.published_ns)},
                                  {"rollback", p.rollback},
                                  {"current", i == 0}}
                       .dump()
                << "\n";
    }
    return 0;
  }
  std::printf("%-11s %-20s %-14s %-20s %s\n", "PUBLICATION", "NAME", "VERSION", "PUBLISHED", "");
  for (std::size_t i = 0; i < history->size(); ++i) {
    const PackPublication& p = (*history)[i];
    const std::string when = format_rfc3339(p.published_ns).substr(0, 19) + "Z";
    std::printf("%-11lld %-20s %-14s %-20s %s%s\n", static_cast<long long>(p.id), p.name.c_str(),
                p.version.c_str(), when.c_str(), i == 0 ? "current" : "",
                p.rollback ? (i == 0 ? ", rollback" : "rollback") : "");
  }
  return 0;
}

}  // namespace soc::collector
