#include "collector/store/phrase_functions.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace soc::collector {
namespace {

// FTS5's unicode61 tokenizer, found through the fts5_api of one connection.
class Unicode61 {
 public:
  static std::unique_ptr<Unicode61> create(sqlite3* db) {
    fts5_api* api = nullptr;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, nullptr) != SQLITE_OK) return {};
    sqlite3_bind_pointer(stmt, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
    sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (api == nullptr || api->iVersion < 2) return {};
    auto tokenizer = std::unique_ptr<Unicode61>(new Unicode61());
    void* context = nullptr;
    if (api->xFindTokenizer(api, "unicode61", &context, &tokenizer->methods_) != SQLITE_OK ||
        tokenizer->methods_.xCreate(context, nullptr, 0, &tokenizer->instance_) != SQLITE_OK) {
      return {};
    }
    return tokenizer;
  }
  ~Unicode61() {
    if (instance_ != nullptr) methods_.xDelete(instance_);
  }
  Unicode61(const Unicode61&) = delete;
  Unicode61& operator=(const Unicode61&) = delete;

  // The words of `text` (folded as the index folds them); false when the tokenizer failed.
  bool split(std::string_view text, int flags, std::vector<std::string>& words) const {
    words.clear();
    auto add = [](void* out, int, const char* token, int size, int, int) {
      try {  // never unwind through SQLite's C frames
        static_cast<std::vector<std::string>*>(out)->emplace_back(token,
                                                                  static_cast<std::size_t>(size));
        return SQLITE_OK;
      } catch (...) {
        return SQLITE_NOMEM;
      }
    };
    return methods_.xTokenize(instance_, &words, flags, text.data(), static_cast<int>(text.size()),
                              add) == SQLITE_OK;
  }

 private:
  Unicode61() = default;
  fts5_tokenizer methods_{};
  Fts5Tokenizer* instance_ = nullptr;
};

struct Phrase {
  std::vector<std::string> words;
  bool prefix = false;  // the last word is a prefix
};

// Reads `"text" *` (see the header); anything else is all text.
void parse_phrase(std::string_view query, std::string& text, bool& prefix) {
  text.clear();
  prefix = false;
  if (query.size() >= 2 && query.front() == '"') {
    std::size_t i = 1;
    for (; i < query.size(); ++i) {
      if (query[i] != '"') {
        text += query[i];
      } else if (i + 1 < query.size() && query[i + 1] == '"') {
        text += '"';
        ++i;
      } else {
        break;
      }
    }
    const std::string_view rest = i < query.size() ? query.substr(i + 1) : std::string_view();
    if (i < query.size() && (rest.empty() || rest == " *")) {
      prefix = !rest.empty();
      return;
    }
  }
  text.assign(query);
  prefix = false;
}

std::string_view text_arg(sqlite3_value* value) {
  const unsigned char* data = sqlite3_value_text(value);
  if (data == nullptr) return {};
  return {reinterpret_cast<const char*>(data),
          static_cast<std::size_t>(sqlite3_value_bytes(value))};
}

void answer_fts_terms(sqlite3_context* context, sqlite3_value** argv) {
  const auto* tokenizer = static_cast<const Unicode61*>(sqlite3_user_data(context));
  std::string text;
  bool prefix = false;
  parse_phrase(text_arg(argv[0]), text, prefix);
  std::vector<std::string> words;
  if (!tokenizer->split(text, FTS5_TOKENIZE_QUERY, words)) {
    return sqlite3_result_error(context, "soc_fts_terms: tokenizer failed", -1);
  }
  std::string query;
  for (const std::string& word : words) {
    if (!query.empty()) query += " AND ";
    query += '"';
    for (const char c : word) {
      if (c == '"') query += '"';  // doubled inside an FTS5 string
      query += c;
    }
    query += '"';
  }
  if (query.empty()) query = "\"\"";  // no words: FTS5 matches nothing
  if (prefix && !words.empty()) query += " *";
  sqlite3_result_text(context, query.data(), static_cast<int>(query.size()), SQLITE_TRANSIENT);
}

