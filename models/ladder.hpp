// Moves on the participation ladder (MODEL.md section 6) and the fit of the
// intercepts that makes the baseline stationary at the start.
#pragma once

#include <Eigen/Dense>
#include <array>
#include <cmath>
#include <cstdint>

#include "models/network.hpp"
#include "models/people.hpp"
#include "sim/parameters.hpp"

namespace meedoen::models {

// x_i: age 18-26, age 67+, bijstand, chronic, psych, debt, lonely, motivation - 0.5.
constexpr int kCovariates = 8;
using CovariateVector = Eigen::Matrix<double, kCovariates, 1>;

struct LadderCoefficients {
  std::array<double, kRungs + 1> a_up{};    // a_up[r]: rung r to r + 1 (r = 1..5)
  std::array<double, kRungs + 1> a_down{};  // a_down[r]: rung r to r - 1 (r = 2..6)
  CovariateVector b_up = CovariateVector::Zero();
  CovariateVector b_down = CovariateVector::Zero();
  double g_up = 0;
  double g_down = 0;
};

// The share of a person's adult contacts on a higher rung, and on the same or a higher rung.
struct PeerShares {
  double up = 0;
  double same = 0;
};

inline PeerShares peer_shares(const Network& network, const std::uint8_t* rung, PersonId i) {
  const int r = rung[i];
  int adults = 0, higher = 0, same_or_higher = 0;
  for (const PersonId j : network.contacts(i)) {
    const int rj = rung[j];
    adults += rj != kNoRung;
    higher += rj > r;
    same_or_higher += rj >= r;
  }
  if (adults == 0) return {};
  return {double(higher) / adults, double(same_or_higher) / adults};
}

inline double logistic(double eta) { return 1.0 / (1.0 + std::exp(-eta)); }

struct MoveProbabilities {
  double up = 0;
  double down = 0;
};

// p_up = logistic(eta_up) (0 on the person's top rung); p_down = logistic(eta_down) * (1 - p_up) (0 on rung 1).
inline MoveProbabilities move_probabilities(const LadderCoefficients& c, int rung, int top_rung, double xb_up,
                                            double xb_down, PeerShares s) {
  MoveProbabilities p;
  if (rung < top_rung) p.up = logistic(c.a_up[rung] + xb_up + c.g_up * s.up);
  if (rung > 1) p.down = logistic(c.a_down[rung] + xb_down - c.g_down * s.same) * (1.0 - p.up);
  return p;
}

// The covariate vector of person i.
CovariateVector covariates(const People& people, PersonId i, int pension_age);

// Highest rung allowed for this age: 4 from the pension age, else 6.
inline int top_rung(int age, int pension_age) { return age >= pension_age ? 4 : kRungs; }

// The rungs adults start on (docs/ODD.md 5.8), and those who join the ladder later
// (turning 18, newcomers, leaving paid work at the pension age): an adult of group g
// with covariates x is on rung r with probability proportional to
// weight[g][r - 1] * exp((r - 1) * tilt . x). tilt = population.rung_sorting * (b_up - b_down):
// per rung, the log-odds of a step up against a step down that the covariates add, so
// that each adult starts near the rungs the ladder's moves hold him on and the baseline
// does not sort itself over the years. The weights make each group's mean shares equal
// its population.rung_shares_* table.
enum RungGroup { kWorkingAgeGroup, kBijstandGroup, kPensionGroup, kRungGroups };
static_assert(std::tuple_size_v<decltype(People::start_rung_weights)> == kRungGroups);

inline RungGroup rung_group(int age, bool bijstand, int pension_age) {
  return age >= pension_age ? kPensionGroup : bijstand ? kBijstandGroup : kWorkingAgeGroup;
}

class StartRungs {
public:
  using Weights = std::array<std::array<double, kRungs>, kRungGroups>;  // 0 for a rung above the group's top
  StartRungs() = default;
  StartRungs(const Weights& weights, const CovariateVector& tilt);

  const Weights& weights() const { return weights_; }
  const CovariateVector& tilt() const { return tilt_; }
  // The rung of an adult of group g with covariates x, from one uniform u in [0, 1).
  std::uint8_t draw(RungGroup g, const CovariateVector& x, double u) const;

private:
  Weights weights_{};
  CovariateVector tilt_ = CovariateVector::Zero();
  Weights log_weights_{};  // log(weights_), for draw
};

// Fits the weights on the adults of p as built, before their rungs are drawn (their
// covariates do not depend on rungs): iterative proportional fitting of each group's mean
// shares to its table, to 1e-10, with sums over fixed blocks (the same bits for any number
// of threads). A group without adults gets its table.
// build_population keeps the weights in People::start_rung_weights.
StartRungs fit_start_rungs(const People& p, const sim::ParamSet& params);

// population.rung_sorting * (ladder.covariates_up - ladder.covariates_down).
CovariateVector start_rung_tilt(const sim::ParamSet& params);

struct LadderFit {
  LadderCoefficients coefficients;
  // The aggregate weekly transition matrix over rungs at the start, the
  // initial rung distribution and the stationary distribution of that matrix.
  Eigen::Matrix<double, kRungs, kRungs> transition = Eigen::Matrix<double, kRungs, kRungs>::Zero();
  Eigen::Matrix<double, kRungs, 1> initial = Eigen::Matrix<double, kRungs, 1>::Zero();
  Eigen::Matrix<double, kRungs, 1> stationary = Eigen::Matrix<double, kRungs, 1>::Zero();
  double bijstand_entry_weekly = 0;  // per eligible adult, to keep the number of recipients stable
  double debt_start_weekly = 0;      // per household without debts, to keep the share stable
  StartRungs start_rungs;            // for those who join the ladder after the start
};

// Fits a_up so that the mean weekly up-probability on each rung equals
// ladder.up_rate (per year, made weekly), and a_down so that the expected
// flows between neighbouring rungs balance; also the bijstand entry and debt
// start rates that keep those stocks stable.
LadderFit fit_ladder(const People& people, const Network& network, const sim::ParamSet& params);

}  // namespace meedoen::models
