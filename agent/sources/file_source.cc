// FileSource implementation; file_source.h holds the contract.
//
// Inside:
// - Every followed file is a Reader: an open fd, the file's identity (st_dev, st_ino), a
//   fingerprint (FNV-1a 64 of its first fingerprint_bytes bytes, with how many bytes it covers),
//   `offset` (the position just after the last emitted line: what checkpoint() saves) and
//   `read_pos` (where read(2) continues). The bytes between the two are the unterminated line
//   (`pending`, of which at most max_line_bytes are kept) and bytes read but not scanned yet
//   because max_events was reached (`carry`).
// - A fingerprint of a file shorter than fingerprint_bytes covers what is there and is extended
//   as the file grows; two fingerprints are compared over the saved one's length only.
// - A Reader whose path names another file now, or nothing, is `rotated`. It keeps being read,
//   alongside the Reader of the new file at that path (readers_ is oldest first, so within a
//   poll the old file is read first), because a writer may reopen its log late and append to the
//   renamed file meanwhile. It is closed once it is read to its end (`at_eof`, no `carry`) and
//   either its file is deleted (st_nlink == 0) or its size has not changed for close_inactive_ms
//   (`last_change_ms`, restarted when the rotation is seen). Its size and link count are
//   refreshed by the fstat(2) of every read.
// - A file that the patterns also match under its new name (x.log renamed to x.log.1, pattern
//   "x.log*") is not read twice: its Reader moves to the new name.
// - start_at_end applies to the files of the first scan only when there is no checkpoint:
//   `checkpointed_` is set by a restore() of a (well-formed) checkpoint, even one with no files.
//   Until the first scan or a restore, checkpoint() is null (nothing to resume from), so that a
//   checkpoint saved before the first poll does not turn start_at_end off for the next run.
// - Checkpoint, oldest file first for each path (a rotated file and the new file of its path are
//   both listed under the path):
//     {"version": 1, "files": [{"path": str, "dev": uint, "ino": uint, "fingerprint": "<16 hex>",
//       "fingerprint_len": uint, "offset": uint, "skipping": bool}, ...]}
//   A path that is not valid UTF-8 (which JSON text cannot carry) is saved as "path_hex" (its
//   bytes, two lowercase hex digits each) instead of "path"; restore() reads either.
//   "skipping" is true when the line starting at `offset` is known to be longer than
//   max_line_bytes (its tail was being skipped). The line is read again from `offset` after a
//   restore, which recomputes its head and its full length, so the flag is informational.
#include "agent/sources/file_source.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <exception>
#include <set>
#include <string_view>
#include <utility>

#include "common/ascii.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/unique_fd.h"

namespace soc::agent {
namespace {

using nlohmann::json;

constexpr std::size_t kChunkBytes = std::size_t{64} * 1024;
constexpr std::size_t kKeepCapacity = 4096;  // idle buffers larger than this are released
constexpr std::uint64_t kFnvBasis = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;
constexpr std::uint64_t kMaxFingerprintLen = 1 << 20;
constexpr std::int64_t kCheckpointVersion = 1;
constexpr std::string_view kComponent = "file-source";
constexpr char kPathField[] = "log.file.path";
constexpr char kTruncatedField[] = "log.truncated";
constexpr char kOriginalBytesField[] = "log.original_bytes";

std::string errno_text(int err) {
  char buf[256];
  return strerror_r(err, buf, sizeof(buf));  // the GNU variant: returns the message
}

struct FileId {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  auto operator<=>(const FileId&) const = default;  // NOLINT(modernize-use-nullptr): tidy 14 bug
};

FileId id_of(const struct stat& st) {
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

struct Fingerprint {
  std::uint64_t hash = kFnvBasis;
  std::uint64_t len = 0;  // how many leading bytes of the file `hash` covers
};

std::uint64_t fnv1a(std::uint64_t hash, const char* data, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= static_cast<unsigned char>(data[i]);
    hash *= kFnvPrime;
  }
  return hash;
}

// Extends fp over the file's bytes [fp.len, until) with pread(2), using buf (kChunkBytes).
// Stops early at the end of the file. False on a read error.
bool extend_fingerprint(int fd, std::uint64_t until, Fingerprint& fp, char* buf) {
  while (fp.len < until) {
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(until - fp.len, kChunkBytes));
    const ssize_t got = ::pread(fd, buf, want, static_cast<off_t>(fp.len));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return false;
    if (got == 0) break;
    fp.hash = fnv1a(fp.hash, buf, static_cast<std::size_t>(got));
    fp.len += static_cast<std::uint64_t>(got);
  }
  return true;
}

// True when the file's first saved.len bytes hash to saved.hash (the common prefix of a saved
// fingerprint and a longer file). A file now shorter than saved.len does not match.
bool prefix_matches(int fd, const Fingerprint& saved, char* buf) {
  Fingerprint now;
  if (!extend_fingerprint(fd, saved.len, now, buf)) return false;
  return now.len == saved.len && now.hash == saved.hash;
}

std::string to_hex(std::uint64_t value) {
  char buf[17];
  auto [end, ec] = std::to_chars(buf, buf + 16, value, 16);
  (void)ec;
  const auto digits = static_cast<std::size_t>(end - buf);
  return std::string(16 - digits, '0') + std::string(buf, digits);
}

bool parse_hex(const std::string& text, std::uint64_t& out) {
  if (text.size() != 16) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, 16);
  return ec == std::errc() && end == text.data() + text.size();
}

