#include "signatures/sigma/field_matcher.h"

#include <algorithm>

namespace soc::sigma {

namespace {

bool is_position_modifier(std::string_view m) {
  return m == "contains" || m == "startswith" || m == "endswith";
}

std::string lower(std::string_view s) { return fold_ascii(s); }

bool chars_equal(char a, char b, bool cased) {
  return cased ? a == b
               : fold_ascii(static_cast<unsigned char>(a)) ==
                     fold_ascii(static_cast<unsigned char>(b));
}

bool equal_at(std::string_view text, std::size_t pos, std::string_view part, bool cased) {
  if (pos > text.size() || text.size() - pos < part.size()) return false;
  for (std::size_t i = 0; i < part.size(); ++i) {
    if (!chars_equal(text[pos + i], part[i], cased)) return false;
  }
  return true;
}

bool relation_holds(std::string_view field, std::string_view ref, RefPosition pos, bool cased) {
  switch (pos) {
    case RefPosition::kEquals:
      return field.size() == ref.size() && equal_at(field, 0, ref, cased);
    case RefPosition::kStartsWith:
      return equal_at(field, 0, ref, cased);
    case RefPosition::kEndsWith:
      return field.size() >= ref.size() && equal_at(field, field.size() - ref.size(), ref, cased);
    case RefPosition::kContains:
      if (ref.size() > field.size()) return false;
      for (std::size_t i = 0; i + ref.size() <= field.size(); ++i) {
        if (equal_at(field, i, ref, cased)) return true;
      }
      return false;
  }
  return false;
}

// Calls f(text) for each text form of value (list elements one by one); stops when f is true.
template <typename F>
bool any_text(const FieldValue& value, F f) {
  if (const auto* list = std::get_if<StringList>(&value)) {
    for (const std::string& s : *list) {
      if (f(std::string_view(s))) return true;
    }
    return false;
  }
  char buf[64];
  auto text = field_text(value, buf, sizeof buf);
  return text && f(*text);
}

Result<bool> parse_bool(const DetectionValue& v) {
  const std::string t = lower(v.text);
  if (t == "true" || t == "yes") return true;
  if (t == "false" || t == "no") return false;
  return fail(ErrorCode::kInvalidArgument, "exists needs true or false, not '" + v.text + "'");
}

}  // namespace

Result<FieldMatcher> FieldMatcher::compile(const DetectionItem& item, const Resolver& resolve) {
  FieldMatcher out;
  out.raw_ = item.field.empty();
  if (item.values.empty()) return fail(ErrorCode::kInvalidArgument, "empty value list");
  if (item.values.size() > kMaxValuesPerItem) {
    return fail(ErrorCode::kTooLarge,
                "more than " + std::to_string(kMaxValuesPerItem) + " values in one item");
  }
  if (!out.raw_) {
    auto names = resolve(item.field);
    if (!names) return tl::unexpected(names.error());
    if (names->empty() || names->size() > kMaxFieldNames) {
      return fail(ErrorCode::kInvalidArgument,
                  "field " + item.field + " maps to " + std::to_string(names->size()) +
                      " fields (1 to " + std::to_string(kMaxFieldNames) + " allowed)");
    }
    out.fields_ = std::move(*names);
  }

  // null: the field is absent. It takes no modifiers and no other values (specification).
  const bool has_null = std::any_of(item.values.begin(), item.values.end(),
                                    [](const DetectionValue& v) { return v.is_null; });
  if (has_null) {
    if (item.values.size() != 1) {
      return fail(ErrorCode::kInvalidArgument, "null cannot be part of a list of values");
    }
    if (!item.modifiers.empty()) {
      return fail(ErrorCode::kInvalidArgument, "null cannot take modifiers");
    }
    if (out.raw_) return fail(ErrorCode::kInvalidArgument, "null needs a field");
    out.mode_ = Mode::kNull;
    return out;
  }

  ItemSpec spec = make_item_spec(item.values);
  bool explicit_position = false;
  for (const std::string& m : item.modifiers) {
    if (auto r = apply_modifier(m, spec); !r) return tl::unexpected(r.error());
    explicit_position = explicit_position || is_position_modifier(m);
  }
  out.all_ = spec.all;
  out.negate_ = spec.negate;
  out.cased_ = spec.cased;

  switch (spec.kind) {
    case ItemKind::kExists: {
      if (out.raw_) return fail(ErrorCode::kInvalidArgument, "exists needs a field");
      if (spec.written.size() != 1) {
        return fail(ErrorCode::kInvalidArgument, "exists takes exactly one value");
      }
      auto want = parse_bool(spec.written[0]);
      if (!want) return tl::unexpected(want.error());
      out.mode_ = Mode::kExists;
      out.exists_ = *want != spec.negate;
      out.negate_ = false;
      return out;
    }
    case ItemKind::kFieldRef: {
      if (out.raw_) return fail(ErrorCode::kInvalidArgument, "fieldref needs a field");
      out.mode_ = Mode::kFieldRef;
      out.ref_position_ = spec.ref_position;
      for (const DetectionValue& v : spec.written) {
        auto names = resolve(v.text);
        if (!names) return tl::unexpected(names.error());
        if (names->empty() || names->size() > kMaxFieldNames) {
          return fail(ErrorCode::kInvalidArgument, "fieldref target " + v.text + " maps to " +
                                                       std::to_string(names->size()) + " fields");
        }
        out.ref_fields_.push_back(std::move(*names));
      }
      return out;
    }
    case ItemKind::kRegex:
    case ItemKind::kCidr:
    case ItemKind::kCompare:
      for (const DetectionValue& v : spec.written) {
        Result<ValueMatcher> m =
            spec.kind == ItemKind::kRegex  ? ValueMatcher::regex(v.text, spec.regex)
            : spec.kind == ItemKind::kCidr ? ValueMatcher::cidr(v.text)
                                           : ValueMatcher::compare(spec.op, v.text);
        if (!m) return tl::unexpected(m.error());
        out.groups_.push_back({std::move(*m)});
      }
      return out;
    case ItemKind::kPattern:
      break;
  }

  // Keywords are searched anywhere in the raw text unless a position modifier says otherwise.
  if (out.raw_ && !explicit_position) {
    if (auto r = apply_modifier("contains", spec); !r) return tl::unexpected(r.error());
  }
  std::size_t variants = 0;
  for (const auto& group : spec.groups) {
    variants += group.size();
    if (variants > kMaxVariantsPerItem) {
      return fail(ErrorCode::kTooLarge, "more than " + std::to_string(kMaxVariantsPerItem) +
                                            " values in one item after expansion");
    }
    std::vector<ValueMatcher> g;
    g.reserve(group.size());
    for (const SigmaString& v : group) g.push_back(ValueMatcher::pattern(v, spec.cased));
    out.groups_.push_back(std::move(g));
  }
  return out;
}

bool FieldMatcher::values_match(const Event& event, const FieldValue* const* found, std::size_t n,
                                const LiteralHits* hits) const {
  if (!raw_ && n == 0) return false;  // an absent field matches no value
  auto group_matches = [&](const std::vector<ValueMatcher>& group) {
    for (const ValueMatcher& m : group) {
      if (!m.may_match(hits)) continue;
      if (raw_) {
        if (m.matches_text(event.raw)) return true;
        continue;
      }
      for (std::size_t i = 0; i < n; ++i) {
        if (m.matches(*found[i])) return true;
      }
    }
    return false;
  };
  if (all_) {
    for (const auto& group : groups_) {
      if (!group_matches(group)) return false;
    }
    return !groups_.empty();
  }
  for (const auto& group : groups_) {
    if (group_matches(group)) return true;
  }
  return false;
}

bool FieldMatcher::refs_match(const Event& event, const FieldValue* const* found,
                              std::size_t n) const {
  if (n == 0) return false;
  auto ref_matches = [&](const std::vector<std::string>& names) {
    for (const std::string& name : names) {
      const FieldValue* ref = event.find(name);
      if (ref == nullptr) continue;
      for (std::size_t i = 0; i < n; ++i) {
        const bool hit = any_text(*ref, [&](std::string_view ref_text) {
          return any_text(*found[i], [&](std::string_view text) {
            return relation_holds(text, ref_text, ref_position_, cased_);
          });
        });
        if (hit) return true;
      }
    }
    return false;
  };
  if (all_) {
    for (const auto& names : ref_fields_) {
      if (!ref_matches(names)) return false;
    }
    return !ref_fields_.empty();
  }
  for (const auto& names : ref_fields_) {
    if (ref_matches(names)) return true;
  }
  return false;
}

bool FieldMatcher::matches(const Event& event, const LiteralHits* hits) const {
  const FieldValue* found[kMaxFieldNames];
  std::size_t n = 0;
  for (const std::string& name : fields_) {
    if (const FieldValue* v = event.find(name)) found[n++] = v;
  }
  switch (mode_) {
    case Mode::kNull:
      for (std::size_t i = 0; i < n; ++i) {
        const auto* list = std::get_if<StringList>(found[i]);
        if (list == nullptr || !list->empty()) return false;
      }
      return true;
    case Mode::kExists:
      return (n > 0) == exists_;
    case Mode::kFieldRef:
      return refs_match(event, found, n) != negate_;
    case Mode::kValues:
      return values_match(event, found, n, hits) != negate_;
  }
  return false;
}

void FieldMatcher::assign_literal_ids(const std::function<std::uint32_t(std::string_view)>& id_of) {
  if (mode_ != Mode::kValues) return;
  std::size_t variants = 0;
  for (const auto& group : groups_) variants += group.size();
  // Short lists are cheap to test directly; scanning for their literals would cost more.
  if (variants < kMinValuesForLiteralIds) return;
  for (auto& group : groups_) {
    for (ValueMatcher& m : group) {
      const std::string_view lit = m.required_literal();
      m.set_literal_id(lit.size() >= kMinLiteralSize ? id_of(lit) : ValueMatcher::kNoLiteral);
    }
  }
}

Requirement FieldMatcher::requirement() const {
  if (mode_ != Mode::kValues || negate_) return Requirement::any();
  std::vector<Requirement> groups;
  groups.reserve(groups_.size());
  for (const auto& group : groups_) {
    std::vector<Requirement> variants;
    variants.reserve(group.size());
    for (const ValueMatcher& m : group) {
      variants.push_back(Requirement::literal(std::string(m.required_literal())));
    }
    groups.push_back(any_of(std::move(variants)));
  }
  return all_ ? all_of(std::move(groups)) : any_of(std::move(groups));
}

}  // namespace soc::sigma
