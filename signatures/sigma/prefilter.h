// Prefilter: finds which of a fixed set of literals occur in a text, ASCII case-insensitively,
// in one pass. RuleSet uses it to evaluate only the rules whose required literals occur.
//
// Two engines, measured by tests/bench/bench_sigma.cc (BM_Prefilter*) on the SigmaHQ literals
// over the OpenSSH sample; Vectorscan is the default because it measured faster (see
// signatures/README.md for the numbers):
//   kVectorscan: hs_compile_lit_multi (the literal form of hs_compile_multi) with
//                HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH, block mode, per-thread scratch.
//   kRe2Set:     RE2::Set of the quoted literals, case-insensitive, Latin-1, unanchored.
// Immutable after build(); scan() is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace soc::sigma {

enum class PrefilterEngine : unsigned char { kVectorscan, kRe2Set };

class Prefilter {
 public:
  virtual ~Prefilter() = default;

  // Builds a prefilter for `literals` (non-empty strings; index = literal id).
  // Errors: kInvalidArgument (empty literal), kInternal (the engine refused the set).
  static Result<std::unique_ptr<const Prefilter>> build(PrefilterEngine engine,
                                                        const std::vector<std::string>& literals);

  // Appends to `hits` the id of every literal occurring in `text`, each once, in any order.
  // Returns false when the scan could not run (out of memory): the caller must then assume
  // every literal occurs. Does not allocate once this thread's scratch has grown.
  virtual bool scan(std::string_view text, std::vector<std::uint32_t>& hits) const = 0;

  virtual std::string_view name() const = 0;
};

}  // namespace soc::sigma