// True when text is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
// U+10FFFF): exactly what nlohmann::json can dump() without throwing.
bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t extra = 0;
    unsigned char low = 0x80;  // allowed range of the second byte
    unsigned char high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      extra = 1;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      extra = 2;
      if (lead == 0xe0) low = 0xa0;
      if (lead == 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      extra = 3;
      if (lead == 0xf0) low = 0x90;
      if (lead == 0xf4) high = 0x8f;
    } else {
      return false;
    }
    if (text.size() - i <= extra) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto byte = static_cast<unsigned char>(text[i + k]);
      if (byte < (k == 1 ? low : 0x80) || byte > (k == 1 ? high : 0xbf)) return false;
    }
    i += extra + 1;
  }
  return true;
}

std::string bytes_to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0xf]);
  }
  return hex;
}

// Decodes bytes_to_hex(); false on an odd length or a non-hex digit.
bool hex_to_bytes(std::string_view hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  out.clear();
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int high = hex_digit_value(hex[i]);
    const int low = hex_digit_value(hex[i + 1]);
    if (high < 0 || low < 0) return false;
    out.push_back(static_cast<char>(high * 16 + low));
  }
  return true;
}

std::string parent_dir(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

void release(std::string& buffer) {
  if (buffer.capacity() > kKeepCapacity) {
    std::string().swap(buffer);
  } else {
    buffer.clear();
  }
}

// One followed file.
struct Reader {
  std::string path;  // the name it is followed under: Event::source and the checkpoint key
  UniqueFd fd;
  FileId id;
  Fingerprint fp;
  std::uint64_t offset = 0;         // just after the last emitted line
  std::uint64_t read_pos = 0;       // where read(2) continues
  std::string pending;              // head of the unterminated line, at most max_line_bytes
  std::uint64_t pending_total = 0;  // full length of that line so far, '\r' included
  bool pending_cr = false;          // its last byte so far is '\r'
  std::string carry;                // read, not yet scanned (max_events was reached)
  std::size_t carry_pos = 0;
  bool rotated = false;             // the path names another file now: read on, close later
  std::uint64_t seen_size = 0;      // st_size at the last fstat
  std::int64_t last_change_ms = 0;  // monotonic time seen_size last changed (or rotation seen)
  bool deleted = false;             // st_nlink was 0 at the last fstat
  bool at_eof = false;              // the last read reached the size seen by fstat
  bool failing = false;             // a read error was reported and not yet cleared

  bool has_carry() const { return carry_pos < carry.size(); }
};

// One file of a checkpoint, as parsed.
struct SavedFile {
  std::string path;
  FileId id;
  Fingerprint fp;
  std::uint64_t offset = 0;
  bool skipping = false;
};

Result<std::uint64_t> get_uint(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) {
    return fail(ErrorCode::kInvalidArgument, std::string("checkpoint file entry: bad \"") + key +
                                                 "\" (want a non-negative integer)");
  }
  if (!it->is_number_unsigned() && it->get<std::int64_t>() < 0) {
    return fail(ErrorCode::kInvalidArgument,
                std::string("checkpoint file entry: negative \"") + key + "\"");
  }
  return it->get<std::uint64_t>();
}

