// A validated experiment: shared settings and the scenarios to compare.
// Built once from a scenario file and never changed while it runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "models/interventions/intervention.hpp"
#include "models/wijken.hpp"
#include "sim/errors.hpp"
#include "sim/parameters.hpp"

namespace meedoen::models {

struct ScenarioSpec {
  std::string name;
  int line = 0;          // where the scenario starts in the file
  sim::ParamSet params;  // the registry's defaults with the file's overrides
  std::vector<InterventionSpec> interventions;
};

// Parameter values from outside the scenario file (calibration, sensitivity
// analysis): (name, values), one value for a scalar, one per label for a vector.
using ParameterValues = std::vector<std::pair<std::string, std::vector<double>>>;

// Values of scalar parameters that differ per replicate (draws from a
// posterior): replicate r runs with rows[r], one value per name.
struct ParameterDraws {
  std::vector<std::string> names;
  std::vector<std::vector<double>> rows;
  std::string origin;  // names the draws in messages; part of the run's fingerprint (the rows are not)

  bool empty() const { return names.empty(); }
};

struct Experiment {
  std::string name;
  int weeks = 260;
  int replicates = 1;
  std::uint64_t seed = 1;
  std::string population_data = "leiden";  // "leiden" (embedded) or a path to a wijk CSV
  double scale = 1.0;
  std::vector<ScenarioSpec> scenarios;  // the baseline (the reference) first
  std::string source_path;              // the scenario file
  std::string source_text;              // its full text, kept as provenance
  std::vector<std::string> wijk_names;  // the population's wijken, in the order of its data
  std::vector<Wijk> wijken;             // and their figures (the checks of a scale)
  // What runs but means little at this scale (an intervention only in wijken without adults):
  // FILE:LINE: key: warning: ..., set with the scale (parse_experiment, apply_overrides).
  std::vector<sim::Problem> warnings;
  // Set from outside the file (set_parameters), sorted by name; already applied to `scenarios`.
  ParameterValues parameter_values;
  // Per-replicate values (set_parameter_draws); applied by the runner, not to `scenarios`.
  ParameterDraws parameter_draws;
};

// Limits of the experiment settings (also used for command-line overrides).
struct ExperimentLimits {
  static constexpr int max_weeks = 5200;
  static constexpr int max_replicates = 100000;
  static constexpr double min_scale = 0.001;
  static constexpr double max_scale = 150.0;  // about 19.5 million residents: a scale test
};

// Parses and validates a scenario file. Throws sim::InputError listing every
// problem as FILE:LINE: key: what is wrong (what is allowed).
Experiment load_experiment(const std::string& path);
Experiment parse_experiment(std::string_view text, const std::string& path);

// The embedded default experiment (scenarios/leiden.toml at build time).
Experiment default_experiment();

// Command-line settings (--weeks, --replicates, --seed, --scale) replace the
// file's, within ExperimentLimits; throws sim::InputError (file "command line"),
// also for a scale at which the population has no adults.
void apply_overrides(Experiment& experiment, std::optional<int> weeks, std::optional<int> replicates,
                     std::optional<std::uint64_t> seed, std::optional<double> scale);

// The value of a command-line setting (--weeks, --replicates, --seed: a whole number in decimal
// digits; --scale: a decimal number) given as text, within the limits of apply_overrides. Throws
// sim::InputError (command line: FLAG: what is wrong (what is allowed)) when it is not one, and
// std::invalid_argument for another flag.
std::variant<std::int64_t, double> command_line_setting(const std::string& flag, const std::string& text);

// Parameter values from outside the scenario file. Precedence: the registry's
// default < these values < the scenario file's own settings: each value goes to
// every scenario's ParamSet and every intervention's ParamSet that the file does
// not set the parameter in (ParamSet::overridden). Merges with the values of
// earlier calls (a later value wins) and records them in
// experiment.parameter_values. Throws sim::InputError with every problem (unknown
// name, wrong number of values, out of range, not whole, a broken relation such
// as min_budget above max_budget) as ORIGIN: NAME: what is wrong (what is
// allowed); then nothing is changed.
void set_parameters(Experiment& experiment, const ParameterValues& values, const std::string& origin);

// Per-replicate values of scalar parameters (posterior draws), replacing any
// earlier ones: replicate r runs every scenario with draws.rows[r] applied by
// the rule of set_parameters (the file's settings win; a draw wins over
// set_parameters). Every row is checked against the registry; problems are
// reported as ORIGIN: NAME: row R: what is wrong (what is allowed), as is the
// first row that breaks a relation between parameters (min above max). The rows
// must number at least the replicates when the experiment runs
// (check_parameter_draws).
void set_parameter_draws(Experiment& experiment, ParameterDraws draws);

// Throws sim::InputError (ORIGIN: rows: ...) when the draws have fewer rows than
// the experiment has replicates.
void check_parameter_draws(const Experiment& experiment);

// `scenario` with row `row` of `draws` applied (see set_parameter_draws).
ScenarioSpec with_draws(const ScenarioSpec& scenario, const ParameterDraws& draws, std::size_t row);

// Keeps only the named scenarios, in that order (the first becomes the
// reference of comparisons). Throws sim::InputError (ORIGIN: scenario: ...) for
// an unknown or repeated name, or none.
void select_scenarios(Experiment& experiment, const std::vector<std::string>& names, const std::string& origin);

// Does the scenario file set parameter `name` for any of the experiment's
// scenarios: in [parameters], a [scenario.parameters] table or an
// intervention's own key? Throws sim::InputError (ORIGIN: NAME: unknown
// parameter ...) for a name the registry does not have.
bool file_sets(const Experiment& experiment, const std::string& name, const std::string& origin);

// The scenario called `name`; sim::InputError (ORIGIN: scenario: ...) when there is none.
const ScenarioSpec& find_scenario(const Experiment& experiment, const std::string& name, const std::string& origin);

// The intervention called `name` of `scenario`; sim::InputError (ORIGIN:
// intervention: ...) when there is none.
const InterventionSpec& find_intervention(const ScenarioSpec& scenario, const std::string& name,
                                          const std::string& origin);

// The registry's entry for `name`; sim::InputError (ORIGIN: NAME: unknown
// parameter (did you mean ...?)) when there is none.
const sim::ParamSpec& find_parameter(const std::string& name, const std::string& origin);

}  // namespace meedoen::models
