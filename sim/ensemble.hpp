// Running the replicates of an ensemble: progress over all threads, and the
// scheduling of the missing replicates over threads, each finished one going
// into the run's part store. Knows nothing of the model a replicate runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "sim/part_store.hpp"

namespace meedoen::sim {

struct Stopped {};  // thrown through a replicate when the progress callback asked to stop

// Progress over all threads; only the calling thread (OpenMP's thread 0) calls back.
class Progress {
public:
  using Callback = std::function<bool(long done, long total)>;  // false: stop
  Progress(Callback callback, long total) : callback_(std::move(callback)), total_(total) {}
  // One step more done; throws Stopped once the callback has asked to stop.
  void advance();
  // Asks the callback, without a step more (between the steps of the output file): throws Stopped
  // when it asks to stop.
  void check();
  bool stopped() const { return stop_; }

private:
  Callback callback_;
  std::atomic<long> done_{0};
  std::atomic<bool> stop_{false};
  long total_;
};

// One replicate computed on `threads` threads.
using Replicate = std::function<Part(std::uint32_t replicate, int threads)>;

// Computes each of `missing` and writes it to `parts` as it finishes: several
// at once, one thread each, when there are at least as many as threads
// (0: OpenMP's default); otherwise one at a time on all threads. A
// replicate's own parallel regions get its number of threads. The first
// failure (or Stopped) is rethrown once every thread has finished.
void run_replicates(const std::vector<std::uint32_t>& missing, int threads, Progress& progress,
                    const Replicate& replicate, const PartStore& parts);

}  // namespace meedoen::sim