Result<SavedFile> parse_saved_file(const json& entry) {
  if (!entry.is_object())
    return fail(ErrorCode::kInvalidArgument, "checkpoint file: not an object");
  SavedFile saved;
  const auto path = entry.find("path");
  const auto path_hex = entry.find("path_hex");
  if ((path == entry.end()) == (path_hex == entry.end())) {
    return fail(ErrorCode::kInvalidArgument,
                "checkpoint file entry: want exactly one of \"path\" and \"path_hex\"");
  }
  if (path != entry.end()) {
    if (!path->is_string()) {
      return fail(ErrorCode::kInvalidArgument, "checkpoint file entry: bad \"path\"");
    }
    saved.path = path->get<std::string>();
  } else if (!path_hex->is_string() ||
             !hex_to_bytes(path_hex->get_ref<const std::string&>(), saved.path)) {
    return fail(ErrorCode::kInvalidArgument, "checkpoint file entry: bad \"path_hex\"");
  }
  if (saved.path.empty() || saved.path.find('\0') != std::string::npos) {
    return fail(ErrorCode::kInvalidArgument, "checkpoint file entry: empty path or NUL in it");
  }
  const auto fingerprint = entry.find("fingerprint");
  if (fingerprint == entry.end() || !fingerprint->is_string() ||
      !parse_hex(fingerprint->get_ref<const std::string&>(), saved.fp.hash)) {
    return fail(ErrorCode::kInvalidArgument, "checkpoint file entry: bad \"fingerprint\"");
  }
  const auto skipping = entry.find("skipping");
  if (skipping == entry.end() || !skipping->is_boolean()) {
    return fail(ErrorCode::kInvalidArgument, "checkpoint file entry: bad \"skipping\"");
  }
  saved.skipping = skipping->get<bool>();
  auto dev = get_uint(entry, "dev");
  auto ino = get_uint(entry, "ino");
  auto fp_len = get_uint(entry, "fingerprint_len");
  auto offset = get_uint(entry, "offset");
  for (const auto* value : {&dev, &ino, &fp_len, &offset}) {
    if (!*value) return tl::unexpected(value->error());
  }
  if (*fp_len > kMaxFingerprintLen) {
    return fail(ErrorCode::kInvalidArgument, "checkpoint file entry: \"fingerprint_len\" too big");
  }
  saved.id = {*dev, *ino};
  saved.fp.len = *fp_len;
  saved.offset = *offset;
  return saved;
}

// Parses the whole checkpoint before anything is applied; never throws.
Result<std::vector<SavedFile>> parse_checkpoint(const json& checkpoint) {
  try {
    if (!checkpoint.is_object())
      return fail(ErrorCode::kInvalidArgument, "checkpoint: not an object");
    const auto version = checkpoint.find("version");
    if (version != checkpoint.end() &&
        (!version->is_number_integer() || version->get<std::int64_t>() != kCheckpointVersion)) {
      return fail(ErrorCode::kUnsupported, "checkpoint: unknown version");
    }
    const auto files = checkpoint.find("files");
    if (files == checkpoint.end() || !files->is_array()) {
      return fail(ErrorCode::kInvalidArgument, "checkpoint: \"files\" is not an array");
    }
    std::vector<SavedFile> saved;
    for (const json& entry : *files) {
      auto file = parse_saved_file(entry);
      if (!file) return tl::unexpected(file.error());
      saved.push_back(std::move(*file));
    }
    return saved;
  } catch (const json::exception& e) {
    return fail(ErrorCode::kInvalidArgument, std::string("checkpoint: ") + e.what());
  }
}

}  // namespace

struct FileSource::Impl {
 public:
  explicit Impl(FileSourceConfig config);

  const std::string& name() const { return config_.name; }
  std::size_t poll(std::vector<Event>& out, std::size_t max_events);
  json checkpoint() const;
  Result<void> restore(const json& checkpoint);
  std::map<std::string, std::uint64_t> counters() const;

 private:
  struct Counters {
    std::uint64_t lines = 0;
    std::uint64_t bytes = 0;
    std::uint64_t truncated = 0;
    std::uint64_t rotations = 0;
    std::uint64_t truncations = 0;
    std::uint64_t errors = 0;
    std::uint64_t partial_dropped = 0;
  };

  // --- Scanning: which files to follow.
  void maybe_rescan();
  void rescan();
  // Expands the patterns to regular files: path -> identity.
  std::map<std::string, FileId> expand_patterns();
  bool matches_pattern(const std::string& path) const;
  // Marks readers whose path no longer names their file as rotated; checks the others' content.
  void update_readers(const std::map<std::string, FileId>& found);
  void mark_rotated(Reader& reader, std::int64_t now_ms);
  // Detects a file truncated and rewritten past read_pos: its first bytes changed.
  void verify_content(Reader& reader);
  // Starts following each found path that no reader follows yet.
  void follow_new(const std::map<std::string, FileId>& found, bool first_scan);
  void add_reader(const std::string& path, bool at_end);
  // Where reading starts for start_at_end: just after the last '\n', so that a line being
  // written now comes out whole (unless it is already longer than max_line_bytes).
  std::uint64_t line_start_near_end(int fd, std::uint64_t size);
  void report_open_failure(const std::string& path, const char* what, int err);

  // --- Restoring a checkpoint.
  void apply_checkpoint(const std::vector<SavedFile>& saved);
  // Opens `path` as the saved file: nullptr unless its identity and fingerprint match.
  // reused tells an identity match whose content differs (inode reused by a new file).
  std::unique_ptr<Reader> open_saved(const std::string& path, const SavedFile& saved, bool& reused);
  // Looks in the saved path's directory for the saved file under another name.
  std::unique_ptr<Reader> find_rotated(const SavedFile& saved);

