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

py::list parameters() {
  py::list out;
  for (const auto& spec : models::model_parameters().specs()) out.append(to_dict(spec));
  return out;
}

}  // namespace

void bind_parameters(py::module_& m) {
  m.def("parameters", &parameters,
        "Every model parameter as a dict: name, unit, default (a float, or a list for a vector),\n"
        "labels, min, max, integer, source, description, assumption.");
  m.def("parameters_markdown", [] { return models::model_parameters().to_markdown(); },
        "The parameter table as Markdown (the body of docs/parameters.md).");
}

}  // namespace meedoen::python
