// Unit tests for FileSource, on real files in a temporary directory.
#include "agent/sources/file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "tests/temp_dir.h"

namespace {

using soc::Event;
using soc::FieldValue;
using soc::agent::FileSource;
using soc::agent::FileSourceConfig;
using soc::testing::TempDir;

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  ASSERT_TRUE(out.good()) << path;
}

void append_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << content;
  ASSERT_TRUE(out.good()) << path;
}

FileSourceConfig config_for(std::vector<std::string> paths) {
  FileSourceConfig config;
  config.paths = std::move(paths);
  config.rescan_interval_ms = 0;  // rescan on every poll: no waiting in tests
  return config;
}

// Polls until nothing more comes; returns every event.
std::vector<Event> poll_events(FileSource& source, std::size_t max_events = 1000) {
  std::vector<Event> all;
  for (int round = 0; round < 10000; ++round) {
    const std::size_t before = all.size();
    const std::size_t added = source.poll(all, max_events);
    EXPECT_EQ(added, all.size() - before);
    EXPECT_LE(added, max_events);
    if (added == 0) break;
  }
  return all;
}

std::vector<std::string> raws(const std::vector<Event>& events) {
  std::vector<std::string> lines;
  for (const Event& event : events) lines.push_back(event.raw);
  return lines;
}

std::vector<std::string> poll_lines(FileSource& source, std::size_t max_events = 1000) {
  return raws(poll_events(source, max_events));
}

using Lines = std::vector<std::string>;

// Polls, collecting lines into seen, until done() holds or 10 s have passed (for tests in which
// time has to pass: they never sleep). Returns whether done() held.
template <typename Done>
bool poll_until(FileSource& source, Lines& seen, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    for (std::string& line : poll_lines(source)) seen.push_back(std::move(line));
    std::this_thread::yield();
  }
  return true;
}

std::uint64_t inode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return static_cast<std::uint64_t>(st.st_ino);
}

// The bytes of text as hex digits, two per byte.
std::string hex_of(const std::string& text, bool upper = false) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string hex;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    hex += digits[byte >> 4];
    hex += digits[byte & 0xf];
  }
  return hex;
}

Lines sorted(Lines lines) {
  std::sort(lines.begin(), lines.end());
  return lines;
}

// Restarts: a new source over the same config, restored from a (serialised) checkpoint.
std::unique_ptr<FileSource> restart(const FileSource& old, const FileSourceConfig& config) {
  const std::string saved = old.checkpoint().dump();
  auto source = std::make_unique<FileSource>(config);
  auto restored = source->restore(nlohmann::json::parse(saved));
  EXPECT_TRUE(restored.has_value()) << (restored ? "" : restored.error().message);
  return source;
}

}  // namespace

TEST(FileSource, ReadsLinesAsLogEvents) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "one\ntwo\nthree\n");
  FileSource source(config_for({path}));
  EXPECT_EQ(source.name(), "file");

  const soc::TimeNs before = soc::now_ns();
  std::vector<Event> events = poll_events(source);
  const soc::TimeNs after = soc::now_ns();

  ASSERT_EQ(raws(events), (Lines{"one", "two", "three"}));
  for (const Event& event : events) {
    EXPECT_EQ(event.kind, soc::EventKind::kLog);
    EXPECT_EQ(event.source, path);
    EXPECT_GE(event.time_ns, before);
    EXPECT_LE(event.time_ns, after);
    const FieldValue* field = event.find("log.file.path");
    ASSERT_NE(field, nullptr);
    EXPECT_EQ(std::get<std::string>(*field), path);
    EXPECT_EQ(event.find("log.truncated"), nullptr);
  }
  auto counters = source.counters();
  EXPECT_EQ(counters["lines"], 3u);
  EXPECT_EQ(counters["bytes"], 14u);
  EXPECT_EQ(counters["files"], 1u);
  EXPECT_EQ(counters["errors"], 0u);
  EXPECT_TRUE(counters.contains("truncated"));
  EXPECT_TRUE(counters.contains("rotations"));
  EXPECT_TRUE(counters.contains("truncations"));

  append_file(path, "four\n");
  EXPECT_EQ(poll_lines(source), (Lines{"four"}));
}

TEST(FileSource, PartialLineWaitsForItsNewline) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "first\npar");
  FileSource source(config_for({path}));

  EXPECT_EQ(poll_lines(source), (Lines{"first"}));
  append_file(path, "ti");
  EXPECT_EQ(poll_lines(source), Lines{});
  append_file(path, "al\nnext");
  EXPECT_EQ(poll_lines(source), (Lines{"partial"}));
  append_file(path, "\n");
  EXPECT_EQ(poll_lines(source), (Lines{"next"}));
}

