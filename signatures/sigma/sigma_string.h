// SigmaString: a Sigma string value split into literal text and wildcards (`*` any run of
// characters, `?` exactly one character), after the escape rules of the specification:
// `\*` `\?` `\\` escape the next character, any other backslash is a plain backslash.
//
// Value modifiers (modifiers.h) transform SigmaStrings (contains adds wildcards, base64 encodes
// the literal text ...); value_matcher.h compiles the result into a matcher.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace soc::sigma {

class SigmaString {
 public:
  enum class Kind : unsigned char { kLiteral, kStar, kOne };
  struct Piece {
    Kind kind = Kind::kLiteral;
    std::string text;  // kLiteral only; never empty
    bool operator==(const Piece&) const = default;
  };

  SigmaString() = default;

  // Parses a value as written in a rule (wildcards and escapes).
  static SigmaString parse(std::string_view written);
  // Plain text, no wildcards (e.g. the output of an encoding).
  static SigmaString literal(std::string_view text);

  // Appends, merging adjacent literals and collapsing runs of `*`.
  void append_literal(std::string_view text);
  void append_star();
  void append_one();
  void append(const SigmaString& other);

  const std::vector<Piece>& pieces() const { return pieces_; }
  bool empty() const { return pieces_.empty(); }
  bool has_wildcards() const;
  bool starts_with_star() const;
  bool ends_with_star() const;
  // The concatenated literal text; only meaningful when !has_wildcards().
  std::string plain_text() const;
  // For messages: wildcards shown as * and ?, literal * ? \ escaped with a backslash.
  std::string to_string() const;
  // Sum of the literal lengths (a size guard for expansions).
  std::size_t literal_size() const;

  bool operator==(const SigmaString&) const = default;

 private:
  std::vector<Piece> pieces_;
};

}  // namespace soc::sigma
