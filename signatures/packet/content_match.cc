#include "signatures/packet/content_match.h"

#include <algorithm>
#include <cstring>

#include "signatures/packet/byte_ops.h"

namespace soc::packet {
namespace {

unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

bool equal_nocase(const char* a, const char* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (lower(static_cast<unsigned char>(a[i])) != lower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

struct Window {
  std::int64_t lo = 0;   // first start position
  std::int64_t end = 0;  // the match must end at or before
};

Window window_of(const DetectItem& d, std::int64_t prev_end, std::int64_t size) {
  Window w{0, size};
  if (d.relative) {
    const std::int64_t base = prev_end + (d.has_distance ? d.distance : 0);
    w.lo = base;
    if (d.has_within) w.end = std::min<std::int64_t>(size, base + d.within);
  } else {
    if (d.has_offset) w.lo = d.offset;
    if (d.has_depth) w.end = std::min<std::int64_t>(size, w.lo + d.depth);
  }
  if (w.lo < 0) w.lo = 0;
  return w;
}

class Chain {
 public:
  Chain(const std::vector<ChainItem>& chain, std::string_view buffer)
      : chain_(chain), buf_(buffer) {}

  bool run(std::size_t i, std::int64_t prev_end) {
    if (i == chain_.size()) return true;
    if (--budget_ < 0) return false;
    const DetectItem& d = *chain_[i].item;
    const auto size = static_cast<std::int64_t>(buf_.size());
    if (d.kind == DetectItem::Kind::kIsDataAt) {
      // As Suricata: absolute, a byte at offset N; relative, N bytes left after the match.
      const bool has_data = d.relative ? prev_end + d.offset <= size : d.offset < size;
      return has_data != d.negated && run(i + 1, prev_end);
    }
    if (d.kind == DetectItem::Kind::kByteTest || d.kind == DetectItem::Kind::kByteJump) {
      const std::int64_t at = d.relative ? prev_end + d.offset : d.offset;
      const auto number = read_byte_number(d.byte, buf_, at);
      if (!number) return false;  // nothing to test, negated or not
      if (d.kind == DetectItem::Kind::kByteTest) {
        return byte_test_passes(d.byte, number->value) != d.negated && run(i + 1, prev_end);
      }
      const auto target = byte_jump_target(d.byte, size, at, *number);
      return target && run(i + 1, *target);
    }
    if (d.kind == DetectItem::Kind::kPcre) {
      // A relative regex sees the buffer from the previous match on, so '^' anchors there.
      const std::int64_t start = d.relative ? std::min(prev_end, size) : 0;
      const re2::StringPiece text(buf_.data() + start,
                                  buf_.size() - static_cast<std::size_t>(start));
      re2::StringPiece match;
      const bool found =
          chain_[i].regex != nullptr &&
          chain_[i].regex->Match(text, 0, text.size(),
                                 d.startswith ? RE2::ANCHOR_START : RE2::UNANCHORED, &match, 1);
      if (d.negated) return !found && run(i + 1, prev_end);
      if (!found) return false;
      return run(i + 1, static_cast<std::int64_t>(match.data() - buf_.data() + match.size()));
    }
    const Window w = window_of(d, prev_end, size);
    const auto len = static_cast<std::int64_t>(d.bytes.size());
    std::int64_t last_start = w.end - len;  // the latest start that still fits
    std::int64_t first = w.lo;
    if (d.startswith) last_start = std::min<std::int64_t>(last_start, first);
    if (d.endswith) first = std::max(first, size - len);
    if (d.endswith && size - len > last_start) last_start = -1;
    if (d.negated) {
      bool found = false;
      if (first <= last_start) {
        const std::size_t p = find_bytes(buf_.substr(0, static_cast<std::size_t>(last_start + len)),
                                         d.bytes, static_cast<std::size_t>(first), d.nocase);
        found = p != std::string_view::npos;
      }
      return !found && run(i + 1, prev_end);
    }
    std::int64_t from = first;
    while (from <= last_start) {
      const std::size_t p = find_bytes(buf_.substr(0, static_cast<std::size_t>(last_start + len)),
                                       d.bytes, static_cast<std::size_t>(from), d.nocase);
      if (p == std::string_view::npos) return false;
      if (run(i + 1, static_cast<std::int64_t>(p) + len)) return true;
      if (budget_ < 0) return false;
      // Only a later item relative to this one can profit from another occurrence.
      if (!followed_by_relative(i)) return false;
      from = static_cast<std::int64_t>(p) + 1;
      --budget_;
    }
    return false;
  }

 private:
  // Whether a later item starts from where item i matched: the first relative item after it,
  // with only items between that keep the position (tests, negated items) and none that sets
  // it afresh.
  bool followed_by_relative(std::size_t i) const {
    for (std::size_t k = i + 1; k < chain_.size(); ++k) {
      const DetectItem& d = *chain_[k].item;
      if (d.relative) return true;
      const bool keeps_position = d.negated || d.kind == DetectItem::Kind::kIsDataAt ||
                                  d.kind == DetectItem::Kind::kByteTest;
      if (!keeps_position) return false;
    }
    return false;
  }

  const std::vector<ChainItem>& chain_;
  std::string_view buf_;
  int budget_ = kMatchStepBudget;
};

}  // namespace

std::size_t find_bytes(std::string_view hay, std::string_view needle, std::size_t from,
                       bool nocase) {
  if (needle.empty() || from > hay.size() || hay.size() - from < needle.size()) {
    return std::string_view::npos;
  }
  if (!nocase) return hay.find(needle, from);
  const unsigned char first = lower(static_cast<unsigned char>(needle[0]));
  const unsigned char upper = first >= 'a' && first <= 'z' ? first - 32 : first;
  const std::size_t last = hay.size() - needle.size();
  for (std::size_t i = from; i <= last; ++i) {
    const auto c = static_cast<unsigned char>(hay[i]);
    if ((c == first || c == upper) &&
        equal_nocase(hay.data() + i + 1, needle.data() + 1, needle.size() - 1)) {
      return i;
    }
  }
  return std::string_view::npos;
}

bool match_chain(const std::vector<ChainItem>& chain, std::string_view buffer) {
  Chain c(chain, buffer);
  return c.run(0, 0);
}

}  // namespace soc::packet