TEST(FileSource, StripsNewlineAndCarriageReturnBeforeIt) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "dos\r\n\r\nin\rside\nunix\n\n");
  FileSource source(config_for({path}));
  EXPECT_EQ(poll_lines(source), (Lines{"dos", "", "in\rside", "unix", ""}));

  // A '\r' that arrives before its '\n' in a separate write is still stripped.
  append_file(path, "split\r");
  EXPECT_EQ(poll_lines(source), Lines{});
  append_file(path, "\n");
  EXPECT_EQ(poll_lines(source), (Lines{"split"}));
}

TEST(FileSource, LongLineIsCutAndFlaggedAndNextLineIsFine) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "0123456789abcdef\nok\n01234567\r\n012345678\r\n");
  FileSourceConfig config = config_for({path});
  config.max_line_bytes = 8;
  FileSource source(config);

  std::vector<Event> events = poll_events(source);
  ASSERT_EQ(raws(events), (Lines{"01234567", "ok", "01234567", "01234567"}));
  ASSERT_NE(events[0].find("log.truncated"), nullptr);
  EXPECT_EQ(std::get<bool>(*events[0].find("log.truncated")), true);
  EXPECT_EQ(std::get<std::int64_t>(*events[0].find("log.original_bytes")), 16);
  EXPECT_EQ(events[1].find("log.truncated"), nullptr);
  EXPECT_EQ(events[1].find("log.original_bytes"), nullptr);
  EXPECT_EQ(events[2].find("log.truncated"), nullptr);  // exactly max_line_bytes before "\r\n"
  EXPECT_EQ(std::get<std::int64_t>(*events[3].find("log.original_bytes")), 9);
  EXPECT_EQ(source.counters()["truncated"], 2u);
}

TEST(FileSource, LongLineAcrossReadsAndPollsCountsFullLength) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  const std::string head(1000, 'h');
  const std::string tail(300000, 't');  // several 64 KiB reads
  write_file(path, head);
  FileSourceConfig config = config_for({path});
  config.max_line_bytes = 1000;
  FileSource source(config);

  EXPECT_EQ(poll_lines(source), Lines{});
  append_file(path, tail);
  EXPECT_EQ(poll_lines(source), Lines{});
  EXPECT_EQ(source.checkpoint()["files"][0]["skipping"], true);
  EXPECT_EQ(source.checkpoint()["files"][0]["offset"], 0);
  append_file(path, "\r\nafter\n");

  std::vector<Event> events = poll_events(source);
  ASSERT_EQ(raws(events), (Lines{head, "after"}));
  EXPECT_EQ(std::get<std::int64_t>(*events[0].find("log.original_bytes")), 301000);
  EXPECT_EQ(events[1].find("log.truncated"), nullptr);
  EXPECT_EQ(source.checkpoint()["files"][0]["skipping"], false);
}

TEST(FileSource, StartAtEndSkipsExistingLinesOfFirstScanOnly) {
  TempDir dir{"file_source_test"};
  const std::string old_path = dir.file("old.log");
  write_file(old_path, "old1\nold2\nin progr");
  FileSourceConfig config = config_for({dir.file("*.log")});
  config.start_at_end = true;
  FileSource source(config);

  EXPECT_EQ(poll_lines(source), Lines{});
  append_file(old_path, "ess\nnew\n");
  // The line being written at start-up comes out whole.
  EXPECT_EQ(poll_lines(source), (Lines{"in progress", "new"}));

  // A file that appears later is read from its beginning.
  write_file(dir.file("later.log"), "l1\nl2\n");
  EXPECT_EQ(poll_lines(source), (Lines{"l1", "l2"}));
}

TEST(FileSource, StartAtEndWithoutCheckpointStillStartsAtEnd) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "old1\nold2\n");
  FileSourceConfig config = config_for({path});
  config.start_at_end = true;

  FileSource never_restored(config);
  EXPECT_EQ(poll_lines(never_restored), Lines{});

  FileSource restored_null(config);  // restore(null): no checkpoint either
  ASSERT_TRUE(restored_null.restore(nullptr).has_value());
  EXPECT_EQ(poll_lines(restored_null), Lines{});

  append_file(path, "new\n");
  EXPECT_EQ(poll_lines(never_restored), (Lines{"new"}));
  EXPECT_EQ(poll_lines(restored_null), (Lines{"new"}));
}

