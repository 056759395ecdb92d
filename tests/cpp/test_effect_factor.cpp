// The effect factor (interventions.effect_factor, docs/ODD.md "The effect needed to break
// even"): every intervention's effect sizes scale with it, and at 0 no intervention changes a
// resident's week, though each still finds, enrols and costs.
#include <gtest/gtest.h>

#include "models/interventions/registry.hpp"
#include "models/model_parameters.hpp"
#include "models/simulation.hpp"
#include "test_city.hpp"

namespace meedoen::models {
namespace {

const TestCity& city() {
  static const TestCity c(0.05);
  return c;
}

// Every type in every wijk, taking in many and keeping them 3 weeks (as test_interventions_rungs),
// with the effect factor `factor`.
std::vector<InterventionSpec> all_types(const TestCity& c, double factor) {
  const std::vector<std::pair<std::string, Overrides>> types = {
      {"home_visits",
       {{"list_size", 5000}, {"min_weeks_on_bijstand", 0}, {"staff_hours", 5000}, {"duration_weeks", 3}}},
      {"peer_outreach", {{"finding_rate", 0.05}, {"staff_hours", 1000}, {"duration_weeks", 3}}},
      {"signalling_meeting", {}},
      {"walk_in", {{"base_rate", 0.05}, {"duration_weeks", 3}}},
      {"geluksbudget", {{"finding_rate", 0.05}, {"staff_hours", 1000}, {"yearly_pot", 1e7}, {"duration_weeks", 3}}},
      {"activation_centre", {{"finding_rate", 0.05}, {"staff_hours", 1000}, {"places", 5000}, {"duration_weeks", 3}}},
      {"poverty_signalling",
       {{"finding_rate", 0.2}, {"staff_hours", 1000}, {"duration_weeks", 3}, {"extra_resolve_rate", 0.9}}},
      {"talent_matching", {{"finding_rate", 0.05}, {"staff_hours", 1000}, {"places", 5000}, {"duration_weeks", 3}}},
      {"student_matching",
       {{"finding_rate", 0.05}, {"staff_hours", 1000}, {"organisations", 1000}, {"duration_weeks", 3}}},
      {"volunteer_support", {}},
  };
  std::vector<InterventionSpec> specs;
  for (const auto& [type, overrides] : types) {
    specs.push_back(c.spec(type, c.all_wijken(), overrides));
    specs.back().params.set(kEffectFactor, {factor});
  }
  return specs;
}

Interventions make_all(const std::vector<InterventionSpec>& specs) {
  Interventions interventions;
  for (std::size_t k = 0; k < specs.size(); ++k) interventions.push_back(make_intervention(specs[k], std::uint8_t(k)));
  return interventions;
}

TEST(EffectFactor, IsDeclaredOnceWithDefaultOne) {
  const auto& spec = model_parameters().at(kEffectFactor);
  EXPECT_EQ(spec.defaults, std::vector<double>{1.0});
  EXPECT_EQ(spec.min, 0.0);
  EXPECT_GT(spec.max, 1.0);
  EXPECT_FALSE(spec.is_assumption());
}

// Each type's effect on every rung and variant is the factor times its effect at factor 1, and
// every programme has some effect at factor 1 (the test is not vacuous).
TEST(EffectFactor, ScalesEveryEffectOnEveryRung) {
  const auto& c = city();
  const auto ones = make_all(all_types(c, 1.0));
  for (const double factor : {0.0, 0.5, 2.5}) {
    const auto scaled = make_all(all_types(c, factor));
    for (std::size_t k = 0; k < ones.size(); ++k) {
      double largest = 0;
      for (int rung = 1; rung <= kRungs; ++rung)
        for (std::uint8_t variant = 0; variant < 3; ++variant) {
          const auto one = ones[k]->effect(rung, variant);
          const auto f = scaled[k]->effect(rung, variant);
          const std::string where = ones[k]->spec().type + ", rung " + std::to_string(rung);
          EXPECT_NEAR(f.up, factor * one.up, 1e-12) << where;
          EXPECT_NEAR(f.down, factor * one.down, 1e-12) << where;
          largest = std::max({largest, std::abs(one.up), std::abs(one.down)});
        }
      const auto& type = ones[k]->spec().type;
      if (type != "signalling_meeting" && type != "volunteer_support") {
        EXPECT_GT(largest, 0.1) << type;
      }
    }
  }
}

// Whether the residents' state of two simulations is the same to the bit.
bool same_residents(const Simulation& a, const Simulation& b) {
  const auto &p = a.people(), &q = b.people();
  return p.rung == q.rung && p.flags == q.flags && p.age == q.age && p.bijstand_weeks == q.bijstand_weeks &&
         p.household_flags == q.household_flags;
}

// All ten types at factor 0 against no interventions: the same residents every week (rungs,
// bijstand, ages, debts: poverty_signalling's extra debt resolution is gone too), while the
// programmes still enrol people and cost. At factor 1 the residents differ (not vacuous).
TEST(EffectFactor, AtZeroNoInterventionChangesTheResidents) {
  const auto& c = city();
  for (const double factor : {0.0, 1.0}) {
    Simulation plain(c.people, c.network, c.fit, c.params, c.rng, 0, 2);
    Simulation with(c.people, c.network, c.fit, c.params, c.rng, 0, 2, make_all(all_types(c, factor)));
    bool always_same = true;
    std::uint32_t enrolled = 0;
    double cost = 0;
    for (std::uint32_t week = 1; week <= 20; ++week) {
      plain.step(week);
      with.step(week);
      always_same = always_same && same_residents(plain, with);
      for (std::size_t k = 0; k < with.metrics().size(); ++k) {
        enrolled += with.metrics()[k][kEnrolled];
        cost += with.costs()[k];
      }
    }
    EXPECT_EQ(always_same, factor == 0.0) << "factor " << factor;
    EXPECT_GT(enrolled, 100u) << "factor " << factor;
    EXPECT_GT(cost, 0.0) << "factor " << factor;
  }
}

}  // namespace
}  // namespace meedoen::models
