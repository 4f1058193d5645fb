#include "collector/query/compiler.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "collector/query/indexed_fields.h"
#include "collector/query/parser.h"
#include "common/event.h"

namespace soc::query {
namespace {

enum class FieldKind { kJson, kIndexedJson, kTime, kMessage, kText };

struct ColumnField {
  std::string_view name;
  const char* sql;
  FieldKind kind;
  bool agents;
};
constexpr std::array<ColumnField, 6> kColumns = {{
    {"@timestamp", "e.time_ns", FieldKind::kTime, false},
    {"message", "e.message", FieldKind::kMessage, false},
    {"event.dataset", "e.kind", FieldKind::kText, false},
    {"event.provider", "e.source", FieldKind::kText, false},
    {"agent.name", "a.name", FieldKind::kText, true},
    {"organization.name", "a.agency", FieldKind::kText, true},
}};

// Where a field's value comes from: a fixed SQL fragment, or json_extract with a bound path.
struct FieldRef {
  FieldKind kind = FieldKind::kJson;
  const char* sql = nullptr;    // fixed fragment; nullptr for kJson
  const char* index = nullptr;  // kIndexedJson: its index
  std::string path;             // kJson: $."name" (the name is validated: no quote can occur)
};

FieldRef resolve(const std::string& name) {
  for (const ColumnField& c : kColumns) {
    if (c.name == name) return {c.kind, c.sql, nullptr, {}};
  }
  for (const IndexedField& f : kIndexedFields) {
    if (f.name == name) return {FieldKind::kIndexedJson, f.column, f.index, {}};
  }
  return {FieldKind::kJson, nullptr, nullptr, "$.\"" + name + "\""};
}

// ---------------------------------------------------------------------------------------------
// Value interpretation.

std::optional<std::int64_t> parse_int(const std::string& s) {
  std::int64_t v = 0;
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  if (begin == end) return std::nullopt;
  auto [ptr, ec] = std::from_chars(begin, end, v);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

std::optional<double> parse_decimal(const std::string& s) {
  // -?digits.digits only (no exponents, no inf/nan): what an analyst types for a number.
  std::size_t i = s.size() > 0 && s[0] == '-' ? 1 : 0;
  const std::size_t int_start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == int_start || i == s.size() || s[i] != '.') return std::nullopt;
  const std::size_t frac_start = ++i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == frac_start || i != s.size()) return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// A UTC time as [start, end): a date is its day, a time its second (or its fraction's unit).
struct TimeSpan {
  std::int64_t start = 0;
  std::int64_t end = 0;
};

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// 2026-11-30, 2026-11-30T21:00:00, with .fraction, and Z or +hh:mm / -hh:mm.
std::optional<TimeSpan> parse_time(const std::string& s) {
  auto digits = [&](std::size_t at, std::size_t n) -> std::optional<unsigned> {
    if (at + n > s.size()) return std::nullopt;
    unsigned v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + static_cast<unsigned>(s[i] - '0');
    }
    return v;
  };
  const auto year = digits(0, 4);
  const auto month = digits(5, 2);
  const auto day = digits(8, 2);
  if (!year || !month || !day || s[4] != '-' || s[7] != '-' || *month < 1 || *month > 12 ||
      *day < 1 || *day > 31 || *year < 1970 || *year > 2200) {
    return std::nullopt;
  }
  constexpr std::int64_t kSec = 1'000'000'000;
  const std::int64_t day_start = days_from_civil(*year, *month, *day) * 86'400 * kSec;
  if (s.size() == 10) return TimeSpan{day_start, day_start + 86'400 * kSec};
  const auto hour = digits(11, 2);
  const auto minute = digits(14, 2);
  const auto second = digits(17, 2);
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
  if (!hour || !minute || !second || s[13] != ':' || s[16] != ':' || *hour > 23 || *minute > 59 ||
      *second > 60) {
    return std::nullopt;
  }
  std::int64_t t = day_start + ((*hour * 60 + *minute) * 60 + *second) * kSec;
  std::int64_t unit = kSec;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const std::size_t start = i;
    std::int64_t fraction = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (i - start >= 9) return std::nullopt;
      fraction = fraction * 10 + (s[i] - '0');
      unit /= 10;
      ++i;
    }
    if (i == start) return std::nullopt;
    t += fraction * unit;
  }
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    const auto oh = digits(i + 1, 2);
    const auto om = digits(i + 4, 2);
    if (!oh || !om || i + 3 >= s.size() || s[i + 3] != ':' || *oh > 23 || *om > 59) {
      return std::nullopt;
    }
    const std::int64_t offset = static_cast<std::int64_t>(*oh * 60 + *om) * 60 * kSec;
    t += s[i] == '+' ? -offset : offset;
    i += 6;
  }
  if (i != s.size()) return std::nullopt;
  return TimeSpan{t, t + unit};
}

