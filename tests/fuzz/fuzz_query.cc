// libFuzzer target: any bytes as an event search query (collector/query). Parsing gives a tree or
// an error whose column lies inside the query (or just past its end); compiling a tree gives SQL
// whose placeholders match its parameters and which holds no statement separator or comment, or
// an error; never a crash, a hang or unbounded recursion.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "collector/query/compiler.h"
#include "collector/query/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto tree = soc::query::parse_query(text);
  if (!tree) {
    const auto& e = tree.error();
    if (e.message.empty() || e.column == 0 || e.column > size + 1) std::abort();
    return 0;
  }
  (void)soc::query::to_debug_string(*tree);
  auto compiled = soc::query::compile_query(*tree);
  if (!compiled) {
    if (compiled.error().message.empty()) std::abort();
    return 0;
  }
  const std::string& sql = compiled->where;
  std::size_t placeholders = 0;
  for (const char c : sql) placeholders += c == '?' ? 1 : 0;
  if (placeholders != compiled->params.size()) std::abort();
  if (sql.empty() || sql.find(';') != std::string::npos || sql.find("--") != std::string::npos ||
      sql.find("/*") != std::string::npos) {
    std::abort();
  }
  return 0;
}
