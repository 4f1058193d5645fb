// Phrase search over a full-text index that keeps no word positions.
//
// The events' full-text index (events_fts, FTS5 with detail=none) records only which events hold
// a word: that halves what indexing costs per stored event, but FTS5 then refuses phrase
// queries. A search for a phrase therefore asks the index for the events holding all its words,
// and tests each of those for the words in order. Two SQL functions do this, with FTS5's own
// unicode61 tokenizer, so that words are split and folded exactly as the index does it:
//
//   soc_fts_terms(phrase)    the FTS5 query for the events holding every word of the phrase:
//                            "w1" AND "w2" ... (the last with * when the phrase ends in one)
//   soc_phrase(text, phrase) 1 when the words of `text` contain the phrase's words one after
//                            another (the last as a prefix when the phrase ends in *); always 1
//                            for a phrase of at most one word, which the index alone decides.
//                            Meant to be ANDed with the index's match, not used alone.
//
// `phrase` is an FTS5 phrase as the query compiler writes it (collector/query/compiler.cc):
// "text" with "" for a quote inside, then optionally " *". Any other text is read as the text.
#pragma once

#include <sqlite3.h>

#include "common/result.h"

namespace soc::collector {

// Registers both functions on `db` (FTS5 must be compiled in, as in Debian's SQLite).
Result<void> register_phrase_functions(sqlite3* db);

}  // namespace soc::collector
