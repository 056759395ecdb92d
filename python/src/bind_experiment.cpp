// models::Experiment as a read-only Python object, and the ways to get one.
// Every change (settings, parameter values, draws, the scenarios chosen) gives a
// changed copy; an Experiment pickles as its scenario text plus those changes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "models/experiment.hpp"
#include "sim/errors.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace meedoen::python {
namespace {

using models::Experiment;
using Problems = std::vector<sim::Problem>;
using Rows = py::array_t<double, py::array::c_style | py::array::forcecast>;

std::vector<std::string> scenario_names(const Experiment& e) {
  std::vector<std::string> names;
  names.reserve(e.scenarios.size());
  for (const auto& scenario : e.scenarios) names.push_back(scenario.name);
  return names;
}

std::vector<std::string> warning_lines(const Experiment& e) {
  std::vector<std::string> lines;
  for (const auto& warning : e.warnings) lines.push_back(warning.str());
  return lines;
}

// Writes the warnings of `e` that `before` did not have to stderr, one line each.
void print_new_warnings(const Experiment& e, const std::vector<std::string>& before = {}) {
  const auto write = py::module_::import("sys").attr("stderr").attr("write");
  for (const auto& line : warning_lines(e))
    if (std::find(before.begin(), before.end(), line) == before.end()) write(line + "\n");
}

Experiment load(const std::string& path) {
  auto e = models::load_experiment(path);
  print_new_warnings(e);
  return e;
}

// A Python number as a double; none when it is not one (a bool is not one).
std::optional<double> number_of(py::handle value) {
  if (py::isinstance<py::bool_>(value) || py::isinstance<py::str>(value) || py::isinstance<py::bytes>(value))
    return std::nullopt;
  if (py::hasattr(value, "dtype") && py::str(value.attr("dtype").attr("kind")).cast<std::string>() == "b")
    return std::nullopt;  // numpy.bool_
  const double v = PyFloat_AsDouble(value.ptr());
  if (v == -1.0 && PyErr_Occurred()) {
    PyErr_Clear();
    return std::nullopt;
  }
  return v;
}

std::string type_name(py::handle value) { return py::str(py::type::handle_of(value).attr("__name__")); }

// A setting given to with_overrides, checked as a command-line value (command_line_setting), so
// that any int, however large, gives InputError: an integer (int, numpy integer) for a whole one,
// a number for --scale; a bool or other type is refused.
template <typename T>
std::optional<T> setting(const std::string& flag, const py::object& value) {
  if (value.is_none()) return std::nullopt;
  const bool whole = flag != "--scale", integer = PyIndex_Check(value.ptr()) && !py::isinstance<py::bool_>(value);
  const auto number = whole ? std::nullopt : number_of(value);
  if (whole ? !integer : !number)
    throw sim::InputError(sim::Problem{"command line", 0, flag,
                                       "is of type " + type_name(value) + (whole ? " (a whole number)" : " (a number)")});
  const auto text = whole ? py::str(py::int_(value)).cast<std::string>() : py::repr(py::float_(*number)).cast<std::string>();
  return std::visit([](auto v) { return static_cast<T>(v); }, models::command_line_setting(flag, text));
}

Experiment with_overrides(const Experiment& e, const py::object& weeks, const py::object& replicates,
                          const py::object& seed, const py::object& scale) {
  Experiment copy = e;
  models::apply_overrides(copy, setting<int>("--weeks", weeks), setting<int>("--replicates", replicates),
                          setting<std::uint64_t>("--seed", seed), setting<double>("--scale", scale));
  print_new_warnings(copy, warning_lines(e));
  return copy;
}

// The value of one parameter given to with_parameters: a number, or a sequence
// (a list, a tuple, a 1-D array) of numbers for a parameter with labels.
std::optional<std::vector<double>> numbers_of(py::handle value, std::string& why) {
  const std::string allowed = " (a number, or a list of numbers for a parameter with labels)";
  const bool array = py::isinstance<py::array>(value);
  if (array && py::cast<py::array>(value).ndim() == 0) value = value.attr("item")();
  if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value) ||
      (array && py::cast<py::array>(value).ndim() == 1)) {
    std::vector<double> values;
    std::size_t k = 0;
    for (const auto item : py::iter(value)) {
      ++k;
      const auto v = number_of(item);
      if (!v) {
        why = "element " + std::to_string(k) + " is of type " + type_name(item) + allowed;
        return std::nullopt;
      }
      values.push_back(*v);
    }
    return values;
  }
  if (const auto v = number_of(value)) return std::vector<double>{*v};
  why = "is of type " + type_name(value) + allowed;
  return std::nullopt;
}

