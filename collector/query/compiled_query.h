// A search compiled to SQL (see compiler.h): a boolean SQL expression over the SQLite events
// table and the user's values as separate parameters. The expression text is made only of the
// compiler's own fixed fragments and '?' placeholders; every user-supplied string (values and
// field names alike) is in params, bound by the store, never spliced into the SQL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace soc::query {

using SqlParam = std::variant<std::int64_t, double, std::string>;

// The full-text test as the compiler writes it into `where` (its one '?' is an FTS5 phrase,
// see collector/store/phrase_functions.h): the events holding every word of the phrase, as a
// set, right for plans that start from the index.
inline constexpr std::string_view kFullTextAsSet =
    "e.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH soc_fts_terms(?))";
// The same test event by event, for plans that walk the events newest first: a common word's
// set would be built whole before the first event is read.
inline constexpr std::string_view kFullTextPerEvent =
    "EXISTS (SELECT 1 FROM events_fts WHERE events_fts MATCH soc_fts_terms(?) AND rowid = e.id)";
// Follows the full-text test, with the same phrase, when the phrase may have more than one
// word: the index does not know the words' order.
inline constexpr std::string_view kPhraseInOrder = "soc_phrase(e.message, ?)";

// A full-text term that every match satisfies (a word or phrase not under `or` or `not`): the
// store can find the candidates newest first in the word index and test only those.
struct FullTextDriver {
  std::size_t where_offset = 0;  // where its kFullTextAsSet fragment starts in `where`
  std::size_t param_index = 0;   // its FTS5 query in `params`
};

// A field-index condition that every match satisfies (not under `or` or `not`): the indexed
// column equal to one value, or within a range of texts. Its index holds (column, time_ns): an
// equality lists its matches newest first with no sort, a range lists a set the store can
// count cheaply before it decides how to search.
struct IndexDriver {
  const char* index = nullptr;   // the index's name, fixed text (events_source_ip ...)
  const char* column = nullptr;  // the column as `where` names it, fixed text (e.source_ip ...)
  std::size_t value_param = 0;   // equal: the value; range: the inclusive lower bound
  std::optional<std::size_t> upper_param;  // range: the exclusive upper bound; none: equal
};

struct CompiledQuery {
  // A WHERE expression over `events e` (and `agents a` when uses_agents); "" matches everything.
  // It may call soc_cidr_match(text, network, prefix), soc_fts_terms(phrase) and
  // soc_phrase(text, phrase), which the SQLite store registers, and refers to the full-text
  // table events_fts.
  std::string where;
  std::vector<SqlParam> params;  // bound to the '?' of where, in order
  bool uses_agents = false;      // refers to a.name or a.agency: join agents a ON a.id = e.agent_id
  std::optional<FullTextDriver> full_text_driver;  // the first such term, when there is one
  std::optional<IndexDriver> index_driver;  // the first such condition (an equality preferred)
};

}  // namespace soc::query