  // --- Reading.
  std::size_t read_reader(Reader& reader, std::vector<Event>& out, std::size_t budget);
  std::size_t drain_carry(Reader& reader, std::vector<Event>& out, std::size_t budget);
  // fstat: handles copytruncate, extends the fingerprint, returns the size (false on error).
  bool refresh(Reader& reader, std::uint64_t& size);
  // Scans data for lines, emitting at most budget; sets used to the bytes consumed.
  std::size_t consume(Reader& reader, const char* data, std::size_t size, std::vector<Event>& out,
                      std::size_t budget, std::size_t& used);
  void append_pending(Reader& reader, const char* data, std::size_t size);
  void emit_span(Reader& reader, const char* data, std::size_t size, TimeNs now,
                 std::vector<Event>& out);
  void emit_pending(Reader& reader, TimeNs now, std::vector<Event>& out);
  void emit(const Reader& reader, const char* data, std::uint64_t content_len, TimeNs now,
            std::vector<Event>& out);
  // Repositions at pos, dropping buffered bytes. False (logged) when lseek fails.
  bool restart_at(Reader& reader, std::uint64_t pos);
  void report_read_failure(Reader& reader, const char* what, int err);
  // A rotated reader is closed once read to its end and deleted or inactive for
  // close_inactive_ms; nullptr while it has to stay open, else why it closes.
  const char* close_reason(const Reader& reader, std::int64_t now_ms) const;
  void close_reader(Reader& reader, const char* reason);

  FileSourceConfig config_;
  std::vector<std::unique_ptr<Reader>> readers_;  // oldest first
  std::unique_ptr<char[]> chunk_;                 // kChunkBytes, shared by all readers
  Counters counters_;
  bool scanned_ = false;       // the first scan happened
  bool polled_ = false;        // poll() was called: restore() is too late
  bool restored_ = false;      // restore() was called
  bool checkpointed_ = false;  // restore() applied a checkpoint: start_at_end no longer applies
  std::int64_t last_scan_ms_ = 0;
  std::set<std::string> failing_paths_;  // open failures already reported
};

FileSource::Impl::Impl(FileSourceConfig config)
    : config_(std::move(config)), chunk_(new char[kChunkBytes]) {
  config_.max_line_bytes = std::max<std::size_t>(config_.max_line_bytes, 1);
  config_.rescan_interval_ms = std::max<std::int64_t>(config_.rescan_interval_ms, 0);
  config_.close_inactive_ms = std::max<std::int64_t>(config_.close_inactive_ms, 0);
}

// ---------------------------------------------------------------------------------------------
// Polling

std::size_t FileSource::Impl::poll(std::vector<Event>& out, std::size_t max_events) {
  polled_ = true;
  if (max_events == 0) return 0;
  maybe_rescan();
  std::size_t added = 0;
  // Every reader is read, a rotated file and the new file of its path alike; oldest first, so
  // that a rotated file's lines usually come out before those of the file that replaced it.
  for (auto& owned : readers_) {
    Reader& reader = *owned;
    if (added == max_events) break;
    added += read_reader(reader, out, max_events - added);
    if (!reader.rotated) continue;
    if (const char* reason = close_reason(reader, monotonic_ms())) close_reader(reader, reason);
  }
  std::erase_if(readers_, [](const auto& reader) { return !reader->fd.valid(); });
  return added;
}

const char* FileSource::Impl::close_reason(const Reader& reader, std::int64_t now_ms) const {
  if (!reader.at_eof || reader.has_carry()) return nullptr;  // not read to its end yet
  if (reader.deleted) return "deleted";
  if (now_ms - reader.last_change_ms >= config_.close_inactive_ms) return "inactive";
  return nullptr;
}

void FileSource::Impl::close_reader(Reader& reader, const char* reason) {
  if (reader.pending_total > 0) {
    ++counters_.partial_dropped;
    log(LogLevel::kWarn, kComponent, reader.path, ": rotated file ends with an unterminated line (",
        reader.pending_total, " bytes), dropped");
  }
  log(LogLevel::kInfo, kComponent, reader.path, ": closed rotated file (inode ", reader.id.ino,
      ", ", reason, ") at offset ", reader.offset);
  reader.fd.reset();
}