TEST(FileSource, StartAtEndWithEmptyFilesCheckpointReadsFileFromBeginning) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "a1\na2\n");
  FileSourceConfig config = config_for({dir.file("*.log")});
  config.start_at_end = true;
  FileSource source(config);
  ASSERT_TRUE(source.restore(nlohmann::json::parse(R"({"version":1,"files":[]})")).has_value());
  EXPECT_EQ(poll_lines(source), (Lines{"a1", "a2"}));
}

TEST(FileSource, StartAtEndReadsFileMissingFromCheckpointFromBeginning) {
  TempDir dir{"file_source_test"};
  write_file(dir.file("a.log"), "a1\n");
  FileSourceConfig config = config_for({dir.file("*.log")});
  config.start_at_end = true;
  FileSource first(config);
  EXPECT_EQ(poll_lines(first), Lines{});
  append_file(dir.file("a.log"), "a2\n");
  EXPECT_EQ(poll_lines(first), (Lines{"a2"}));

  // While stopped: a.log grows and b.log appears; both are read in full after the restart.
  append_file(dir.file("a.log"), "a3\n");
  write_file(dir.file("b.log"), "b1\nb2\n");
  auto second = restart(first, config);
  EXPECT_EQ(poll_lines(*second), (Lines{"a3", "b1", "b2"}));
}

TEST(FileSource, CheckpointBeforeFirstScanIsNullAndKeepsStartAtEnd) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "old\n");
  FileSourceConfig config = config_for({path});
  config.start_at_end = true;
  FileSource first(config);
  EXPECT_TRUE(first.checkpoint().is_null());
  std::vector<Event> none;
  EXPECT_EQ(first.poll(none, 0), 0u);  // no room: no scan either
  EXPECT_TRUE(first.checkpoint().is_null());

  auto second = restart(first, config);
  EXPECT_EQ(poll_lines(*second), Lines{});  // still started at the end
  EXPECT_EQ(second->checkpoint()["files"].size(), 1u);
  EXPECT_EQ(second->checkpoint()["files"][0]["offset"], 4);
}

TEST(FileSource, StartAtBeginningReadsExistingLines) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "old1\nold2\n");
  FileSourceConfig config = config_for({path});
  config.start_at_end = false;
  FileSource source(config);
  EXPECT_EQ(poll_lines(source), (Lines{"old1", "old2"}));
}

TEST(FileSource, StartAtEndDoesNotApplyToCheckpointedFiles) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "a\n");
  FileSourceConfig config = config_for({path});
  config.start_at_end = true;
  FileSource first(config);
  EXPECT_EQ(poll_lines(first), Lines{});
  append_file(path, "b\n");
  EXPECT_EQ(poll_lines(first), (Lines{"b"}));
  append_file(path, "c\n");
  // Restarted with a checkpoint: resume at the saved offset, not at the end.
  auto second = restart(first, config);
  EXPECT_EQ(poll_lines(*second), (Lines{"c"}));
}

TEST(FileSource, ResumesAfterRestartWithNothingLostOrTwice) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "l1\nl2\nl3\nl4\nl5\n");
  const FileSourceConfig config = config_for({path});
  FileSource first(config);

  std::vector<Event> events;
  EXPECT_EQ(first.poll(events, 2), 2u);  // the rest stays buffered in `first`
  EXPECT_EQ(raws(events), (Lines{"l1", "l2"}));
  EXPECT_EQ(first.checkpoint()["files"][0]["offset"], 6);

  auto second = restart(first, config);
  append_file(path, "l6\n");
  EXPECT_EQ(poll_lines(*second), (Lines{"l3", "l4", "l5", "l6"}));
}

TEST(FileSource, ResumesAfterRestartWithPartialLineBuffered) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "done\nhalf a li");
  const FileSourceConfig config = config_for({path});
  FileSource first(config);
  EXPECT_EQ(poll_lines(first), (Lines{"done"}));
  nlohmann::json saved = first.checkpoint();
  EXPECT_EQ(saved["files"][0]["offset"], 5);  // the buffered partial line is not included

  append_file(path, "ne\nlast\n");
  auto second = restart(first, config);
  EXPECT_EQ(poll_lines(*second), (Lines{"half a line", "last"}));
}