// True when `words` hold `phrase` at some position, one word after another.
bool holds(const std::vector<std::string>& words, const Phrase& phrase) {
  const std::size_t n = phrase.words.size();
  for (std::size_t start = 0; start + n <= words.size(); ++start) {
    std::size_t k = 0;
    for (; k < n; ++k) {
      const std::string& word = words[start + k];
      const std::string& wanted = phrase.words[k];
      const bool last = k + 1 == n;
      if (last && phrase.prefix ? word.compare(0, wanted.size(), wanted) != 0 : word != wanted) {
        break;
      }
    }
    if (k == n) return true;
  }
  return false;
}

void answer_phrase(sqlite3_context* context, sqlite3_value** argv) {
  const auto* tokenizer = static_cast<const Unicode61*>(sqlite3_user_data(context));
  // The phrase is split once per statement: SQLite keeps it with its (constant) argument.
  const auto* phrase = static_cast<const Phrase*>(sqlite3_get_auxdata(context, 1));
  Phrase fresh;
  if (phrase == nullptr) {
    std::string text;
    parse_phrase(text_arg(argv[1]), text, fresh.prefix);
    if (!tokenizer->split(text, FTS5_TOKENIZE_QUERY, fresh.words)) {
      return sqlite3_result_error(context, "soc_phrase: tokenizer failed", -1);
    }
    phrase = &fresh;
  }
  bool found = true;
  if (phrase->words.size() > 1) {
    thread_local std::vector<std::string> words;
    if (!tokenizer->split(text_arg(argv[0]), FTS5_TOKENIZE_DOCUMENT, words)) {
      return sqlite3_result_error(context, "soc_phrase: tokenizer failed", -1);
    }
    found = sqlite3_value_type(argv[0]) != SQLITE_NULL && holds(words, *phrase);
  }
  sqlite3_result_int(context, found ? 1 : 0);
  // Kept after its last use here: SQLite frees it at once when the argument is not constant.
  if (phrase == &fresh) {
    sqlite3_set_auxdata(context, 1, new Phrase(std::move(fresh)),
                        [](void* p) { delete static_cast<Phrase*>(p); });
  }
}

// The SQL entry points: an allocation failure becomes SQLite's out-of-memory error rather than
// an exception unwinding through its C frames.
void fts_terms_function(sqlite3_context* context, int, sqlite3_value** argv) {
  try {
    answer_fts_terms(context, argv);
  } catch (...) {
    sqlite3_result_error_nomem(context);
  }
}

void phrase_function(sqlite3_context* context, int, sqlite3_value** argv) {
  try {
    answer_phrase(context, argv);
  } catch (...) {
    sqlite3_result_error_nomem(context);
  }
}

Result<void> register_one(sqlite3* db, const char* name, int args,
                          void (*function)(sqlite3_context*, int, sqlite3_value**)) {
  std::unique_ptr<Unicode61> tokenizer = Unicode61::create(db);
  if (!tokenizer) {
    return fail(ErrorCode::kStore,
                std::string("register ") + name + ": SQLite has no FTS5 unicode61 tokenizer");
  }
  const int rc = sqlite3_create_function_v2(
      db, name, args, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, tokenizer.release(),
      function, nullptr, nullptr, [](void* p) { delete static_cast<Unicode61*>(p); });
  if (rc != SQLITE_OK) {
    return fail(ErrorCode::kStore, std::string("register ") + name + ": " + sqlite3_errmsg(db));
  }
  return ok();
}

}  // namespace

Result<void> register_phrase_functions(sqlite3* db) {
  if (auto r = register_one(db, "soc_fts_terms", 1, fts_terms_function); !r) return r;
  return register_one(db, "soc_phrase", 2, phrase_function);
}

}  // namespace soc::collector
