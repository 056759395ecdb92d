// models::Experiment as a read-only Python object, and the ways to get one.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pybind11/stl.h>

#include "bindings.hpp"
#include "models/experiment.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace meedoen::python {
namespace {

using models::Experiment;

std::vector<std::string> scenario_names(const Experiment& e) {
  std::vector<std::string> names;
  names.reserve(e.scenarios.size());
  for (const auto& scenario : e.scenarios) names.push_back(scenario.name);
  return names;
}

Experiment with_overrides(const Experiment& e, std::optional<int> weeks, std::optional<int> replicates,
                          std::optional<std::uint64_t> seed, std::optional<double> scale) {
  Experiment copy = e;
  models::apply_overrides(copy, weeks, replicates, seed, scale);
  return copy;
}

std::string repr(const Experiment& e) {
  return "<Experiment '" + e.name + "': " + std::to_string(e.scenarios.size()) + " scenarios, " +
         std::to_string(e.weeks) + " weeks, " + std::to_string(e.replicates) + " replicates, seed " +
         std::to_string(e.seed) + ", scale " + py::str(py::float_(e.scale)).cast<std::string>() + ">";
}

}  // namespace

void bind_experiment(py::module_& m) {
  py::class_<Experiment>(m, "Experiment",
                         "A validated experiment: shared settings and the scenarios to compare.\n\n"
                         "Read-only; with_overrides() returns a changed copy.")
      .def_readonly("name", &Experiment::name, "The experiment's name ([experiment] name).")
      .def_readonly("weeks", &Experiment::weeks, "Weeks to simulate.")
      .def_readonly("replicates", &Experiment::replicates, "Replicates (repetitions with other chance events).")
      .def_readonly("seed", &Experiment::seed, "The seed of every random draw.")
      .def_readonly("scale", &Experiment::scale, "The share of the population simulated.")
      .def_readonly("population_data", &Experiment::population_data,
                    "'leiden' (the embedded data set) or the path of a wijk CSV.")
      .def_readonly("source_path", &Experiment::source_path, "The scenario file.")
      .def_readonly("source_text", &Experiment::source_text, "The scenario file's full text.")
      .def_property_readonly("scenario_names", &scenario_names, "The scenarios' names, the baseline first.")
      .def("with_overrides", &with_overrides, py::kw_only(), "weeks"_a = py::none(), "replicates"_a = py::none(),
           "seed"_a = py::none(), "scale"_a = py::none(),
           "A copy with the given settings replaced (None keeps the file's).\n\n"
           "Raises InputError, file 'command line', for a value out of range.")
      .def("__repr__", &repr);

  m.def("load_experiment", &models::load_experiment, "path"_a,
        "Reads and validates a scenario file (TOML).\n\n"
        "Raises InputError listing every problem as FILE:LINE: key: what is wrong (what is allowed).");
  m.def("parse_experiment", &models::parse_experiment, "text"_a, "path"_a,
        "Validates the text of a scenario file; `path` names it in messages and anchors relative data paths.");
  m.def("default_experiment", &models::default_experiment,
        "The experiment of scenarios/leiden.toml, as embedded at build time.");

  m.attr("limits") = py::dict("weeks"_a = py::make_tuple(1, models::ExperimentLimits::max_weeks),
                              "replicates"_a = py::make_tuple(1, models::ExperimentLimits::max_replicates),
                              "scale"_a = py::make_tuple(models::ExperimentLimits::min_scale,
                                                         models::ExperimentLimits::max_scale));
}

}  // namespace meedoen::python
