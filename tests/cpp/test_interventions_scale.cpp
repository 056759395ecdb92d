// Scale as representation (docs/ODD.md section 8): at scale s every intervention's capacities
// (staff hours, places, lists, pots) and fixed costs are s times the city's, whole counts made
// whole at random with the scaled mean, and parts of a visit carried over; and programmes that
// end (section 7.6): at its end_week a programme stops, its participants leave it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "models/interventions/registry.hpp"
#include "models/simulation.hpp"
#include "test_city.hpp"

namespace meedoen::models {
namespace {

const TestCity& city() {
  static const TestCity c(0.2);
  return c;
}

InterventionSpec at_scale(InterventionSpec spec, double scale) {
  spec.scale = scale;
  return spec;
}

// Called after each week's step with the simulation, the week, and the first intervention's
// metrics and costs of that week.
using Observer = std::function<void(const Simulation&, std::uint32_t, const MetricCounts&, double)>;

void run(const InterventionSpec& spec, std::uint32_t replicate, int weeks, const Observer& observe) {
  const auto& c = city();
  Interventions interventions;
  interventions.push_back(make_intervention(spec, 0));
  Simulation sim(c.people, c.network, c.fit, c.params, c.rng, replicate, 2, std::move(interventions));
  for (std::uint32_t w = 1; w <= std::uint32_t(weeks); ++w) {
    sim.step(w);
    observe(sim, w, sim.metrics()[0], sim.costs()[0]);
  }
}

// Every type of the registry, in every wijk, at scale 1 and at 0.2.
TEST(InterventionScale, EveryProgrammeScalesItsStaffHoursAndFixedCostAndNothingElse) {
  const auto& c = city();
  int programmes = 0;
  for (const auto& type : intervention_types()) {
    const auto spec = c.spec(std::string(type.name), c.all_wijken());
    const auto whole = make_intervention(spec, 0);
    const auto part = make_intervention(at_scale(spec, 0.2), 0);
    const auto* a = dynamic_cast<const Programme*>(whole.get());
    const auto* b = dynamic_cast<const Programme*>(part.get());
    if (a == nullptr) continue;
    ++programmes;
    const auto& s1 = a->settings();
    const auto& s2 = b->settings();
    EXPECT_DOUBLE_EQ(s2.staff_hours, 0.2 * s1.staff_hours) << type.name;
    EXPECT_DOUBLE_EQ(s2.fixed_cost_year, 0.2 * s1.fixed_cost_year) << type.name;
    // Places are the city's here, made whole at the scale when the programme starts.
    EXPECT_EQ(s2.places, s1.places) << type.name;
    // What happens to one person does not scale.
    EXPECT_EQ(s2.visit_hours, s1.visit_hours) << type.name;
    EXPECT_EQ(s2.coaching_hours, s1.coaching_hours) << type.name;
    EXPECT_EQ(s2.place_cost_week, s1.place_cost_week) << type.name;
    EXPECT_EQ(s2.finding_rate, s1.finding_rate) << type.name;
    EXPECT_EQ(s2.duration_weeks, s1.duration_weeks) << type.name;
  }
  EXPECT_EQ(programmes, 8);
}

// The two wijk-wide types cost s times as much each week, and work alike.
TEST(InterventionScale, WijkWideTypesCostTheScaledShare) {
  const auto& c = city();
  for (const std::string type : {"signalling_meeting", "volunteer_support"}) {
    const auto spec = c.spec(type, c.all_wijken());
    std::vector<double> whole, part;
    run(spec, 0, 9, [&](const Simulation&, std::uint32_t, const MetricCounts&, double euros) { whole.push_back(euros); });
    run(at_scale(spec, 0.25), 0, 9,
        [&](const Simulation&, std::uint32_t, const MetricCounts&, double euros) { part.push_back(euros); });
    double total = 0;
    for (std::size_t w = 0; w < whole.size(); ++w) {
      EXPECT_DOUBLE_EQ(part[w], 0.25 * whole[w]) << type << " week " << w + 1;
      total += whole[w];
    }
    EXPECT_GT(total, 0) << type;
  }
}

// Visits: 4 staff hours of 2-hour visits at scale 0.3 are 0.6 visits a week. With a long line
// and contact always made, the visits up to week k are floor(0.6 k): parts of a visit add up.
TEST(InterventionScale, PartsOfAVisitCarryOverToTheNextWeek) {
  const auto& c = city();
  const auto spec = at_scale(c.spec("peer_outreach", c.all_wijken(), {{"finding_rate", 0.2}, {"contact", 1}}), 0.3);
  std::uint32_t visited = 0;
  run(spec, 0, 20, [&](const Simulation&, std::uint32_t week, const MetricCounts& m, double euros) {
    visited += m[kVisited];
    EXPECT_EQ(visited, std::uint32_t(std::floor(0.6 * week + 1e-6))) << "week " << week;
    EXPECT_DOUBLE_EQ(euros, 0.3 * (4 * 25 + 2000 / sim::kWeeksPerYear)) << "week " << week;
  });
}

// 7 places at scale 0.5 are 3 or 4 in a replicate, each about half the time.
TEST(InterventionScale, PlacesAreWholePerReplicateWithTheScaledMean) {
  const auto& c = city();
  const auto spec = at_scale(c.spec("talent_matching", c.all_wijken(),
                                    {{"places", 7}, {"finding_rate", 0.2}, {"staff_hours", 200}, {"acceptance", 1}}),
                             0.5);
  constexpr int kReplicates = 40;
  int four = 0;
  for (std::uint32_t rep = 0; rep < kReplicates; ++rep) {
    std::uint32_t most = 0;
    run(spec, rep, 4, [&](const Simulation&, std::uint32_t, const MetricCounts& m, double) {
      most = std::max(most, m[kActive]);
      if (m[kWaiting] > 0) {
        EXPECT_TRUE(m[kActive] == 3 || m[kActive] == 4);  // the places are full
      }
    });
    ASSERT_TRUE(most == 3 || most == 4) << "replicate " << rep << ": " << most;
    four += most == 4;
  }
  // Binomial(40, 0.5): within 4 standard deviations (about 3.2).
  EXPECT_GT(four, 20 - 13);
  EXPECT_LT(four, 20 + 13);
}

// home_visits' list of 250 at scale 0.2 holds 50; geluksbudget's pot pays s times the budgets.
TEST(InterventionScale, ListsAndPotsScale) {
  const auto& c = city();
  run(at_scale(c.spec("home_visits", c.all_wijken()), 0.2), 0, 1,
      [&](const Simulation&, std::uint32_t, const MetricCounts& m, double) { EXPECT_EQ(m[kFound], 50u); });
  const double pot = 6000;
  const auto budget = at_scale(
      c.spec("geluksbudget", c.all_wijken(), {{"finding_rate", 0.01}, {"staff_hours", 300}, {"yearly_pot", pot}}),
      0.5);
  double spent = 0;
  run(budget, 0, 52, [&](const Simulation&, std::uint32_t, const MetricCounts& m, double) { spent += m[kBudgetEuros]; });
  EXPECT_LE(spent, 0.5 * pot);
  EXPECT_GT(spent, 0.5 * pot - 450);  // demand exceeds the pot: the next budget did not fit
}

// At its end_week a programme stops: those enrolled leave it that week (counted as completed,
// their effect fading as after a completion), its lists are dropped, and from the next week
// nobody is enrolled, nothing is paid and nobody is taken in.
TEST(InterventionScale, AProgrammeStopsAtItsEndWeek) {
  const auto& c = city();
  auto spec = c.spec("talent_matching", c.all_wijken(),
                     {{"places", 30}, {"finding_rate", 0.2}, {"staff_hours", 30}, {"duration_weeks", 26}});
  spec.end_week = 8;
  const double fixed = spec.params.get("talent_matching.fixed_cost_year") / sim::kWeeksPerYear;
  const double weekly = 30 * spec.params.get("talent_matching.hourly_rate") + fixed;
  std::uint32_t active_before = 0;
  std::vector<PersonId> enrolled_at_end;
  run(spec, 1, 12, [&](const Simulation& sim, std::uint32_t week, const MetricCounts& m, double euros) {
    const auto& state = sim.programs();
    if (week < 8) {
      EXPECT_EQ(m[kCompleted], 0u);  // nobody finishes 26 weeks before week 8
      EXPECT_DOUBLE_EQ(euros, weekly);
      active_before = m[kActive];
      return;
    }
    if (week == 8) {
      EXPECT_GT(active_before, 0u);
      EXPECT_EQ(m[kCompleted], active_before + m[kEnrolled]);
      EXPECT_DOUBLE_EQ(euros, weekly);
      EXPECT_EQ(m[kWaiting], 0u);
      for (PersonId i = 0; i < state.faded_from.size(); ++i)
        if (state.faded_from[i] == 1 && state.faded_weight[i] > 0.9f) enrolled_at_end.push_back(i);
      EXPECT_EQ(enrolled_at_end.size(), m[kCompleted]);  // each leaver's effect fades from now on
    }
    if (week > 8) {
      EXPECT_EQ(m[kFound] + m[kVisited] + m[kEnrolled] + m[kCompleted], 0u) << "week " << week;
      EXPECT_EQ(euros, 0.0) << "week " << week;
    }
    EXPECT_EQ(m[kActive], 0u) << "week " << week;
    EXPECT_TRUE(std::all_of(state.enrolled_in.begin(), state.enrolled_in.end(), [](auto k) { return k == 0; }));
  });
}

}  // namespace
}  // namespace meedoen::models
