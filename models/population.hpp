// The synthetic population of a city: every resident in a household, with
// age, sex, wijk, bijstand, conditions, motivation and an initial rung,
// built from the wijk table and the population.* parameters (MODEL.md section 5).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "models/people.hpp"
#include "models/wijken.hpp"
#include "sim/beta_quantile.hpp"
#include "sim/parameters.hpp"
#include "sim/rng.hpp"

namespace meedoen::models {

// Age bands of population.age_shares (and of the demography.* rates): [lower, upper] in years.
constexpr int kAgeBands = 7;
constexpr int kBandLower[kAgeBands] = {0, 18, 27, 40, 55, 65, 75};
constexpr int kBandUpper[kAgeBands] = {17, 26, 39, 54, 64, 74, 95};

// Residents per wijk at a scale: round(inhabitants * scale); a multiple of
// the city repeats its structure.
std::vector<int> scaled_inhabitants(const std::vector<Wijk>& wijken, double scale);

// Adults (kAdultAge and over) per wijk at a scale: its residents less the children that
// population.age_shares gives them (as build_population places them).
std::vector<int> scaled_adults(const std::vector<Wijk>& wijken, double scale, const sim::ParamSet& params);

// A resident's motivation (docs/ODD.md 5.8), at set-up and for newcomers alike: the inverse Beta
// distribution function of population.motivation_beta (alpha, beta) at a uniform u, clamped to
// [1e-12, 1 - 1e-12]; on bijstand Beta(beta, alpha). As a float (sim::BetaQuantile).
class Motivation {
public:
  explicit Motivation(const sim::ParamSet& params);
  float operator()(bool bijstand, double u) const {
    return (*quantile_[bijstand ? 1 : 0])(std::clamp(u, 1e-12, 1 - 1e-12));
  }

private:
  std::array<std::shared_ptr<const sim::BetaQuantile>, 2> quantile_;  // [1]: on bijstand
};

// Builds the population of one replicate; every draw is keyed by
// (seed, replicate, kSetupWeek, person or household, purpose).
People build_population(const std::vector<Wijk>& wijken, double scale, const sim::ParamSet& params,
                        const sim::Rng& rng, std::uint32_t replicate);

}  // namespace meedoen::models