TEST(FileSource, ResumesInsideTooLongLine) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "ok\n" + std::string(100, 'x'));
  FileSourceConfig config = config_for({path});
  config.max_line_bytes = 10;
  FileSource first(config);
  EXPECT_EQ(poll_lines(first), (Lines{"ok"}));
  EXPECT_EQ(first.checkpoint()["files"][0]["skipping"], true);

  append_file(path, std::string(50, 'y') + "\nz\n");
  auto second = restart(first, config);
  std::vector<Event> events = poll_events(*second);
  ASSERT_EQ(raws(events), (Lines{std::string(10, 'x'), "z"}));
  EXPECT_EQ(std::get<std::int64_t>(*events[0].find("log.original_bytes")), 150);
}

TEST(FileSource, RenameRotationReadsOldFileToItsEndAndNewFile) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "o1\no2\n");
  FileSource source(config_for({path}));
  EXPECT_EQ(poll_lines(source), (Lines{"o1", "o2"}));

  const int writer = ::open(path.c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(writer, 0);
  ASSERT_EQ(::rename(path.c_str(), dir.file("app.log.1").c_str()), 0);
  ASSERT_EQ(::write(writer, "o3\no4\n", 6), 6);  // the writer still appends to the old file
  ::close(writer);
  write_file(path, "n1\nn2\n");

  std::vector<Event> events = poll_events(source);
  EXPECT_EQ(raws(events), (Lines{"o3", "o4", "n1", "n2"}));
  for (const Event& event : events) EXPECT_EQ(event.source, path);
  auto counters = source.counters();
  EXPECT_EQ(counters["rotations"], 1u);
  EXPECT_EQ(counters["files"], 2u);  // the old file stays open until inactive or deleted

  append_file(path, "n3\n");
  EXPECT_EQ(poll_lines(source), (Lines{"n3"}));
}

TEST(FileSource, RotatedFileIsReadFirstEvenWithSmallBatches) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "");
  FileSource source(config_for({path}));
  EXPECT_EQ(poll_lines(source), Lines{});
  write_file(path, "o1\no2\no3\n");  // same inode, not yet read
  ASSERT_EQ(::rename(path.c_str(), dir.file("app.log.1").c_str()), 0);
  write_file(path, "n1\n");
  EXPECT_EQ(poll_lines(source, 1), (Lines{"o1", "o2", "o3", "n1"}));
}

TEST(FileSource, LateWritesToRotatedFileAfterNewFileProducedLinesAreRead) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "o1\n");
  FileSource source(config_for({path}));  // close_inactive_ms: the 5 min default
  EXPECT_EQ(poll_lines(source), (Lines{"o1"}));

  const int writer = ::open(path.c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(writer, 0);
  ASSERT_EQ(::rename(path.c_str(), dir.file("app.log.1").c_str()), 0);
  write_file(path, "n1\nn2\n");
  // The new file is read at once, without waiting for the old one to be closed.
  EXPECT_EQ(poll_lines(source), (Lines{"n1", "n2"}));
  EXPECT_EQ(source.counters()["rotations"], 1u);

  // The writer has not reopened its log yet (slow postrotate): it appends to the old file.
  ASSERT_EQ(::write(writer, "o2\no3\n", 6), 6);
  EXPECT_EQ(poll_lines(source), (Lines{"o2", "o3"}));
  ASSERT_EQ(::write(writer, "o4\n", 3), 3);
  append_file(path, "n3\n");
  std::vector<Event> events = poll_events(source);
  EXPECT_EQ(raws(events), (Lines{"o4", "n3"}));  // within a poll the old file comes first
  for (const Event& event : events) EXPECT_EQ(event.source, path);
  ::close(writer);
  EXPECT_EQ(source.counters()["files"], 2u);
  EXPECT_EQ(source.counters()["rotations"], 1u);
}

TEST(FileSource, RotatedFileIsClosedAfterInactivity) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "o1\n");
  FileSourceConfig config = config_for({path});
  config.close_inactive_ms = 50;
  FileSource source(config);
  EXPECT_EQ(poll_lines(source), (Lines{"o1"}));

  append_file(path, "o2\n");
  ASSERT_EQ(::rename(path.c_str(), dir.file("app.log.1").c_str()), 0);
  write_file(path, "n1\n");
  Lines seen;
  ASSERT_TRUE(poll_until(source, seen, [&] {
    auto counters = source.counters();
    return counters["rotations"] == 1u && counters["files"] == 1u;
  }));
  EXPECT_EQ(seen, (Lines{"o2", "n1"}));
  const nlohmann::json checkpoint = source.checkpoint();
  ASSERT_EQ(checkpoint["files"].size(), 1u);
  EXPECT_EQ(checkpoint["files"][0]["ino"], inode_of(path));  // the new file is the one left

  append_file(path, "n2\n");
  EXPECT_EQ(poll_lines(source), (Lines{"n2"}));
}