std::size_t FileSource::Impl::read_reader(Reader& reader, std::vector<Event>& out,
                                          std::size_t budget) {
  std::size_t added = drain_carry(reader, out, budget);
  if (added == budget || reader.has_carry()) return added;
  std::uint64_t size = 0;
  if (!refresh(reader, size)) return added;
  reader.at_eof = false;
  while (added < budget) {
    if (reader.read_pos >= size) {
      reader.at_eof = true;
      break;
    }
    const ssize_t got = ::read(reader.fd.get(), chunk_.get(), kChunkBytes);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      report_read_failure(reader, "read", errno);
      break;
    }
    if (got == 0) {
      reader.at_eof = true;
      break;
    }
    reader.failing = false;
    const auto n = static_cast<std::size_t>(got);
    reader.read_pos += n;
    counters_.bytes += n;
    std::size_t used = 0;
    added += consume(reader, chunk_.get(), n, out, budget - added, used);
    if (used < n) {
      reader.carry.assign(chunk_.get() + used, n - used);
      reader.carry_pos = 0;
      break;
    }
  }
  return added;
}

std::size_t FileSource::Impl::drain_carry(Reader& reader, std::vector<Event>& out,
                                          std::size_t budget) {
  if (!reader.has_carry()) return 0;
  std::size_t used = 0;
  const std::size_t added = consume(reader, reader.carry.data() + reader.carry_pos,
                                    reader.carry.size() - reader.carry_pos, out, budget, used);
  reader.carry_pos += used;
  if (!reader.has_carry()) {
    release(reader.carry);
    reader.carry_pos = 0;
  }
  return added;
}

bool FileSource::Impl::refresh(Reader& reader, std::uint64_t& size) {
  struct stat st {};
  if (::fstat(reader.fd.get(), &st) != 0) {
    report_read_failure(reader, "fstat", errno);
    return false;
  }
  size = static_cast<std::uint64_t>(st.st_size);
  reader.deleted = st.st_nlink == 0;
  if (size != reader.seen_size) {
    reader.seen_size = size;
    reader.last_change_ms = monotonic_ms();
  }
  if (size < reader.read_pos) {
    ++counters_.truncations;
    log(LogLevel::kInfo, kComponent, reader.path, ": truncated to ", size, " bytes (was at ",
        reader.read_pos, "), reading again from the start");
    reader.fp = {};
    if (!restart_at(reader, 0)) return false;
  }
  const std::uint64_t fp_until = std::min<std::uint64_t>(size, config_.fingerprint_bytes);
  if (reader.fp.len < fp_until &&
      !extend_fingerprint(reader.fd.get(), fp_until, reader.fp, chunk_.get())) {
    report_read_failure(reader, "pread", errno);
    return false;
  }
  return true;
}

bool FileSource::Impl::restart_at(Reader& reader, std::uint64_t pos) {
  reader.offset = pos;
  reader.read_pos = pos;
  release(reader.pending);
  reader.pending_total = 0;
  reader.pending_cr = false;
  release(reader.carry);
  reader.carry_pos = 0;
  reader.at_eof = false;
  if (::lseek(reader.fd.get(), static_cast<off_t>(pos), SEEK_SET) < 0) {
    report_read_failure(reader, "lseek", errno);
    return false;
  }
  return true;
}

void FileSource::Impl::report_read_failure(Reader& reader, const char* what, int err) {
  // A rotated file that cannot be read any more is given up, not waited for.
  if (reader.rotated) reader.at_eof = true;
  if (reader.failing) return;
  reader.failing = true;
  ++counters_.errors;
  log(LogLevel::kWarn, kComponent, reader.path, ": ", what, ": ", errno_text(err));
}

std::size_t FileSource::Impl::consume(Reader& reader, const char* data, std::size_t size,
                                      std::vector<Event>& out, std::size_t budget,
                                      std::size_t& used) {
  const TimeNs now = now_ns();
  const char* pos = data;
  const char* const end = data + size;
  std::size_t emitted = 0;
  while (pos < end && emitted < budget) {
    const auto* newline = static_cast<const char*>(std::memchr(pos, '\n', end - pos));
    if (newline == nullptr) {
      append_pending(reader, pos, static_cast<std::size_t>(end - pos));
      pos = end;
      break;
    }
    const auto len = static_cast<std::size_t>(newline - pos);
    if (reader.pending_total == 0) {
      emit_span(reader, pos, len, now, out);
    } else {
      append_pending(reader, pos, len);
      emit_pending(reader, now, out);
    }
    pos = newline + 1;
    ++emitted;
  }
  used = static_cast<std::size_t>(pos - data);
  return emitted;
}

void FileSource::Impl::append_pending(Reader& reader, const char* data, std::size_t size) {
  if (size == 0) return;
  reader.pending_total += size;
  reader.pending_cr = data[size - 1] == '\r';
  if (reader.pending.size() < config_.max_line_bytes) {
    const std::size_t room = config_.max_line_bytes - reader.pending.size();
    reader.pending.append(data, std::min(size, room));
  }
}

