// sim::InputError becomes meedoen.errors.InputError, a ValueError whose
// `problems` are the lines FILE:LINE: key: what is wrong (what is allowed).
// The class is written in Python (so that Python code raises it too); the
// extension re-exports it as _core.InputError.
#include <exception>

#include "bindings.hpp"
#include "sim/errors.hpp"

namespace py = pybind11;

namespace meedoen::python {
namespace {

py::object input_error_type() { return py::module_::import("meedoen.errors").attr("InputError"); }

void translate(std::exception_ptr error) {
  try {
    if (error) std::rethrow_exception(error);
  } catch (const sim::InputError& e) {
    py::list problems;
    for (const auto& problem : e.problems()) problems.append(problem.str());
    const py::object type = input_error_type();
    py::set_error(type, type(problems));
  }
}

}  // namespace

void bind_errors(py::module_& m) {
  m.attr("InputError") = input_error_type();
  py::register_exception_translator(&translate);
}

}  // namespace meedoen::python
