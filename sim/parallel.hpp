// A parallel loop over iterations that may throw (OpenMP cannot carry an
// exception out of a parallel region).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>

namespace meedoen::sim {

// body(k) for k in [first, last), one iteration at a time per thread, on
// `threads` threads (at least one). After an iteration throws, those not yet
// begun are skipped, and the first exception is rethrown once every thread has
// finished.
template <class Body> void parallel_for(std::int64_t first, std::int64_t last, int threads, Body&& body) {
  std::exception_ptr failure;
  std::atomic<bool> failed{false};
#pragma omp parallel for schedule(dynamic, 1) num_threads(std::max(1, threads))
  for (std::int64_t k = first; k < last; ++k) {
    if (failed) continue;
    try {
      body(k);
    } catch (...) {
#pragma omp critical(meedoen_parallel_for)
      if (!failure) failure = std::current_exception();
      failed = true;
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace meedoen::sim