void FileSource::Impl::emit_span(Reader& reader, const char* data, std::size_t size, TimeNs now,
                                 std::vector<Event>& out) {
  const bool cr = size > 0 && data[size - 1] == '\r';
  emit(reader, data, size - (cr ? 1 : 0), now, out);
  reader.offset += size + 1;
}

void FileSource::Impl::emit_pending(Reader& reader, TimeNs now, std::vector<Event>& out) {
  emit(reader, reader.pending.data(), reader.pending_total - (reader.pending_cr ? 1 : 0), now, out);
  reader.offset += reader.pending_total + 1;
  release(reader.pending);
  reader.pending_total = 0;
  reader.pending_cr = false;
}

// data holds at least min(content_len, max_line_bytes) bytes of the line.
void FileSource::Impl::emit(const Reader& reader, const char* data, std::uint64_t content_len,
                            TimeNs now, std::vector<Event>& out) {
  const bool truncated = content_len > config_.max_line_bytes;
  const auto raw_len =
      static_cast<std::size_t>(std::min<std::uint64_t>(content_len, config_.max_line_bytes));
  Event& event = out.emplace_back();
  event.time_ns = now;
  event.source = reader.path;
  event.kind = EventKind::kLog;
  event.raw.assign(data, raw_len);
  event.fields.reserve(truncated ? 3 : 1);
  event.fields.push_back(Field{kPathField, reader.path});
  ++counters_.lines;
  if (!truncated) return;
  event.fields.push_back(Field{kTruncatedField, true});
  event.fields.push_back(Field{kOriginalBytesField, static_cast<std::int64_t>(content_len)});
  ++counters_.truncated;
}

// ---------------------------------------------------------------------------------------------
// Scanning

void FileSource::Impl::maybe_rescan() {
  if (!scanned_ || monotonic_ms() - last_scan_ms_ >= config_.rescan_interval_ms) rescan();
}

void FileSource::Impl::rescan() {
  const bool first_scan = !scanned_;
  scanned_ = true;
  last_scan_ms_ = monotonic_ms();
  const std::map<std::string, FileId> found = expand_patterns();
  update_readers(found);
  follow_new(found, first_scan);
  std::erase_if(failing_paths_, [&](const std::string& path) { return !found.contains(path); });
}

std::map<std::string, FileId> FileSource::Impl::expand_patterns() {
  std::map<std::string, FileId> found;
  for (const std::string& pattern : config_.paths) {
    glob_t matches{};
    const int rc = ::glob(pattern.c_str(), 0, nullptr, &matches);
    if (rc != 0 && rc != GLOB_NOMATCH) {
      log(LogLevel::kWarn, kComponent, pattern, ": glob failed (", rc, ")");
      ++counters_.errors;
    }
    for (std::size_t i = 0; rc == 0 && i < matches.gl_pathc; ++i) {
      struct stat st {};
      if (::stat(matches.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode)) {
        found.emplace(matches.gl_pathv[i], id_of(st));
      }
    }
    ::globfree(&matches);
  }
  return found;
}

bool FileSource::Impl::matches_pattern(const std::string& path) const {
  return std::any_of(config_.paths.begin(), config_.paths.end(), [&](const std::string& pattern) {
    return pattern == path ||
           ::fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME | FNM_PERIOD) == 0;
  });
}

void FileSource::Impl::update_readers(const std::map<std::string, FileId>& found) {
  const std::int64_t now_ms = monotonic_ms();
  for (auto& reader : readers_) {
    const auto it = found.find(reader->path);
    const bool names_it = it != found.end() && it->second == reader->id;
    if (names_it && !reader->rotated) {
      verify_content(*reader);
    } else if (!names_it && !reader->rotated) {
      mark_rotated(*reader, now_ms);
    }
  }
}

void FileSource::Impl::mark_rotated(Reader& reader, std::int64_t now_ms) {
  reader.rotated = true;
  reader.last_change_ms = now_ms;  // the writer may reopen its log only now: wait from here
  ++counters_.rotations;
  log(LogLevel::kInfo, kComponent, reader.path, ": rotated, still reading the old file (inode ",
      reader.id.ino, ") until it is deleted or inactive");
}

void FileSource::Impl::verify_content(Reader& reader) {
  if (reader.fp.len == 0 || prefix_matches(reader.fd.get(), reader.fp, chunk_.get())) return;
  ++counters_.truncations;
  log(LogLevel::kInfo, kComponent, reader.path,
      ": first bytes changed (truncated and rewritten), reading again from the start");
  reader.fp = {};
  restart_at(reader, 0);
}

