// SQLite implementation of EventStore: WAL journal, prepared statements, numbered schema
// migrations (PRAGMA user_version), busy timeout so socctl and the collector share the file.
#pragma once

#include <memory>
#include <string>

#include "collector/store/event_store.h"
#include "collector/store/sqlite_util.h"

namespace soc::collector {

enum class StoreMode { kReadWrite, kReadOnly };

// Opens (creating the file and its parent folder in kReadWrite mode) and migrates the database
// at path to the newest schema. kReadOnly fails with kNotFound when the file does not exist.
Result<std::unique_ptr<EventStore>> open_sqlite_store(const std::string& path,
                                                      StoreMode mode = StoreMode::kReadWrite);

// One configured connection (WAL, busy timeout, foreign keys) to the database at path, migrated
// as open_sqlite_store does: for stores of other concepts that share the file (incidents).
Result<DbHandle> open_sqlite_database(const std::string& path,
                                      StoreMode mode = StoreMode::kReadWrite);

// The schema version this build migrates to.
int sqlite_schema_version();

}  // namespace soc::collector
