// run_experiment: runs without the GIL, calling back into Python between weeks
// for progress and to notice Ctrl-C.
#include <optional>
#include <string>
#include <utility>

#include "bindings.hpp"
#include "models/runner.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace meedoen::python {
namespace {

// Runs with the GIL released. `progress` (None or a callable(done, total))
// stops the run by returning False; an exception it raises, or a pending
// signal such as Ctrl-C (KeyboardInterrupt), stops the run and is re-raised
// here once the engine has cleaned up (no output file is then written).
void run_experiment(const models::Experiment& experiment, const std::string& out_path, int threads,
                    const py::object& progress, bool resume, bool keep_parts) {
  std::optional<py::error_already_set> raised;
  models::RunOptions options;
  options.threads = threads;
  options.resume = resume;
  options.keep_parts = keep_parts;
  options.progress = [&](long done, long total) {
    const py::gil_scoped_acquire gil;
    try {
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      return progress.is_none() || progress(done, total).ptr() != Py_False;
    } catch (py::error_already_set& e) {
      raised.emplace(std::move(e));
      return false;
    }
  };
  {
    const py::gil_scoped_release release;
    models::run_experiment(experiment, out_path, options);
  }
  if (raised) throw std::move(*raised);
}

}  // namespace

void bind_runner(py::module_& m) {
  m.def("run_experiment", &run_experiment, "experiment"_a, "out_path"_a, "threads"_a = 0,
        "progress"_a = py::none(), py::kw_only(), "resume"_a = false, "keep_parts"_a = false,
        "Runs every scenario and replicate of `experiment` and writes the results file `out_path`.\n\n"
        "threads: 0 uses OpenMP's default. progress: None or a callable(done, total) called between\n"
        "weeks; returning False stops the run. The GIL is released while the engine runs; Ctrl-C\n"
        "stops the run with KeyboardInterrupt. A stopped or failed run leaves `out_path` untouched;\n"
        "the replicates it finished wait in `out_path + '.parts'`. resume: compute only the replicates\n"
        "missing there (InputError if they come from another experiment). keep_parts: keep that folder\n"
        "after writing `out_path`, to add replicates later.");
  m.def("parts_dir", &models::parts_dir, "out_path"_a,
        "The folder beside `out_path` where finished replicates wait until the results file is written.");
}

}  // namespace meedoen::python
