// The events table's `fields` column: an event's fields as the text of one JSON object, in field
// order, which SQL reads with json_extract(fields, '$."source.ip"') and the store reads back.
//
// Encoding (written by hand: it runs once per stored event, and building a JSON document first
// cost a tenth of the collector's ingest):
//   string -> JSON string, invalid UTF-8 replaced by U+FFFD (raw bytes from logs never fail a
//             batch); int64 -> integer; double -> shortest round-trip number, null when not
//             finite; bool -> true/false; IP address -> its text; string list -> array of strings.
//   A name given twice is written once, with its first value: the one Event::find gives, which
//   signatures matched and the indexed columns hold (event_row.h).
// Decoding is the inverse, up to those replacements: a null becomes NaN, an integer beyond
// int64 a double, and a non-string array item its JSON text.
#pragma once

#include <string>
#include <vector>

#include "common/event.h"
#include "common/result.h"

namespace soc::collector {

std::string encode_fields_column(const std::vector<Field>& fields);

// kStore when `text` is not a JSON object.
Result<std::vector<Field>> decode_fields_column(const std::string& text);

}  // namespace soc::collector
