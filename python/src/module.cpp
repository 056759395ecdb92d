// The extension module meedoen._core. Private: the public API is the Python
// package meedoen, which wraps these functions.
#include "bindings.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "Bindings to the Meedoen engine (private; use the meedoen package).";
  m.attr("__version__") = MEEDOEN_VERSION;
  meedoen::python::bind_errors(m);
  meedoen::python::bind_experiment(m);
  meedoen::python::bind_runner(m);
  meedoen::python::bind_parameters(m);
}
