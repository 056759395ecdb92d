// sim::parallel_for: every iteration runs once, and an exception thrown in one
// comes out of the loop, after which no iteration begins.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "sim/parallel.hpp"

namespace meedoen::sim {
namespace {

TEST(ParallelFor, RunsEveryIterationOnceOnAnyNumberOfThreads) {
  for (const int threads : {0, 1, 2, 3}) {
    std::vector<std::atomic<int>> runs(100);
    parallel_for(5, 100, threads, [&](std::int64_t k) { runs[static_cast<std::size_t>(k)] += 1; });
    for (std::size_t k = 0; k < runs.size(); ++k) EXPECT_EQ(runs[k], k < 5 ? 0 : 1) << k << " on " << threads;
  }
}

TEST(ParallelFor, TheFirstFailureComesOutAndStopsWhatHasNotBegun) {
  for (const int threads : {1, 2}) {
    std::atomic<int> begun{0};
    const auto loop = [&] {
      parallel_for(0, 1000, threads, [&](std::int64_t k) {
        begun += 1;
        if (k == 3) throw std::runtime_error("iteration 3");
      });
    };
    EXPECT_THROW(loop(), std::runtime_error);
    // On one thread the iterations after the failure are skipped; on more, others may still
    // begin while the failure is being recorded.
    if (threads == 1) {
      EXPECT_EQ(begun.load(), 4);
    }
  }
}

}  // namespace
}  // namespace meedoen::sim
