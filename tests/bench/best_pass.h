// BestPass: the fastest of many timed passes over a benchmark's sample, in this thread's CPU
// time. This machine is a VM whose host takes the CPU away at random (one run can vary by 2x
// from the next); the mean that Google Benchmark reports counts those losses, the best pass of
// many shows the code's own cost. Benchmarks report both.
#pragma once

#include <algorithm>
#include <cstddef>
#include <ctime>

namespace soc::bench {

class BestPass {
 public:
  void start() { start_ = cpu_ns(); }
  // Ends the pass started last, which handled `items` items.
  void stop(std::size_t items) {
    const double ns = cpu_ns() - start_;
    if (ns > 0) best_ = std::max(best_, static_cast<double>(items) * 1e9 / ns);
  }
  double items_per_second() const { return best_; }
  double ns_per_item() const { return best_ > 0 ? 1e9 / best_ : 0; }

 private:
  static double cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
  }
  double start_ = 0;
  double best_ = 0;
};

}  // namespace soc::bench
