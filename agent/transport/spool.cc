#include "agent/transport/spool.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/write_file_durably.h"

namespace soc::agent {
namespace fs = std::filesystem;

namespace {
constexpr const char* kSuffix = ".batch";
constexpr const char* kTempSuffix = ".tmp";
}  // namespace

Result<void> write_private_file_durably(const std::string& path, const std::string& content) {
  return soc::write_file_durably(path, content, path + kTempSuffix, 0600);
}

Result<Spool> Spool::open(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::kIo, dir + ": cannot create spool folder: " + ec.message());
  Spool spool(dir);
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(kTempSuffix)) {
      fs::remove(entry.path(), ec);
      continue;
    }
    if (!name.ends_with(kSuffix)) continue;
    const std::string digits = name.substr(0, name.size() - std::strlen(kSuffix));
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::uint64_t seq = std::stoull(digits);
    const std::uint64_t size = entry.file_size(ec);
    spool.sizes_[seq] = size;
    spool.total_bytes_ += size;
  }
  if (ec) return fail(ErrorCode::kIo, dir + ": cannot list spool folder: " + ec.message());
  return spool;
}

std::string Spool::path_of(std::uint64_t seq) const {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu", static_cast<unsigned long long>(seq));
  return dir_ + "/" + name + kSuffix;
}

Result<void> Spool::write_durably(std::uint64_t seq, const std::string& bytes) {
  auto r = write_private_file_durably(path_of(seq), bytes);
  if (!r) return r;
  auto it = sizes_.find(seq);
  if (it != sizes_.end()) total_bytes_ -= it->second;
  sizes_[seq] = bytes.size();
  total_bytes_ += bytes.size();
  return ok();
}

Result<void> Spool::append(std::uint64_t seq, const std::string& bytes) {
  if (!sizes_.empty() && seq <= sizes_.rbegin()->first) {
    return fail(ErrorCode::kInternal, "spool append out of order: seq " + std::to_string(seq));
  }
  return write_durably(seq, bytes);
}

Result<void> Spool::rewrite(std::uint64_t seq, const std::string& bytes) {
  if (!contains(seq))
    return fail(ErrorCode::kNotFound, "spool has no batch " + std::to_string(seq));
  return write_durably(seq, bytes);
}

Result<std::string> Spool::read(std::uint64_t seq) const {
  if (!contains(seq))
    return fail(ErrorCode::kNotFound, "spool has no batch " + std::to_string(seq));
  std::ifstream in(path_of(seq), std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, path_of(seq) + ": cannot read spooled batch");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::size_t Spool::remove_through(std::uint64_t seq) {
  std::size_t removed = 0;
  while (!sizes_.empty() && sizes_.begin()->first <= seq) {
    std::error_code ec;
    fs::remove(path_of(sizes_.begin()->first), ec);
    total_bytes_ -= sizes_.begin()->second;
    sizes_.erase(sizes_.begin());
    ++removed;
  }
  return removed;
}

std::size_t Spool::remove_from(std::uint64_t seq) {
  std::size_t removed = 0;
  while (!sizes_.empty() && sizes_.rbegin()->first >= seq) {
    std::error_code ec;
    fs::remove(path_of(sizes_.rbegin()->first), ec);
    total_bytes_ -= sizes_.rbegin()->second;
    sizes_.erase(std::prev(sizes_.end()));
    ++removed;
  }
  return removed;
}

std::optional<std::uint64_t> Spool::oldest() const {
  if (sizes_.empty()) return std::nullopt;
  return sizes_.begin()->first;
}

std::optional<std::uint64_t> Spool::newest() const {
  if (sizes_.empty()) return std::nullopt;
  return sizes_.rbegin()->first;
}

}  // namespace soc::agent
