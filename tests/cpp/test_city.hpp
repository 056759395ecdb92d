// A small synthetic Leiden for the tests: the default experiment's
// parameters, its population, network and fitted ladder at a scale.
#pragma once

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "models/experiment.hpp"
#include "models/interventions/intervention.hpp"
#include "models/ladder.hpp"
#include "models/network.hpp"
#include "models/population.hpp"
#include "models/wijken.hpp"

namespace meedoen::models {

using Overrides = std::vector<std::pair<std::string, double>>;

// The visits a programme's hours allow, week by week (docs/ODD.md section 7.6, step 3): the
// free hours over the hours of a visit, plus the part of a visit that last week's hours left.
struct VisitCapacity {
  double carry = 0;
  double next(double free_hours, double visit_hours) {
    const double visits = std::max(0.0, free_hours / visit_hours) + carry;
    const double whole = std::floor(visits + 1e-9);
    carry = std::max(0.0, visits - whole);
    return whole;
  }
};

struct TestCity {
  Experiment experiment = default_experiment();
  sim::ParamSet params = experiment.scenarios.front().params;
  std::vector<Wijk> wijken = load_wijken("leiden");
  sim::Rng rng{experiment.seed};
  People people;
  Network network;
  LadderFit fit;

  explicit TestCity(double scale, std::uint32_t replicate = 0)
      : people(build_population(wijken, scale, params, rng, replicate)),
        network(build_network(people, params, rng, replicate)),
        fit(fit_ladder(people, network, params)) {}

  std::uint8_t wijk(const std::string& name) const {
    for (std::size_t w = 0; w < wijken.size(); ++w)
      if (wijken[w].name == name) return static_cast<std::uint8_t>(w);
    throw std::invalid_argument(name);
  }

  std::vector<std::uint8_t> all_wijken() const {
    std::vector<std::uint8_t> all(wijken.size());
    for (std::size_t w = 0; w < all.size(); ++w) all[w] = static_cast<std::uint8_t>(w);
    return all;
  }

  // An intervention of `type` in the wijken `where`, its parameters overridden by "<type>.<key>".
  InterventionSpec spec(const std::string& type, std::vector<std::uint8_t> where, const Overrides& overrides = {}) const {
    InterventionSpec s{type, type, 0, std::move(where), 1, 0, params};
    for (const auto& [key, value] : overrides) s.params.set(type + "." + key, {value});
    return s;
  }

  // The same, with the wijken by name.
  InterventionSpec spec_in(const std::string& type, const std::vector<std::string>& names,
                           const Overrides& overrides = {}) const {
    std::vector<std::uint8_t> where;
    for (const auto& name : names) where.push_back(wijk(name));
    return spec(type, std::move(where), overrides);
  }
};

}  // namespace meedoen::models
