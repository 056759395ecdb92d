// Benchmarks of the engine (issue: agent-weeks per second of the weekly step
// at scale 1 and 10, one replicate of 260 weeks, set-up costs). Every
// benchmark uses the default experiment's baseline parameters and seed.
// Run through benchmarks/run.sh; the figures go into benchmarks/RESULTS.md.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <cmath>

#include <cstdint>
#include <map>
#include <memory>
#include <numeric>
#include <vector>

#include "models/demography.hpp"
#include "models/experiment.hpp"
#include "models/ladder.hpp"
#include "models/network.hpp"
#include "models/population.hpp"
#include "models/purposes.hpp"
#include "models/runner.hpp"
#include "models/simulation.hpp"
#include "models/wijken.hpp"

namespace meedoen::models {
namespace {

constexpr std::uint32_t kReplicate = 0;

struct Defaults {
  Experiment experiment = default_experiment();
  const sim::ParamSet& params = experiment.scenarios.front().params;
  std::vector<Wijk> wijken = load_wijken(experiment.population_data);
  sim::Rng rng{experiment.seed};
};

const Defaults& defaults() {
  static const Defaults d;
  return d;
}

struct City {
  People people;
  Network network;
  LadderFit fit;
};

// Cities are built once per scale and kept for every benchmark that steps them.
const City& city(int scale) {
  static std::map<int, std::unique_ptr<City>> cities;
  auto& c = cities[scale];
  if (!c) {
    const auto& d = defaults();
    c = std::make_unique<City>();
    c->people = build_population(d.wijken, scale, d.params, d.rng, kReplicate);
    c->network = build_network(c->people, d.params, d.rng, kReplicate);
    c->fit = fit_ladder(c->people, c->network, d.params);
  }
  return *c;
}

void set_agent_counters(benchmark::State& state, std::size_t agents, std::size_t weeks_per_iteration) {
  state.counters["agents"] = static_cast<double>(agents);
  state.counters["agent_weeks_per_s"] =
      benchmark::Counter(static_cast<double>(agents * weeks_per_iteration), benchmark::Counter::kIsIterationInvariantRate);
}

// The weekly step: args (scale, threads). One iteration is one week; the
// weeks run on, as in a replicate (the week number wraps after 5200).
void BM_Step(benchmark::State& state) {
  const int scale = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const auto& d = defaults();
  const auto& c = city(scale);
  Simulation sim(c.people, c.network, c.fit, d.params, d.rng, kReplicate, threads);
  std::uint32_t week = 1;
  for (auto _ : state) {
    sim.step(week);
    benchmark::DoNotOptimize(sim.events());
    week = week % 5200 + 1;
  }
  set_agent_counters(state, c.people.size(), 1);
  state.counters["contacts_per_agent"] =
      2.0 * static_cast<double>(c.network.contact_pairs()) / static_cast<double>(c.people.size());
}
BENCHMARK(BM_Step)
    ->ArgNames({"scale", "threads"})
    ->Args({1, 1})
    ->Args({1, 2})
    ->Args({10, 1})
    ->Args({10, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The floor issue 10 measured the step against: a plain scalar loop doing only this model's
// essential work per resident and week (not the model, and not the same numbers): two Philox
// lanes (one block per four residents for the move draws and one for the event draws), the bound
// test (about 5% below it, as in the step), for those below it the rungs of their contacts and a
// logistic, and the rung counts per wijk. Args (scale, threads); one iteration is one week.
void BM_EssentialLoop(benchmark::State& state) {
  const int scale = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const auto& d = defaults();
  const auto& c = city(scale);
  const auto n = static_cast<std::int64_t>(c.people.size());
  const std::size_t cells = c.people.wijk_names.size() * (kRungs + 1);
  std::vector<std::uint8_t> rung = c.people.rung, next(rung.size());
  std::vector<std::uint32_t> counts(static_cast<std::size_t>(threads) * cells);
  const auto below = static_cast<std::uint32_t>(sim::Rng::word_threshold(0.05));
  const auto event = static_cast<std::uint32_t>(sim::Rng::word_threshold(0.001));
  std::uint32_t week = 1;
  for (auto _ : state) {
#pragma omp parallel num_threads(threads)
    {
      auto* own = counts.data() + static_cast<std::size_t>(omp_get_thread_num()) * cells;
      std::fill(own, own + cells, 0u);
#pragma omp for schedule(static)
      for (std::int64_t block = 0; block < (n + 3) / 4; ++block) {
        const auto b = static_cast<std::uint32_t>(block);
        const auto moves = d.rng.words(kReplicate, week, b, kDrawLadderMove);
        const auto events = d.rng.words(kReplicate, week, b, kDrawBijstandEvent);
        for (std::uint32_t j = 0; j < 4 && 4 * b + j < static_cast<std::uint32_t>(n); ++j) {
          const PersonId i = 4 * b + j;
          int r = rung[i];
          if (r != kNoRung && moves[j] < below) {
            int higher = 0;
            for (const auto other : c.network.contacts(i)) higher += rung[other] > r;
            const double up = 1 / (1 + std::exp(3.0 - 0.3 * higher));
            if (sim::Rng::to_unit(moves[j]) < 0.05 * up) r = std::min(kRungs, r + 1);
          }
          if (r != kNoRung && events[j] < event) r = std::max(1, r - 1);
          next[i] = static_cast<std::uint8_t>(r);
          ++own[c.people.wijk[i] * (kRungs + 1) + static_cast<std::size_t>(r)];
        }
      }
    }
    rung.swap(next);
    benchmark::DoNotOptimize(counts.data());
    week = week % 5200 + 1;
  }
  set_agent_counters(state, c.people.size(), 1);
}
BENCHMARK(BM_EssentialLoop)
    ->ArgNames({"scale", "threads"})
    ->Args({1, 1})
    ->Args({1, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The cost of the open population (docs/ODD.md 7.16): the weekly step as
// BM_Step with births, deaths and moves switched off (arg open 0: every
// demography rate 0, only the pass that draws them is left) and on (1);
// args (open, threads), scale 1.
void BM_StepOpen(benchmark::State& state) {
  const auto& d = defaults();
  const auto& c = city(1);
  auto params = d.params;
  if (state.range(0) == 0)
    for (const auto* name : {"demography.death_rate", "demography.leave_rate", "demography.birth_rate"})
      params.set(name, std::vector<double>(params.vec(name).size(), 0.0));
  Simulation sim(c.people, c.network, c.fit, params, d.rng, kReplicate, static_cast<int>(state.range(1)));
  std::uint32_t week = 1;
  for (auto _ : state) {
    sim.step(week);
    benchmark::DoNotOptimize(sim.events());
    week = week % 5200 + 1;
  }
  set_agent_counters(state, c.people.size(), 1);
}
BENCHMARK(BM_StepOpen)
    ->ArgNames({"open", "threads"})
    ->Args({0, 1})
    ->Args({1, 1})
    ->Args({0, 2})
    ->Args({1, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Only the open population's step 0 (Demography::step) at scale 1, one thread.
void BM_Demography(benchmark::State& state) {
  const auto& d = defaults();
  const auto& c = city(1);
  People people = c.people;
  Demography demography(people, d.params, fit_start_rungs(people, d.params));
  std::vector<PersonId> left, settled;
  std::uint32_t week = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(demography.step(people, d.rng, kReplicate, week, 1, left, settled));
    week = week % 5200 + 1;
  }
  set_agent_counters(state, c.people.size(), 1);
}
BENCHMARK(BM_Demography)->Unit(benchmark::kMillisecond)->UseRealTime();

// The plain scalar step (Simulation::step_reference) that the fast path is
// held to bit for bit: what the fast path gains.
void BM_StepReference(benchmark::State& state) {
  const int scale = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const auto& d = defaults();
  const auto& c = city(scale);
  Simulation sim(c.people, c.network, c.fit, d.params, d.rng, kReplicate, threads);
  std::uint32_t week = 1;
  for (auto _ : state) {
    sim.step_reference(week);
    WeekCounts counts(c.people.wijk_names.size());  // the fast step counts these in its pass
    sim.observe(counts);
    benchmark::DoNotOptimize(counts.rungs.data());
    week = week % 5200 + 1;
  }
  set_agent_counters(state, c.people.size(), 1);
}
BENCHMARK(BM_StepReference)
    ->ArgNames({"scale", "threads"})
    ->Args({1, 1})
    ->Args({1, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Only the Philox draws the weekly step makes, as its fast path makes them
// (Rng::words_batches: per block of four persons one for the moves and one
// for the events, per block of four households one for debts), one thread:
// the floor the random numbers alone set on the step.
void BM_StepDraws(benchmark::State& state) {
  const auto& d = defaults();
  const auto& c = city(static_cast<int>(state.range(0)));
  constexpr auto kBatch = static_cast<std::uint32_t>(sim::Rng::kBatch);
  const auto persons = static_cast<std::uint32_t>(c.people.size());
  const auto households = static_cast<std::uint32_t>(c.people.households());
  std::uint32_t week = 1;
  sim::Rng::Batch moves, others;
  sim::Rng::Batches debts;
  for (auto _ : state) {
    std::uint32_t sink = 0;
    for (std::uint32_t b = 0; b < (persons + 3) / 4; b += kBatch) {
      d.rng.words_batches(kReplicate, week, b, {kDrawLadderMove, kDrawBijstandEvent}, moves, others);
      sink ^= moves[0] ^ moves[63] ^ others[0] ^ others[63];
    }
    for (std::uint32_t b = 0; b < (households + 3) / 4; b += 2 * kBatch) {
      d.rng.words_batches(kReplicate, week, b, kDrawDebtEvent, debts);
      sink ^= debts[0] ^ debts[127];
    }
    benchmark::DoNotOptimize(sink);
    week = week % 5200 + 1;
  }
  set_agent_counters(state, c.people.size(), 1);
}
BENCHMARK(BM_StepDraws)->ArgName("scale")->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// Philox blocks a second by each variant this machine runs (arg: its place in
// Rng::batch_variants(), 0 plain, then avx2, avx512f), 32 blocks a call as the
// fast step draws them (by the tests' entry, which names the variant).
void BM_PhiloxVariant(benchmark::State& state) {
  const auto variants = sim::Rng::batch_variants();
  const auto k = static_cast<std::size_t>(state.range(0));
  if (k >= variants.size()) return state.SkipWithError("this machine does not run that variant");
  const sim::Rng rng(7);
  sim::Rng::Batch a, b;
  std::array<std::uint32_t, 2 * sim::Rng::kBatch> agents{};
  std::iota(agents.begin(), agents.end(), 0u);
  for (auto _ : state) {
    rng.words_batches(variants[k], 1, 2, agents, {3, 4}, a, b);
    benchmark::DoNotOptimize(a.data());
    benchmark::DoNotOptimize(b.data());
    for (auto& agent : agents) agent += 2 * sim::Rng::kBatch;
  }
  state.SetLabel(std::string(variants[k]));
  state.counters["blocks_per_s"] =
      benchmark::Counter(2.0 * sim::Rng::kBatch * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PhiloxVariant)->ArgName("variant")->DenseRange(0, 2);

// The observation the runner makes after each step (Simulation::observe:
// rungs and bijstand per wijk and the condition counts, one pass, one thread).
void BM_Observe(benchmark::State& state) {
  const auto& d = defaults();
  const auto& c = city(1);
  Simulation sim(c.people, c.network, c.fit, d.params, d.rng, kReplicate, 1);
  for (auto _ : state) {
    WeekCounts counts(c.people.wijk_names.size());
    sim.observe(counts);
    benchmark::DoNotOptimize(counts.rungs.data());
  }
  set_agent_counters(state, c.people.size(), 1);
}
BENCHMARK(BM_Observe)->Unit(benchmark::kMillisecond)->UseRealTime();

// One replicate end to end at scale 1: population, network, fit and 260 weeks, 2 threads.
void BM_Replicate260(benchmark::State& state) {
  const auto& d = defaults();
  constexpr std::uint32_t kWeeks = 260;
  std::size_t agents = 0;
  for (auto _ : state) {
    auto people = build_population(d.wijken, 1.0, d.params, d.rng, kReplicate);
    const auto network = build_network(people, d.params, d.rng, kReplicate);
    const auto fit = fit_ladder(people, network, d.params);
    agents = people.size();
    Simulation sim(std::move(people), network, fit, d.params, d.rng, kReplicate, 2);
    for (std::uint32_t week = 1; week <= kWeeks; ++week) sim.step(week);
    benchmark::DoNotOptimize(sim.people().rung.data());
  }
  set_agent_counters(state, agents, kWeeks);
}
BENCHMARK(BM_Replicate260)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

// One replicate of scenarios/leiden.toml (260 weeks, scale 1, 2 threads, the
// runner's own code: set-up, every scenario's weeks and observation), with
// all seven scenarios (arg 7) or the baseline alone (arg 1): their ratio is
// what the other scenarios cost. Run from the repository root (run.sh does).
// CPU time is the process's (every thread's), so that it means something on a shared machine.
void BM_LeidenReplicate(benchmark::State& state) {
  auto e = load_experiment("scenarios/leiden.toml");
  if (state.range(0) == 1) select_scenarios(e, {e.scenarios.front().name}, "benchmark");
  const bool coupled = state.range(1) != 0;  // 0: every scenario alone (the reference)
  const int threads = static_cast<int>(state.range(2));  // 1: as the ensemble runs each replicate
  for (auto _ : state) benchmark::DoNotOptimize(run_piece(e, 0, threads, coupled).size());
  state.counters["scenarios"] = static_cast<double>(e.scenarios.size());
}
BENCHMARK(BM_LeidenReplicate)->ArgNames({"scenarios", "coupled", "threads"})
    ->Args({1, 1, 2})->Args({7, 1, 2})->Args({7, 0, 2})->Args({1, 1, 1})->Args({7, 1, 1})
    ->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime()->Iterations(2);

// Set-up costs at scale 1.
void BM_BuildPopulation(benchmark::State& state) {
  const auto& d = defaults();
  std::size_t agents = 0;
  for (auto _ : state) {
    const auto people = build_population(d.wijken, 1.0, d.params, d.rng, kReplicate);
    agents = people.size();
    benchmark::DoNotOptimize(people.rung.data());
  }
  state.counters["agents"] = static_cast<double>(agents);
}
BENCHMARK(BM_BuildPopulation)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_BuildNetwork(benchmark::State& state) {
  const auto& d = defaults();
  const auto& c = city(1);
  for (auto _ : state) {
    const auto network = build_network(c.people, d.params, d.rng, kReplicate);
    benchmark::DoNotOptimize(network.contacts(0).data());
  }
  state.counters["agents"] = static_cast<double>(c.people.size());
}
BENCHMARK(BM_BuildNetwork)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_FitLadder(benchmark::State& state) {
  const auto& d = defaults();
  const auto& c = city(1);
  for (auto _ : state) {
    const auto fit = fit_ladder(c.people, c.network, d.params);
    benchmark::DoNotOptimize(fit.coefficients);
  }
  state.counters["agents"] = static_cast<double>(c.people.size());
}
BENCHMARK(BM_FitLadder)->Unit(benchmark::kMillisecond)->UseRealTime();

// Constructing the Simulation (copies People, computes the fixed linear parts).
void BM_ConstructSimulation(benchmark::State& state) {
  const auto& d = defaults();
  const auto& c = city(1);
  for (auto _ : state) {
    Simulation sim(c.people, c.network, c.fit, d.params, d.rng, kReplicate, 1);
    benchmark::DoNotOptimize(sim.people().rung.data());
  }
  state.counters["agents"] = static_cast<double>(c.people.size());
}
BENCHMARK(BM_ConstructSimulation)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace meedoen::models

BENCHMARK_MAIN();
