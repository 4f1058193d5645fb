#include "signatures/sigma/modifiers.h"

#include <array>
#include <cctype>

namespace soc::sigma {

namespace {

using Kind = SigmaString::Kind;

Result<void> reason(std::string text) { return fail(ErrorCode::kUnsupported, std::move(text)); }

std::size_t variant_count(const ItemSpec& spec) {
  std::size_t n = 0;
  for (const auto& g : spec.groups) n += g.size();
  return n;
}

// ---- checks shared by several modifiers ----

Result<void> need_pattern(const ItemSpec& spec, std::string_view name) {
  if (spec.kind != ItemKind::kPattern) {
    return reason("modifier " + std::string(name) + " cannot follow a re/cidr/compare/exists/" +
                  "fieldref modifier");
  }
  return ok();
}

Result<void> need_unshaped(const ItemSpec& spec, std::string_view name) {
  if (auto r = need_pattern(spec, name); !r) return r;
  if (spec.reshaped) {
    return reason("modifier " + std::string(name) + " must come before any modifier that " +
                  "changes the values");
  }
  return ok();
}

template <typename F>
Result<void> for_each_variant(ItemSpec& spec, F f) {
  for (auto& group : spec.groups) {
    for (SigmaString& v : group) f(v);
  }
  spec.reshaped = true;
  return ok();
}

// ---- position modifiers ----

Result<void> apply_contains(ItemSpec& spec) {
  if (spec.kind == ItemKind::kFieldRef) {
    spec.ref_position = RefPosition::kContains;
    return ok();
  }
  if (auto r = need_pattern(spec, "contains"); !r) return r;
  return for_each_variant(spec, [](SigmaString& v) {
    SigmaString out;
    if (!v.starts_with_star()) out.append_star();
    out.append(v);
    if (!v.ends_with_star()) out.append_star();
    v = std::move(out);
  });
}

Result<void> apply_startswith(ItemSpec& spec) {
  if (spec.kind == ItemKind::kFieldRef) {
    spec.ref_position = RefPosition::kStartsWith;
    return ok();
  }
  if (auto r = need_pattern(spec, "startswith"); !r) return r;
  return for_each_variant(spec, [](SigmaString& v) { v.append_star(); });
}

Result<void> apply_endswith(ItemSpec& spec) {
  if (spec.kind == ItemKind::kFieldRef) {
    spec.ref_position = RefPosition::kEndsWith;
    return ok();
  }
  if (auto r = need_pattern(spec, "endswith"); !r) return r;
  return for_each_variant(spec, [](SigmaString& v) {
    if (v.starts_with_star()) return;
    SigmaString out;
    out.append_star();
    out.append(v);
    v = std::move(out);
  });
}

// ---- combination and case ----

Result<void> apply_all(ItemSpec& spec) {
  spec.all = true;
  return ok();
}

Result<void> apply_cased(ItemSpec& spec) {
  spec.cased = true;
  return ok();
}

Result<void> apply_neq(ItemSpec& spec) {
  spec.negate = true;
  return ok();
}

// ---- type modifiers ----

Result<void> apply_re(ItemSpec& spec) {
  if (auto r = need_unshaped(spec, "re"); !r) return r;
  spec.kind = ItemKind::kRegex;
  return ok();
}

Result<void> regex_flag(ItemSpec& spec, std::string_view name, bool RegexFlags::*flag) {
  if (spec.kind != ItemKind::kRegex) {
    return reason("modifier " + std::string(name) + " needs a preceding re modifier");
  }
  spec.regex.*flag = true;
  return ok();
}

Result<void> apply_re_i(ItemSpec& spec) { return regex_flag(spec, "i", &RegexFlags::ignore_case); }
Result<void> apply_re_m(ItemSpec& spec) { return regex_flag(spec, "m", &RegexFlags::multi_line); }
Result<void> apply_re_s(ItemSpec& spec) { return regex_flag(spec, "s", &RegexFlags::dot_all); }

Result<void> apply_cidr(ItemSpec& spec) {
  if (auto r = need_unshaped(spec, "cidr"); !r) return r;
  spec.kind = ItemKind::kCidr;
  return ok();
}

Result<void> compare(ItemSpec& spec, std::string_view name, CompareOp op) {
  if (auto r = need_unshaped(spec, name); !r) return r;
  spec.kind = ItemKind::kCompare;
  spec.op = op;
  return ok();
}

Result<void> apply_gt(ItemSpec& spec) { return compare(spec, "gt", CompareOp::kGt); }
Result<void> apply_gte(ItemSpec& spec) { return compare(spec, "gte", CompareOp::kGte); }
Result<void> apply_lt(ItemSpec& spec) { return compare(spec, "lt", CompareOp::kLt); }
Result<void> apply_lte(ItemSpec& spec) { return compare(spec, "lte", CompareOp::kLte); }

Result<void> apply_exists(ItemSpec& spec) {
  if (auto r = need_unshaped(spec, "exists"); !r) return r;
  spec.kind = ItemKind::kExists;
  return ok();
}

Result<void> apply_fieldref(ItemSpec& spec) {
  if (auto r = need_unshaped(spec, "fieldref"); !r) return r;
  spec.kind = ItemKind::kFieldRef;
  return ok();
}

// ---- transformations ----

bool is_word(unsigned char c) { return std::isalnum(c) != 0 || c == '_'; }

// windash: every `-` or `/` that starts a word after a non-word character (pySigma's
// `\B[-/]\b`) becomes each of - / en-dash em-dash horizontal-bar.
Result<void> apply_windash(ItemSpec& spec) {
  if (auto r = need_pattern(spec, "windash"); !r) return r;
  static constexpr std::array<std::string_view, 5> kDashes = {"-", "/", "\xE2\x80\x93",
                                                              "\xE2\x80\x94", "\xE2\x80\x95"};
  std::size_t total = 0;
  for (auto& group : spec.groups) {
    std::vector<SigmaString> expanded;
    for (const SigmaString& v : group) {
      // Split every literal piece at its dash positions: parts[i] alternates text / dash slot.
      std::vector<SigmaString> variants(1);
      for (const SigmaString::Piece& p : v.pieces()) {
        if (p.kind == Kind::kStar || p.kind == Kind::kOne) {
          for (SigmaString& s : variants) {
            p.kind == Kind::kStar ? s.append_star() : s.append_one();
          }
          continue;
        }
        std::size_t start = 0;
        const std::string& t = p.text;
        for (std::size_t i = 0; i < t.size(); ++i) {
          const bool dash = t[i] == '-' || t[i] == '/';
          const bool before_ok = i == 0 || !is_word(static_cast<unsigned char>(t[i - 1]));
          const bool after_ok = i + 1 < t.size() && is_word(static_cast<unsigned char>(t[i + 1]));
          if (!dash || !before_ok || !after_ok) continue;
          const std::string_view chunk(t.data() + start, i - start);
          std::vector<SigmaString> next;
          if (variants.size() * kDashes.size() > kMaxVariantsPerItem) {
            return reason("modifier windash expands to more than " +
                          std::to_string(kMaxVariantsPerItem) + " variants");
          }
          for (const SigmaString& s : variants) {
            for (std::string_view d : kDashes) {
              SigmaString n = s;
              n.append_literal(chunk);
              n.append_literal(d);
              next.push_back(std::move(n));
            }
          }
          variants = std::move(next);
          start = i + 1;
        }
        for (SigmaString& s : variants) s.append_literal(std::string_view(t).substr(start));
      }
      for (SigmaString& s : variants) expanded.push_back(std::move(s));
    }
    total += expanded.size();
    if (total > kMaxVariantsPerItem) {
      return reason("modifier windash expands to more than " + std::to_string(kMaxVariantsPerItem) +
                    " variants");
    }
    group = std::move(expanded);
  }
  spec.reshaped = true;
  return ok();
}

Result<void> need_plain(const ItemSpec& spec, std::string_view name) {
  if (auto r = need_pattern(spec, name); !r) return r;
  for (const auto& group : spec.groups) {
    for (const SigmaString& v : group) {
      if (v.has_wildcards()) {
        return reason("modifier " + std::string(name) + " cannot encode wildcards");
      }
    }
  }
  return ok();
}

Result<void> apply_base64(ItemSpec& spec) {
  if (auto r = need_plain(spec, "base64"); !r) return r;
  return for_each_variant(
      spec, [](SigmaString& v) { v = SigmaString::literal(base64_encode(v.plain_text())); });
}

Result<void> apply_base64offset(ItemSpec& spec) {
  if (auto r = need_plain(spec, "base64offset"); !r) return r;
  if (variant_count(spec) * 3 > kMaxVariantsPerItem) {
    return reason("modifier base64offset expands to more than " +
                  std::to_string(kMaxVariantsPerItem) + " variants");
  }
  for (auto& group : spec.groups) {
    std::vector<SigmaString> expanded;
    for (const SigmaString& v : group) {
      for (const std::string& s : base64_offset_variants(v.plain_text())) {
        expanded.push_back(SigmaString::literal(s));
      }
    }
    group = std::move(expanded);
  }
  spec.reshaped = true;
  return ok();
}

Result<void> utf16(ItemSpec& spec, std::string_view name, bool big_endian, bool bom) {
  if (auto r = need_pattern(spec, name); !r) return r;
  return for_each_variant(spec, [&](SigmaString& v) {
    SigmaString out;
    if (bom) out.append_literal("\xFF\xFE");
    for (const SigmaString::Piece& p : v.pieces()) {
      if (p.kind == Kind::kLiteral) {
        out.append_literal(to_utf16(p.text, big_endian));
      } else if (p.kind == Kind::kStar) {
        out.append_star();
      } else {
        out.append_one();
      }
    }
    v = std::move(out);
  });
}

Result<void> apply_utf16le(ItemSpec& spec) { return utf16(spec, "utf16le", false, false); }
Result<void> apply_utf16be(ItemSpec& spec) { return utf16(spec, "utf16be", true, false); }
Result<void> apply_utf16(ItemSpec& spec) { return utf16(spec, "utf16", false, true); }

// ---- recognised but not supported ----

Result<void> apply_expand(ItemSpec&) {
  return reason("unsupported modifier expand (placeholders need value lists the agent lacks)");
}

Result<void> time_part(std::string_view name) {
  return reason("unsupported modifier " + std::string(name) + " (time parts of date fields)");
}
Result<void> apply_minute(ItemSpec&) { return time_part("minute"); }
Result<void> apply_hour(ItemSpec&) { return time_part("hour"); }
Result<void> apply_day(ItemSpec&) { return time_part("day"); }
Result<void> apply_week(ItemSpec&) { return time_part("week"); }
Result<void> apply_month(ItemSpec&) { return time_part("month"); }
Result<void> apply_year(ItemSpec&) { return time_part("year"); }

struct ModifierDef {
  std::string_view name;
  Result<void> (*apply)(ItemSpec&);
  bool supported;
};

// The registration list: one line per modifier name (aliases included).
constexpr ModifierDef kModifiers[] = {
    {"contains", apply_contains, true},
    {"startswith", apply_startswith, true},
    {"endswith", apply_endswith, true},
    {"all", apply_all, true},
    {"cased", apply_cased, true},
    {"neq", apply_neq, true},
    {"re", apply_re, true},
    {"i", apply_re_i, true},
    {"ignorecase", apply_re_i, true},
    {"m", apply_re_m, true},
    {"multiline", apply_re_m, true},
    {"s", apply_re_s, true},
    {"dotall", apply_re_s, true},
    {"cidr", apply_cidr, true},
    {"gt", apply_gt, true},
    {"gte", apply_gte, true},
    {"lt", apply_lt, true},
    {"lte", apply_lte, true},
    {"exists", apply_exists, true},
    {"fieldref", apply_fieldref, true},
    {"windash", apply_windash, true},
    {"base64", apply_base64, true},
    {"base64offset", apply_base64offset, true},
    {"utf16le", apply_utf16le, true},
    {"wide", apply_utf16le, true},
    {"utf16be", apply_utf16be, true},
    {"utf16", apply_utf16, true},
    {"expand", apply_expand, false},
    {"minute", apply_minute, false},
    {"hour", apply_hour, false},
    {"day", apply_day, false},
    {"week", apply_week, false},
    {"month", apply_month, false},
    {"year", apply_year, false},
};

}  // namespace

ItemSpec make_item_spec(const std::vector<DetectionValue>& values) {
  ItemSpec spec;
  spec.written = values;
  spec.groups.reserve(values.size());
  for (const DetectionValue& v : values) spec.groups.push_back({SigmaString::parse(v.text)});
  return spec;
}

Result<void> apply_modifier(std::string_view name, ItemSpec& spec) {
  for (const ModifierDef& m : kModifiers) {
    if (m.name == name) return m.apply(spec);
  }
  return reason("unsupported modifier " + std::string(name.empty() ? "(empty)" : name));
}

std::vector<std::string_view> supported_modifiers() {
  std::vector<std::string_view> out;
  for (const ModifierDef& m : kModifiers) {
    if (m.supported) out.push_back(m.name);
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned n = static_cast<unsigned char>(bytes[i]) << 16 |
                       static_cast<unsigned char>(bytes[i + 1]) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::vector<std::string> base64_offset_variants(std::string_view value) {
  // pySigma: b64encode(i * b" " + value)[start[i] : end[(len(value) + i) % 3]]
  static constexpr std::size_t kStart[3] = {0, 2, 3};
  static constexpr std::size_t kCutEnd[3] = {0, 3, 2};
  std::vector<std::string> out;
  for (std::size_t i = 0; i < 3; ++i) {
    std::string shifted(i, ' ');
    shifted.append(value);
    const std::string encoded = base64_encode(shifted);
    const std::size_t cut = kCutEnd[(value.size() + i) % 3];
    const std::size_t begin = std::min(kStart[i], encoded.size());
    const std::size_t end = encoded.size() >= cut ? encoded.size() - cut : 0;
    out.push_back(end > begin ? encoded.substr(begin, end - begin) : std::string());
  }
  return out;
}

std::string to_utf16(std::string_view utf8, bool big_endian) {
  std::string out;
  auto unit = [&](unsigned u) {
    const char hi = static_cast<char>((u >> 8) & 0xFF);
    const char lo = static_cast<char>(u & 0xFF);
    out += big_endian ? hi : lo;
    out += big_endian ? lo : hi;
  };
  for (std::size_t i = 0; i < utf8.size();) {
    const unsigned char c = static_cast<unsigned char>(utf8[i]);
    unsigned cp = c;
    std::size_t n = 1;
    if (c >= 0xF0 && c < 0xF8) {
      n = 4;
      cp = c & 0x07;
    } else if (c >= 0xE0 && c < 0xF0) {
      n = 3;
      cp = c & 0x0F;
    } else if (c >= 0xC0 && c < 0xE0) {
      n = 2;
      cp = c & 0x1F;
    }
    bool valid = n == 1 || i + n <= utf8.size();
    for (std::size_t k = 1; valid && k < n; ++k) {
      const unsigned char cc = static_cast<unsigned char>(utf8[i + k]);
      if ((cc & 0xC0) != 0x80) valid = false;
      cp = cp << 6 | (cc & 0x3F);
    }
    if (!valid) {
      cp = c;  // a stray byte: taken as Latin-1
      n = 1;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      unit(0xD800 | (cp >> 10));
      unit(0xDC00 | (cp & 0x3FF));
    } else {
      unit(cp);
    }
    i += n;
  }
  return out;
}

}  // namespace soc::sigma