TEST(FileSource, DeletedRotatedFileIsClosedOnceReadToItsEnd) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "o1\n");
  FileSource source(config_for({path}));  // close_inactive_ms: the 5 min default
  EXPECT_EQ(poll_lines(source), (Lines{"o1"}));

  const int writer = ::open(path.c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(writer, 0);
  ASSERT_EQ(::rename(path.c_str(), dir.file("app.log.1").c_str()), 0);
  write_file(path, "n1\n");
  EXPECT_EQ(poll_lines(source), (Lines{"n1"}));
  EXPECT_EQ(source.counters()["files"], 2u);

  ASSERT_EQ(::write(writer, "o2\n", 3), 3);
  ASSERT_EQ(::unlink(dir.file("app.log.1").c_str()), 0);
  EXPECT_EQ(poll_lines(source), (Lines{"o2"}));  // read to its end, then closed
  EXPECT_EQ(source.counters()["files"], 1u);
  ::close(writer);
}

TEST(FileSource, RestartWhileRotatedAndNewFileAreOpenResumesBoth) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  const std::string rotated = dir.file("app.log.1");
  write_file(path, "o1\n");
  const FileSourceConfig config = config_for({path});
  FileSource first(config);
  EXPECT_EQ(poll_lines(first), (Lines{"o1"}));

  const int writer = ::open(path.c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(writer, 0);
  ASSERT_EQ(::rename(path.c_str(), rotated.c_str()), 0);
  write_file(path, "n1\n");
  ASSERT_EQ(::write(writer, "o2\n", 3), 3);
  EXPECT_EQ(poll_lines(first), (Lines{"o2", "n1"}));

  const nlohmann::json saved = first.checkpoint();
  ASSERT_EQ(saved["files"].size(), 2u);  // oldest first, both under the followed path
  EXPECT_EQ(saved["files"][0]["path"], path);
  EXPECT_EQ(saved["files"][0]["ino"], inode_of(rotated));
  EXPECT_EQ(saved["files"][1]["path"], path);
  EXPECT_EQ(saved["files"][1]["ino"], inode_of(path));

  // While stopped, both files grow.
  ASSERT_EQ(::write(writer, "o3\n", 3), 3);
  append_file(path, "n2\n");
  auto second = restart(first, config);
  std::vector<Event> events = poll_events(*second);
  EXPECT_EQ(raws(events), (Lines{"o3", "n2"}));
  for (const Event& event : events) EXPECT_EQ(event.source, path);
  EXPECT_EQ(second->counters()["files"], 2u);

  // Both are still followed, and a further restart reads nothing twice.
  ASSERT_EQ(::write(writer, "o4\n", 3), 3);
  append_file(path, "n3\n");
  EXPECT_EQ(poll_lines(*second), (Lines{"o4", "n3"}));
  auto third = restart(*second, config);
  EXPECT_EQ(poll_lines(*third), Lines{});
  ASSERT_EQ(::write(writer, "o5\n", 3), 3);
  EXPECT_EQ(poll_lines(*third), (Lines{"o5"}));
  ::close(writer);
}

TEST(FileSource, RenamedFileMatchedByPatternIsNotReadTwice) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "a1\n");
  FileSource source(config_for({dir.file("app.log*")}));
  EXPECT_EQ(poll_lines(source), (Lines{"a1"}));

  ASSERT_EQ(::rename(path.c_str(), dir.file("app.log.1").c_str()), 0);
  append_file(dir.file("app.log.1"), "a2\n");
  write_file(path, "b1\n");
  EXPECT_EQ(sorted(poll_lines(source)), (Lines{"a2", "b1"}));
  EXPECT_EQ(source.counters()["files"], 2u);
  append_file(dir.file("app.log.1"), "a3\n");
  EXPECT_EQ(poll_lines(source), (Lines{"a3"}));
}

