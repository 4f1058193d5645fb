#include "signatures/packet/pcre_translate.h"

#include <utility>

namespace soc::packet {
namespace {

// The sticky buffer a pcre flag selects (Suricata's letters).
std::optional<Buffer> flag_buffer(char flag) {
  static constexpr std::pair<char, Buffer> kFlags[] = {
      {'U', Buffer::kHttpUri},          {'I', Buffer::kHttpUri},
      {'M', Buffer::kHttpMethod},       {'P', Buffer::kHttpRequestBody},
      {'Q', Buffer::kHttpResponseBody}, {'S', Buffer::kHttpStatCode},
      {'Y', Buffer::kHttpStatMsg},      {'H', Buffer::kHttpHeader},
      {'D', Buffer::kHttpHeaderRaw},    {'C', Buffer::kHttpCookie},
      {'V', Buffer::kHttpUserAgent},    {'W', Buffer::kHttpHost},
      {'Z', Buffer::kHttpHost}};
  for (const auto& [f, buffer] : kFlags) {
    if (f == flag) return buffer;
  }
  return std::nullopt;
}

}  // namespace

Result<TranslatedPcre> translate_pcre(std::string_view value) {
  if (value.size() < 2 || value.front() != '/') {
    return fail(ErrorCode::kInvalidArgument, "pcre must look like \"/pattern/flags\"");
  }
  const std::size_t close = value.rfind('/');
  if (close == 0) return fail(ErrorCode::kInvalidArgument, "pcre without a closing '/'");
  const std::string_view body = value.substr(1, close - 1);
  const std::string_view flags = value.substr(close + 1);
  TranslatedPcre out;
  std::string inline_flags;
  for (char f : flags) {
    if (const auto buffer = flag_buffer(f)) {
      out.buffer = *buffer;
      continue;
    }
    switch (f) {
      case 'i':
      case 'm':
      case 's':
        if (inline_flags.find(f) == std::string::npos) inline_flags += f;
        break;
      case 'G':
        if (inline_flags.find('U') == std::string::npos) inline_flags += 'U';
        break;
      case 'R':
        out.relative = true;
        break;
      case 'A':
        out.anchored = true;
        break;
      case 'B':  // raw bytes: we never normalise
      case 'O':  // match limits: RE2 runs in linear time anyway
      case 'E':  // '$' only at the very end: RE2's '$' without (?m) already is
        break;
      case 'x':
        return fail(ErrorCode::kUnsupported,
                    "pcre flag 'x' not supported (RE2 has no extended mode)");
      default:
        return fail(ErrorCode::kUnsupported, std::string("pcre flag '") + f + "' not supported");
    }
  }
  std::string pattern;
  pattern.reserve(body.size() + 16);
  bool in_class = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\\' && i + 1 < body.size()) {
      const char n = body[i + 1];
      ++i;
      if (n == 'Z' && !in_class) {
        pattern += "(?:\\n?\\z)";
      } else if (n == 'h') {
        pattern += in_class ? " \\t" : "[ \\t]";
      } else {
        pattern += '\\';
        pattern += n;
      }
      continue;
    }
    if (c == '[' && !in_class) {
      in_class = true;
      pattern += c;
      // A ']' right after '[' or '[^' is literal.
      if (i + 1 < body.size() && body[i + 1] == '^') pattern += body[++i];
      if (i + 1 < body.size() && body[i + 1] == ']') pattern += body[++i];
      continue;
    }
    if (c == ']' && in_class) in_class = false;
    pattern += c;
  }
  if (!inline_flags.empty()) pattern = "(?" + inline_flags + ")" + pattern;
  out.pattern = std::move(pattern);
  return out;
}

}  // namespace soc::packet
