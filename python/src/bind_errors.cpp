// sim::InputError becomes meedoen.errors.InputError, a ValueError whose
// `problems` are meedoen.errors.Problem records: each problem's file, line, key
// and message as fields (the record's text is FILE:LINE: key: what is wrong
// (what is allowed)). Both classes are written in Python (so that Python code
// raises them too); the extension re-exports InputError as _core.InputError.
#include <exception>

#include "bindings.hpp"
#include "sim/errors.hpp"

namespace py = pybind11;

namespace meedoen::python {
namespace {

py::object input_error_type() { return py::module_::import("meedoen.errors").attr("InputError"); }

py::object problem_type() { return py::module_::import("meedoen.errors").attr("Problem"); }

void translate(std::exception_ptr error) {
  try {
    if (error) std::rethrow_exception(error);
  } catch (const sim::InputError& e) {
    py::list problems;
    const py::object record = problem_type();
    for (const auto& p : e.problems()) problems.append(record(p.file, p.line, p.key, p.message));
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