TEST(FileSource, RotationWhileStoppedDrainsRotatedFileFromOffsetFirst) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "a1\na2\n");
  const FileSourceConfig config = config_for({path});
  FileSource first(config);
  EXPECT_EQ(poll_lines(first), (Lines{"a1", "a2"}));
  const std::string saved = first.checkpoint().dump();

  // While stopped: more lines, rotation, a new file.
  append_file(path, "a3\n");
  ASSERT_EQ(::rename(path.c_str(), dir.file("app.log.1").c_str()), 0);
  append_file(dir.file("app.log.1"), "a4\n");
  write_file(path, "b1\nb2\n");

  FileSource second(config);
  ASSERT_TRUE(second.restore(nlohmann::json::parse(saved)).has_value());
  std::vector<Event> events = poll_events(second);
  EXPECT_EQ(raws(events), (Lines{"a3", "a4", "b1", "b2"}));
  for (const Event& event : events) EXPECT_EQ(event.source, path);
  // The rotated file stays open (the writer may not have reopened its log yet) until it is
  // inactive for close_inactive_ms or deleted.
  EXPECT_EQ(second.counters()["files"], 2u);
  append_file(dir.file("app.log.1"), "a5\n");
  EXPECT_EQ(poll_lines(second), (Lines{"a5"}));
}

TEST(FileSource, RotationWhileDrainingSurvivesRestart) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "o1\no2\no3\n");
  const FileSourceConfig config = config_for({path});
  FileSource first(config);
  EXPECT_EQ(poll_lines(first), (Lines{"o1", "o2", "o3"}));
  append_file(path, "o4\no5\n");
  ASSERT_EQ(::rename(path.c_str(), dir.file("app.log.1").c_str()), 0);
  write_file(path, "n1\n");
  std::vector<Event> events;
  ASSERT_EQ(first.poll(events, 1), 1u);  // o4 out, o5 still to come from the rotated file
  EXPECT_EQ(events[0].raw, "o4");
  EXPECT_EQ(first.checkpoint()["files"].size(), 2u);

  auto second = restart(first, config);
  EXPECT_EQ(poll_lines(*second), (Lines{"o5", "n1"}));
}

TEST(FileSource, CopytruncateReadsAgainFromStart) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "l1\nl2\nl3\n");
  FileSource source(config_for({path}));
  EXPECT_EQ(poll_lines(source), (Lines{"l1", "l2", "l3"}));

  ASSERT_EQ(::truncate(path.c_str(), 0), 0);
  append_file(path, "m1\n");
  EXPECT_EQ(poll_lines(source), (Lines{"m1"}));
  EXPECT_EQ(source.counters()["truncations"], 1u);

  // Truncated and rewritten past the old position before the next poll: the first bytes
  // changed, so it is read again from the start too.
  ASSERT_EQ(::truncate(path.c_str(), 0), 0);
  append_file(path, "r1 is longer\nr2\n");
  EXPECT_EQ(poll_lines(source), (Lines{"r1 is longer", "r2"}));
  EXPECT_EQ(source.counters()["truncations"], 2u);
  EXPECT_EQ(source.counters()["rotations"], 0u);
}

TEST(FileSource, ChangedContentOnRestoreIsReadFromStart) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "aaaa\nbbbb\n");
  const FileSourceConfig config = config_for({path});
  FileSource first(config);
  EXPECT_EQ(poll_lines(first), (Lines{"aaaa", "bbbb"}));
  const std::string saved = first.checkpoint().dump();

  // Same path, same inode (rewritten in place), other content: like an inode reused.
  struct stat before {};
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  write_file(path, "cccc\ndddd\neeee\n");
  struct stat after {};
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  ASSERT_EQ(before.st_ino, after.st_ino);

  FileSource second(config);
  ASSERT_TRUE(second.restore(nlohmann::json::parse(saved)).has_value());
  EXPECT_EQ(poll_lines(second), (Lines{"cccc", "dddd", "eeee"}));
}

TEST(FileSource, ForeignFingerprintOnRestoreIsReadFromStart) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "aaaa\nbbbb\n");
  const FileSourceConfig config = config_for({path});
  FileSource first(config);
  EXPECT_EQ(poll_lines(first), (Lines{"aaaa", "bbbb"}));
  nlohmann::json saved = first.checkpoint();
  saved["files"][0]["fingerprint"] = "0123456789abcdef";

  FileSource second(config);
  ASSERT_TRUE(second.restore(saved).has_value());
  EXPECT_EQ(poll_lines(second), (Lines{"aaaa", "bbbb"}));
}