void FileSource::Impl::follow_new(const std::map<std::string, FileId>& found, bool first_scan) {
  std::set<std::string> followed;
  std::map<FileId, Reader*> by_id;
  for (auto& reader : readers_) {
    by_id.emplace(reader->id, reader.get());
    if (!reader->rotated) followed.insert(reader->path);
  }
  for (const auto& [path, id] : found) {
    if (followed.contains(path)) continue;
    const auto held = by_id.find(id);
    if (held == by_id.end()) {
      add_reader(path, first_scan && config_.start_at_end && !checkpointed_);
      continue;
    }
    Reader& reader = *held->second;
    if (!reader.rotated) continue;  // another name of a file followed already (a link)
    log(LogLevel::kInfo, kComponent, reader.path, ": now followed as ", path);
    reader.path = path;
    reader.rotated = false;
    followed.insert(path);
  }
}

void FileSource::Impl::add_reader(const std::string& path, bool at_end) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) {
    report_open_failure(path, "open", errno);
    return;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    report_open_failure(path, "fstat", errno);
    return;
  }
  auto reader = std::make_unique<Reader>();
  reader->path = path;
  reader->fd = std::move(fd);
  reader->id = id_of(st);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  reader->seen_size = size;
  reader->last_change_ms = monotonic_ms();
  if (!restart_at(*reader, at_end ? line_start_near_end(reader->fd.get(), size) : 0)) return;
  // Fingerprinted now, so that a checkpoint taken before the first read identifies the file.
  extend_fingerprint(reader->fd.get(), std::min<std::uint64_t>(size, config_.fingerprint_bytes),
                     reader->fp, chunk_.get());
  failing_paths_.erase(path);
  log(LogLevel::kInfo, kComponent, path, ": following from offset ", reader->offset);
  readers_.push_back(std::move(reader));
}

std::uint64_t FileSource::Impl::line_start_near_end(int fd, std::uint64_t size) {
  const std::uint64_t stop = size - std::min<std::uint64_t>(size, config_.max_line_bytes + 1);
  std::uint64_t pos = size;
  while (pos > stop) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(pos - stop, kChunkBytes));
    const std::uint64_t from = pos - want;
    if (::pread(fd, chunk_.get(), want, static_cast<off_t>(from)) != static_cast<ssize_t>(want)) {
      return size;
    }
    if (const void* newline = ::memrchr(chunk_.get(), '\n', want)) {
      return from + static_cast<std::uint64_t>(static_cast<const char*>(newline) - chunk_.get()) +
             1;
    }
    pos = from;
  }
  return stop == 0 ? 0 : size;
}

void FileSource::Impl::report_open_failure(const std::string& path, const char* what, int err) {
  if (err == ENOENT) return;  // vanished between glob and open: not an error
  if (!failing_paths_.insert(path).second) return;
  ++counters_.errors;
  log(LogLevel::kWarn, kComponent, path, ": ", what, ": ", errno_text(err));
}

// ---------------------------------------------------------------------------------------------
// Checkpoint and restore

json FileSource::Impl::checkpoint() const {
  if (!scanned_ && !checkpointed_) return nullptr;  // nothing to resume from yet
  json files = json::array();
  for (const auto& reader : readers_) {
    json file = {{"dev", reader->id.dev},
                 {"ino", reader->id.ino},
                 {"fingerprint", to_hex(reader->fp.hash)},
                 {"fingerprint_len", reader->fp.len},
                 {"offset", reader->offset},
                 {"skipping", reader->pending_total > config_.max_line_bytes}};
    if (valid_utf8(reader->path)) {
      file["path"] = reader->path;
    } else {
      file["path_hex"] = bytes_to_hex(reader->path);
    }
    files.push_back(std::move(file));
  }
  return {{"version", kCheckpointVersion}, {"files", std::move(files)}};
}

Result<void> FileSource::Impl::restore(const json& checkpoint) {
  if (polled_ || restored_) {
    return fail(ErrorCode::kConflict, "restore() must be called once, before the first poll()");
  }
  restored_ = true;
  if (checkpoint.is_null()) return ok();
  auto saved = parse_checkpoint(checkpoint);
  if (!saved) {
    ++counters_.errors;
    log(LogLevel::kWarn, kComponent, config_.name, ": ", saved.error().message);
    return tl::unexpected(saved.error());
  }
  checkpointed_ = true;
  apply_checkpoint(*saved);
  return ok();
}

