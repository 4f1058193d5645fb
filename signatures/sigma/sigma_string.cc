#include "signatures/sigma/sigma_string.h"

namespace soc::sigma {

SigmaString SigmaString::parse(std::string_view written) {
  SigmaString out;
  std::string lit;
  auto flush = [&] {
    if (!lit.empty()) out.append_literal(lit);
    lit.clear();
  };
  for (std::size_t i = 0; i < written.size(); ++i) {
    const char c = written[i];
    if (c == '\\' && i + 1 < written.size()) {
      const char next = written[i + 1];
      if (next == '*' || next == '?' || next == '\\') {
        lit.push_back(next);
        ++i;
        continue;
      }
      lit.push_back(c);
    } else if (c == '*') {
      flush();
      out.append_star();
    } else if (c == '?') {
      flush();
      out.append_one();
    } else {
      lit.push_back(c);
    }
  }
  flush();
  return out;
}

SigmaString SigmaString::literal(std::string_view text) {
  SigmaString out;
  out.append_literal(text);
  return out;
}

void SigmaString::append_literal(std::string_view text) {
  if (text.empty()) return;
  if (!pieces_.empty() && pieces_.back().kind == Kind::kLiteral) {
    pieces_.back().text.append(text);
  } else {
    pieces_.push_back(Piece{Kind::kLiteral, std::string(text)});
  }
}

void SigmaString::append_star() {
  if (!pieces_.empty() && pieces_.back().kind == Kind::kStar) return;
  pieces_.push_back(Piece{Kind::kStar, {}});
}

void SigmaString::append_one() { pieces_.push_back(Piece{Kind::kOne, {}}); }

void SigmaString::append(const SigmaString& other) {
  for (const Piece& p : other.pieces_) {
    switch (p.kind) {
      case Kind::kLiteral:
        append_literal(p.text);
        break;
      case Kind::kStar:
        append_star();
        break;
      case Kind::kOne:
        append_one();
        break;
    }
  }
}

bool SigmaString::has_wildcards() const {
  for (const Piece& p : pieces_) {
    if (p.kind != Kind::kLiteral) return true;
  }
  return false;
}

bool SigmaString::starts_with_star() const {
  return !pieces_.empty() && pieces_.front().kind == Kind::kStar;
}

bool SigmaString::ends_with_star() const {
  return !pieces_.empty() && pieces_.back().kind == Kind::kStar;
}

std::string SigmaString::plain_text() const {
  std::string out;
  for (const Piece& p : pieces_) out += p.text;
  return out;
}

std::string SigmaString::to_string() const {
  std::string out;
  for (const Piece& p : pieces_) {
    switch (p.kind) {
      case Kind::kLiteral:
        for (char c : p.text) {
          if (c == '*' || c == '?' || c == '\\') out.push_back('\\');
          out.push_back(c);
        }
        break;
      case Kind::kStar:
        out.push_back('*');
        break;
      case Kind::kOne:
        out.push_back('?');
        break;
    }
  }
  return out;
}

std::size_t SigmaString::literal_size() const {
  std::size_t n = 0;
  for (const Piece& p : pieces_) n += p.text.size() + (p.kind == Kind::kLiteral ? 0 : 1);
  return n;
}

}  // namespace soc::sigma