Experiment with_parameters(const Experiment& e, const py::dict& values, const std::string& origin) {
  Problems problems;
  models::ParameterValues converted;
  std::vector<std::string> keys;  // in the order given, which the problems keep
  for (const auto& [key, value] : values) {
    const bool text = py::isinstance<py::str>(key);
    keys.push_back(text ? key.cast<std::string>() : py::repr(key).cast<std::string>());
    if (!text) {
      problems.push_back({origin, 0, keys.back(), "is not a parameter name (a string)"});
      continue;
    }
    const auto& name = keys.back();
    std::string why;
    if (auto numbers = numbers_of(value, why)) converted.emplace_back(name, std::move(*numbers));
    else problems.push_back({origin, 0, name, why});
  }
  Experiment copy = e;
  try {
    models::set_parameters(copy, converted, origin);
  } catch (const sim::InputError& err) {
    problems.insert(problems.end(), err.problems().begin(), err.problems().end());
  }
  const auto position = [&](const sim::Problem& p) {
    return std::find(keys.begin(), keys.end(), p.key) - keys.begin();
  };
  std::stable_sort(problems.begin(), problems.end(),
                   [&](const auto& a, const auto& b) { return position(a) < position(b); });
  if (!problems.empty()) throw sim::InputError(std::move(problems));
  return copy;
}

Experiment with_replicate_parameters(const Experiment& e, std::vector<std::string> names, const Rows& values,
                                     const std::string& origin) {
  if (values.ndim() != 2)
    throw sim::InputError(sim::Problem{origin, 0, "values",
                                       "has " + std::to_string(values.ndim()) +
                                           " dimensions (2: a row per replicate, a column per name)"});
  const auto rows = static_cast<std::size_t>(values.shape(0)), columns = static_cast<std::size_t>(values.shape(1));
  if (columns != names.size())
    throw sim::InputError(sim::Problem{origin, 0, "values",
                                       "has " + std::to_string(columns) + " columns for " +
                                           std::to_string(names.size()) + " names (a column per name)"});
  models::ParameterDraws draws{std::move(names), {}, origin};
  const auto data = values.unchecked<2>();
  for (std::size_t r = 0; r < rows; ++r) {
    std::vector<double> row(columns);
    for (std::size_t k = 0; k < columns; ++k)
      row[k] = data(static_cast<py::ssize_t>(r), static_cast<py::ssize_t>(k));
    draws.rows.push_back(std::move(row));
  }
  Experiment copy = e;
  models::set_parameter_draws(copy, std::move(draws));
  return copy;
}

Experiment select(const Experiment& e, const std::vector<std::string>& names, const std::string& origin) {
  Experiment copy = e;
  models::select_scenarios(copy, names, origin);
  return copy;
}

bool file_sets(const Experiment& e, const std::string& name) { return models::file_sets(e, name, "file_sets"); }

py::object value_of(const sim::ParamSpec& spec, const std::vector<double>& values) {
  return spec.is_vector() ? py::cast(values) : py::cast(values.front());
}

py::object parameter(const Experiment& e, const std::string& name, const std::optional<std::string>& scenario,
                     const std::optional<std::string>& intervention) {
  const std::string origin = "parameter";
  const auto& spec = models::find_parameter(name, origin);
  const auto& s = scenario ? models::find_scenario(e, *scenario, origin) : e.scenarios.front();
  const auto& params = intervention ? models::find_intervention(s, *intervention, origin).params : s.params;
  return value_of(spec, params.vec(name));
}

py::list interventions(const Experiment& e, const std::string& scenario) {
  py::list out;
  for (const auto& i : models::find_scenario(e, scenario, "interventions").interventions) {
    std::vector<std::string> wijken;
    for (const auto w : i.wijken) wijken.push_back(e.wijk_names.at(w));
    out.append(py::dict("name"_a = i.name, "type"_a = i.type, "wijken"_a = wijken, "start_week"_a = i.start_week,
                        "end_week"_a = i.end_week == 0 ? py::none() : py::cast(i.end_week)));
  }
  return out;
}

py::dict parameter_values(const Experiment& e) {
  py::dict out;
  for (const auto& [name, values] : e.parameter_values)
    out[py::str(name)] = value_of(models::find_parameter(name, "parameter_values"), values);
  return out;
}

py::array_t<double> rows_array(const models::ParameterDraws& draws) {
  py::array_t<double> rows({draws.rows.size(), draws.names.size()});
  auto data = rows.mutable_unchecked<2>();
  for (std::size_t r = 0; r < draws.rows.size(); ++r)
    for (std::size_t k = 0; k < draws.names.size(); ++k)
      data(static_cast<py::ssize_t>(r), static_cast<py::ssize_t>(k)) = draws.rows[r][k];
  return rows;
}

