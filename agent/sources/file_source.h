// FileSource: follows log files named by paths and glob patterns, one event per line.
//
// - A line is emitted only once its '\n' has been written; the '\n' (and a '\r' before it) is
//   not part of Event::raw. A partial last line waits for its newline.
// - A line longer than max_line_bytes is cut to max_line_bytes and flagged with the fields
//   log.truncated=true and log.original_bytes=<full length>; the rest of it is skipped.
// - Files are identified by device+inode plus a fingerprint (hash of the first
//   fingerprint_bytes bytes), so an inode reused by a new file is read from its start.
// - Rename rotation: when the path names a new file, the old file is read to its end before it
//   is closed, then the new file is read from its beginning.
// - copytruncate: when a file shrinks below the read position, it is read again from offset 0.
// - start_at_end applies only to files present at the first scan with no checkpoint; files
//   that appear later are read from their beginning.
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
