#include "signatures/sigma/requirement.h"

#include <algorithm>

#include "signatures/sigma/value_matcher.h"

namespace soc::sigma {

namespace {

// Expected cost of a requirement: roughly how often it is met by unrelated text. A short literal
// occurs far more often than a long one, so each literal weighs 1 / (length - 2)^2.
double cost(const Requirement& r) {
  double c = 0;
  for (const std::string& l : r.literals) {
    const double d = static_cast<double>(l.size()) - 2.0;
    c += 1.0 / (d * d);
  }
  return c;
}

void dedupe(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

Requirement Requirement::literal(std::string text) {
  if (text.size() < kMinLiteralSize) return any();
  Requirement r;
  r.always = false;
  r.literals.push_back(fold_ascii(text));
  return r;
}

Requirement any_of(std::vector<Requirement> parts) {
  if (parts.empty()) return Requirement::any();
  Requirement out;
  out.always = false;
  for (Requirement& p : parts) {
    if (p.always) return Requirement::any();
    for (std::string& l : p.literals) out.literals.push_back(std::move(l));
  }
  dedupe(out.literals);
  return out;
}

Requirement all_of(std::vector<Requirement> parts) {
  Requirement* best = nullptr;
  for (Requirement& p : parts) {
    if (p.always) continue;
    if (best == nullptr || cost(p) < cost(*best)) best = &p;
  }
  return best != nullptr ? std::move(*best) : Requirement::any();
}

}  // namespace soc::sigma
