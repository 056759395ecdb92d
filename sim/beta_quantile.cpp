#include "sim/beta_quantile.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>

#include <boost/math/distributions/beta.hpp>

namespace meedoen::sim {
namespace {
using Policy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;  // double is plenty
using Beta = boost::math::beta_distribution<double, Policy>;
}  // namespace

BetaQuantile::BetaQuantile(double a, double b) : a_(a), b_(b) {
  Beta(a, b);  // throws for shapes Boost refuses
  tabulate(lower_, false);
  tabulate(upper_, true);
}

double BetaQuantile::boost(double u) const { return quantile(Beta(a_, b_), u); }

// Quintic Hermite interpolation between nodes k and k + 1 (values, first and second derivatives).
double BetaQuantile::interpolate(const Half& half, int k, double t) {
  const auto& [y0, d0, e0] = half.node[std::size_t(k)];
  const auto& [y1, d1, e1] = half.node[std::size_t(k) + 1];
  const double t2 = t * t, t3 = t2 * t, t4 = t3 * t, t5 = t4 * t;
  return (1 - 10 * t3 + 15 * t4 - 6 * t5) * y0 + (t - 6 * t3 + 8 * t4 - 3 * t5) * d0 +
         0.5 * (t2 - 3 * t3 + 3 * t4 - t5) * e0 + 0.5 * (t3 - 2 * t4 + t5) * e1 + (-4 * t3 + 7 * t4 - 3 * t5) * d1 +
         (10 * t3 - 15 * t4 + 6 * t5) * y1;
}

std::optional<float> BetaQuantile::table_value(double u) const {
  const bool upper = u > 0.5;
  const Half& half = upper ? upper_ : lower_;
  const double t = std::pow(upper ? 1 - u : u, half.inverse_power) / half.step;
  if (!(t >= 0 && t < kNodes)) return std::nullopt;
  const int k = static_cast<int>(t);
  if (half.checked[std::size_t(k)] == 0) return std::nullopt;
  const double y = interpolate(half, k, t - k);
  const double x = upper ? 1 - y : y;
  if (!(x > 1e-30)) return std::nullopt;  // not near the floats' subnormals
  const auto f = static_cast<float>(x);
  const double below = 0.5 * (double(f) + double(std::nextafter(f, 0.f)));
  const double above = 0.5 * (double(f) + double(std::nextafter(f, 2.f)));
  const double margin = kMargin * x;
  if (x - below > margin && above - x > margin) return f;
  return std::nullopt;
}

// The lower half: y = x, the quantile at u = s^a. The upper: y = 1 - x, the quantile at
// u = 1 - r^b. With v = u (lower) or 1 - u (upper), dy/dv = 1 / f(x) and
// d2y/dv2 = -g / f(x)^2 where g = f'(y)/f(y) of y's own density (Beta(a, b) or Beta(b, a)).
void BetaQuantile::tabulate(Half& half, bool upper) {
  const double p = upper ? b_ : a_, q = upper ? a_ : b_;
  const Beta beta(a_, b_);
  half.inverse_power = 1 / p;
  half.step = std::pow(0.5, half.inverse_power) / kNodes;
  half.node.assign(kNodes + 1, {0.0, 0.0, 0.0});
  for (int k = 1; k <= kNodes; ++k) {  // node 0 (u = 0) stays unused: interval 0 is Boost's
    const double s = k * half.step, v = std::pow(s, p);
    const double x = quantile(beta, upper ? 1 - v : v);
    const double y = upper ? 1 - x : x;
    const double dv = 1 / pdf(beta, x);
    const double dvv = -((p - 1) / y - (q - 1) / (1 - y)) * dv * dv;
    const double vs = p * std::pow(s, p - 1), vss = p * (p - 1) * std::pow(s, p - 2);
    half.node[std::size_t(k)] = {y, dv * vs * half.step, (dvv * vs * vs + dv * vss) * half.step * half.step};
  }
  half.checked.assign(kNodes, 0);
  for (int k = 1; k < kNodes; ++k) {
    bool good = true;
    for (const double t : {0.25, 0.5, 0.75}) {
      const double v = std::pow((k + t) * half.step, p), u = upper ? 1 - v : v;
      const double truth = quantile(beta, u);
      const double at = std::pow(upper ? 1 - u : u, half.inverse_power) / half.step;
      const int j = std::clamp(static_cast<int>(at), 0, kNodes - 1);
      const double y = interpolate(half, j, at - j);
      const double x = upper ? 1 - y : y;
      good = good && std::isfinite(x) && std::abs(x - truth) <= kChecked * truth;
    }
    half.checked[std::size_t(k)] = good ? 1 : 0;
  }
}

std::shared_ptr<const BetaQuantile> beta_quantile(double a, double b) {
  static std::mutex mutex;
  static std::vector<std::shared_ptr<const BetaQuantile>> kept;  // the latest last
  constexpr std::size_t kKept = 8;
  const std::lock_guard lock(mutex);  // built under the lock: a second caller waits rather than builds it again
  for (const auto& table : kept)
    if (table->a() == a && table->b() == b) return table;
  auto made = std::make_shared<const BetaQuantile>(a, b);
  if (kept.size() == kKept) kept.erase(kept.begin());
  kept.push_back(made);
  return made;
}

}  // namespace meedoen::sim
