// The coupled step (Simulation::step_apart, the baseline's step,
// Simulation::step_join) against each scenario stepped alone, column by
// column every week: generated scenarios (random types, wijken, sizes,
// lengths, start and end weeks) beside one baseline, in a city whose places
// turn over every week, so that births, deaths and moves change residents and
// households outside the step. A resident or household whose own state the
// join lost, or whose baseline state it failed to take, makes the coupled
// columns part from the scenario's own (docs/ODD.md 7.11).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <string>

#include "models/interventions/registry.hpp"
#include "models/simulation.hpp"
#include "test_city.hpp"

namespace meedoen::models {
namespace {

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// The type, its parameters that set how many it takes in (each scaled at random), and parameters
// kept as they are: the largest effects, so that some residents climb to rung 6 and leave
// bijstand for work, and their flags and weeks on bijstand part from the baseline's.
struct Kind {
  std::string type;
  Overrides sizes = {}, fixed = {};
};

const std::vector<Kind>& kinds() {
  static const std::vector<Kind> all = {
      {"home_visits", {{"list_size", 400}, {"min_weeks_on_bijstand", 20}}},
      {"peer_outreach", {{"finding_rate", 0.05}, {"staff_hours", 200}}},
      {"signalling_meeting", {}},
      {"walk_in", {{"base_rate", 0.05}}},
      {"geluksbudget", {{"finding_rate", 0.05}, {"yearly_pot", 20000}}},
      {"activation_centre", {{"finding_rate", 0.2}, {"places", 300}}, {{"effect_up", 5}}},
      {"poverty_signalling", {{"finding_rate", 0.3}, {"staff_hours", 200}}, {{"extra_resolve_rate", 1.0}}},
      {"talent_matching", {{"finding_rate", 0.05}, {"places", 60}}, {{"effect_up", 5}}},
      {"student_matching", {{"finding_rate", 0.1}, {"organisations", 100}}, {{"effect_up", 5}}},
      {"volunteer_support", {}},
  };
  return all;
}

// A scenario drawn from `gen`: each type with probability 0.6 (at least one), in a
// random set of wijken, its sizes scaled by 0.5-2, its length 2-10 weeks, starting
// in weeks 0-12 and some ending early.
Interventions generated(const TestCity& c, std::mt19937& gen) {
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<InterventionSpec> specs;
  for (std::size_t k = 0; k < kinds().size() || specs.empty(); ++k) {
    const auto& kind = kinds()[k % kinds().size()];
    if (unit(gen) >= 0.6) continue;
    auto where = c.all_wijken();
    const auto first = where[gen() % where.size()];  // always in
    std::erase_if(where, [&](std::uint8_t w) { return w != first && unit(gen) >= 0.5; });
    Overrides sizes = kind.fixed;
    for (const auto& [key, value] : kind.sizes) {
      const double scaled = value * (0.5 + 1.5 * unit(gen));  // counts stay whole, a probability at most 1
      sizes.emplace_back(key, value >= 1 ? std::round(scaled) : scaled);
    }
    if (kind.type != "signalling_meeting" && kind.type != "volunteer_support")
      sizes.emplace_back("duration_weeks", static_cast<double>(2 + gen() % 9));
    auto spec = c.spec(kind.type, where, sizes);
    spec.start_week = static_cast<int>(gen() % 13);
    if (unit(gen) < 0.3) spec.end_week = spec.start_week + 10 + static_cast<int>(gen() % 20);
    specs.push_back(std::move(spec));
  }
  Interventions out;
  for (std::size_t k = 0; k < specs.size(); ++k) {
    specs[k].name = specs[k].type + std::to_string(k);
    out.push_back(make_intervention(specs[k], static_cast<std::uint8_t>(k)));
  }
  return out;
}

// The columns step_join writes, and the outputs it makes of them.
void expect_same(const Simulation& a, const Simulation& b, std::size_t wijken, int week) {
  const auto &p = a.people(), &q = b.people();
  EXPECT_TRUE(same_bits(p.rung, q.rung)) << "week " << week;
  EXPECT_TRUE(same_bits(p.flags, q.flags)) << "week " << week;
  EXPECT_TRUE(same_bits(p.age, q.age)) << "week " << week;
  EXPECT_TRUE(same_bits(p.bijstand_weeks, q.bijstand_weeks)) << "week " << week;
  EXPECT_TRUE(same_bits(p.household_flags, q.household_flags)) << "week " << week;
  EXPECT_EQ(a.events(), b.events()) << "week " << week;
  EXPECT_EQ(a.metrics(), b.metrics()) << "week " << week;
  EXPECT_TRUE(same_bits(a.costs(), b.costs())) << "week " << week;
  WeekCounts x(wijken), y(wijken);
  a.observe(x);
  b.observe(y);
  EXPECT_EQ(x.rungs, y.rungs) << "week " << week;
  EXPECT_EQ(x.bijstand, y.bijstand) << "week " << week;
  EXPECT_EQ(x.lonely, y.lonely) << "week " << week;
  // The newcomers' fixed parts, which a coupled scenario copies from the baseline, and the bounds.
  const auto f = a.fast_path_parts(), g = b.fast_path_parts();
  EXPECT_TRUE(same_bits(f.static_up, g.static_up)) << "week " << week;
  EXPECT_TRUE(same_bits(f.static_down, g.static_down)) << "week " << week;
  EXPECT_TRUE(same_bits(f.bound_class, g.bound_class)) << "week " << week;
  EXPECT_TRUE(same_bits(f.bound, g.bound)) << "week " << week;
}

// How many persons of `a` differ from `b` in each joined column, and households in their flags.
struct Differences {
  std::size_t rung = 0, flags = 0, bijstand_weeks = 0, households = 0;
};

void add_differences(const People& a, const People& b, Differences& d) {
  for (PersonId i = 0; i < a.size(); ++i) {
    d.rung += a.rung[i] != b.rung[i];
    d.flags += a.flags[i] != b.flags[i];
    d.bijstand_weeks += a.bijstand_weeks[i] != b.bijstand_weeks[i];
  }
  for (HouseholdId h = 0; h < a.households(); ++h) d.households += a.household_flags[h] != b.household_flags[h];
}

class CoupledJoin : public testing::TestWithParam<int> {};

TEST_P(CoupledJoin, GeneratedScenariosWithTurnoverKeepTheColumnsOfEachAlone) {
  static const TestCity c = [] {
    TestCity city(0.3);
    city.params.set("demography.empty_weeks", std::vector<double>{1.0});  // places refilled within the week
    return city;
  }();
  const int threads = GetParam();
  const std::size_t wijken = c.people.wijk_names.size();
  constexpr std::size_t kScenarios = 3;
  std::mt19937 gen(20261201);
  std::vector<std::unique_ptr<Simulation>> coupled, alone;
  for (std::size_t s = 0; s < kScenarios; ++s) {
    const auto seed = gen();
    std::mt19937 a(seed), b(seed);  // the same scenario twice
    coupled.push_back(std::make_unique<Simulation>(c.people, c.network, c.fit, c.params, c.rng, 0, threads,
                                                   generated(c, a)));
    alone.push_back(std::make_unique<Simulation>(c.people, c.network, c.fit, c.params, c.rng, 0, threads,
                                                 generated(c, b)));
  }
  Simulation baseline(c.people, c.network, c.fit, c.params, c.rng, 0, threads);
  std::uint64_t turned_over = 0;
  Differences differ;
  for (int week = 1; week <= 52; ++week) {
    const auto w = static_cast<std::uint32_t>(week);
    for (auto& s : coupled) s->step_apart(w, baseline);
    baseline.step(w);
    for (auto& s : coupled) s->step_join(w, baseline);
    for (std::size_t s = 0; s < kScenarios; ++s) {
      alone[s]->step(w);
      expect_same(*coupled[s], *alone[s], wijken, week);
      if (testing::Test::HasFailure()) return;
      add_differences(coupled[s]->people(), baseline.people(), differ);
    }
    const auto& e = baseline.events();
    turned_over += e[kBorn] + e[kDied] + e[kMovedIn] + e[kMovedOut];
  }
  // Places turned over, and the scenarios came to differ from the baseline in every joined
  // column (age is the baseline's in every scenario: nothing but the week changes it).
  EXPECT_GT(turned_over, 1000u);
  EXPECT_GT(differ.rung, 1000u);
  EXPECT_GT(differ.flags, 0u);
  EXPECT_GT(differ.bijstand_weeks, 0u);
  EXPECT_GT(differ.households, 0u);
}

INSTANTIATE_TEST_SUITE_P(Threads, CoupledJoin, testing::Values(1, 2));

}  // namespace
}  // namespace meedoen::models
