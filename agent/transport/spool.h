// Spool: the agent's on-disk queue of encoded batches awaiting the collector's ack.
//
// One file per batch, named by its zero-padded sequence number, written with write-to-temp,
// fsync and rename, so after a crash every file present is complete. Batches are appended in
// sequence order and removed from the oldest end when acknowledged. Owned by the pipeline thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/result.h"

namespace soc::agent {

class Spool {
 public:
  // Opens (creating) dir and indexes the batch files in it; stray temp files are removed.
  static Result<Spool> open(const std::string& dir);

  // Durably stores bytes as batch seq; seq must be greater than every stored seq.
  Result<void> append(std::uint64_t seq, const std::string& bytes);
  Result<std::string> read(std::uint64_t seq) const;
  // Replaces a stored batch (used to re-encode a batch header before a resend).
  Result<void> rewrite(std::uint64_t seq, const std::string& bytes);
  // Removes every batch with a sequence number <= seq; returns how many were removed.
  std::size_t remove_through(std::uint64_t seq);
  // Removes every batch with a sequence number >= seq (batches never committed to the state).
  std::size_t remove_from(std::uint64_t seq);

  bool empty() const { return sizes_.empty(); }
  std::size_t count() const { return sizes_.size(); }
  std::uint64_t bytes() const { return total_bytes_; }
  std::optional<std::uint64_t> oldest() const;
  std::optional<std::uint64_t> newest() const;
  bool contains(std::uint64_t seq) const { return sizes_.count(seq) != 0; }

 private:
  explicit Spool(std::string dir) : dir_(std::move(dir)) {}
  std::string path_of(std::uint64_t seq) const;
  Result<void> write_durably(std::uint64_t seq, const std::string& bytes);

  std::string dir_;
  std::map<std::uint64_t, std::uint64_t> sizes_;  // seq -> file size
  std::uint64_t total_bytes_ = 0;
};

// Writes content to path atomically and durably (common/write_file_durably.h), readable by the
// owner only, through path + ".tmp" (in the spool, a name Spool::open clears).
Result<void> write_private_file_durably(const std::string& path, const std::string& content);

}  // namespace soc::agent
