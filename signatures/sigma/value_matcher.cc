#include "signatures/sigma/value_matcher.h"

#include <arpa/inet.h>
#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace soc::sigma {

namespace {

using PieceKind = SigmaString::Kind;

bool equal_at(std::string_view text, std::size_t pos, std::string_view lit, bool cased) {
  if (pos > text.size() || text.size() - pos < lit.size()) return false;
  if (cased) return std::memcmp(text.data() + pos, lit.data(), lit.size()) == 0;
  for (std::size_t i = 0; i < lit.size(); ++i) {
    if (fold_ascii(static_cast<unsigned char>(text[pos + i])) !=
        static_cast<unsigned char>(lit[i])) {
      return false;
    }
  }
  return true;
}

bool is_ascii_letter(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

// First position >= from where lit occurs in text, or npos. lit is folded unless cased.
// Case-insensitive search jumps with memchr: to a byte of lit that has no case (preferring one
// that is not a space), or, when lit is all letters, to either case of its first letter.
std::size_t find_from(std::string_view text, std::size_t from, std::string_view lit, bool cased) {
  if (lit.empty()) return from <= text.size() ? from : std::string_view::npos;
  if (cased) return text.find(lit, from);
  if (text.size() < lit.size() || from > text.size() - lit.size()) {
    return std::string_view::npos;
  }
  const char* base = text.data();
  const std::size_t last = text.size() - lit.size();  // last possible start
  std::size_t anchor = std::string_view::npos;
  for (std::size_t i = 0; i < lit.size(); ++i) {
    const auto c = static_cast<unsigned char>(lit[i]);
    if (is_ascii_letter(c)) continue;
    anchor = i;
    if (c != ' ') break;
  }
  if (anchor != std::string_view::npos) {
    std::size_t start = from;
    while (start <= last) {
      const void* p = std::memchr(base + start + anchor, lit[anchor], last - start + 1);
      if (p == nullptr) return std::string_view::npos;
      const auto at = static_cast<std::size_t>(static_cast<const char*>(p) - base) - anchor;
      if (equal_at(text, at, lit, false)) return at;
      start = at + 1;
    }
    return std::string_view::npos;
  }
  // All letters: the next lower-case and the next upper-case first letter, each kept until used.
  const char lower = lit[0];
  const char upper = static_cast<char>(lower - ('a' - 'A'));
  auto next = [&](char c, std::size_t start) -> std::size_t {
    if (start > last) return std::string_view::npos;
    const void* p = std::memchr(base + start, c, last - start + 1);
    return p == nullptr ? std::string_view::npos
                        : static_cast<std::size_t>(static_cast<const char*>(p) - base);
  };
  std::size_t lo = next(lower, from);
  std::size_t up = next(upper, from);
  while (lo != std::string_view::npos || up != std::string_view::npos) {
    const std::size_t at = std::min(lo, up);
    if (equal_at(text, at, lit, false)) return at;
    if (at == lo) lo = next(lower, at + 1);
    if (at == up) up = next(upper, at + 1);
  }
  return std::string_view::npos;
}

// Length of the UTF-8 sequence starting at text[pos] (1 for stray or invalid bytes).
std::size_t code_point_length(std::string_view text, std::size_t pos) {
  const unsigned char c = static_cast<unsigned char>(text[pos]);
  std::size_t n = 1;
  if (c >= 0xF0) {
    n = 4;
  } else if (c >= 0xE0) {
    n = 3;
  } else if (c >= 0xC0) {
    n = 2;
  }
  if (pos + n > text.size()) return 1;
  for (std::size_t i = 1; i < n; ++i) {
    if ((static_cast<unsigned char>(text[pos + i]) & 0xC0) != 0x80) return 1;
  }
  return n;
}

// Wildcard match with backtracking to the last `*` (linear in practice, O(n*m) worst case).
bool glob_match(const std::vector<SigmaString::Piece>& pieces, std::string_view text, bool cased) {
  std::size_t pi = 0;
  std::size_t ti = 0;
  std::size_t star_pi = std::string_view::npos;
  std::size_t star_ti = 0;
  while (true) {
    bool advanced = false;
    if (pi < pieces.size()) {
      const SigmaString::Piece& p = pieces[pi];
      if (p.kind == PieceKind::kStar) {
        star_pi = pi++;
        star_ti = ti;
        if (pi == pieces.size()) return true;  // a trailing star takes the rest
        continue;
      }
      if (p.kind == PieceKind::kOne) {
        if (ti < text.size()) {
          ti += code_point_length(text, ti);
          ++pi;
          advanced = true;
        }
      } else if (equal_at(text, ti, p.text, cased)) {
        ti += p.text.size();
        ++pi;
        advanced = true;
      }
    } else if (ti == text.size()) {
      return true;
    }
    if (advanced) continue;
    // Mismatch: let the last star absorb one more character, or fail.
    if (star_pi == std::string_view::npos || star_ti >= text.size()) return false;
    // Fast path: when the star is followed by a literal, jump to its next occurrence.
    star_ti += code_point_length(text, star_ti);
    if (star_pi + 1 < pieces.size() && pieces[star_pi + 1].kind == PieceKind::kLiteral) {
      const std::size_t next = find_from(text, star_ti, pieces[star_pi + 1].text, cased);
      if (next == std::string_view::npos) return false;
      star_ti = next;
    }
    ti = star_ti;
    pi = star_pi + 1;
  }
}

bool compare_numbers(const Number& field, CompareOp op, const Number& rule) {
  if (field.is_integer && rule.is_integer) {
    switch (op) {
      case CompareOp::kGt:
        return field.integer > rule.integer;
      case CompareOp::kGte:
        return field.integer >= rule.integer;
      case CompareOp::kLt:
        return field.integer < rule.integer;
      case CompareOp::kLte:
        return field.integer <= rule.integer;
    }
  }
  switch (op) {
    case CompareOp::kGt:
      return field.value > rule.value;
    case CompareOp::kGte:
      return field.value >= rule.value;
    case CompareOp::kLt:
      return field.value < rule.value;
    case CompareOp::kLte:
      return field.value <= rule.value;
  }
  return false;
}

Number from_int(std::int64_t v) { return Number{static_cast<double>(v), v, true}; }

Number from_double(double v) {
  Number n{v, 0, false};
  if (v >= -9.2e18 && v <= 9.2e18) {
    const auto i = static_cast<std::int64_t>(v);
    if (static_cast<double>(i) == v) {
      n.integer = i;
      n.is_integer = true;
    }
  }
  return n;
}

bool in_network(const IpAddress& addr, const IpAddress& net, int bits) {
  const std::uint8_t* a = addr.bytes.data();
  if (net.is_v4 && !addr.is_v4) {
    // IPv4-mapped IPv6 (::ffff:a.b.c.d) is tested as the IPv4 address.
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a, kMapped, 12) != 0) return false;
    a += 12;
  } else if (net.is_v4 != addr.is_v4) {
    return false;
  }
  const int full = bits / 8;
  if (std::memcmp(a, net.bytes.data(), static_cast<std::size_t>(full)) != 0) return false;
  const int rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  return (a[full] & mask) == (net.bytes[static_cast<std::size_t>(full)] & mask);
}

}  // namespace

