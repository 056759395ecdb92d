// The baseline's drift on the ladder (issue 13 item 3, docs/ODD.md 7.16):
// the default experiment's baseline for five years at a reduced scale, each
// rung's share of the adults year by year (mean of the replicates, and the
// replicates' spread of the change), and what moved the adults onto and off
// each rung over the five years: ladder moves, coming of age, retirement at
// the pension age, newcomers and leavers.
//
//   meedoen_drift SCALE REPLICATES [NAME=V[,V...] ...]
//
// NAME=V overrides a parameter of the registry (docs/parameters.md) for the
// baseline, e.g. demography.leave_rate=0,0,0,0,0,0,0.
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "models/experiment.hpp"
#include "models/ladder.hpp"
#include "models/network.hpp"
#include "models/population.hpp"
#include "models/simulation.hpp"
#include "models/wijken.hpp"

namespace meedoen::models {
namespace {

constexpr int kYears = 5;
enum Source { kLadder, kComingOfAge, kRetirement, kNewcomers, kLeavers, kSources };
constexpr const char* kSourceNames[kSources] = {"ladder", "came of age", "retirement", "newcomers", "leavers"};

using Shares = std::array<double, kRungs>;
using Flows = std::array<std::array<double, kRungs>, kSources>;  // net adults onto each rung

Shares shares(const People& p) {
  Shares s{};
  double adults = 0;
  for (PersonId i = 0; i < p.size(); ++i)
    if (p.adult(i)) {
      s[p.rung[i] - 1] += 1;
      adults += 1;
    }
  for (auto& v : s) v /= adults;
  return s;
}

// What one week moved: each place's rung before and after, by its cause.
void add_flows(const People& before, const People& after, int pension_age, Flows& flows) {
  for (PersonId i = 0; i < before.size(); ++i) {
    const int from = before.rung[i], to = after.rung[i];
    const bool same = before.present(i) && after.present(i) && before.occupant[i] == after.occupant[i];
    if (!same) {
      if (from != kNoRung) flows[kLeavers][from - 1] -= 1;
      if (to != kNoRung) flows[kNewcomers][to - 1] += 1;
      continue;
    }
    if (from == to) continue;
    const Source s = from == kNoRung                                       ? kComingOfAge
                     : after.age[i] == pension_age && before.age[i] != pension_age ? kRetirement
                                                                                 : kLadder;
    if (from != kNoRung) flows[s][from - 1] -= 1;
    flows[s][to - 1] += 1;
  }
}

int run(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: meedoen_drift SCALE REPLICATES [NAME=V[,V...] ...]\n");
    return 2;
  }
  const double scale = std::atof(argv[1]);
  const int replicates = std::atoi(argv[2]);
  auto experiment = default_experiment();
  auto params = experiment.scenarios.front().params;
  for (int a = 3; a < argc; ++a) {
    const std::string arg = argv[a];
    const auto eq = arg.find('=');
    std::vector<double> values;
    std::stringstream in(arg.substr(eq + 1));
    for (std::string v; std::getline(in, v, ',');) values.push_back(std::stod(v));
    params.set(arg.substr(0, eq), values);
  }
  const auto wijken = load_wijken(experiment.population_data);
  const sim::Rng rng(experiment.seed);
  const int pension_age = static_cast<int>(params.get("age.pension"));
  std::vector<Shares> years(kYears + 1, Shares{});
  std::vector<Shares> change;  // per replicate: relative change over five years
  Flows flows{};
  double adults_start = 0, adults_end = 0;
  for (int r = 0; r < replicates; ++r) {
    const auto replicate = static_cast<std::uint32_t>(r);
    const auto people = build_population(wijken, scale, params, rng, replicate);
    const auto network = build_network(people, params, rng, replicate);
    const auto fit = fit_ladder(people, network, params);
    Simulation sim(people, network, fit, params, rng, replicate, 1);
    const auto start = shares(sim.people());
    for (int y = 0; y <= kYears; ++y) {
      const auto s = shares(sim.people());
      for (int k = 0; k < kRungs; ++k) years[y][k] += s[k] / replicates;
      if (y == kYears) break;
      for (std::uint32_t w = 1; w <= 52; ++w) {
        const People before = sim.people();
        sim.step(static_cast<std::uint32_t>(52 * y) + w);
        add_flows(before, sim.people(), pension_age, flows);
      }
    }
    Shares c{};
    const auto end = shares(sim.people());
    for (int k = 0; k < kRungs; ++k) c[k] = end[k] / start[k] - 1;
    change.push_back(c);
    for (PersonId i = 0; i < people.size(); ++i) {
      adults_start += people.adult(i);
      adults_end += sim.people().adult(i);
    }
  }
  std::printf("scale %g, %d replicates; share of adults by rung (mean of replicates)\nyear", scale, replicates);
  for (int k = 1; k <= kRungs; ++k) std::printf("   rung %d", k);
  for (int y = 0; y <= kYears; ++y) {
    std::printf("\n%4d", y);
    for (int k = 0; k < kRungs; ++k) std::printf("  %6.2f%%", 100 * years[y][k]);
  }
  std::printf("\nchange");
  for (int k = 0; k < kRungs; ++k) std::printf(" %+6.1f%%", 100 * (years[kYears][k] / years[0][k] - 1));
  std::printf("\nsd    ");
  for (int k = 0; k < kRungs; ++k) {
    double m = 0, v = 0;
    for (const auto& c : change) m += c[k] / replicates;
    for (const auto& c : change) v += (c[k] - m) * (c[k] - m) / std::max(1, replicates - 1);
    std::printf("  %5.1f%%", 100 * std::sqrt(v));
  }
  std::printf("   (the replicates' standard deviation of the change)\n");
  std::printf("adults per replicate: %.0f -> %.0f\n", adults_start / replicates, adults_end / replicates);
  std::printf("net adults onto each rung over %d years, per replicate, by cause\n%-12s", kYears, "");
  for (int k = 1; k <= kRungs; ++k) std::printf("  rung %d", k);
  for (int s = 0; s < kSources; ++s) {
    std::printf("\n%-12s", kSourceNames[s]);
    for (int k = 0; k < kRungs; ++k) std::printf(" %7.0f", flows[s][k] / replicates);
  }
  std::printf("\n");
  return 0;
}

}  // namespace
}  // namespace meedoen::models

int main(int argc, char** argv) { return meedoen::models::run(argc, argv); }
