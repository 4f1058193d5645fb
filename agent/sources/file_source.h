// FileSource: follows log files named by paths and glob patterns, one event per line.
//
// - A line is emitted only once its '\n' has been written; the '\n' (and a '\r' before it) is
//   not part of Event::raw. A partial last line waits for its newline.
// - A line longer than max_line_bytes is cut to max_line_bytes and flagged with the fields
//   log.truncated=true and log.original_bytes=<full length>; the rest of it is skipped.
// - Files are identified by device+inode plus a fingerprint (hash of the first
//   fingerprint_bytes bytes), so an inode reused by a new file is read from its start.
// - Rename rotation: when the path names a new file (or nothing), the old file stays open and
//   is read alongside the new file, which is read from its beginning at once: a writer that
//   reopens its log late still appends to the old file. Within each file lines keep their order;
//   across the two there is no order, though within a poll the old file is read first. The old
//   file is closed once read to its end and either deleted (no link left) or unchanged in size
//   for close_inactive_ms. Until then the checkpoint lists both files under the path, oldest
//   first, and a restart resumes both (the old one is looked up by inode in the path's directory).
// - A file the patterns also match under its new name (x.log renamed to x.log.1, pattern
//   "x.log*") goes on being read under that name, not read again.
// - copytruncate: when a file shrinks below the read position, it is read again from offset 0.
// - start_at_end applies only when there is no checkpoint: to the files present at the first
//   scan of a source whose restore() was never given one (or was given null). Once restore() has
//   applied a checkpoint, even one that lists no files ({"version":1,"files":[]}), every file not
//   in it is read from its beginning: it appeared while the agent was down, or its lines went
//   into a batch lost in a crash. Files that appear after the first scan are always read from
//   their beginning.
// - checkpoint() is null until the first scan (the first poll with max_events > 0) or a restore
//   of a checkpoint, so a checkpoint saved before the source ever ran keeps start_at_end on.
//   Paths that are not valid UTF-8 are saved as hex ("path_hex") so the JSON can be written.
// - Globs are re-expanded every rescan_interval_ms.
// Events: kind=log, source=the file path, time=read time, raw=the line, field log.file.path.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/sources/source.h"

namespace soc::agent {

struct FileSourceConfig {
  std::string name = "file";           // checkpoint key
  std::vector<std::string> paths;      // files or glob patterns
  bool start_at_end = false;           // "start: end" in the config
  std::size_t max_line_bytes = 65536;  // longer lines are cut and flagged
  std::int64_t rescan_interval_ms = 1000;
  std::size_t fingerprint_bytes = 256;
  // A rotated file is closed once read to its end and unchanged in size for this long (counted
  // from its last growth, at the earliest from when the rotation was seen), or deleted.
  std::int64_t close_inactive_ms = 300000;
};

class FileSource final : public Source {
 public:
  explicit FileSource(FileSourceConfig config);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  const std::string& name() const override;
  std::size_t poll(std::vector<Event>& out, std::size_t max_events) override;
  nlohmann::json checkpoint() const override;
  Result<void> restore(const nlohmann::json& checkpoint) override;
  std::map<std::string, std::uint64_t> counters() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace soc::agent