std::string fold_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(fold_ascii(static_cast<unsigned char>(c)));
  return out;
}

std::optional<Number> parse_number(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  const char* begin = text.data();
  const char* end = begin + text.size();
  std::int64_t i = 0;
  auto [p, ec] = std::from_chars(begin, end, i);
  if (ec == std::errc() && p == end) return from_int(i);
  double d = 0;
  auto [q, ec2] = std::from_chars(begin, end, d);
  if (ec2 == std::errc() && q == end && std::isfinite(d)) return from_double(d);
  return std::nullopt;
}

std::optional<std::string_view> field_text(const FieldValue& value, char* buf, std::size_t size) {
  if (const auto* s = std::get_if<std::string>(&value)) return std::string_view(*s);
  if (const auto* i = std::get_if<std::int64_t>(&value)) {
    auto [p, ec] = std::to_chars(buf, buf + size, *i);
    if (ec != std::errc()) return std::nullopt;
    return std::string_view(buf, static_cast<std::size_t>(p - buf));
  }
  if (const auto* d = std::get_if<double>(&value)) {
    auto [p, ec] = std::to_chars(buf, buf + size, *d);
    if (ec != std::errc()) return std::nullopt;
    return std::string_view(buf, static_cast<std::size_t>(p - buf));
  }
  if (const auto* b = std::get_if<bool>(&value)) {
    return *b ? std::string_view("true") : std::string_view("false");
  }
  if (const auto* ip = std::get_if<IpAddress>(&value)) {
    if (size < INET6_ADDRSTRLEN) return std::nullopt;
    if (ip->is_v4) {  // by hand: inet_ntop goes through sprintf
      char* p = buf;
      for (int i = 0; i < 4; ++i) {
        if (i > 0) *p++ = '.';
        p = std::to_chars(p, buf + size, ip->bytes[static_cast<std::size_t>(i)]).ptr;
      }
      return std::string_view(buf, static_cast<std::size_t>(p - buf));
    }
    const char* out = inet_ntop(ip->is_v4 ? AF_INET : AF_INET6, ip->bytes.data(), buf,
                                static_cast<socklen_t>(size));
    if (out == nullptr) return std::nullopt;
    return std::string_view(buf);
  }
  return std::nullopt;
}

