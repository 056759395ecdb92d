// The open population (models/demography.*, docs/ODD.md 7.16): the flows of a
// year match their rates within binomial bounds, people are conserved, every
// scenario meets the same births, deaths and moves, and a programme whose
// participant leaves the city frees the place.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "models/demography.hpp"
#include "models/interventions/registry.hpp"
#include "models/purposes.hpp"
#include "models/simulation.hpp"
#include "test_city.hpp"

namespace meedoen::models {
namespace {

const TestCity& city() {
  static const TestCity c(0.1);
  return c;
}

std::size_t present(const People& p) {
  std::size_t n = 0;
  for (PersonId i = 0; i < p.size(); ++i) n += p.present(i);
  return n;
}

// Expected events and their binomial variance, summed over places and weeks.
struct Expected {
  double mean = 0, variance = 0;
  void add(double probability) {
    mean += probability;
    variance += probability * (1 - probability);
  }
  // Within four standard deviations (and one event).
  bool holds(std::uint64_t observed) const { return std::abs(double(observed) - mean) <= 4 * std::sqrt(variance) + 1; }
};

TEST(Demography, AYearsFlowsMatchTheirRatesWithinBinomialBounds) {
  const auto& c = city();
  const Demography demography(c.people, c.params, c.fit.start_rungs);
  const auto& r = demography.rates();
  Simulation sim(c.people, c.network, c.fit, c.params, c.rng, 0, 2);
  Expected died, moved_out, born, moved_in, young_out;
  std::uint64_t deaths = 0, leavers = 0, births = 0, arrivals = 0, young = 0;
  for (std::uint32_t week = 1; week <= 52; ++week) {
    const auto& p = sim.people();
    std::vector<std::uint8_t> age(p.age), here(p.size());
    for (PersonId i = 0; i < p.size(); ++i) {
      here[i] = p.present(i);
      if (!here[i]) {
        moved_in.add(r.move_in);
        continue;
      }
      const int band = age_band(p.age[i]);
      died.add(r.death[band]);
      moved_out.add(r.leave[band]);
      if (band == 1) young_out.add(r.death[band] + r.leave[band]);
      if (p.female[i]) born.add(r.birth[band]);
    }
    const auto occupant = p.occupant;
    sim.step(week);
    const auto& e = sim.events();
    deaths += e[kDied];
    leavers += e[kMovedOut];
    births += e[kBorn];
    arrivals += e[kMovedIn];
    // The young adults who left: their place is empty now, or holds someone new.
    for (PersonId i = 0; i < p.size(); ++i)
      young += here[i] && age_band(age[i]) == 1 && (!p.present(i) || p.occupant[i] != occupant[i]);
  }
  EXPECT_GT(moved_out.mean, 500);  // a real test: hundreds of events at scale 0.1
  EXPECT_GT(born.mean, 50);
  EXPECT_TRUE(died.holds(deaths)) << deaths << " deaths, expected " << died.mean;
  EXPECT_TRUE(moved_out.holds(leavers)) << leavers << " moved out, expected " << moved_out.mean;
  EXPECT_TRUE(born.holds(births)) << births << " born, expected " << born.mean;
  EXPECT_TRUE(moved_in.holds(arrivals)) << arrivals << " moved in, expected " << moved_in.mean;
  // By age: the young adults (18-26), who leave most.
  EXPECT_TRUE(young_out.holds(young)) << young << " young adults left, expected " << young_out.mean;
  EXPECT_GT(young_out.mean, 0.4 * moved_out.mean);
}

TEST(Demography, PeopleAreConserved) {
  const auto& c = city();
  Simulation sim(c.people, c.network, c.fit, c.params, c.rng, 1, 2);
  const auto start = present(c.people);
  std::uint64_t in = 0, out = 0;
  for (std::uint32_t week = 1; week <= 104; ++week) {
    sim.step(week);
    const auto& e = sim.events();
    in += e[kMovedIn] + e[kBorn];
    out += e[kMovedOut] + e[kDied];
    ASSERT_EQ(start + in - out, present(sim.people())) << "week " << week;
  }
  EXPECT_GT(in, 1000u);
  EXPECT_GT(out, 1000u);
  // Adults counted by the step's observation are the adults present.
  WeekCounts counts(c.people.wijk_names.size());
  sim.observe(counts);
  std::uint64_t counted = 0, adults = 0;
  for (const auto n : counts.rungs) counted += n;
  for (PersonId i = 0; i < sim.people().size(); ++i) adults += sim.people().present(i) && sim.people().adult(i);
  EXPECT_EQ(counted, adults);
}

TEST(Demography, EveryScenarioMeetsTheSameBirthsDeathsAndMoves) {
  const auto& c = city();
  Interventions interventions;
  interventions.push_back(make_intervention(c.spec("activation_centre", c.all_wijken(), {{"places", 500}}), 0));
  interventions.push_back(make_intervention(c.spec("peer_outreach", c.all_wijken(), {{"finding_rate", 0.05}}), 1));
  Simulation baseline(c.people, c.network, c.fit, c.params, c.rng, 2, 2);
  Simulation scenario(c.people, c.network, c.fit, c.params, c.rng, 2, 1, std::move(interventions));
  for (std::uint32_t week = 1; week <= 52; ++week) {
    baseline.step(week);
    scenario.step(week);
    for (const auto e : {kBorn, kDied, kMovedIn, kMovedOut}) ASSERT_EQ(baseline.events()[e], scenario.events()[e]);
    ASSERT_EQ(baseline.people().occupant, scenario.people().occupant) << "week " << week;
    ASSERT_EQ(baseline.people().birth_week, scenario.people().birth_week) << "week " << week;
  }
}

// Demography::draw against its plain definition (docs/ODD.md 7.16): place i's word is lane i % 4
// of its block i / 4; a present person dies below the death rate of their age band, moves out
// below death + leaving, and a woman gives birth below death + leaving + births; an empty place
// is moved into below the weekly moving-in rate. The fast path's vector filter and thresholds
// must find exactly these places, for 1 and 2 threads.
TEST(Demography, TheWeeksEventsAreThoseOfThePlainRule) {
  const auto& c = city();
  Demography demography(c.people, c.params, c.fit.start_rungs);
  const auto& r = demography.rates();
  Simulation sim(c.people, c.network, c.fit, c.params, c.rng, 4, 2);
  std::uint64_t events = 0, empty = 0;
  for (std::uint32_t week = 1; week <= 26; ++week) {
    const auto& p = sim.people();
    DemographyEvents expected;
    for (PersonId i = 0; i < p.size(); ++i) {
      const double u = sim::Rng::to_unit(c.rng.words(4, week, i / 4, kDrawDemography)[i % 4]);
      if (!p.present(i)) {
        empty += 1;
        if (u < r.move_in) expected.arriving.push_back(i);
        continue;
      }
      const int b = age_band(p.age[i]);
      const double dies = r.death[b], leaves = dies + r.leave[b], births = leaves + (p.female[i] ? r.birth[b] : 0.0);
      if (u < leaves) expected.leaving.push_back(i);
      else if (u < births) expected.mothers.push_back(i);
    }
    for (const int threads : {1, 2}) {
      DemographyEvents drawn;
      demography.draw(p, c.rng, 4, week, threads, drawn);
      ASSERT_EQ(drawn.leaving, expected.leaving) << "week " << week << ", " << threads << " threads";
      ASSERT_EQ(drawn.arriving, expected.arriving) << "week " << week << ", " << threads << " threads";
      ASSERT_EQ(drawn.mothers, expected.mothers) << "week " << week << ", " << threads << " threads";
    }
    events += expected.leaving.size() + expected.arriving.size() + expected.mothers.size();
    sim.step(week);
  }
  EXPECT_GT(events, 1000u);  // a real test: every kind of event, and empty places, many times
  EXPECT_GT(empty, 1000u);
}

// activation_centre with 5 places, a long waiting list and a city that young
// and old leave fast: each week every place is held by someone present, and
// a place a leaver held is taken from the waiting list.
TEST(Demography, AProgrammeWhoseParticipantLeavesTheCityFreesThePlace) {
  auto c = TestCity(0.1);
  c.params.set("demography.leave_rate", std::vector<double>(kAgeBands, 0.9));
  Interventions interventions;
  interventions.push_back(make_intervention(
      c.spec("activation_centre", c.all_wijken(), {{"places", 5}, {"duration_weeks", 500}, {"finding_rate", 0.05}}), 0));
  Simulation sim(c.people, c.network, c.fit, c.params, c.rng, 3, 2, std::move(interventions));
  int freed = 0;
  for (std::uint32_t week = 1; week <= 104; ++week) {
    std::set<PersonId> before;
    for (PersonId i = 0; i < sim.people().size(); ++i)
      if (sim.programs().enrolled_in[i] == 1) before.insert(i);
    const auto occupant = sim.people().occupant;
    sim.step(week);
    const auto& m = sim.metrics()[0];
    std::set<PersonId> now;
    for (PersonId i = 0; i < sim.people().size(); ++i)
      if (sim.programs().enrolled_in[i] == 1) now.insert(i);
    ASSERT_EQ(now.size(), m[kActive]) << "week " << week << ": a place held by someone who left";
    bool left = false;
    for (const auto i : before) left |= !sim.people().present(i) || sim.people().occupant[i] != occupant[i];
    if (left && m[kWaiting] > 0) {
      ++freed;
      EXPECT_EQ(m[kActive], 5u) << "week " << week << ": the leaver's place was not taken";
      EXPECT_GT(m[kEnrolled], 0u);
    }
  }
  EXPECT_GT(freed, 0);
}

}  // namespace
}  // namespace meedoen::models
