#include "agent/decode/json_decoder.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/json_string.h"

namespace soc::agent {
namespace {

using std::string_view;

// Seconds that still fit TimeNs (int64 ns): about +-292 years around 1970.
constexpr std::int64_t kMaxSeconds = 9'000'000'000;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool fixed_digits(string_view s, std::size_t pos, std::size_t n, std::int64_t& out) {
  if (pos + n > s.size()) return false;
  std::int64_t v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

std::int64_t days_from_civil(std::int64_t y, std::int64_t m, std::int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// RFC 3339 ("2006-01-02T15:04:05.999999999Z07:00"), leniently: 't' or ' ' for 'T', "+hhmm", and
// no zone (UTC).
std::optional<TimeNs> parse_rfc3339(string_view s) {
  std::int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() < 19 || !fixed_digits(s, 0, 4, y) || s[4] != '-' || !fixed_digits(s, 5, 2, mo) ||
      s[7] != '-' || !fixed_digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !fixed_digits(s, 11, 2, h) || s[13] != ':' || !fixed_digits(s, 14, 2, mi) || s[16] != ':' ||
      !fixed_digits(s, 17, 2, sec)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::size_t pos = 19;
  std::int64_t frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::int64_t scale = 100'000'000;
    const std::size_t start = pos;
    while (pos < s.size() && is_digit(s[pos])) {
      frac += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  std::int64_t offset = 0;
  if (pos < s.size()) {
    const char z = s[pos];
    if ((z == 'Z' || z == 'z') && pos + 1 == s.size()) {
      offset = 0;
    } else if (z == '+' || z == '-') {
      std::int64_t oh = 0, om = 0;
      std::size_t mpos = pos + 3;
      if (!fixed_digits(s, pos + 1, 2, oh)) return std::nullopt;
      if (mpos < s.size() && s[mpos] == ':') ++mpos;
      if (!fixed_digits(s, mpos, 2, om) || mpos + 2 != s.size() || oh > 23 || om > 59) {
        return std::nullopt;
      }
      offset = (oh * 3600 + om * 60) * (z == '-' ? -1 : 1);
    } else {
      return std::nullopt;
    }
  }
  const std::int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset;
  if (secs > kMaxSeconds || secs < -kMaxSeconds) return std::nullopt;  // TimeNs range
  return secs * 1'000'000'000 + frac;
}

// SAX handler flattening one JSON object into fields. Any limit exceeded, or a document that is
// not an object, stops the parse (returns false).
class FlattenSax {
 public:
  using json = nlohmann::json;

  FlattenSax(const JsonDecoder::Limits& limits, std::vector<Field>& out)
      : limits_(limits), out_(out) {}

  std::optional<TimeNs> time() const { return time_; }

  bool null() { return scalar(nullptr, "null"); }
  bool boolean(bool v) { return scalar(v, v ? "true" : "false"); }
  bool number_integer(json::number_integer_t v) {
    if (capture_depth_ > 0 || in_list()) return list_text(std::to_string(v));
    return field(static_cast<std::int64_t>(v));
  }
  bool number_unsigned(json::number_unsigned_t v) {
    if (capture_depth_ > 0 || in_list()) return list_text(std::to_string(v));
    if (v <= static_cast<json::number_unsigned_t>(std::numeric_limits<std::int64_t>::max())) {
      return field(static_cast<std::int64_t>(v));
    }
    return field(std::to_string(v));
  }
  bool number_float(json::number_float_t v, const std::string& text) {
    if (capture_depth_ > 0 || in_list()) return list_text(text);
    return field(static_cast<double>(v));
  }
  bool string(std::string& v) {
    if (capture_depth_ > 0) {
      capture_value_prefix();
      append_json_string(capture_, v);
      return true;
    }
    if (in_list()) {
      if (list_.size() < limits_.max_list_items) list_.push_back(std::move(v));
      return true;
    }
    if (levels_.size() == 1) note_time(v);
    return field(std::move(v));
  }
  bool binary(json::binary_t& /*unused*/) { return false; }

  bool start_object(std::size_t /*unused*/) {
    if (++depth_ > limits_.max_depth) return false;
    if (capture_depth_ > 0 || in_list()) return capture_open('{', true);
    if (levels_.empty()) {
      if (started_) return false;  // only one top-level value
      started_ = true;
      levels_.push_back(0);
      return true;
    }
    levels_.push_back(path_.size());  // the key of this object is the prefix
    return true;
  }
  bool key(std::string& k) {
    if (capture_depth_ > 0) {
      if (!cap_first_.back()) capture_.push_back(',');
      cap_first_.back() = false;
      append_json_string(capture_, k);
      capture_.push_back(':');
      return true;
    }
    path_.resize(levels_.back());
    if (levels_.size() > 1) path_.push_back('.');
    path_ += k;
    if (levels_.size() == 1) key_ = k;
    return true;
  }
  bool end_object() {
    --depth_;
    if (capture_depth_ > 0) return capture_close('}');
    levels_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*unused*/) {
    if (++depth_ > limits_.max_depth) return false;
    if (levels_.empty()) return false;  // the document must be an object
    if (capture_depth_ > 0 || in_list()) return capture_open('[', false);
    list_active_ = true;
    list_.clear();
    return true;
  }
  bool end_array() {
    --depth_;
    if (capture_depth_ > 0) return capture_close(']');
    list_active_ = false;
    return field(std::move(list_));
  }
  bool parse_error(std::size_t /*unused*/, const std::string& /*unused*/,
                   const nlohmann::detail::exception& /*unused*/) {
    return false;
  }

 private:
  bool in_list() const { return list_active_ && capture_depth_ == 0; }

  template <typename T>
  bool scalar(T v, const char* text) {
    if (capture_depth_ > 0) {
      capture_value_prefix();
      capture_ += text;
      return true;
    }
    if (in_list()) return list_text(text);
    if constexpr (std::is_same_v<T, bool>) {
      return field(v);
    } else {
      return !levels_.empty();  // null: no field
    }
  }

  bool list_text(std::string_view text) {
    if (capture_depth_ > 0) {
      capture_value_prefix();
      capture_ += text;
      return true;
    }
    if (list_.size() < limits_.max_list_items) list_.emplace_back(text);
    return true;
  }

  bool field(FieldValue v) {
    if (levels_.empty()) return false;  // a scalar document is not an object
    if (out_.size() >= limits_.max_fields) return false;
    out_.push_back(Field{path_, std::move(v)});
    return true;
  }

  void capture_value_prefix() {
    if (!cap_is_object_.back()) {
      if (!cap_first_.back()) capture_.push_back(',');
      cap_first_.back() = false;
    }
  }
  bool capture_open(char c, bool is_object) {
    if (capture_depth_ > 0) {
      capture_value_prefix();
    } else {
      capture_.clear();
    }
    ++capture_depth_;
    capture_.push_back(c);
    cap_first_.push_back(true);
    cap_is_object_.push_back(is_object);
    return capture_.size() <= limits_.max_bytes;
  }
  bool capture_close(char c) {
    capture_.push_back(c);
    cap_first_.pop_back();
    cap_is_object_.pop_back();
    if (--capture_depth_ == 0) {
      if (list_.size() < limits_.max_list_items) list_.push_back(std::move(capture_));
      capture_.clear();
    }
    return true;
  }

  void note_time(const std::string& v) {
    int rank;
    if (key_ == "@timestamp") {
      rank = 0;
    } else if (key_ == "timestamp") {
      rank = 1;
    } else if (key_ == "time") {
      rank = 2;
    } else {
      return;
    }
    if (rank >= time_rank_) return;
    if (auto t = parse_rfc3339(v)) {
      time_ = t;
      time_rank_ = rank;
    }
  }

  const JsonDecoder::Limits& limits_;
  std::vector<Field>& out_;
  std::vector<std::size_t> levels_;  // per open object: the length of its prefix in path_
  std::string path_;
  std::string key_;
  std::size_t depth_ = 0;
  bool started_ = false;
  bool list_active_ = false;
  StringList list_;
  std::string capture_;
  std::size_t capture_depth_ = 0;
  std::vector<bool> cap_first_;
  std::vector<bool> cap_is_object_;
  std::optional<TimeNs> time_;
  int time_rank_ = 3;
};

}  // namespace

bool JsonDecoder::decode(Event& event) const {
  string_view s = event.raw;
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  if (i >= s.size() || s[i] != '{') return false;
  if (s.size() > limits_.max_bytes) return false;
  try {
    std::vector<Field> fields;
    FlattenSax sax(limits_, fields);
    const bool ok = nlohmann::json::sax_parse(s.begin() + static_cast<std::ptrdiff_t>(i), s.end(),
                                              &sax, nlohmann::json::input_format_t::json,
                                              /*strict=*/true, /*ignore_comments=*/false);
    if (!ok) return false;
    if (event.fields.empty()) {
      event.fields = std::move(fields);
    } else {
      event.fields.reserve(event.fields.size() + fields.size());
      for (Field& f : fields) event.fields.push_back(std::move(f));
    }
    if (auto t = sax.time()) event.time_ns = *t;
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace soc::agent