py::object replicate_parameters(const Experiment& e) {
  const auto& d = e.parameter_draws;
  if (d.empty()) return py::none();
  return py::dict("names"_a = d.names, "values"_a = rows_array(d), "origin"_a = d.origin);
}

std::string repr(const Experiment& e) {
  std::string out = "<Experiment '" + e.name + "': " + std::to_string(e.scenarios.size()) + " scenarios, " +
                    std::to_string(e.weeks) + " weeks, " + std::to_string(e.replicates) + " replicates, seed " +
                    std::to_string(e.seed) + ", scale " + py::str(py::float_(e.scale)).cast<std::string>();
  const auto parameters = [](std::size_t n) { return std::to_string(n).append(n == 1 ? " parameter" : " parameters"); };
  if (!e.parameter_values.empty()) out.append(", ").append(parameters(e.parameter_values.size())).append(" set");
  if (!e.parameter_draws.empty())
    out.append(", ").append(parameters(e.parameter_draws.names.size())).append(" drawn per replicate");
  return out + ">";
}

// The pickled state: the scenario text and everything done to it since.
constexpr int kStateVersion = 1;

py::tuple get_state(const Experiment& e) {
  py::list values;
  for (const auto& [name, v] : e.parameter_values) values.append(py::make_tuple(name, v));
  const auto& d = e.parameter_draws;
  return py::make_tuple(kStateVersion, e.source_text, e.source_path, e.weeks, e.replicates, e.seed, e.scale,
                        scenario_names(e), values, d.names, d.rows, d.origin);
}

Experiment set_state(const py::tuple& state) {
  if (state.size() != 12 || state[0].cast<int>() != kStateVersion)
    throw std::runtime_error("cannot unpickle an Experiment pickled by another version of meedoen");
  auto e = models::parse_experiment(state[1].cast<std::string>(), state[2].cast<std::string>());
  models::apply_overrides(e, state[3].cast<int>(), state[4].cast<int>(), state[5].cast<std::uint64_t>(),
                          state[6].cast<double>());
  models::select_scenarios(e, state[7].cast<std::vector<std::string>>(), "pickle");
  models::set_parameters(e, state[8].cast<models::ParameterValues>(), "pickle");
  auto names = state[9].cast<std::vector<std::string>>();
  if (!names.empty())
    models::set_parameter_draws(e, {std::move(names), state[10].cast<std::vector<std::vector<double>>>(),
                                    state[11].cast<std::string>()});
  return e;
}

}  // namespace

