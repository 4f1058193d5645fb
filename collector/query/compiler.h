// Compiles a search tree (parser.h) to a parameterised SQL expression over the SQLite events
// table (compiled_query.h). What each construct means:
//
//   field: value        equal (a number also matches its text, "22" and 22; true/false too)
//   field: adm*  a?c    wildcards (* any run, ? one character; case-sensitive like equality)
//   field: "a b*"       exactly this text: quoted values have no wildcards
//   field: *            the field exists
//   field: 10.0.0.0/8   the field is an IP address in this network (IPv4 or IPv6 CIDR)
//   field > 5           numbers compare as numbers, other values as text; @timestamp as time
//   @timestamp: 2026-11-30   the whole day (a time to the second: that second)
//   word  "a phrase"    searched in the raw text (message) through the full-text index,
//                       case-insensitively, by words; word* is a word prefix; other wildcards
//                       scan the text (slower)
//   not X               also true for events without the field (as in Kibana)
//
// Fields: @timestamp (event time), message (raw text, full text), event.dataset (the kind: log,
// flow, ...), event.provider (the source on the agent), agent.name, organization.name (agency);
// every other name is looked up in the event's ECS fields. The fields with an index of their own
// are listed in indexed_fields.h: equality, prefixes, ranges and CIDR prefixes on them use it.
#pragma once

#include <string_view>

#include "collector/query/ast.h"
#include "collector/query/compiled_query.h"
#include "collector/query/query_error.h"

namespace soc::query {

QueryResult<CompiledQuery> compile_query(const Node& root);

// Parses and compiles in one step.
QueryResult<CompiledQuery> compile_query_text(std::string_view text);

}  // namespace soc::query
