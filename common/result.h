// Result<T>: the project's error-or-value type (tl::expected, since GCC 12 has no std::expected
// in C++20). Every fallible interface returns one; library exceptions are caught at the call site
// and turned into an Error, never thrown across our interfaces.
#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace soc {

// Broad classes of failure, so callers can react (retry, count, refuse) without parsing text.
enum class ErrorCode {
  kInvalidArgument,  // bad input from a user or config
  kMalformed,        // untrusted bytes that do not parse
  kTooLarge,         // a size limit was exceeded
  kUnsupported,      // a version or feature we do not know
  kIo,               // file system or socket failure
  kStore,            // database failure
  kNotFound,
  kConflict,  // already exists / state does not allow it
  kInternal,
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

template <typename T>
using Result = tl::expected<T, Error>;

// Shorthand to build the error side: `return fail(ErrorCode::kIo, "open " + path + ": ...");`
inline tl::unexpected<Error> fail(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

// Result<void> success value: `return ok();`
inline Result<void> ok() { return {}; }

// Readable name of an error code, for logs and counters.
const char* error_code_name(ErrorCode code);

}  // namespace soc

// Inside a function returning Result<...>: evaluates expr (a Result), returns its error, or
// assigns its value to out (converting arithmetic types). For config readers and similar code
// that reads many values in a row.
#define SOC_TRY_ASSIGN(out, expr)                                                            \
  do {                                                                                       \
    auto soc_try_result = (expr);                                                            \
    if (!soc_try_result) return tl::unexpected(std::move(soc_try_result.error()));           \
    (out) = static_cast<std::remove_reference_t<decltype(out)>>(std::move(*soc_try_result)); \
  } while (false)
