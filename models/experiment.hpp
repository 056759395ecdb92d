// A validated experiment: shared settings and the scenarios to compare.
// Built once from a scenario file and never changed while it runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/interventions/intervention.hpp"
#include "sim/parameters.hpp"

namespace meedoen::models {

struct ScenarioSpec {
  std::string name;
  int line = 0;          // where the scenario starts in the file
  sim::ParamSet params;  // the registry's defaults with the file's overrides
  std::vector<InterventionSpec> interventions;
};

struct Experiment {
  std::string name;
  int weeks = 260;
  int replicates = 1;
  std::uint64_t seed = 1;
  std::string population_data = "leiden";  // "leiden" (embedded) or a path to a wijk CSV
  double scale = 1.0;
  std::vector<ScenarioSpec> scenarios;  // the baseline first
  std::string source_path;              // the scenario file
  std::string source_text;              // its full text, kept as provenance
};

// Limits of the experiment settings (also used for command-line overrides).
struct ExperimentLimits {
  static constexpr int max_weeks = 5200;
  static constexpr int max_replicates = 100000;
  static constexpr double min_scale = 0.001;
  static constexpr double max_scale = 100.0;
};

// Parses and validates a scenario file. Throws sim::InputError listing every
// problem as FILE:LINE: key: what is wrong (what is allowed).
Experiment load_experiment(const std::string& path);
Experiment parse_experiment(std::string_view text, const std::string& path);

// The embedded default experiment (scenarios/leiden.toml at build time).
Experiment default_experiment();

// Command-line settings (--weeks, --replicates, --seed, --scale) replace the
// file's, within ExperimentLimits; throws sim::InputError (file "command line").
void apply_overrides(Experiment& experiment, std::optional<int> weeks, std::optional<int> replicates,
                     std::optional<std::uint64_t> seed, std::optional<double> scale);

}  // namespace meedoen::models
