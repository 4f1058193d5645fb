// Small RAII helpers over the SQLite C API shared by the collector's SQLite stores: handles that
// close/finalize, one use of a prepared statement (bind, step, read, reset), a write transaction
// that rolls back unless committed, and errors that carry sqlite3_errmsg.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace soc::collector {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using StmtHandle = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// One use of a prepared statement: binds, steps, reads columns; resets the statement and clears
// its bindings when it goes out of scope so the cached statement can be reused. Text is bound
// without copying (SQLITE_STATIC): the bound data must stay alive until the last step().
class StmtUse {
 public:
  explicit StmtUse(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~StmtUse() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  StmtUse(const StmtUse&) = delete;
  StmtUse& operator=(const StmtUse&) = delete;

  StmtUse& bind(int index, std::int64_t value) {
    keep_first_error(sqlite3_bind_int64(stmt_, index, value));
    return *this;
  }
  StmtUse& bind(int index, std::string_view text) {
    keep_first_error(
        sqlite3_bind_text64(stmt_, index, text.data(), text.size(), nullptr, SQLITE_UTF8));
    return *this;
  }
  StmtUse& bind_blob(int index, std::string_view bytes) {
    keep_first_error(sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), nullptr));
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code (a failed bind is reported here).
  int step() { return bind_rc_ != SQLITE_OK ? bind_rc_ : sqlite3_step(stmt_); }

  std::int64_t int64(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string text(int column) const {
    const unsigned char* data = sqlite3_column_text(stmt_, column);
    if (data == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(data),
                       static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  std::string blob(int column) const {
    const void* data = sqlite3_column_blob(stmt_, column);
    if (data == nullptr) return {};
    return std::string(static_cast<const char*>(data),
                       static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }

 private:
  void keep_first_error(int rc) {
    if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }

  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

// A write transaction (BEGIN IMMEDIATE: takes the write lock up front, so it never fails with
// SQLITE_BUSY half-way). Rolled back on destruction unless commit() succeeded.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction() {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  int begin() { return sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr); }
  int commit() { return sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr); }

 private:
  sqlite3* db_;
};

inline tl::unexpected<Error> store_error(sqlite3* db, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += sqlite3_errmsg(db);
  return fail(ErrorCode::kStore, std::move(message));
}

inline Result<StmtHandle> prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return store_error(db, "prepare");
  return StmtHandle(stmt);
}

inline Result<void> exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return store_error(db, sql);
  return ok();
}

// Prepares each statement into its handle; the first failure is returned.
inline Result<void> prepare_all(sqlite3* db,
                                std::span<const std::pair<StmtHandle*, std::string>> statements) {
  for (const auto& [target, sql] : statements) {
    auto stmt = prepare(db, sql);
    if (!stmt) return tl::unexpected(stmt.error());
    *target = std::move(*stmt);
  }
  return ok();
}

}  // namespace soc::collector
