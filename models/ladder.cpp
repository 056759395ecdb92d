#include "models/ladder.hpp"

#include <boost/math/tools/roots.hpp>
#include <algorithm>
#include <cmath>
#include <array>
#include <vector>

namespace meedoen::models {

CovariateVector covariates(const People& p, PersonId i, int pension_age) {
  CovariateVector x;
  x << (p.age[i] < 27), (p.age[i] >= pension_age), p.has(i, kBijstand), p.has(i, kChronic), p.has(i, kPsych),
      p.household_has(i, kDebt), p.has(i, kLonely), p.motivation[i] - 0.5;
  return x;
}

namespace {

// What the fit needs of each adult: rung, top rung, b.x terms and peer shares;
// and the adults on each rung (indices into these), in the order of the persons.
struct AdultTerms {
  std::vector<std::uint8_t> rung, top;
  Eigen::VectorXd xb_up, xb_down;
  std::vector<PeerShares> peers;
  std::array<std::vector<std::uint32_t>, kRungs + 1> on_rung;
};

AdultTerms adult_terms(const People& p, const Network& network, const LadderCoefficients& c, int pension_age) {
  std::vector<PersonId> adults;
  adults.reserve(p.size());
  for (PersonId i = 0; i < p.size(); ++i)
    if (p.adult(i)) adults.push_back(i);
  const auto n = static_cast<std::ptrdiff_t>(adults.size());
  AdultTerms t;
  t.rung.resize(adults.size());
  t.top.resize(adults.size());
  t.peers.resize(adults.size());
  t.xb_up.resize(n);
  t.xb_down.resize(n);
#pragma omp parallel for schedule(static)
  for (std::ptrdiff_t k = 0; k < n; ++k) {  // each adult's own terms
    const auto u = static_cast<std::size_t>(k);
    const PersonId i = adults[u];
    const auto x = covariates(p, i, pension_age);
    t.xb_up[k] = x.dot(c.b_up);
    t.xb_down[k] = x.dot(c.b_down);
    t.rung[u] = p.rung[i];
    t.top[u] = static_cast<std::uint8_t>(top_rung(p.age[i], pension_age));
    t.peers[u] = peer_shares(network, p.rung.data(), i);
  }
  std::array<std::size_t, kRungs + 1> on{};
  for (const auto r : t.rung) ++on[r];
  for (std::size_t r = 0; r < on.size(); ++r) t.on_rung[r].reserve(on[r]);
  for (std::size_t k = 0; k < adults.size(); ++k) t.on_rung[t.rung[k]].push_back(static_cast<std::uint32_t>(k));
  return t;
}

// The sum of term(k) over `indices`, the same bits for any number of threads:
// partial sums over fixed blocks, added in the blocks' order.
template <typename Index, typename Term>
auto blocked_sum(const std::vector<Index>& indices, Term term) {
  using Value = decltype(term(std::size_t{}));
  constexpr std::size_t kBlock = 4096;
  const std::size_t blocks = (indices.size() + kBlock - 1) / kBlock;
  std::vector<Value> partial(blocks, Value{});
  const auto n = static_cast<std::ptrdiff_t>(blocks);
#pragma omp parallel for schedule(static) if (blocks > 1)
  for (std::ptrdiff_t b = 0; b < n; ++b) {
    const auto first = static_cast<std::size_t>(b) * kBlock;
    const auto last = std::min(indices.size(), first + kBlock);
    Value sum{};
    for (std::size_t k = first; k < last; ++k) sum += term(indices[k]);
    partial[static_cast<std::size_t>(b)] = sum;
  }
  Value total{};
  for (const auto& sum : partial) total += sum;
  return total;
}

// Two sums taken in one pass.
struct Two {
  double a = 0, b = 0;
  Two& operator+=(const Two& other) {
    a += other.a;
    b += other.b;
    return *this;
  }
};

// The intercept a at which f(a) = target, for f increasing in a.
template <typename F>
double solve_intercept(F f, double target) {
  constexpr double lo = -30, hi = 30;
  if (f(lo) >= target) return lo;
  if (f(hi) <= target) return hi;
  boost::math::tools::eps_tolerance<double> tolerance(40);
  std::uintmax_t iterations = 200;
  const auto [a, b] = boost::math::tools::toms748_solve([&](double v) { return f(v) - target; }, lo, hi, tolerance,
                                                        iterations);
  return 0.5 * (a + b);
}

double mean_up(const AdultTerms& t, const LadderCoefficients& c, int r, double a) {
  const auto& on = t.on_rung[static_cast<std::size_t>(r)];
  const auto sum = blocked_sum(on, [&](std::size_t k) {
    const bool can = r < t.top[k];
    return Two{can ? logistic(a + t.xb_up[static_cast<Eigen::Index>(k)] + c.g_up * t.peers[k].up) : 0.0,
               can ? 1.0 : 0.0};  // the probability, and one who can move up
  });
  return sum.b > 0 ? sum.a / sum.b : 0.0;
}

// Expected moves per week from rung r: up and down, at the fitted coefficients.
std::pair<double, double> expected_moves(const AdultTerms& t, const LadderCoefficients& c, int r) {
  const auto sum = blocked_sum(t.on_rung[static_cast<std::size_t>(r)], [&](std::size_t k) {
    const auto idx = static_cast<Eigen::Index>(k);
    const auto m = move_probabilities(c, r, t.top[k], t.xb_up[idx], t.xb_down[idx], t.peers[k]);
    return Two{m.up, m.down};
  });
  return {sum.a, sum.b};
}

void fit_intercepts(const AdultTerms& t, LadderCoefficients& c, const std::vector<double>& up_rate_year) {
  for (int r = 1; r < kRungs; ++r) {
    const double target = sim::weekly_from_yearly_probability(up_rate_year[r - 1]);
    c.a_up[r] = solve_intercept([&](double a) { return mean_up(t, c, r, a); }, target);
  }
  for (int r = 2; r <= kRungs; ++r) {
    const double inflow = expected_moves(t, c, r - 1).first;
    c.a_down[r] = solve_intercept(
        [&](double a) {
          auto trial = c;
          trial.a_down[r] = a;
          return expected_moves(t, trial, r).second;
        },
        inflow);
  }
}

void aggregate_chain(const AdultTerms& t, LadderFit& fit) {
  for (const int r : t.rung) fit.initial[r - 1] += 1;
  for (int r = 1; r <= kRungs; ++r) {
    const double n = fit.initial[r - 1];
    if (n == 0) {
      fit.transition(r - 1, r - 1) = 1;
      continue;
    }
    const auto [up, down] = expected_moves(t, fit.coefficients, r);
    if (r < kRungs) fit.transition(r - 1, r) = up / n;
    if (r > 1) fit.transition(r - 1, r - 2) = down / n;
    fit.transition(r - 1, r - 1) = 1 - (up + down) / n;
  }
  fit.initial /= fit.initial.sum();
  // Stationary pi: pi (P - I) = 0 with sum(pi) = 1 (the last equation replaced).
  Eigen::Matrix<double, kRungs, kRungs> a = fit.transition.transpose() - decltype(a)::Identity();
  a.row(kRungs - 1).setOnes();
  Eigen::Matrix<double, kRungs, 1> rhs = Eigen::Matrix<double, kRungs, 1>::Zero();
  rhs[kRungs - 1] = 1;
  fit.stationary = a.fullPivLu().solve(rhs);
}

// Entry into bijstand that balances the expected weekly outflow: on reaching
// rung 6, for other reasons, and on reaching the pension age.
double bijstand_entry(const People& p, const Network& network, const LadderFit& fit, const sim::ParamSet& params,
                      int pension_age) {
  const double other_exit = sim::weekly_from_yearly_probability(params.get("bijstand.other_exit_rate"));
  const auto& c = fit.coefficients;
  double outflow = 0;
  int eligible = 0;
  for (PersonId i = 0; i < p.size(); ++i) {
    if (!p.adult(i) || p.age[i] >= pension_age) continue;
    if (!p.has(i, kBijstand)) {
      eligible += p.rung[i] < kRungs;
      continue;
    }
    outflow += other_exit + (p.age[i] == pension_age - 1 ? 1.0 / sim::kWeeksPerYear : 0.0);
    if (p.rung[i] == kRungs - 1) {
      const auto x = covariates(p, i, pension_age);
      outflow += logistic(c.a_up[kRungs - 1] + c.b_up.dot(x) + c.g_up * peer_shares(network, p.rung.data(), i).up);
    }
  }
  return eligible ? outflow / eligible : 0.0;
}

double debt_start(const People& p, const sim::ParamSet& params) {
  std::size_t debts = 0;
  for (const auto f : p.household_flags) debts += (f & kDebt) != 0;
  const double share = p.households() ? double(debts) / double(p.households()) : 0.0;
  const double resolve = sim::weekly_from_yearly_probability(params.get("debt.resolve_rate"));
  return share < 1 ? resolve * share / (1 - share) : 0.0;
}

// Per rung, sums taken in one pass.
struct PerRung {
  std::array<double, kRungs> v{};
  PerRung& operator+=(const PerRung& other) {
    for (int r = 0; r < kRungs; ++r) v[r] += other.v[r];
    return *this;
  }
};

// P(rung r) for tilt t.x = tx: proportional to weight[r - 1] * exp((r - 1) tx), scaled by
// the largest term so that no exp overflows (log_weight: the logs of the weights).
PerRung rung_probabilities(const std::array<double, kRungs>& weight, const std::array<double, kRungs>& log_weight,
                           double tx) {
  PerRung p;
  double top = -HUGE_VAL;
  for (int r = 0; r < kRungs; ++r)
    if (weight[r] > 0) top = std::max(top, log_weight[r] + r * tx);
  double total = 0;
  for (int r = 0; r < kRungs; ++r) total += p.v[r] = weight[r] > 0 ? std::exp(log_weight[r] + r * tx - top) : 0.0;
  for (auto& v : p.v) v /= total;
  return p;
}

// P(rung r) for e = exp(tilt . x): weight[r - 1] e^(r - 1), normalised (the fit's inner loop: no exp).
PerRung tilted(const std::array<double, kRungs>& weight, double e) {
  PerRung p;
  double power = 1, total = 0;
  for (int r = 0; r < kRungs; ++r, power *= e) total += p.v[r] = weight[r] * power;
  for (auto& v : p.v) v /= total;
  return p;
}

// The weights (summing to 1) that give the adults with tilts exp(tilt . x) = `e` the mean shares
// `target` (normalised, 0 above the group's top): iterative proportional fitting.
std::array<double, kRungs> fit_weights(const std::vector<double>& e, const std::array<double, kRungs>& target) {
  auto weight = target;
  std::vector<std::size_t> all(e.size());
  for (std::size_t k = 0; k < all.size(); ++k) all[k] = k;
  for (int iteration = 0; iteration < 1000 && !e.empty(); ++iteration) {
    auto mean = blocked_sum(all, [&](std::size_t k) { return tilted(weight, e[k]); });
    double error = 0, total = 0;
    for (int r = 0; r < kRungs; ++r) {
      mean.v[r] /= static_cast<double>(e.size());
      error = std::max(error, std::abs(mean.v[r] - target[r]));
      if (target[r] > 0) weight[r] *= target[r] / mean.v[r];
      total += weight[r];
    }
    for (auto& w : weight) w /= total;
    if (error < 1e-10) break;
  }
  return weight;
}

}  // namespace

StartRungs::StartRungs(const Weights& weights, const CovariateVector& tilt) : weights_(weights), tilt_(tilt) {
  for (int g = 0; g < kRungGroups; ++g)
    for (int r = 0; r < kRungs; ++r) log_weights_[g][r] = weights_[g][r] > 0 ? std::log(weights_[g][r]) : 0.0;
}

std::uint8_t StartRungs::draw(RungGroup g, const CovariateVector& x, double u) const {
  const auto p = rung_probabilities(weights_[g], log_weights_[g], tilt_.dot(x));
  double cumulative = 0;
  int last = 1;
  for (int r = 1; r <= kRungs; ++r) {
    if (p.v[r - 1] <= 0) continue;
    last = r;
    cumulative += p.v[r - 1];
    if (u < cumulative) return static_cast<std::uint8_t>(r);
  }
  return static_cast<std::uint8_t>(last);  // u beyond the rounded total
}

CovariateVector start_rung_tilt(const sim::ParamSet& params) {
  return params.get("population.rung_sorting") *
         (Eigen::Map<const CovariateVector>(params.vec("ladder.covariates_up").data()) -
          Eigen::Map<const CovariateVector>(params.vec("ladder.covariates_down").data()));
}

StartRungs fit_start_rungs(const People& p, const sim::ParamSet& params) {
  const int pension_age = static_cast<int>(params.get("age.pension"));
  const auto tilt = start_rung_tilt(params);
  StartRungs::Weights weights{};
  constexpr const char* kTables[kRungGroups] = {"population.rung_shares_working_age",
                                                "population.rung_shares_bijstand", "population.rung_shares_pension"};
  std::array<std::vector<double>, kRungGroups> e;
  for (PersonId i = 0; i < p.size(); ++i)
    if (p.present(i) && p.age[i] >= kAdultAge)
      e[rung_group(p.age[i], p.has(i, kBijstand), pension_age)].push_back(
          std::exp(tilt.dot(covariates(p, i, pension_age))));
  for (int g = 0; g < kRungGroups; ++g) {
    const auto& table = params.vec(kTables[g]);
    const int top = g == kPensionGroup ? top_rung(pension_age, pension_age) : kRungs;
    std::array<double, kRungs> target{};
    double total = 0;
    for (int r = 1; r <= top; ++r) total += target[r - 1] = table[std::size_t(r - 1)];
    for (auto& t : target) t /= total;
    weights[g] = fit_weights(e[g], target);
  }
  return StartRungs(weights, tilt);
}

LadderFit fit_ladder(const People& p, const Network& network, const sim::ParamSet& params) {
  const int pension_age = static_cast<int>(params.get("age.pension"));
  LadderFit fit;
  auto& c = fit.coefficients;
  c.b_up = Eigen::Map<const CovariateVector>(params.vec("ladder.covariates_up").data());
  c.b_down = Eigen::Map<const CovariateVector>(params.vec("ladder.covariates_down").data());
  c.g_up = params.get("ladder.peer_up");
  c.g_down = params.get("ladder.peer_down");
  const auto terms = adult_terms(p, network, c, pension_age);
  fit_intercepts(terms, c, params.vec("ladder.up_rate"));
  aggregate_chain(terms, fit);
  fit.bijstand_entry_weekly = bijstand_entry(p, network, fit, params, pension_age);
  fit.debt_start_weekly = debt_start(p, params);
  fit.start_rungs = {p.start_rung_weights, start_rung_tilt(params)};
  return fit;
}

}  // namespace meedoen::models