void bind_experiment(py::module_& m) {
  py::class_<Experiment>(m, "Experiment",
                         "A validated experiment: shared settings and the scenarios to compare.\n\n"
                         "Read-only: with_overrides(), with_parameters(), with_replicate_parameters() and\n"
                         "select() return a changed copy. Picklable (the scenario text is parsed again).")
      .def_readonly("name", &Experiment::name, "The experiment's name ([experiment] name).")
      .def_readonly("weeks", &Experiment::weeks, "Weeks to simulate.")
      .def_readonly("replicates", &Experiment::replicates, "Replicates (repetitions with other chance events).")
      .def_readonly("seed", &Experiment::seed, "The seed of every random draw.")
      .def_readonly("scale", &Experiment::scale, "The share of the population simulated.")
      .def_readonly("population_data", &Experiment::population_data,
                    "'leiden' (the embedded data set) or the path of a wijk CSV.")
      .def_readonly("source_path", &Experiment::source_path, "The scenario file.")
      .def_readonly("source_text", &Experiment::source_text, "The scenario file's full text.")
      .def_readonly("wijk_names", &Experiment::wijk_names, "The population's wijken, in the order of its data.")
      .def_property_readonly("warnings", &warning_lines,
                             "What runs but means little at this scale, one line each (FILE:LINE: key:\n"
                             "warning: ...): an intervention only in wijken without adults. load_experiment()\n"
                             "and with_overrides() write new ones to stderr.")
      .def_property_readonly("scenario_names", &scenario_names,
                             "The scenarios' names, the reference (the baseline) first.")
      .def_property_readonly("parameter_values", &parameter_values,
                             "The values set by with_parameters(), by name: a float, or a list for a parameter\n"
                             "with labels. Empty when none.")
      .def_property_readonly("replicate_parameters", &replicate_parameters,
                             "The per-replicate values of with_replicate_parameters() as a dict with names\n"
                             "(list of str), values (a float array, a row per replicate) and origin; None when\n"
                             "there are none.")
      .def("with_overrides", &with_overrides, py::kw_only(), "weeks"_a = py::none(), "replicates"_a = py::none(),
           "seed"_a = py::none(), "scale"_a = py::none(),
           "A copy with the given settings replaced (None keeps the file's).\n\n"
           "Raises InputError, file 'command line', for a value out of range or a scale at which\n"
           "the population has no adults; writes new warnings to stderr.")
      .def("with_parameters", &with_parameters, "values"_a, "origin"_a = "parameters",
           "A copy with parameter values set from outside the scenario file.\n\n"
           "values: {name: a number, or a list of numbers for a parameter with labels}.\n"
           "Precedence: the registry's default < these values < the scenario file's own settings:\n"
           "each value goes to every scenario and intervention that the file does not set the\n"
           "parameter for (see file_sets()). Merges with earlier calls (a later value wins). The values\n"
           "are part of the run's fingerprint and of the results file's provenance (root attribute\n"
           "parameter_values; each scenario group's parameters attribute shows the values used).\n\n"
           "Raises InputError with every problem (unknown name, wrong number of values, out of\n"
           "range, not a whole number) as ORIGIN: NAME: what is wrong (what is allowed).")
      .def("with_replicate_parameters", &with_replicate_parameters, "names"_a, "values"_a, "origin"_a,
           "A copy in which replicate r runs with the values of row r (posterior draws).\n\n"
           "names: parameters with a single value (no labels); values: a 2-D float array, a row\n"
           "per replicate and a column per name, with at least as many rows as the run has\n"
           "replicates (checked when it runs); origin: names the draws in messages and is part of\n"
           "the run's fingerprint (the rows are not: give the same rows again when resuming or\n"
           "extending a run; a resumed run refuses rows that differ from those its finished\n"
           "replicates used). Each row is applied to every scenario and intervention by the rule of\n"
           "with_parameters() (the file's settings win; a draw wins over with_parameters()).\n"
           "Replaces earlier draws. The results file holds the rows as the root dataset\n"
           "parameter_draws (Results.parameter_draws).\n\n"
           "Raises InputError naming the origin, the parameter and the first bad row.")
      .def("select", &select, "names"_a, "origin"_a = "select",
           "A copy with only the named scenarios, in that order; the first becomes the reference\n"
           "(the baseline of comparisons). Raises InputError for an unknown or repeated name.")
      .def("file_sets", &file_sets, "name"_a,
           "Whether the scenario file itself sets parameter `name` for any of this experiment's\n"
           "scenarios: in [parameters], a [scenario.parameters] table or an intervention's own key.\n"
           "Values from with_parameters() do not count. Raises InputError for an unknown name.")
      .def("parameter", &parameter, "name"_a, "scenario"_a = py::none(), "intervention"_a = py::none(),
           "The value of parameter `name` in `scenario` (default: the first, the reference), or in\n"
           "its intervention called `intervention`: the file's settings and with_parameters() values\n"
           "applied, without per-replicate draws. A float, or a list for a parameter with labels.\n"
           "Raises InputError for an unknown parameter, scenario or intervention.")
      .def("interventions", &interventions, "scenario"_a,
           "The interventions of `scenario`, in the order of the file, each a dict: name, type,\n"
           "wijken (names), start_week, end_week (None: to the end). Raises InputError for an\n"
           "unknown scenario.")
      .def(py::pickle(&get_state, &set_state))
      .def("__repr__", &repr);

  m.def("load_experiment", &load, "path"_a,
        "Reads and validates a scenario file (TOML); writes its warnings to stderr (see warnings).\n\n"
        "Raises InputError listing every problem as FILE:LINE: key: what is wrong (what is allowed).");
  m.def("parse_experiment", &models::parse_experiment, "text"_a, "path"_a,
        "Validates the text of a scenario file; `path` names it in messages and anchors relative data paths.");
  m.def("default_experiment", &models::default_experiment,
        "The experiment of scenarios/leiden.toml, as embedded at build time.");

  m.def("command_line_setting", &models::command_line_setting, "flag"_a, "text"_a,
        "The value of a command-line setting given as text, checked as the scenario file's settings are:\n"
        "--weeks, --replicates, --seed (an int: decimal digits only) or --scale (a float).\n\n"
        "Raises InputError (command line: FLAG: what is wrong (what is allowed)) for anything else:\n"
        "'1e3', '0x10', 'nan', '-1', '1e-400', a seed beyond 2**63 - 1; ValueError for another flag.");
  m.attr("limits") = py::dict("weeks"_a = py::make_tuple(1, models::ExperimentLimits::max_weeks),
                              "replicates"_a = py::make_tuple(1, models::ExperimentLimits::max_replicates),
                              "scale"_a = py::make_tuple(models::ExperimentLimits::min_scale,
                                                         models::ExperimentLimits::max_scale));
}

}  // namespace meedoen::python
