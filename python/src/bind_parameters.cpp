// The model's parameter table, for Python and for docs/parameters.md.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "models/model_parameters.hpp"

namespace py = pybind11;

namespace meedoen::python {
namespace {

py::dict to_dict(const sim::ParamSpec& spec) {
  py::dict d;
  d["name"] = spec.name;
  d["unit"] = spec.unit;
  d["default"] = spec.is_vector() ? py::cast(spec.defaults) : py::cast(spec.defaults.front());
  d["labels"] = spec.labels;
  d["min"] = spec.min;
  d["max"] = spec.max;
  d["integer"] = spec.integer;
  d["source"] = spec.source;
  d["description"] = spec.description;
  d["assumption"] = spec.is_assumption();
  return d;
}

py::list relations() {
  py::list out;
  for (const auto* lower : models::model_parameters().relations())
    out.append(py::dict(py::arg("lower") = lower->name, py::arg("upper") = lower->at_most,
                        py::arg("strict") = lower->strictly_below));
  return out;
}

py::list parameters() {
  py::list out;
  for (const auto& spec : models::model_parameters().specs()) out.append(to_dict(spec));
  return out;
}

}  // namespace

void bind_parameters(py::module_& m) {
  m.def("parameters", &parameters,
        "Every model parameter as a dict: name, unit, default (a float, or a list for a vector),\n"
        "labels, min, max, integer, source, description, assumption. The relations between them:\n"
        "parameter_relations().");
  m.def("parameter_relations", &relations,
        "The relations between parameters, each declared once with the lower one: a list of dicts\n"
        "{lower, upper, strict}: the value of `lower` is at most that of `upper` (below it when strict).\n"
        "Scenario files, with_parameters() and the sensitivity and calibration ranges must keep them.");
  m.def("parameters_markdown", [] { return models::model_parameters().to_markdown(); },
        "The parameter table as Markdown (the body of docs/parameters.md).");
}

}  // namespace meedoen::python
