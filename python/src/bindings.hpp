// The parts of the extension meedoen._core, one function per area, each
// defined in its own bind_<area>.cpp and called from module.cpp.
#pragma once

#include <pybind11/pybind11.h>

namespace meedoen::python {

void bind_errors(pybind11::module_& m);      // InputError and its translator
void bind_experiment(pybind11::module_& m);  // Experiment, load_experiment, default_experiment
void bind_runner(pybind11::module_& m);      // run_experiment
void bind_parameters(pybind11::module_& m);  // parameters, parameters_markdown

}  // namespace meedoen::python