struct Cidr {
  IpAddress network;  // host bits cleared
  int prefix = 0;
};

std::optional<Cidr> parse_cidr(const std::string& s) {
  const std::size_t slash = s.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto ip = IpAddress::parse(std::string_view(s).substr(0, slash));
  const std::string bits = s.substr(slash + 1);
  if (!ip || bits.empty() || bits.size() > 3) return std::nullopt;
  int prefix = 0;
  for (const char c : bits) {
    if (c < '0' || c > '9') return std::nullopt;
    prefix = prefix * 10 + (c - '0');
  }
  const int max = ip->is_v4 ? 32 : 128;
  if (prefix > max) return std::nullopt;
  for (int bit = prefix; bit < max; ++bit) {
    ip->bytes[static_cast<std::size_t>(bit / 8)] &=
        static_cast<std::uint8_t>(~(0x80u >> static_cast<unsigned>(bit % 8)));
  }
  return Cidr{*ip, prefix};
}

// The text every canonical address of the network starts with ("10.1." for 10.1.0.0/16,
// "2001:db8:" for 2001:db8::/32), "" when there is none. Lets an index narrow a CIDR search.
std::string cidr_text_prefix(const Cidr& c) {
  std::string out;
  if (c.network.is_v4) {
    for (int octet = 0; octet < c.prefix / 8; ++octet) {
      out += std::to_string(c.network.bytes[static_cast<std::size_t>(octet)]) + ".";
    }
    return out;
  }
  static const char* kHex = "0123456789abcdef";
  for (std::size_t h = 0; h < static_cast<std::size_t>(c.prefix / 16); ++h) {
    const unsigned value = (unsigned{c.network.bytes[2 * h]} << 8) | c.network.bytes[2 * h + 1];
    if (value == 0) break;  // a zero hextet may be written as "::"
    std::string hextet;
    for (unsigned v = value; v != 0; v >>= 4) hextet.insert(hextet.begin(), kHex[v & 15]);
    out += hextet + ":";
  }
  return out;
}

// The smallest string greater than every string starting with prefix, when it is easy to make
// (the last byte is ASCII and below 0x7f); "" otherwise.
std::string prefix_upper_bound(const std::string& prefix) {
  if (prefix.empty()) return "";
  const auto last = static_cast<unsigned char>(prefix.back());
  if (last >= 0x7f) return "";
  std::string out = prefix;
  out.back() = static_cast<char>(last + 1);
  return out;
}

// SQLite GLOB pattern: * and ? as wildcards, every literal special character in [brackets].
std::string glob_pattern(const Value& v) {
  std::string out;
  for (std::size_t i = 0; i < v.text.size(); ++i) {
    const char c = v.text[i];
    if (!v.wildcard[i] && (c == '*' || c == '?' || c == '[')) {
      out += '[';
      out += c;
      out += ']';
    } else {
      out += c;
    }
  }
  return out;
}

// The literal text before the first wildcard.
std::string literal_prefix(const Value& v) {
  std::string out;
  for (std::size_t i = 0; i < v.text.size() && !v.wildcard[i]; ++i) out += v.text[i];
  return out;
}

// LIKE pattern (ESCAPE '\') matching the value anywhere in the text.
std::string like_contains(const Value& v) {
  std::string out = "%";
  for (std::size_t i = 0; i < v.text.size(); ++i) {
    const char c = v.text[i];
    if (v.wildcard[i]) {
      out += c == '*' ? '%' : '_';
    } else {
      if (c == '%' || c == '_' || c == '\\') out += '\\';
      out += c;
    }
  }
  return out + "%";
}

