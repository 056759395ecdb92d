// The quantile function (inverse distribution function) of a Beta(a, b) distribution, rounded to
// float: the same float as static_cast<float>(boost::math::quantile(beta_distribution(a, b), u))
// (double precision, no promotion), about fifteen times faster for the shapes the model uses.
//
// How, and why the float is the same. Each half of (0, 1) is tabulated once per (a, b): the
// lower half as x(s) with s = u^(1/a), the upper as 1 - x(r) with r = (1 - u)^(1/b), where x is
// analytic (near 0, F(x) ~ x^a, so x grows like u^(1/a)); between equally spaced nodes, quintic
// Hermite interpolation from Boost's own x and its first two derivatives (from the density). An
// interval is used only if the interpolation, checked against Boost at a quarter, half and three
// quarters of it, is within kChecked (relative) of Boost; a value is used only if it lies more than
// kMargin (relative, 100 times kChecked) from the midpoint between two floats, so that Boost's
// value, as close to it, rounds to the same float. Everything else (the tails next to 0 and 1,
// intervals that fail the check, values close to a midpoint: 0.3% of the draws for the default
// shapes 4 and 3) is Boost's quantile itself. tests/cpp/test_beta_quantile.cpp compares the two
// over a million draws and at values placed next to the midpoints.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <vector>

namespace meedoen::sim {

class BetaQuantile {
public:
  // a, b: the shape parameters (> 0). Throws std::domain_error for shapes Boost refuses.
  BetaQuantile(double a, double b);

  // The quantile at u in (0, 1) as a float: table_value(u) where it has one, else boost(u).
  float operator()(double u) const {
    const auto fast = table_value(u);
    return fast ? *fast : static_cast<float>(boost(u));
  }
  // From the tables, where they give the float for certain (see above); std::nullopt elsewhere.
  std::optional<float> table_value(double u) const;
  // Boost's quantile (the reference).
  double boost(double u) const;
  double a() const { return a_; }
  double b() const { return b_; }

  static constexpr int kNodes = 256;          // intervals per half
  static constexpr double kChecked = 1e-12;   // the interpolation's largest error where used, relative
  static constexpr double kMargin = 1e-10;    // the distance kept from a float midpoint, relative

private:
  // One half of (0, 1): the lower (x as a function of s = u^(1/a), u <= 1/2) or the upper
  // (1 - x as a function of r = (1 - u)^(1/b), u > 1/2).
  struct Half {
    double inverse_power = 1, step = 0;
    std::vector<std::array<double, 3>> node;  // y, dy/ds * step, d2y/ds2 * step^2 at s = k * step
    std::vector<unsigned char> checked;       // per interval: used (passed the check)
  };
  void tabulate(Half& half, bool upper);
  // The interpolated y of a half in interval k, at t in [0, 1) of it.
  static double interpolate(const Half& half, int k, double t);

  double a_, b_;
  Half lower_, upper_;
};

// The table for (a, b), built once and shared (the last few shapes asked for are kept).
std::shared_ptr<const BetaQuantile> beta_quantile(double a, double b);

}  // namespace meedoen::sim
