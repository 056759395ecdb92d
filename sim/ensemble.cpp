#include "sim/ensemble.hpp"

#include <omp.h>

#include "sim/parallel.hpp"

namespace meedoen::sim {

void Progress::advance() {
  const long done = ++done_;
  if (stop_) throw Stopped{};
  if (callback_ && omp_get_thread_num() == 0 && !callback_(done, total_)) {
    stop_ = true;
    throw Stopped{};
  }
}

void Progress::check() {
  if (stop_) throw Stopped{};
  if (callback_ && !callback_(done_, total_)) {
    stop_ = true;
    throw Stopped{};
  }
}

void run_replicates(const std::vector<std::uint32_t>& missing, int threads, Progress& progress,
                    const Replicate& replicate, const PartStore& parts) {
  const int workers = threads > 0 ? threads : omp_get_max_threads();
  const bool across = static_cast<int>(missing.size()) >= workers && workers > 1;
  parallel_for(0, static_cast<std::int64_t>(missing.size()), across ? workers : 1, [&](std::int64_t k) {
    if (progress.stopped()) return;
    omp_set_num_threads(across ? 1 : workers);  // for this thread's parallel regions (the set-up's)
    const auto r = missing[static_cast<std::size_t>(k)];
    parts.write(r, replicate(r, across ? 1 : workers));
  });
}

}  // namespace meedoen::sim