// FTS5 query text for the value: one quoted phrase ("" doubles a quote inside it), with a
// trailing * as a prefix search. nullopt when the full-text index cannot answer (no word
// characters, or wildcards other than trailing ones).
std::optional<std::string> fts_phrase(const Value& v) {
  std::size_t literal_end = v.text.size();
  while (literal_end > 0 && v.wildcard[literal_end - 1] && v.text[literal_end - 1] == '*') {
    --literal_end;
  }
  bool word_char = false;
  for (std::size_t i = 0; i < literal_end; ++i) {
    if (v.wildcard[i]) return std::nullopt;
    const auto c = static_cast<unsigned char>(v.text[i]);
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80) {
      word_char = true;
    }
  }
  if (!word_char) return std::nullopt;
  std::string out = "\"";
  for (std::size_t i = 0; i < literal_end; ++i) {
    if (v.text[i] == '"') out += '"';
    out += v.text[i];
  }
  out += '"';
  if (literal_end < v.text.size()) out += " *";
  return out;
}

// True when the value is a single run of ASCII letters and digits, with or without trailing
// stars: one word to the full-text index, whatever the text around it.
bool is_one_word(const Value& v) {
  std::size_t end = v.text.size();
  while (end > 0 && v.wildcard[end - 1] && v.text[end - 1] == '*') --end;
  if (end == 0) return false;
  for (std::size_t i = 0; i < end; ++i) {
    const auto c = static_cast<unsigned char>(v.text[i]);
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------

class Compiler {
 public:
  QueryResult<CompiledQuery> run(const Node& root) {
    if (auto compiled = node(root); !compiled) return tl::unexpected(compiled.error());
    return std::move(out_);
  }

 private:
  QueryResult<void> node(const Node& n) {
    switch (n.type) {
      case Node::Type::kAnd:
      case Node::Type::kOr: {
        if (n.children.empty()) return query_error(n.column, "empty group");
        // The terms of `and` are as required as the group; those of `or` are not.
        const Requirement group(
            required_, required_ && (n.type == Node::Type::kAnd || n.children.size() == 1));
        out_.where += '(';
        for (std::size_t i = 0; i < n.children.size(); ++i) {
          if (i > 0) out_.where += n.type == Node::Type::kAnd ? " AND " : " OR ";
          if (auto c = node(n.children[i]); !c) return c;
        }
        out_.where += ')';
        return {};
      }
      case Node::Type::kNot: {
        if (n.children.size() != 1) return query_error(n.column, "'not' takes one term");
        const Requirement negated(required_, false);
        // NULL (the field is missing) counts as false before it is negated.
        out_.where += "NOT IFNULL(";
        if (auto c = node(n.children[0]); !c) return c;
        out_.where += ", 0)";
        return {};
      }
      case Node::Type::kText:
        return text(n.value);
      case Node::Type::kMatch:
      case Node::Type::kRange: {
        if (!is_valid_field_name(n.field)) {
          return query_error(n.column, "invalid field name: expected 1-128 of A-Z a-z 0-9 _ . @ -");
        }
        if (n.value.wildcard.size() != n.value.text.size()) {
          return query_error(n.value.column, "malformed value");
        }
        const FieldRef field = resolve(n.field);
        for (const ColumnField& c : kColumns) {
          if (c.name == n.field && c.agents) out_.uses_agents = true;
        }
        return n.type == Node::Type::kMatch ? match(n, field) : range(n, field);
      }
    }
    return query_error(n.column, "unknown node");
  }

  void param(SqlParam p) {
    out_.where += '?';
    out_.params.push_back(std::move(p));
  }

  // Sets whether the terms compiled while it lives must hold for every match; restores the
  // enclosing setting when it goes.
  class Requirement {
   public:
    Requirement(bool& required, bool value) : required_(required), saved_(required) {
      required = value;
    }
    ~Requirement() { required_ = saved_; }
    Requirement(const Requirement&) = delete;
    Requirement& operator=(const Requirement&) = delete;

   private:
    bool& required_;
    bool saved_;
  };

  // The field's value expression (a bound path for ordinary ECS fields).
  void field_sql(const FieldRef& f) {
    if (f.sql != nullptr) {
      out_.where += f.sql;
      return;
    }
    out_.where += "json_extract(e.fields, ";
    param(f.path);
    out_.where += ')';
  }

  // Notes an indexed condition that every match meets, just before its parameters are added
  // (a range's two bounds one after the other). The first equality wins over any range: it
  // lists its matches in time order.
  void note_index_driver(const FieldRef& f, bool range) {
    if (!required_ || f.kind != FieldKind::kIndexedJson) return;
    if (out_.index_driver && (range || !out_.index_driver->upper_param)) return;
    const std::size_t at = out_.params.size();
    out_.index_driver =
        IndexDriver{f.index, f.sql, at, range ? std::optional<std::size_t>(at + 1) : std::nullopt};
  }

  // field op ? with a parameter.
  void compare(const FieldRef& f, const char* op, SqlParam p) {
    field_sql(f);
    out_.where += op;
    param(std::move(p));
  }

  QueryResult<void> text(const Value& v) {
    if (v.text.empty()) return query_error(v.column, "empty phrase");
    if (v.is_any()) return query_error(v.column, "'*' alone matches nothing: give a word");
    if (auto phrase = fts_phrase(v)) {
      // The index knows which events hold each word, not where: a text of more than one word
      // is then tested for its words in order.
      const bool one_word = is_one_word(v);
      if (!one_word) out_.where += '(';
      if (required_ && !out_.full_text_driver) {
        out_.full_text_driver = FullTextDriver{out_.where.size(), out_.params.size()};
      }
      out_.where += kFullTextAsSet;
      out_.params.push_back(*phrase);
      if (!one_word) {
        out_.where += " AND ";
        out_.where += kPhraseInOrder;
        out_.params.push_back(std::move(*phrase));
        out_.where += ')';
      }
      return {};
    }
    if (v.has_wildcards()) {
      out_.where += "e.message LIKE ";
      param(like_contains(v));
      out_.where += " ESCAPE '\\'";
      return {};
    }
    out_.where += "instr(e.message, ";
    param(v.text);
    out_.where += ") > 0";
    return {};
  }

  QueryResult<void> match(const Node& n, const FieldRef& f) {
    const Value& v = n.value;
    switch (f.kind) {
      case FieldKind::kMessage:
        if (v.is_any()) {
          out_.where += "e.message <> ''";
          return {};
        }
        return text(v);
      case FieldKind::kTime: {
        if (v.is_any()) {
          out_.where += "1";
          return {};
        }
        const auto span = parse_time(v.text);
        if (!span || v.has_wildcards()) return bad_time(v);
        out_.where += '(';
        compare(f, " >= ", span->start);
        out_.where += " AND ";
        compare(f, " < ", span->end);
        out_.where += ')';
        return {};
      }
      case FieldKind::kText:
      case FieldKind::kJson:
      case FieldKind::kIndexedJson:
        break;
    }
    if (v.is_any()) {
      if (f.kind == FieldKind::kText) {
        out_.where += "1";
      } else {
        field_sql(f);
        out_.where += " IS NOT NULL";
      }
      return {};
    }
    if (v.has_wildcards()) {
      const std::string prefix = literal_prefix(v);
      const std::string upper = prefix_upper_bound(prefix);
      const bool narrow = f.kind == FieldKind::kIndexedJson && !upper.empty();
      if (narrow) {  // lets the index find the candidates: [prefix, upper)
        note_index_driver(f, true);
        out_.where += '(';
        compare(f, " >= ", prefix);
        out_.where += " AND ";
        compare(f, " < ", upper);
        out_.where += " AND ";
      }
      compare(f, " GLOB ", glob_pattern(v));
      if (narrow) out_.where += ')';
      return {};
    }
    if (!v.quoted && f.kind != FieldKind::kText) {
      if (auto cidr = parse_cidr(v.text)) return cidr_match(f, *cidr);
      if (auto i = parse_int(v.text)) return one_of(f, *i, v.text);
      if (auto d = parse_decimal(v.text)) return one_of(f, *d, v.text);
      if (v.text == "true" || v.text == "false") {
        return one_of(f, std::int64_t{v.text == "true" ? 1 : 0}, v.text);
      }
    }
    note_index_driver(f, false);
    compare(f, " = ", v.text);
    return {};
  }

  // field IN (number, its text): an index handles IN like equality.
  QueryResult<void> one_of(const FieldRef& f, SqlParam number, const std::string& text) {
    field_sql(f);
    out_.where += " IN (";
    param(std::move(number));
    out_.where += ", ";
    param(text);
    out_.where += ')';
    return {};
  }

  QueryResult<void> cidr_match(const FieldRef& f, const Cidr& c) {
    const int max = c.network.is_v4 ? 32 : 128;
    if (c.prefix == max) {
      note_index_driver(f, false);
      compare(f, " = ", c.network.to_string());
      return {};
    }
    const std::string prefix = cidr_text_prefix(c);
    const std::string upper = prefix_upper_bound(prefix);
    out_.where += '(';
    if (!upper.empty()) {
      note_index_driver(f, true);
      compare(f, " >= ", prefix);
      out_.where += " AND ";
      compare(f, " < ", upper);
      out_.where += " AND ";
    }
    out_.where += "soc_cidr_match(";
    field_sql(f);
    out_.where += ", ";
    param(c.network.to_string());
    out_.where += ", ";
    param(std::int64_t{c.prefix});
    out_.where += "))";
    return {};
  }

  QueryResult<void> bad_time(const Value& v) {
    return query_error(v.column,
                       "expected a UTC time like 2026-11-30T00:00:00Z or a date like "
                       "2026-11-30 for @timestamp, found '" +
                           v.text.substr(0, 40) + "'");
  }

  QueryResult<void> range(const Node& n, const FieldRef& f) {
    const Value& v = n.value;
    if (v.has_wildcards()) {
      return query_error(v.column, "a range takes a number, a time or a text, not a wildcard");
    }
    const bool below = n.op == CompareOp::kLess || n.op == CompareOp::kLessEqual;
    const bool inclusive = n.op == CompareOp::kLessEqual || n.op == CompareOp::kGreaterEqual;
    const char* op = n.op == CompareOp::kLess        ? " < "
                     : n.op == CompareOp::kLessEqual ? " <= "
                     : n.op == CompareOp::kGreater   ? " > "
                                                     : " >= ";
    switch (f.kind) {
      case FieldKind::kMessage:
        return query_error(n.column, "message is searched by words; it has no range");
      case FieldKind::kTime: {
        const auto span = parse_time(v.text);
        if (!span) return bad_time(v);
        // < t and >= t start at t; <= t and > t include the whole of t (its day, its second).
        const std::int64_t at = below == inclusive ? span->end : span->start;
        compare(f, below ? " < " : " >= ", at);
        return {};
      }
      case FieldKind::kText:
        compare(f, op, v.text);
        return {};
      case FieldKind::kJson:
      case FieldKind::kIndexedJson:
        break;
    }
    std::optional<SqlParam> number;
    if (!v.quoted) {
      if (auto i = parse_int(v.text)) {
        number = *i;
      } else if (auto d = parse_decimal(v.text)) {
        number = *d;
      }
    }
    out_.where += '(';
    compare(f, op, number ? *number : SqlParam(v.text));
    out_.where += " AND typeof(";
    field_sql(f);
    out_.where += number ? ") IN ('integer', 'real'))" : ") = 'text')";
    return {};
  }

  CompiledQuery out_;
  bool required_ = true;  // the term being compiled must hold for every match
};

}  // namespace

QueryResult<CompiledQuery> compile_query(const Node& root) { return Compiler().run(root); }

QueryResult<CompiledQuery> compile_query_text(std::string_view text) {
  auto tree = parse_query(text);
  if (!tree) return tl::unexpected(tree.error());
  return compile_query(*tree);
}

}  // namespace soc::query