ValueMatcher ValueMatcher::pattern(const SigmaString& value, bool cased) {
  ValueMatcher m;
  m.cased_ = cased;
  SigmaString s;
  for (const SigmaString::Piece& p : value.pieces()) {
    if (p.kind == PieceKind::kLiteral) {
      s.append_literal(cased ? p.text : fold_ascii(p.text));
    } else if (p.kind == PieceKind::kStar) {
      s.append_star();
    } else {
      s.append_one();
    }
  }
  const auto& pieces = s.pieces();
  auto is = [&](std::size_t i, PieceKind k) { return pieces[i].kind == k; };
  if (pieces.empty()) {
    m.kind_ = Kind::kExact;
  } else if (pieces.size() == 1 && is(0, PieceKind::kStar)) {
    m.kind_ = Kind::kAny;
  } else if (pieces.size() == 1 && is(0, PieceKind::kLiteral)) {
    m.kind_ = Kind::kExact;
    m.literal_ = pieces[0].text;
  } else if (pieces.size() == 2 && is(0, PieceKind::kLiteral) && is(1, PieceKind::kStar)) {
    m.kind_ = Kind::kPrefix;
    m.literal_ = pieces[0].text;
  } else if (pieces.size() == 2 && is(0, PieceKind::kStar) && is(1, PieceKind::kLiteral)) {
    m.kind_ = Kind::kSuffix;
    m.literal_ = pieces[1].text;
  } else if (pieces.size() == 3 && is(0, PieceKind::kStar) && is(1, PieceKind::kLiteral) &&
             is(2, PieceKind::kStar)) {
    m.kind_ = Kind::kContains;
    m.literal_ = pieces[1].text;
  } else {
    m.kind_ = Kind::kGlob;
    for (const SigmaString::Piece& p : pieces) {
      if (p.kind == PieceKind::kLiteral && p.text.size() > m.longest_.size()) m.longest_ = p.text;
    }
    m.glob_ = std::move(s);
  }
  if (m.kind_ == Kind::kExact) {
    m.number_ = parse_number(m.literal_);
    m.ip_ = IpAddress::parse(m.literal_);
  }
  return m;
}

Result<ValueMatcher> ValueMatcher::regex(std::string_view expression, RegexFlags flags) {
  std::string full;
  if (flags.ignore_case || flags.multi_line || flags.dot_all) {
    full = "(?";
    if (flags.ignore_case) full += 'i';
    if (flags.multi_line) full += 'm';
    if (flags.dot_all) full += 's';
    full += ')';
  }
  full.append(expression);
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(8 << 20);
  auto re = std::make_shared<const RE2>(full, options);
  if (!re->ok()) {
    return fail(ErrorCode::kInvalidArgument,
                "regex '" + std::string(expression) + "' not supported by RE2: " + re->error());
  }
  ValueMatcher m;
  m.kind_ = Kind::kRegex;
  m.cased_ = !flags.ignore_case;
  m.literal_ = std::string(expression);
  m.re_ = std::move(re);
  return m;
}

Result<ValueMatcher> ValueMatcher::cidr(std::string_view range) {
  const std::size_t slash = range.find('/');
  const std::string_view addr_text = range.substr(0, slash);
  auto addr = IpAddress::parse(addr_text);
  if (!addr) {
    return fail(ErrorCode::kInvalidArgument, "bad cidr '" + std::string(range) + "'");
  }
  const int max_bits = addr->is_v4 ? 32 : 128;
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    const std::string_view b = range.substr(slash + 1);
    auto [p, ec] = std::from_chars(b.data(), b.data() + b.size(), bits);
    if (b.empty() || ec != std::errc() || p != b.data() + b.size() || bits < 0 || bits > max_bits) {
      return fail(ErrorCode::kInvalidArgument, "bad cidr prefix '" + std::string(range) + "'");
    }
  }
  ValueMatcher m;
  m.kind_ = Kind::kCidr;
  m.ip_ = addr;
  m.prefix_bits_ = bits;
  m.literal_ = std::string(range);
  return m;
}

