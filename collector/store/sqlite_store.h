// SQLite implementation of EventStore: WAL journal, prepared statements, numbered schema
// migrations (PRAGMA user_version), busy timeout so socctl and the collector share the file.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "collector/store/event_store.h"
#include "collector/store/sqlite_util.h"

namespace soc::collector {

// kReadWrite commits are durable when they return (synchronous=FULL). kReadWriteDeferredSync
// commits are not synced by SQLite (synchronous=NORMAL: still atomic and consistent after a
// crash, but the newest may be lost): the owner makes them durable with a WalSync before it
// relies on them (acks a batch). kReadOnly cannot write.
enum class StoreMode { kReadWrite, kReadWriteDeferredSync, kReadOnly };

// How searches are run. A search with a word or phrase that every match has takes that word's
// candidates from the full-text index, newest id first; any other search walks the events
// newest first. Either finds the newest matches of a common value at once, and runs for
// newest_first_budget (zero: never), and on while the matches it finds say it will reach the
// limit soon. Otherwise the search is answered from its field or word index. All plans give
// the same rows.
struct SearchTuning {
  std::chrono::milliseconds newest_first_budget{30};
  // A range of an indexed field (the query's IndexDriver) with fewer entries than this in the
  // search's time window is searched from its index, its matches read and sorted whole (tens
  // of milliseconds at most); with more, the newest-first walk finds the newest ones sooner.
  int few_index_entries = 4096;
};

// Opens (creating the file and its parent folder in kReadWrite mode) and migrates the database
// at path to the newest schema. kReadOnly fails with kNotFound when the file does not exist.
Result<std::unique_ptr<EventStore>> open_sqlite_store(const std::string& path,
                                                      StoreMode mode = StoreMode::kReadWrite,
                                                      SearchTuning tuning = {});

// One configured connection (WAL, busy timeout, foreign keys) to the database at path, migrated
// as open_sqlite_store does: for stores of other concepts that share the file (incidents).
Result<DbHandle> open_sqlite_database(const std::string& path,
                                      StoreMode mode = StoreMode::kReadWrite);

// The schema version this build migrates to.
int sqlite_schema_version();

}  // namespace soc::collector
