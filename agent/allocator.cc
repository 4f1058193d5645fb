#include "agent/allocator.h"

#include <malloc.h>

#include <cstdlib>

#ifdef SOC_WITH_MIMALLOC
#include <mimalloc.h>
#endif

namespace soc::agent {
namespace {

#ifdef SOC_WITH_MIMALLOC
bool mimalloc_serves_the_c_heap() {
  // calloc: GCC takes the const pointer parameter for a read of the block.
  void* probe = std::calloc(1, 16);  // NOLINT(cppcoreguidelines-no-malloc): the C heap is asked
  const bool served = probe != nullptr && mi_is_in_heap_region(probe);
  std::free(probe);  // NOLINT(cppcoreguidelines-no-malloc)
  return served;
}

// Per heap area (one size class), its blocks in use; blocks themselves are not visited.
bool add_area_bytes(const mi_heap_t* /*heap*/, const mi_heap_area_t* area, void* /*block*/,
                    std::size_t /*block_size*/, void* total) {
  *static_cast<std::size_t*>(total) += area->used * area->block_size;
  return true;
}
#endif

}  // namespace

std::string allocator_name() {
#ifdef SOC_WITH_MIMALLOC
  if (mimalloc_serves_the_c_heap()) {
    const int v = mi_version();  // 209 for 2.0.9
    return "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." +
           std::to_string(v % 10);
  }
#endif
  return "libc malloc";
}

std::size_t heap_bytes_in_use() {
#ifdef SOC_WITH_MIMALLOC
  if (mimalloc_serves_the_c_heap()) {
    std::size_t total = 0;
    mi_heap_visit_blocks(mi_heap_get_default(), false, add_area_bytes, &total);
    return total;
  }
#endif
  return mallinfo2().uordblks;
}

}  // namespace soc::agent