TEST(FileSource, ShortFileFingerprintGrowsAndStillMatches) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "a\n");
  FileSourceConfig config = config_for({path});
  config.fingerprint_bytes = 16;
  FileSource first(config);
  EXPECT_EQ(poll_lines(first), (Lines{"a"}));
  EXPECT_EQ(first.checkpoint()["files"][0]["fingerprint_len"], 2);

  // Saved with a 2-byte fingerprint; the file grew since: still the same file.
  auto second = restart(first, config);
  append_file(path, "b\nccccccccccccccc\n");
  EXPECT_EQ(poll_lines(*second), (Lines{"b", "ccccccccccccccc"}));
  EXPECT_EQ(second->checkpoint()["files"][0]["fingerprint_len"], 16);

  auto third = restart(*second, config);
  append_file(path, "d\n");
  EXPECT_EQ(poll_lines(*third), (Lines{"d"}));
}

TEST(FileSource, GlobPicksUpFilesCreatedLater) {
  TempDir dir{"file_source_test"};
  write_file(dir.file("a.log"), "a1\n");
  write_file(dir.file("ignored.txt"), "x\n");
  FileSource source(config_for({dir.file("*.log")}));
  EXPECT_EQ(poll_lines(source), (Lines{"a1"}));

  write_file(dir.file("b.log"), "b1\nb2\n");
  write_file(dir.file("other.txt"), "y\n");
  std::vector<Event> events = poll_events(source);
  ASSERT_EQ(raws(events), (Lines{"b1", "b2"}));
  EXPECT_EQ(events[0].source, dir.file("b.log"));
  EXPECT_EQ(source.counters()["files"], 2u);
}

TEST(FileSource, RescanWaitsForItsInterval) {
  TempDir dir{"file_source_test"};
  FileSourceConfig config = config_for({dir.file("*.log")});
  config.rescan_interval_ms = std::int64_t{3600} * 1000;
  FileSource source(config);
  EXPECT_EQ(poll_lines(source), Lines{});
  write_file(dir.file("late.log"), "x\n");
  EXPECT_EQ(poll_lines(source), Lines{});  // not rescanned yet
}

TEST(FileSource, MaxEventsIsRespected) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  std::string content;
  Lines expected;
  for (int i = 0; i < 10; ++i) {
    content += "line " + std::to_string(i) + "\n";
    expected.push_back("line " + std::to_string(i));
  }
  write_file(path, content);
  FileSource source(config_for({path}));

  std::vector<Event> out;
  EXPECT_EQ(source.poll(out, 0), 0u);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(source.poll(out, 3), 3u);
  EXPECT_EQ(out.size(), 3u);
  EXPECT_EQ(source.poll(out, 3), 3u);
  EXPECT_EQ(out.size(), 6u);
  EXPECT_EQ(source.poll(out, 100), 4u);
  EXPECT_EQ(source.poll(out, 100), 0u);
  EXPECT_EQ(raws(out), expected);
}

TEST(FileSource, ManyLinesAcrossChunksArriveInOrder) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("big.log");
  std::string content;
  constexpr int kLines = 50000;
  for (int i = 0; i < kLines; ++i) content += "event number " + std::to_string(i) + " payload\n";
  write_file(path, content);
  FileSource source(config_for({path}));
  Lines lines = poll_lines(source, 777);
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kLines));
  for (int i = 0; i < kLines; i += 997) {
    EXPECT_EQ(lines[i], "event number " + std::to_string(i) + " payload");
  }
  EXPECT_EQ(lines.back(), "event number " + std::to_string(kLines - 1) + " payload");
  EXPECT_EQ(source.counters()["bytes"], content.size());
  EXPECT_EQ(source.checkpoint()["files"][0]["offset"], content.size());
}

