// poverty_signalling (De Mors), talent_matching (BRON), student_matching
// (Leren werken in de wijk) and volunteer_support (Deskundigheidsbevordering
// vrijwilligers): capacity, voluntary acceptance, exact costs, an effect on
// their own target group against the baseline (paired over replicates, common
// random numbers), and no effect at all when switched off.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "models/experiment.hpp"
#include "models/interventions/registry.hpp"
#include "models/ladder.hpp"
#include "models/population.hpp"
#include "models/simulation.hpp"
#include "models/wijken.hpp"
#include "test_city.hpp"

namespace meedoen::models {
namespace {

using City = TestCity;

const City& city() {
  static const City c(0.2);
  return c;
}

bool targeted(const InterventionSpec& spec, std::uint8_t wijk) {
  return std::find(spec.wijken.begin(), spec.wijken.end(), wijk) != spec.wijken.end();
}

// The state after every week (index 0: the start), what happened, and what
// the first intervention reported and cost.
struct Trace {
  std::vector<std::vector<std::uint8_t>> rungs, flags, household_flags;
  std::vector<EventCounts> events;
  std::vector<MetricCounts> metrics;
  std::vector<double> costs;
};

// Called after each week's step.
using Observer = std::function<void(const Simulation&, std::uint32_t week)>;

Trace run(const City& c, const std::vector<InterventionSpec>& specs, std::uint32_t replicate, int weeks,
          const Observer& observe = {}) {
  Interventions interventions;
  for (std::size_t k = 0; k < specs.size(); ++k) interventions.push_back(make_intervention(specs[k], std::uint8_t(k)));
  Simulation sim(c.people, c.network, c.fit, c.params, c.rng, replicate, 2, std::move(interventions));
  Trace t;
  const auto record = [&](const People& p) {
    t.rungs.push_back(p.rung);
    t.flags.push_back(p.flags);
    t.household_flags.push_back(p.household_flags);
  };
  record(c.people);
  for (std::uint32_t w = 1; w <= std::uint32_t(weeks); ++w) {
    sim.step(w);
    if (observe) observe(sim, w);
    record(sim.people());
    t.events.push_back(sim.events());
    if (!sim.metrics().empty()) {
      t.metrics.push_back(sim.metrics()[0]);
      t.costs.push_back(sim.costs()[0]);
    }
  }
  return t;
}

constexpr int kPairedWeeks = 16;
constexpr std::uint32_t kReplicates = 8;

// The baseline of each replicate, run once for all tests.
const Trace& baseline(std::uint32_t replicate) {
  static std::vector<Trace> runs;
  while (runs.size() <= replicate) runs.push_back(run(city(), {}, std::uint32_t(runs.size()), kPairedWeeks));
  return runs[replicate];
}

// Switched off, the intervention leaves every rung, flag and event of every week as in the baseline.
void expect_baseline(const InterventionSpec& off) {
  const auto& b = baseline(0);
  const auto t = run(city(), {off}, 0, kPairedWeeks);
  EXPECT_EQ(b.rungs, t.rungs);
  EXPECT_EQ(b.flags, t.flags);
  EXPECT_EQ(b.household_flags, t.household_flags);
  EXPECT_EQ(b.events, t.events);
  for (const auto& m : t.metrics) EXPECT_EQ(m[kEnrolled], 0u);
}

// Visits within the staff hours free after coaching, places respected,
// nobody enrolled without accepting; returns the number enrolled.
std::uint32_t expect_capacity(const InterventionSpec& spec, const Trace& t) {
  const auto s = programme_settings(spec);
  std::uint32_t accepted = 0, enrolled = 0, active_before = 0;
  VisitCapacity visits;
  for (const auto& m : t.metrics) {
    const double free_hours = s.staff_hours - s.coaching_hours * active_before;
    EXPECT_LE(m[kVisited], visits.next(free_hours, s.visit_hours));
    if (s.places >= 0) {
      EXPECT_LE(m[kActive], std::uint32_t(s.places));
    }
    accepted += m[kAccepted];
    enrolled += m[kEnrolled];
    EXPECT_LE(enrolled, accepted);
    active_before = m[kActive];
  }
  return enrolled;
}

// Every week: hours * rate + place-weeks * place cost + fixed cost / 52.
void expect_ledger(const InterventionSpec& spec, const Trace& t) {
  const auto s = programme_settings(spec);
  ASSERT_FALSE(t.costs.empty());
  for (std::size_t k = 0; k < t.costs.size(); ++k) {
    const auto& m = t.metrics[k];
    EXPECT_DOUBLE_EQ(t.costs[k], s.staff_hours * s.hourly_rate + (m[kActive] + m[kCompleted]) * s.place_cost_week +
                                     s.fixed_cost_year / sim::kWeeksPerYear)
        << "week " << k + 1;
  }
}

// `measure` of the intervention's runs minus that of the baselines, paired by
// replicate: the mean difference over its standard error.
double paired_t(const InterventionSpec& spec, const std::function<double(const Trace&)>& measure) {
  std::vector<double> d;
  for (std::uint32_t rep = 0; rep < kReplicates; ++rep)
    d.push_back(measure(run(city(), {spec}, rep, kPairedWeeks)) - measure(baseline(rep)));
  double mean = 0, var = 0;
  for (const auto x : d) mean += x / double(d.size());
  for (const auto x : d) var += (x - mean) * (x - mean) / double(d.size() - 1);
  return mean / std::sqrt(var / double(d.size()));
}

// Those of the city that `in_group` picks at the start.
std::vector<PersonId> group(const std::function<bool(const People&, PersonId)>& in_group) {
  const auto& p = city().people;
  std::vector<PersonId> g;
  for (PersonId i = 0; i < p.size(); ++i)
    if (in_group(p, i)) g.push_back(i);
  return g;
}

double mean_final_rung(const Trace& t, const std::vector<PersonId>& g) {
  double sum = 0;
  for (const auto i : g) sum += t.rungs.back()[i];
  return sum / double(g.size());
}

// Weekly moves down of the people in `g`.
double moves_down(const Trace& t, const std::vector<PersonId>& g, int from_rung = 0) {
  double n = 0;
  for (std::size_t w = 1; w < t.rungs.size(); ++w)
    for (const auto i : g)
      n += t.rungs[w][i] < t.rungs[w - 1][i] && (from_rung == 0 || t.rungs[w - 1][i] == from_rung);
  return n;
}

// --- poverty_signalling ---------------------------------------------------

bool signalled_household(const People& p, PersonId i) {
  return p.adult(i) && p.household_start[p.household[i]] == i && p.household_has(i, kDebt) &&
         p.household_has(i, kHasChildren);
}

TEST(InterventionsPovertySignalling, ConversationsWithinHoursOneParentPerHouseholdAndLedgerExact) {
  const auto& c = city();
  const auto spec = c.spec_in("poverty_signalling", {"Morsdistrict", "Leiden-Noord", "Merenwijkdistrict"},
                           {{"finding_rate", 0.5}, {"staff_hours", 6}});
  std::vector<std::uint8_t> heads_with_children(c.people.size(), 0);
  for (PersonId i = 0; i < c.people.size(); ++i)
    heads_with_children[i] = c.people.household_start[c.people.household[i]] == i &&
                             c.people.household_has(i, kHasChildren) && targeted(spec, c.people.wijk[i]);
  const auto t = run(c, {spec}, 1, 20, [&](const Simulation& sim, std::uint32_t) {
    for (PersonId i = 0; i < c.people.size(); ++i)
      if (sim.programs().enrolled_in[i] == 1) {
        ASSERT_TRUE(heads_with_children[i]) << "person " << i;
      }
  });
  EXPECT_GT(expect_capacity(spec, t), 0u);
  // The offer is the referral: everyone who accepts is referred.
  for (const auto& m : t.metrics) EXPECT_EQ(m[kReferred], m[kAccepted]);
  expect_ledger(spec, t);
}

// Each of its two effects alone: debt help ends debts sooner, and the
// referred parents drop out less.
TEST(InterventionsPovertySignalling, DebtsEndSoonerAndFewerParentsDropOut) {
  const auto& c = city();
  std::vector<std::string> all;
  for (const auto& w : c.wijken) all.push_back(w.name);
  const Overrides everyone_helped = {{"finding_rate", 0.5}, {"staff_hours", 1000}, {"acceptance", 1}};
  auto debts_only = everyone_helped, drop_outs_only = everyone_helped;
  debts_only.insert(debts_only.end(), {{"extra_resolve_rate", 0.95}, {"effect_down", 0}});
  drop_outs_only.insert(drop_outs_only.end(), {{"extra_resolve_rate", 0}, {"effect_down", -3}});
  const auto parents = group(signalled_household);
  ASSERT_GT(parents.size(), 100u);
  const auto debt_weeks = [&](const Trace& t) {
    double n = 0;
    for (std::size_t w = 1; w < t.household_flags.size(); ++w)
      for (const auto i : parents) n += (t.household_flags[w][c.people.household[i]] & kDebt) != 0;
    return n;
  };
  EXPECT_LT(paired_t(c.spec_in("poverty_signalling", all, debts_only), debt_weeks), -2.0);
  EXPECT_LT(paired_t(c.spec_in("poverty_signalling", all, drop_outs_only),
                     [&](const Trace& t) { return moves_down(t, parents); }),
            -2.0);
}

TEST(InterventionsPovertySignalling, ZeroStaffHoursReproducesTheBaselineBitForBit) {
  expect_baseline(city().spec_in("poverty_signalling", {"Morsdistrict"}, {{"finding_rate", 0.5}, {"staff_hours", 0}}));
}

// --- talent_matching ------------------------------------------------------

TEST(InterventionsTalentMatching, PlacesNeverExceededAndLedgerExact) {
  const auto& c = city();
  const auto spec = c.spec_in("talent_matching", {"Morsdistrict"}, {{"finding_rate", 0.05}, {"places", 5}});
  const auto t = run(c, {spec}, 1, 30);
  EXPECT_GT(expect_capacity(spec, t), 0u);
  // The places fill up and a waiting list forms.
  std::uint32_t most_active = 0, most_waiting = 0;
  for (const auto& m : t.metrics) {
    most_active = std::max(most_active, m[kActive]);
    most_waiting = std::max(most_waiting, m[kWaiting]);
  }
  EXPECT_EQ(most_active, 5u);
  EXPECT_GT(most_waiting, 0u);
  expect_ledger(spec, t);
}

TEST(InterventionsTalentMatching, RaisesTheRungOfResidentsOnRungsTwoAndThree) {
  const auto& c = city();
  const auto spec = c.spec_in("talent_matching", {"Morsdistrict", "Leiden-Noord"},
                           {{"finding_rate", 0.5}, {"staff_hours", 1000}, {"places", 10000}, {"acceptance", 1},
                            {"effect_up", 3}, {"effect_up_rung2", 2}});
  const auto residents = group([&](const People& p, PersonId i) {
    return targeted(spec, p.wijk[i]) && (p.rung[i] == 2 || p.rung[i] == 3);
  });
  EXPECT_GT(paired_t(spec, [&](const Trace& t) { return mean_final_rung(t, residents); }), 2.0);
}

TEST(InterventionsTalentMatching, ZeroPlacesReproducesTheBaselineBitForBit) {
  expect_baseline(city().spec_in("talent_matching", {"Morsdistrict"}, {{"finding_rate", 0.5}, {"places", 0}}));
}

// --- student_matching -----------------------------------------------------

TEST(InterventionsStudentMatching, PlacesNeverExceededOnly18To23AndLedgerExact) {
  const auto& c = city();
  const auto spec = c.spec_in("student_matching", {"Leiden-Noord", "Merenwijkdistrict"},
                           {{"finding_rate", 0.05},
                            {"organisations", 3},
                            {"students_per_organisation", 2},
                            {"staff_hours", 10},
                            {"coaching_hours", 0.5},
                            {"duration_weeks", 8}});
  // Ages are checked when the ROC puts someone forward; at these settings
  // nobody waits long enough for a place to turn 24 first.
  auto ages = c.people.age;  // last week's, when this week's intake is made
  std::vector<std::uint8_t> enrolled(c.people.size(), 0);
  const auto t = run(c, {spec}, 1, 30, [&](const Simulation& sim, std::uint32_t) {
    const auto& p = sim.people();
    std::uint32_t active = 0;
    for (PersonId i = 0; i < p.size(); ++i) {
      const bool now = sim.programs().enrolled_in[i] == 1;
      active += now;
      if (now && !enrolled[i]) {
        EXPECT_TRUE(ages[i] >= 18 && ages[i] <= 23) << "enrolled at age " << int(ages[i]);
        EXPECT_TRUE(targeted(spec, p.wijk[i]));
      }
      enrolled[i] = now;
    }
    EXPECT_LE(active, 6u);
    ages = p.age;
  });
  EXPECT_GT(expect_capacity(spec, t), 6u);  // places are freed when matches end and taken again
  // 3 organisations * 2 students: the places fill up and are never exceeded.
  std::uint32_t most_active = 0;
  for (const auto& m : t.metrics) most_active = std::max(most_active, m[kActive]);
  EXPECT_EQ(most_active, 6u);
  expect_ledger(spec, t);
}

TEST(InterventionsStudentMatching, RaisesTheRungOfYoungAdultsInItsWijken) {
  const auto& c = city();
  const auto spec = c.spec_in("student_matching", {"Leiden-Noord", "Merenwijkdistrict"},
                           {{"finding_rate", 0.5},
                            {"organisations", 100},
                            {"students_per_organisation", 10},
                            {"staff_hours", 1000},
                            {"acceptance", 1},
                            {"effect_up", 3}});
  const auto students = group([&](const People& p, PersonId i) {
    return targeted(spec, p.wijk[i]) && p.adult(i) && p.age[i] <= 23 && p.rung[i] <= 4;
  });
  EXPECT_GT(paired_t(spec, [&](const Trace& t) { return mean_final_rung(t, students); }), 2.0);
}

TEST(InterventionsStudentMatching, NoOrganisationsReproducesTheBaselineBitForBit) {
  expect_baseline(city().spec_in("student_matching", {"Leiden-Noord"}, {{"finding_rate", 0.5}, {"organisations", 0}}));
}

// --- volunteer_support ----------------------------------------------------

TEST(InterventionsVolunteerSupport, FewerDropOutsFromRungFourInItsWijken) {
  const auto& c = city();
  const auto spec = c.spec_in("volunteer_support", {"Morsdistrict", "Leiden-Noord", "Merenwijkdistrict"},
                           {{"effect_down", -2}, {"effect_up", 0}});
  const auto residents = group([&](const People& p, PersonId i) { return targeted(spec, p.wijk[i]) && p.adult(i); });
  EXPECT_LT(paired_t(spec, [&](const Trace& t) { return moves_down(t, residents, 4); }), -2.0);
}

// Effects only while it works, only in its wijken; costs only while it works.
TEST(InterventionsVolunteerSupport, WijkEffectsWhileWorkingOtherWijkenUntouchedAndLedgerExact) {
  const auto& c = city();
  auto spec = c.spec_in("volunteer_support", {"Morsdistrict"}, {{"effect_down", -2}, {"effect_up", 1}});
  spec.end_week = 6;
  const double weekly = spec.params.get("volunteer_support.training_hours") *
                            spec.params.get("volunteer_support.hourly_rate") +
                        spec.params.get("volunteer_support.fixed_cost_year") / sim::kWeeksPerYear;
  const auto t = run(c, {spec}, 0, 8, [&](const Simulation& sim, std::uint32_t week) {
    const bool on = week <= 6;
    for (std::uint8_t w = 0; w < c.wijken.size(); ++w) {
      const bool here = on && targeted(spec, w);
      EXPECT_EQ(sim.programs().area_down[w * (kRungs + 1) + 4], here ? -2.f : 0.f) << "week " << week;
      EXPECT_EQ(sim.programs().area_up[w * (kRungs + 1) + 3], here ? 1.f : 0.f) << "week " << week;
    }
    EXPECT_DOUBLE_EQ(sim.costs()[0], on ? weekly : 0.0) << "week " << week;
  });
  // After one week only the targeted wijk differs from the baseline (moves read last week's rungs).
  const auto& b = baseline(0);
  std::size_t differ_inside = 0;
  for (PersonId i = 0; i < c.people.size(); ++i) {
    if (targeted(spec, c.people.wijk[i])) {
      differ_inside += t.rungs[1][i] != b.rungs[1][i];
    } else {
      ASSERT_EQ(t.rungs[1][i], b.rungs[1][i]) << "person " << i;
    }
  }
  EXPECT_GT(differ_inside, 0u);
}

TEST(InterventionsVolunteerSupport, ZeroEffectsReproduceTheBaselineBitForBit) {
  expect_baseline(city().spec_in("volunteer_support", {"Morsdistrict", "Leiden-Noord"},
                              {{"effect_down", 0}, {"effect_up", 0}}));
}

}  // namespace
}  // namespace meedoen::models
