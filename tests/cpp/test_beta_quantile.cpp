// sim::BetaQuantile (sim/beta_quantile.hpp): the tabulated quantile gives the float of Boost's
// quantile for every draw, where it is used and where it hands over to Boost, and it is used for
// nearly every draw of the model's shapes.
#include <gtest/gtest.h>

#include <boost/math/distributions/beta.hpp>
#include <cmath>
#include <random>

#include "sim/beta_quantile.hpp"

namespace meedoen::sim {
namespace {

using Policy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;

// The model's default shapes (population.motivation_beta: 4 and 3, and 3 and 4 on bijstand), the
// registry's bounds (0.1 and 100) and shapes between.
const double kShapes[][2] = {{4, 3}, {3, 4}, {1, 1}, {0.5, 0.5}, {0.1, 100}, {100, 0.1}, {2.5, 7.3}, {0.1, 0.1}, {100, 100}};

TEST(BetaQuantile, EveryDrawGivesBoostsFloat) {
  std::mt19937_64 engine(20270101);
  std::uniform_real_distribution<double> uniform(0, 1);
  for (const auto& ab : kShapes) {
    const BetaQuantile q(ab[0], ab[1]);
    const boost::math::beta_distribution<double, Policy> beta(ab[0], ab[1]);
    for (int n = 0; n < 120000; ++n) {
      const double u = std::clamp(uniform(engine), 1e-12, 1 - 1e-12);
      ASSERT_EQ(q(u), static_cast<float>(quantile(beta, u))) << "a " << ab[0] << " b " << ab[1] << " u " << u;
    }
    for (const double u : {1e-12, 1e-9, 1e-6, 0.5, std::nextafter(0.5, 1.0), 1 - 1e-6, 1 - 1e-12})
      EXPECT_EQ(q(u), static_cast<float>(quantile(beta, u))) << "a " << ab[0] << " b " << ab[1] << " u " << u;
  }
}

// Where Boost's value lies a hair from the midpoint between two floats, only a table that keeps
// its distance from midpoints gives the same float: u placed so that the quantile is 1e-13
// (relative) on either side of a midpoint.
TEST(BetaQuantile, ValuesNextToAFloatMidpointGiveBoostsFloat) {
  std::mt19937_64 engine(7);
  std::uniform_real_distribution<double> uniform(0.02, 0.98);
  for (const auto& ab : {kShapes[0], kShapes[1], kShapes[6]}) {
    const BetaQuantile q(ab[0], ab[1]);
    const boost::math::beta_distribution<double, Policy> beta(ab[0], ab[1]);
    int tables = 0;
    for (int n = 0; n < 4000; ++n) {
      const auto f = static_cast<float>(quantile(beta, uniform(engine)));
      const double midpoint = 0.5 * (double(f) + double(std::nextafter(f, 2.f)));
      for (const double side : {-1e-13, 1e-13}) {
        const double u = cdf(beta, midpoint * (1 + side));
        tables += q.table_value(u).has_value();
        ASSERT_EQ(q(u), static_cast<float>(quantile(beta, u))) << "a " << ab[0] << " b " << ab[1] << " u " << u;
      }
    }
    EXPECT_EQ(tables, 0) << "a value this close to a midpoint is Boost's";
  }
}

// The tables serve nearly every draw of the model's shapes (else the model would be slow, not wrong).
TEST(BetaQuantile, TheTablesServeNearlyEveryDrawOfTheModelsShapes) {
  for (const auto& ab : {kShapes[0], kShapes[1]}) {
    const BetaQuantile q(ab[0], ab[1]);
    std::mt19937_64 engine(3);
    std::uniform_real_distribution<double> uniform(0, 1);
    int served = 0;
    constexpr int kDraws = 100000;
    for (int n = 0; n < kDraws; ++n) served += q.table_value(std::clamp(uniform(engine), 1e-12, 1 - 1e-12)).has_value();
    EXPECT_GT(served, 0.99 * kDraws) << "a " << ab[0] << " b " << ab[1];
  }
}

TEST(BetaQuantile, TheSameShapesShareOneTable) {
  const auto first = beta_quantile(4, 3);
  EXPECT_EQ(first, beta_quantile(4, 3));
  EXPECT_NE(first, beta_quantile(3, 4));
  EXPECT_THROW(BetaQuantile(-1, 3), std::domain_error);
}

}  // namespace
}  // namespace meedoen::sim
