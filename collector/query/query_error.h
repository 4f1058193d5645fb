// A query that does not parse or compile: what is wrong and where (1-based byte column into the
// query text, 0 when the problem is not at one place), so a tool can print a caret under it.
#pragma once

#include <cstddef>
#include <string>

#include <tl/expected.hpp>

namespace soc::query {

struct QueryError {
  std::size_t column = 0;
  std::string message;  // e.g. "expected a value after ':'"

  // "column 14: expected a value after ':'" (just the message when column is 0).
  std::string describe() const {
    return column == 0 ? message : "column " + std::to_string(column) + ": " + message;
  }
};

template <typename T>
using QueryResult = tl::expected<T, QueryError>;

inline tl::unexpected<QueryError> query_error(std::size_t column, std::string message) {
  return tl::unexpected<QueryError>(QueryError{column, std::move(message)});
}

}  // namespace soc::query