Result<ValueMatcher> ValueMatcher::compare(CompareOp op, std::string_view number) {
  auto n = parse_number(number);
  if (!n) {
    return fail(ErrorCode::kInvalidArgument,
                "comparison value '" + std::string(number) + "' is not a number");
  }
  ValueMatcher m;
  m.kind_ = Kind::kCompare;
  m.op_ = op;
  m.number_ = n;
  m.literal_ = std::string(number);
  return m;
}

bool ValueMatcher::matches_number(const Number& field) const {
  if (kind_ == Kind::kCompare) return compare_numbers(field, op_, *number_);
  // kExact of a plain number.
  if (field.is_integer && number_->is_integer) return field.integer == number_->integer;
  return field.value == number_->value;
}

bool ValueMatcher::matches_text(std::string_view text) const {
  switch (kind_) {
    case Kind::kExact:
      return text.size() == literal_.size() && equal_at(text, 0, literal_, cased_);
    case Kind::kPrefix:
      return equal_at(text, 0, literal_, cased_);
    case Kind::kSuffix:
      return text.size() >= literal_.size() &&
             equal_at(text, text.size() - literal_.size(), literal_, cased_);
    case Kind::kContains:
      return find_from(text, 0, literal_, cased_) != std::string_view::npos;
    case Kind::kGlob:
      return glob_match(glob_.pieces(), text, cased_);
    case Kind::kAny:
      return true;
    case Kind::kRegex:
      return RE2::PartialMatch(text, *re_);
    case Kind::kCidr: {
      auto ip = IpAddress::parse(text);
      return ip && in_network(*ip, *ip_, prefix_bits_);
    }
    case Kind::kCompare: {
      auto n = parse_number(text);
      return n && compare_numbers(*n, op_, *number_);
    }
  }
  return false;
}

bool ValueMatcher::matches(const FieldValue& value) const {
  if (const auto* s = std::get_if<std::string>(&value)) return matches_text(*s);
  if (const auto* list = std::get_if<StringList>(&value)) {
    for (const std::string& item : *list) {
      if (matches_text(item)) return true;
    }
    return false;
  }
  const bool numeric = kind_ == Kind::kCompare || (kind_ == Kind::kExact && number_);
  if (numeric) {
    if (const auto* i = std::get_if<std::int64_t>(&value)) return matches_number(from_int(*i));
    if (const auto* d = std::get_if<double>(&value)) return matches_number(from_double(*d));
  }
  if (const auto* ip = std::get_if<IpAddress>(&value)) {
    if (kind_ == Kind::kCidr) return in_network(*ip, *ip_, prefix_bits_);
    if (kind_ == Kind::kExact && ip_) return *ip == *ip_;
  }
  if (kind_ == Kind::kCidr || kind_ == Kind::kCompare) return false;
  char buf[64];
  auto text = field_text(value, buf, sizeof buf);
  return text && matches_text(*text);
}

std::string_view ValueMatcher::required_literal() const {
  switch (kind_) {
    case Kind::kExact:
      if (number_) return {};
      [[fallthrough]];
    case Kind::kPrefix:
    case Kind::kSuffix:
    case Kind::kContains:
      return literal_;
    case Kind::kGlob:
      return longest_;
    default:
      return {};
  }
}

std::string ValueMatcher::describe() const {
  std::string c = cased_ ? " (cased)" : "";
  switch (kind_) {
    case Kind::kExact:
      return "equals '" + literal_ + "'" + c;
    case Kind::kPrefix:
      return "startswith '" + literal_ + "'" + c;
    case Kind::kSuffix:
      return "endswith '" + literal_ + "'" + c;
    case Kind::kContains:
      return "contains '" + literal_ + "'" + c;
    case Kind::kGlob:
      return "matches '" + glob_.to_string() + "'" + c;
    case Kind::kAny:
      return "any value";
    case Kind::kRegex:
      return "re '" + literal_ + "'";
    case Kind::kCidr:
      return "cidr " + literal_;
    case Kind::kCompare: {
      static constexpr const char* kOps[] = {"gt", "gte", "lt", "lte"};
      return std::string(kOps[static_cast<int>(op_)]) + " " + literal_;
    }
  }
  return {};
}

}  // namespace soc::sigma