void FileSource::Impl::apply_checkpoint(const std::vector<SavedFile>& saved) {
  std::vector<std::unique_ptr<Reader>> resumed;
  std::vector<const SavedFile*> moved;
  std::set<FileId> held;
  for (const SavedFile& file : saved) {
    if (!matches_pattern(file.path)) continue;  // no longer configured
    bool reused = false;
    struct stat st {};
    const bool same_id = ::stat(file.path.c_str(), &st) == 0 && id_of(st) == file.id;
    auto reader =
        same_id && !held.contains(file.id) ? open_saved(file.path, file, reused) : nullptr;
    if (reader) {
      held.insert(reader->id);
      resumed.push_back(std::move(reader));
    } else if (reused) {
      log(LogLevel::kInfo, kComponent, file.path, ": content changed, reading from the start");
    } else {
      moved.push_back(&file);
    }
  }
  for (const SavedFile* file : moved) {
    if (held.contains(file->id)) continue;
    auto reader = find_rotated(*file);
    if (!reader) {
      log(LogLevel::kInfo, kComponent, file->path, ": saved file (inode ", file->id.ino,
          ") not found any more");
      continue;
    }
    held.insert(reader->id);
    readers_.push_back(std::move(reader));  // rotated files first: they are older
  }
  for (auto& reader : resumed) readers_.push_back(std::move(reader));
}

std::unique_ptr<Reader> FileSource::Impl::open_saved(const std::string& path,
                                                     const SavedFile& saved, bool& reused) {
  reused = false;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || id_of(st) != saved.id) {
    return nullptr;
  }
  if (!prefix_matches(fd.get(), saved.fp, chunk_.get())) {
    reused = true;
    return nullptr;
  }
  auto reader = std::make_unique<Reader>();
  reader->path = saved.path;
  reader->fd = std::move(fd);
  reader->id = saved.id;
  reader->fp = saved.fp;
  reader->seen_size = static_cast<std::uint64_t>(st.st_size);
  reader->last_change_ms = monotonic_ms();
  std::uint64_t start = saved.offset;
  if (start > static_cast<std::uint64_t>(st.st_size)) {
    ++counters_.truncations;
    log(LogLevel::kInfo, kComponent, saved.path,
        ": shorter than the saved offset, reading from the start");
    start = 0;
  }
  if (!restart_at(*reader, start)) return nullptr;
  return reader;
}

std::unique_ptr<Reader> FileSource::Impl::find_rotated(const SavedFile& saved) {
  const std::string dir = parent_dir(saved.path);
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return nullptr;
  std::string candidate;
  while (const dirent* entry = ::readdir(handle)) {
    struct stat st {};
    if (::fstatat(::dirfd(handle), entry->d_name, &st, 0) == 0 && S_ISREG(st.st_mode) &&
        id_of(st) == saved.id) {
      candidate = dir + "/" + entry->d_name;
      break;
    }
  }
  ::closedir(handle);
  if (candidate.empty()) return nullptr;
  bool reused = false;
  auto reader = open_saved(candidate, saved, reused);
  if (!reader) return nullptr;
  // Still read until it is deleted or inactive for close_inactive_ms: the rotation may have
  // happened just before the restart, with the writer not reopened yet.
  reader->rotated = true;
  ++counters_.rotations;
  log(LogLevel::kInfo, kComponent, saved.path, ": rotated file found as ", candidate,
      ", reading it from offset ", reader->offset);
  return reader;
}

std::map<std::string, std::uint64_t> FileSource::Impl::counters() const {
  return {{"lines", counters_.lines},
          {"bytes", counters_.bytes},
          {"truncated", counters_.truncated},
          {"rotations", counters_.rotations},
          {"truncations", counters_.truncations},
          {"errors", counters_.errors},
          {"partial_dropped", counters_.partial_dropped},
          {"files", readers_.size()}};
}

// ---------------------------------------------------------------------------------------------
// FileSource: forwards to Impl and keeps exceptions (only std::bad_alloc is expected) inside.

FileSource::FileSource(FileSourceConfig config)
    : impl_(std::make_unique<Impl>(std::move(config))) {}

FileSource::~FileSource() = default;

const std::string& FileSource::name() const { return impl_->name(); }

std::size_t FileSource::poll(std::vector<Event>& out, std::size_t max_events) {
  const std::size_t before = out.size();
  try {
    return impl_->poll(out, max_events);
  } catch (const std::exception& e) {
    log(LogLevel::kError, kComponent, name(), ": poll: ", e.what());
    return out.size() - before;
  }
}

nlohmann::json FileSource::checkpoint() const {
  try {
    return impl_->checkpoint();
  } catch (const std::exception& e) {
    log(LogLevel::kError, kComponent, name(), ": checkpoint: ", e.what());
    return nullptr;
  }
}

Result<void> FileSource::restore(const nlohmann::json& checkpoint) {
  try {
    return impl_->restore(checkpoint);
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInternal, std::string("restore: ") + e.what());
  }
}

std::map<std::string, std::uint64_t> FileSource::counters() const {
  try {
    return impl_->counters();
  } catch (const std::exception& e) {
    log(LogLevel::kError, kComponent, name(), ": counters: ", e.what());
    return {};
  }
}

}  // namespace soc::agent
