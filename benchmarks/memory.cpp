// Memory per agent (issue: at most 200 bytes per agent, network included).
// Usage: meedoen_memory SCALE   (one scale per process: the peak RSS is a
// high-water mark of the whole process).
//
// Builds the city of the default experiment at SCALE (population, network,
// ladder fit), constructs a Simulation from it (moving the People in), steps
// it once, and prints bytes per agent three ways:
//   - the exact sum of the containers' capacities: the People columns (the
//     Simulation's copy); the network: Network::bytes() (the CSR rows and
//     columns); the Simulation's own buffers, which have no accessor and are computed
//     from their sizes: next rung 1 B, class of the bounds 1 B, histogram
//     cell 2 B (kept without interventions) and two floats (static_up_,
//     static_down_) 8 B per person;
//   - the live heap (glibc mallinfo2: bytes in use, arena and mmapped) after
//     the first step minus before building: everything the city and the
//     Simulation hold, whatever their containers, but not the build's
//     transient peak. What it holds beyond the exact sum is printed as
//     "other": the interventions' per-person state (Simulation::programs(),
//     whose columns change too often to be listed here) and malloc's rounding;
//   - peak RSS (getrusage ru_maxrss) minus the peak before building, which
//     includes the transient peaks of the set-up; and the same after each of
//     its phases (population, network, ladder fit, the Simulation and its
//     first step), which says which phase sets the peak.
// The runner (models/runner.cpp) also keeps the city's People while the
// Simulation holds its own copy; that second copy is printed separately.
#include <malloc.h>
#include <omp.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "models/experiment.hpp"
#include "models/ladder.hpp"
#include "models/network.hpp"
#include "models/population.hpp"
#include "models/simulation.hpp"
#include "models/wijken.hpp"

namespace {

using namespace meedoen;

double peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) * 1024.0;  // ru_maxrss is in KiB on Linux
}

double live_heap_bytes() {
  const auto info = mallinfo2();
  return static_cast<double>(info.uordblks + info.hblkhd);
}

double current_rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  double size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<double>(sysconf(_SC_PAGESIZE));
}

template <class T>
std::size_t capacity_bytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

std::size_t people_bytes(const models::People& p) {
  std::size_t bytes = capacity_bytes(p.age) + capacity_bytes(p.birth_week) + capacity_bytes(p.female) +
                      capacity_bytes(p.wijk) + capacity_bytes(p.household) + capacity_bytes(p.flags) +
                      capacity_bytes(p.bijstand_weeks) + capacity_bytes(p.motivation) + capacity_bytes(p.rung) +
                      capacity_bytes(p.household_start) + capacity_bytes(p.household_flags) +
                      capacity_bytes(p.wijk_names);
  for (const auto& name : p.wijk_names) bytes += name.capacity() > 15 ? name.capacity() + 1 : 0;  // beyond SSO
  return bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s SCALE\n", argv[0]);
    return 2;
  }
  const double scale = std::strtod(argv[1], nullptr);
  if (!(scale > 0)) {
    std::fprintf(stderr, "%s: SCALE must be a positive number\n", argv[0]);
    return 2;
  }
  const auto experiment = models::default_experiment();
  const auto& params = experiment.scenarios.front().params;
  const auto wijken = models::load_wijken(experiment.population_data);
  const sim::Rng rng(experiment.seed);

  const double baseline_peak = peak_rss_bytes();
  const double baseline_current = current_rss_bytes();
  const double baseline_heap = live_heap_bytes();

  std::vector<double> phase_peaks;  // peak RSS growth after each phase
  const auto phase_done = [&] { phase_peaks.push_back(peak_rss_bytes() - baseline_peak); };
  const auto start = std::chrono::steady_clock::now();
  auto people = models::build_population(wijken, scale, params, rng, 0);
  phase_done();
  const auto network = models::build_network(people, params, rng, 0);
  phase_done();
  const auto fit = models::fit_ladder(people, network, params);
  phase_done();
  const std::chrono::duration<double> setup = std::chrono::steady_clock::now() - start;
  const std::size_t n = people.size();
  const std::size_t households = people.households();
  const std::size_t city_people = people_bytes(people);  // the runner's copy, kept beside the Simulation's
  models::Simulation simulation(std::move(people), network, fit, params, rng, 0, 1);
  phase_done();
  simulation.step(1);
  phase_done();
  const double heap = live_heap_bytes() - baseline_heap;

  const double peak = peak_rss_bytes() - baseline_peak;
  const double resident = current_rss_bytes() - baseline_current;
  const std::size_t people_b = people_bytes(simulation.people());
  const std::size_t network_b = network.bytes();
  const std::size_t buffers_b = n * (2 * sizeof(std::uint8_t) + sizeof(std::uint16_t) + 2 * sizeof(float));
  const std::size_t exact = people_b + network_b + buffers_b;
  const double per = 1.0 / static_cast<double>(n);

  std::printf("scale %g: %zu agents, %zu households, %zu contact pairs (%.2f contacts per agent)\n", scale, n,
              households, network.contact_pairs(), 2.0 * static_cast<double>(network.contact_pairs()) * per);
  std::printf("  exact bytes per agent (container capacities):\n");
  std::printf("    people columns          %8.1f\n", static_cast<double>(people_b) * per);
  std::printf("    network                 %8.1f  (CSR rows and columns)\n", static_cast<double>(network_b) * per);
  std::printf("    simulation buffers      %8.1f  (computed from sizes: 1 + 1 + 2 B + 2 x 4 B floats)\n",
              static_cast<double>(buffers_b) * per);
  std::printf("    total                   %8.1f\n", static_cast<double>(exact) * per);
  std::printf("    + runner's city People  %8.1f  (models/runner.cpp keeps it beside the Simulation's copy)\n",
              static_cast<double>(city_people) * per);
  std::printf("  live heap growth per agent %8.1f  (mallinfo2: everything held)\n", heap * per);
  std::printf("    other (heap - total)    %8.1f  (the interventions' per-person state, malloc's rounding)\n",
              (heap - static_cast<double>(exact)) * per);
  std::printf("  peak RSS growth per agent  %8.1f  (getrusage ru_maxrss, includes the build's transient peak)\n",
              peak * per);
  std::printf("    after population %.1f, network %.1f, ladder fit %.1f, simulation %.1f, first step %.1f\n",
              phase_peaks[0] * per, phase_peaks[1] * per, phase_peaks[2] * per, phase_peaks[3] * per,
              phase_peaks[4] * per);
  std::printf("  resident RSS growth per agent %5.1f  (/proc/self/statm after the first step)\n", resident * per);
  // The set-up's wall time (population, network, ladder fit) on OpenMP's threads (OMP_NUM_THREADS).
  std::printf("SETUP scale=%g threads=%d seconds=%.2f\n", scale, omp_get_max_threads(), setup.count());
  // One machine-readable line for run.sh.
  std::printf("MEMORY scale=%g agents=%zu people=%.1f network=%.1f buffers=%.1f exact=%.1f "
              "runner_copy=%.1f "
              "heap=%.1f other=%.1f peak_rss=%.1f resident=%.1f\n",
              scale, n, static_cast<double>(people_b) * per, static_cast<double>(network_b) * per,
              static_cast<double>(buffers_b) * per,
              static_cast<double>(exact) * per,
              static_cast<double>(city_people) * per, heap * per,
              (heap - static_cast<double>(exact)) * per, peak * per, resident * per);
  return 0;
}
