// The rungs of those enrolled and of those who completed (the metrics
// enrolled_rung_1..6 and completed_rung_1..6): all ten intervention types at
// once, checked week by week against who entered and left each programme and
// on which rung they were at that moment; they add up to enrolled and
// completed; and a programme that takes in one rung only counts that rung.
#include <gtest/gtest.h>

#include <array>
#include <numeric>

#include "models/interventions/registry.hpp"
#include "models/simulation.hpp"
#include "test_city.hpp"

namespace meedoen::models {
namespace {

const TestCity& city() {
  static const TestCity c(0.1);
  return c;
}

using RungCounts = std::array<std::uint32_t, kRungs>;

RungCounts rung_counts(const MetricCounts& m, Metric first) {
  RungCounts counts{};
  for (int r = 0; r < kRungs; ++r) counts[std::size_t(r)] = m[std::size_t(first + r)];
  return counts;
}

std::uint32_t sum(const RungCounts& counts) { return std::accumulate(counts.begin(), counts.end(), 0u); }

TEST(InterventionRungs, MetricNamesFollowTheOldOnes) {
  EXPECT_EQ(kMetricNames[kBudgetEuros], "budget_euros");
  EXPECT_EQ(kEnrolledRung1, kBudgetEuros + 1);
  for (int r = 1; r <= kRungs; ++r) {
    EXPECT_EQ(kMetricNames[rung_metric(kEnrolledRung1, r)], "enrolled_rung_" + std::to_string(r));
    EXPECT_EQ(kMetricNames[rung_metric(kCompletedRung1, r)], "completed_rung_" + std::to_string(r));
  }
  EXPECT_EQ(std::size_t(kMetricCount), kMetricNames.size());
  EXPECT_THROW(rung_metric(kEnrolledRung1, kNoRung), std::logic_error);
}

// Every type in every wijk, taking in many and keeping them 3 weeks, so that
// each programme enrols and completes people from the first weeks on.
std::vector<InterventionSpec> all_types(const TestCity& c) {
  const std::vector<std::pair<std::string, Overrides>> types = {
      {"home_visits",
       {{"list_size", 5000}, {"min_weeks_on_bijstand", 0}, {"staff_hours", 5000}, {"duration_weeks", 3}}},
      {"peer_outreach", {{"finding_rate", 0.05}, {"staff_hours", 1000}, {"duration_weeks", 3}}},
      {"signalling_meeting", {}},
      {"walk_in", {{"base_rate", 0.05}, {"duration_weeks", 3}}},
      {"geluksbudget", {{"finding_rate", 0.05}, {"staff_hours", 1000}, {"yearly_pot", 1e7}, {"duration_weeks", 3}}},
      {"activation_centre", {{"finding_rate", 0.05}, {"staff_hours", 1000}, {"places", 5000}, {"duration_weeks", 3}}},
      {"poverty_signalling", {{"finding_rate", 0.2}, {"staff_hours", 1000}, {"duration_weeks", 3}}},
      {"talent_matching", {{"finding_rate", 0.05}, {"staff_hours", 1000}, {"places", 5000}, {"duration_weeks", 3}}},
      {"student_matching",
       {{"finding_rate", 0.05}, {"staff_hours", 1000}, {"organisations", 1000}, {"duration_weeks", 3}}},
      {"volunteer_support", {}},
  };
  std::vector<InterventionSpec> specs;
  for (const auto& [type, overrides] : types) specs.push_back(c.spec(type, c.all_wijken(), overrides));
  return specs;
}

// Week by week, for each intervention k: those who were not in it before the
// step and are after it enrolled this week, on the rung they had when the
// week began (intake comes before the ladder moves); those who were in it and
// are no longer completed, on the rung they have after the step.
TEST(InterventionRungs, EachPersonIsCountedOnTheirRungWhenEnrolledOrCompleting) {
  const auto& c = city();
  const auto specs = all_types(c);
  std::size_t movers_enrolled = 0, movers_completed = 0;  // moved in the week they were counted
  for (std::uint32_t replicate = 0; replicate < 2; ++replicate) {
    Interventions interventions;
    for (std::size_t k = 0; k < specs.size(); ++k)
      interventions.push_back(make_intervention(specs[k], std::uint8_t(k)));
    // A closed city: whoever leaves it leaves a programme without completing it (tests/cpp/test_demography.cpp).
    auto closed = c.params;
    for (const auto* name : {"demography.death_rate", "demography.leave_rate", "demography.birth_rate"})
      closed.set(name, std::vector<double>(closed.vec(name).size(), 0.0));
    Simulation sim(c.people, c.network, c.fit, closed, c.rng, replicate, 2, std::move(interventions));
    std::vector<std::uint32_t> enrolled(specs.size(), 0), completed(specs.size(), 0);
    for (std::uint32_t week = 1; week <= 12; ++week) {
      const auto rung_before = sim.people().rung;
      const auto in_before = sim.programs().enrolled_in;
      sim.step(week);
      const auto& rung_after = sim.people().rung;
      const auto& in_after = sim.programs().enrolled_in;
      for (std::size_t k = 0; k < specs.size(); ++k) {
        const auto own = std::uint8_t(k + 1);
        RungCounts entered{}, left{};
        for (PersonId i = 0; i < rung_after.size(); ++i) {
          if (in_before[i] != own && in_after[i] == own) {
            ASSERT_NE(rung_before[i], kNoRung);
            entered[rung_before[i] - 1u] += 1;
            movers_enrolled += rung_before[i] != rung_after[i];
          }
          if (in_before[i] == own && in_after[i] != own) {
            ASSERT_NE(rung_after[i], kNoRung);
            left[rung_after[i] - 1u] += 1;
            movers_completed += rung_before[i] != rung_after[i];
          }
        }
        const auto& m = sim.metrics()[k];
        std::string where = specs[k].type;
        where.append(", replicate ").append(std::to_string(replicate)).append(", week ").append(std::to_string(week));
        EXPECT_EQ(rung_counts(m, kEnrolledRung1), entered) << where;
        EXPECT_EQ(rung_counts(m, kCompletedRung1), left) << where;
        EXPECT_EQ(sum(rung_counts(m, kEnrolledRung1)), m[kEnrolled]) << where;
        EXPECT_EQ(sum(rung_counts(m, kCompletedRung1)), m[kCompleted]) << where;
        enrolled[k] += m[kEnrolled];
        completed[k] += m[kCompleted];
      }
    }
    // Not vacuous: every programme enrolled and completed people; the two
    // that are not programmes report none.
    for (std::size_t k = 0; k < specs.size(); ++k) {
      const bool programme = specs[k].type != "signalling_meeting" && specs[k].type != "volunteer_support";
      if (programme) {
        EXPECT_GT(enrolled[k], 0u) << specs[k].type;
        EXPECT_GT(completed[k], 0u) << specs[k].type;
      } else {
        EXPECT_EQ(enrolled[k] + completed[k], 0u) << specs[k].type;
      }
    }
  }
  // Some of those counted moved in that very week: the moment (before or after the move) matters.
  EXPECT_GT(movers_enrolled, 0u);
  EXPECT_GT(movers_completed, 0u);
}

// Talent matching interviewing rung 3 only: everyone it enrolls is on rung 3
// then, though some have moved by the time they complete.
TEST(InterventionRungs, AProgrammeForOneRungEnrolsOnThatRungOnly) {
  const auto& c = city();
  const auto spec = c.spec("talent_matching", c.all_wijken(),
                           {{"min_rung", 3}, {"max_rung", 3}, {"finding_rate", 0.05}, {"staff_hours", 1000},
                            {"places", 5000}, {"duration_weeks", 4}, {"effect_up", 3}});
  Interventions interventions;
  interventions.push_back(make_intervention(spec, 0));
  Simulation sim(c.people, c.network, c.fit, c.params, c.rng, 0, 2, std::move(interventions));
  std::uint32_t enrolled = 0, completed = 0, completed_on_3 = 0;
  for (std::uint32_t week = 1; week <= 16; ++week) {
    sim.step(week);
    const auto& m = sim.metrics()[0];
    const auto entered = rung_counts(m, kEnrolledRung1);
    EXPECT_EQ(entered[2], m[kEnrolled]) << "week " << week;
    EXPECT_EQ(sum(entered), m[kEnrolled]) << "week " << week;
    EXPECT_EQ(sum(rung_counts(m, kCompletedRung1)), m[kCompleted]) << "week " << week;
    enrolled += m[kEnrolled];
    completed += m[kCompleted];
    completed_on_3 += m[kCompletedRung1 + 2];
  }
  EXPECT_GT(enrolled, 100u);
  EXPECT_GT(completed, 100u);
  // A strong push from 3 to 4 while matched: some complete on rung 4.
  EXPECT_LT(completed_on_3, completed);
}

}  // namespace
}  // namespace meedoen::models
