#include "signatures/sigma/prefilter.h"

#include <hs/hs.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <atomic>
#include <climits>

namespace soc::sigma {

namespace {

std::atomic<std::uint64_t> next_generation{1};

class VectorscanPrefilter final : public Prefilter {
 public:
  explicit VectorscanPrefilter(hs_database_t* db) : db_(db), generation_(next_generation++) {}
  ~VectorscanPrefilter() override { hs_free_database(db_); }
  VectorscanPrefilter(const VectorscanPrefilter&) = delete;
  VectorscanPrefilter& operator=(const VectorscanPrefilter&) = delete;

  bool scan(std::string_view text, std::vector<std::uint32_t>& hits) const override {
    if (text.size() > UINT_MAX) return false;
    // One scratch per thread, grown to fit every database this thread has scanned with (a
    // scratch only grows, so it stays valid for every database it was once sized for).
    struct ThreadScratch {
      hs_scratch_t* scratch = nullptr;
      std::vector<std::uint64_t> sized_for;  // generations of those databases
      ~ThreadScratch() {
        if (scratch != nullptr) hs_free_scratch(scratch);
      }
    };
    thread_local ThreadScratch tls;
    if (std::find(tls.sized_for.begin(), tls.sized_for.end(), generation_) == tls.sized_for.end()) {
      if (hs_alloc_scratch(db_, &tls.scratch) != HS_SUCCESS) return false;
      if (tls.sized_for.size() >= 64) tls.sized_for.clear();  // bound the list; re-checked later
      tls.sized_for.push_back(generation_);
    }
    auto on_match = [](unsigned int id, unsigned long long, unsigned long long, unsigned int,
                       void* ctx) -> int {
      static_cast<std::vector<std::uint32_t>*>(ctx)->push_back(id);
      return 0;
    };
    const hs_error_t rc = hs_scan(db_, text.data(), static_cast<unsigned int>(text.size()), 0,
                                  tls.scratch, on_match, &hits);
    return rc == HS_SUCCESS;
  }

  std::string_view name() const override { return "vectorscan"; }

 private:
  hs_database_t* db_;
  std::uint64_t generation_;
};

class Re2SetPrefilter final : public Prefilter {
 public:
  explicit Re2SetPrefilter(std::unique_ptr<RE2::Set> set) : set_(std::move(set)) {}

  bool scan(std::string_view text, std::vector<std::uint32_t>& hits) const override {
    thread_local std::vector<int> found;
    found.clear();
    RE2::Set::ErrorInfo info;
    if (!set_->Match(re2::StringPiece(text.data(), text.size()), &found, &info)) {
      return info.kind == RE2::Set::kNoError;  // no match, or the DFA ran out of memory
    }
    for (int id : found) hits.push_back(static_cast<std::uint32_t>(id));
    return true;
  }

  std::string_view name() const override { return "re2-set"; }

 private:
  std::unique_ptr<RE2::Set> set_;
};

Result<std::unique_ptr<const Prefilter>> build_vectorscan(
    const std::vector<std::string>& literals) {
  std::vector<const char*> exprs;
  std::vector<unsigned> flags(literals.size(), HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH);
  std::vector<unsigned> ids;
  std::vector<std::size_t> lens;
  for (std::size_t i = 0; i < literals.size(); ++i) {
    exprs.push_back(literals[i].data());
    ids.push_back(static_cast<unsigned>(i));
    lens.push_back(literals[i].size());
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  const hs_error_t rc = hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(),
                                             static_cast<unsigned>(literals.size()), HS_MODE_BLOCK,
                                             nullptr, &db, &error);
  if (rc != HS_SUCCESS) {
    std::string message = "vectorscan: ";
    message += (error != nullptr && error->message != nullptr) ? error->message : "compile failed";
    if (error != nullptr) hs_free_compile_error(error);
    return fail(ErrorCode::kInternal, message);
  }
  return std::unique_ptr<const Prefilter>(new VectorscanPrefilter(db));
}

Result<std::unique_ptr<const Prefilter>> build_re2set(const std::vector<std::string>& literals) {
  RE2::Options options;
  options.set_case_sensitive(false);
  options.set_encoding(RE2::Options::EncodingLatin1);
  options.set_log_errors(false);
  options.set_max_mem(std::int64_t{256} << 20);
  auto set = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
  for (const std::string& lit : literals) {
    std::string error;
    if (set->Add(RE2::QuoteMeta(lit), &error) < 0) {
      return fail(ErrorCode::kInternal, "re2 set: " + error);
    }
  }
  if (!set->Compile()) return fail(ErrorCode::kInternal, "re2 set: compile failed (memory)");
  return std::unique_ptr<const Prefilter>(new Re2SetPrefilter(std::move(set)));
}

}  // namespace

Result<std::unique_ptr<const Prefilter>> Prefilter::build(
    PrefilterEngine engine, const std::vector<std::string>& literals) {
  for (const std::string& lit : literals) {
    if (lit.empty()) return fail(ErrorCode::kInvalidArgument, "prefilter: empty literal");
  }
  if (literals.empty()) return fail(ErrorCode::kInvalidArgument, "prefilter: no literals");
  return engine == PrefilterEngine::kVectorscan ? build_vectorscan(literals)
                                                : build_re2set(literals);
}

}  // namespace soc::sigma
