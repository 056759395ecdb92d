#include "sim/ensemble.hpp"

#include <omp.h>

#include <exception>
#include <mutex>

namespace meedoen::sim {

void Progress::advance() {
  const long done = ++done_;
  if (stop_) throw Stopped{};
  if (callback_ && omp_get_thread_num() == 0 && !callback_(done, total_)) {
    stop_ = true;
    throw Stopped{};
  }
}

void run_replicates(const std::vector<std::uint32_t>& missing, int threads, Progress& progress,
                    const Replicate& replicate, const PartStore& parts) {
  const int workers = threads > 0 ? threads : omp_get_max_threads();
  const bool across = static_cast<int>(missing.size()) >= workers && workers > 1;
  std::exception_ptr failure;
  std::atomic<bool> failed{false};
  std::mutex failure_mutex;
#pragma omp parallel for schedule(dynamic, 1) num_threads(across ? workers : 1)
  for (std::size_t k = 0; k < missing.size(); ++k) {
    if (progress.stopped() || failed) continue;
    try {
      omp_set_num_threads(across ? 1 : workers);  // for this thread's parallel regions (the set-up's)
      parts.write(missing[k], replicate(missing[k], across ? 1 : workers));
    } catch (...) {
      const std::lock_guard lock(failure_mutex);
      if (!failure) failure = std::current_exception();
      failed = true;
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace meedoen::sim
