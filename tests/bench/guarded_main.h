// The main of a benchmark that starts processes through the integration harness: an exception
// (a harness step that failed) is reported and the benchmark exits 1 after unwinding, so the
// harness's destructors stop the collector and agents it started. Uncaught, std::terminate
// would skip them and leave those processes running.
#pragma once

#include <cstdio>
#include <exception>

namespace soc::testing {

template <typename Body>
int guarded_main(const char* program, Body body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", program, e.what());
    return 1;
  }
}

}  // namespace soc::testing