TEST(FileSource, MalformedCheckpointIsAnError) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "x\n");
  const nlohmann::json good_file = {{"path", path},
                                    {"dev", 1},
                                    {"ino", 2},
                                    {"fingerprint", "00000000000000ff"},
                                    {"fingerprint_len", 2},
                                    {"offset", 0},
                                    {"skipping", false}};
  auto with = [&](const char* key, nlohmann::json value) {
    nlohmann::json file = good_file;
    file[key] = std::move(value);
    return nlohmann::json{{"version", 1}, {"files", nlohmann::json::array({file})}};
  };
  auto without = [&](const char* key) {
    nlohmann::json file = good_file;
    file.erase(key);
    return nlohmann::json{{"version", 1}, {"files", nlohmann::json::array({file})}};
  };
  auto with_hex = [&](nlohmann::json value) {  // "path_hex" instead of "path"
    nlohmann::json file = good_file;
    file.erase("path");
    file["path_hex"] = std::move(value);
    return nlohmann::json{{"version", 1}, {"files", nlohmann::json::array({file})}};
  };
  const std::vector<nlohmann::json> bad = {
      nlohmann::json::array({1, 2}),
      "text",
      nlohmann::json::object(),
      {{"files", "not a list"}},
      {{"files", nlohmann::json::array({1})}},
      with("offset", -1),
      with("offset", "12"),
      with("dev", 1.5),
      with("fingerprint", 12),
      with("fingerprint", "xyz"),
      with("fingerprint", "0123456789abcdeg"),
      with("skipping", 0),
      with("path", ""),
      with("path", 12),
      with("path", std::string("a\0b", 3)),
      with("path_hex", "61"),  // both "path" and "path_hex"
      with_hex(""),
      with_hex("616"),
      with_hex("6g"),
      with_hex("610062"),  // a NUL byte
      with_hex(97),
      without("ino"),
      without("path"),
  };
  for (const nlohmann::json& checkpoint : bad) {
    FileSource source(config_for({path}));
    auto result = source.restore(checkpoint);
    ASSERT_FALSE(result.has_value()) << checkpoint.dump();
    EXPECT_EQ(result.error().code, soc::ErrorCode::kInvalidArgument) << checkpoint.dump();
    EXPECT_EQ(poll_lines(source), (Lines{"x"}));  // still usable, nothing applied
  }

  FileSource source(config_for({path}));
  EXPECT_TRUE(source.restore(with("offset", 0)).has_value());  // the good shape is accepted
  FileSource from_hex(config_for({path}));                     // either case of hex digits is read
  EXPECT_TRUE(from_hex.restore(with_hex(hex_of(path, /*upper=*/true))).has_value());
}

TEST(FileSource, PathThatIsNotUtf8IsCheckpointedAsHex) {
  TempDir dir{"file_source_test"};
  const std::string bad = dir.file("bad\xff.log");
  const std::string good = dir.file("caf\xc3\xa9.log");  // valid UTF-8: kept as "path"
  write_file(bad, "b1\n");
  write_file(good, "g1\n");
  const FileSourceConfig config = config_for({dir.file("*.log")});
  FileSource first(config);
  std::vector<Event> events = poll_events(first);
  EXPECT_EQ(sorted(raws(events)), (Lines{"b1", "g1"}));
  for (const Event& event : events) EXPECT_EQ(event.source, event.raw == "b1" ? bad : good);

  const nlohmann::json saved = first.checkpoint();
  EXPECT_NO_THROW((void)saved.dump());
  ASSERT_EQ(saved["files"].size(), 2u);
  int seen = 0;
  for (const nlohmann::json& file : saved["files"]) {
    if (file.contains("path_hex")) {
      EXPECT_FALSE(file.contains("path"));
      EXPECT_EQ(file["path_hex"], hex_of(bad));
      ++seen;
    } else {
      EXPECT_EQ(file["path"], good);
      ++seen;
    }
  }
  EXPECT_EQ(seen, 2);

  append_file(bad, "b2\n");
  append_file(good, "g2\n");
  auto second = restart(first, config);  // through dump() and parse()
  EXPECT_EQ(sorted(poll_lines(*second)), (Lines{"b2", "g2"}));
  EXPECT_EQ(second->counters()["files"], 2u);
}

TEST(FileSource, RestoreAfterPollIsRefused) {
  TempDir dir{"file_source_test"};
  FileSource source(config_for({dir.file("*.log")}));
  std::vector<Event> out;
  source.poll(out, 10);
  EXPECT_FALSE(source.restore(nlohmann::json{{"files", nlohmann::json::array()}}).has_value());
}

TEST(FileSource, DeletedFileIsClosedAndMissingFilesAreNotErrors) {
  TempDir dir{"file_source_test"};
  const std::string path = dir.file("app.log");
  write_file(path, "a\n");
  FileSource source(config_for({path, dir.file("missing.log")}));
  EXPECT_EQ(poll_lines(source), (Lines{"a"}));
  ASSERT_EQ(::unlink(path.c_str()), 0);
  EXPECT_EQ(poll_lines(source), Lines{});
  EXPECT_EQ(source.counters()["files"], 0u);
  EXPECT_EQ(source.counters()["errors"], 0u);
  write_file(path, "b\n");
  EXPECT_EQ(poll_lines(source), (Lines{"b"}));
}
