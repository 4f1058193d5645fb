// A search compiled to SQL (see compiler.h): a boolean SQL expression over the SQLite events
// table and the user's values as separate parameters. The expression text is made only of the
// compiler's own fixed fragments and '?' placeholders; every user-supplied string (values and
// field names alike) is in params, bound by the store, never spliced into the SQL.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace soc::query {

using SqlParam = std::variant<std::int64_t, double, std::string>;

struct CompiledQuery {
  // A WHERE expression over `events e` (and `agents a` when uses_agents); "" matches everything.
  // It may call soc_cidr_match(text, network, prefix), which the SQLite store registers, and
  // refers to the full-text table events_fts.
  std::string where;
  std::vector<SqlParam> params;  // bound to the '?' of where, in order
  bool uses_agents = false;      // refers to a.name or a.agency: join agents a ON a.id = e.agent_id
};

}  // namespace soc::query
