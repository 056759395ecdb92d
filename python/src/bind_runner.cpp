// run_experiment: runs without the GIL, calling back into Python between weeks
// for progress and to notice Ctrl-C. run_piece and store_piece: one replicate
// at a time, for spreading a run over processes or machines.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <pybind11/stl.h>

#include "bindings.hpp"
#include "models/costs.hpp"
#include "models/runner.hpp"
#include "sim/errors.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace meedoen::python {
namespace {

// Runs with the GIL released. `progress` (None or a callable(done, total))
// stops the run by returning False; an exception it raises, or a pending
// signal such as Ctrl-C (KeyboardInterrupt), stops the run and is re-raised
// here once the engine has cleaned up (no output file is then written).
void run_experiment(const models::Experiment& experiment, const std::string& out_path, int threads,
                    const py::object& progress, bool resume, bool keep_parts, bool coupled) {
  std::optional<py::error_already_set> raised;
  models::RunOptions options;
  options.threads = threads;
  options.resume = resume;
  options.keep_parts = keep_parts;
  options.coupled = coupled;
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

// A Python int as a replicate. The engine checks it against the experiment;
// here only a value that is no uint32 is refused, with the engine's message.
std::uint32_t replicate_index(const models::Experiment& experiment, std::int64_t replicate, const char* function) {
  if (replicate >= 0 && replicate <= UINT32_MAX) return static_cast<std::uint32_t>(replicate);
  std::string what = "value ";
  what.append(std::to_string(replicate)).append(" is out of range (a whole number from 0 to ");
  what.append(std::to_string(experiment.replicates - 1)).append(": the experiment has ");
  what.append(std::to_string(experiment.replicates)).append(" replicates)");
  throw sim::InputError(sim::Problem{function, 0, "replicate", what});
}

py::bytes run_piece(const models::Experiment& experiment, std::int64_t replicate, int threads, bool coupled) {
  const auto index = replicate_index(experiment, replicate, "run_piece");
  std::string piece;
  {
    const py::gil_scoped_release release;
    piece = models::run_piece(experiment, index, threads, coupled);
  }
  return py::bytes(piece);
}

void store_piece(const models::Experiment& experiment, const std::string& out_path, std::int64_t replicate,
                 const py::bytes& data) {
  const auto index = replicate_index(experiment, replicate, "store_piece");
  const std::string bytes = data;  // copied while the GIL is held
  const py::gil_scoped_release release;
  models::store_piece(experiment, out_path, index, bytes);
}

// OUT.parts/ held by this process (see models::open_parts) until close() or the end of a with block.
struct Parts {
  std::shared_ptr<const sim::PartStore> store;
  void close() {
    const py::gil_scoped_release release;
    store.reset();
  }
};

Parts open_parts(const models::Experiment& experiment, const std::string& out_path, bool resume) {
  const py::gil_scoped_release release;
  return Parts{models::open_parts(experiment, out_path, resume)};
}

// One output of the table as a dict (see meedoen._core.outputs).
py::dict output_dict(const sim::Output& o) {
  py::dict label_units;
  for (const auto& [label, units] : o.label_units) label_units[py::str(label)] = units;
  return py::dict("name"_a = o.name, "type"_a = o.type == sim::ValueType::u32 ? "uint32" : "float64",
                  "dims"_a = o.dims, "units"_a = o.units, "long_name"_a = o.long_name,
                  "scales_with_population"_a = o.scales_with_population, "per_scenario"_a = o.per_scenario,
                  "label_units"_a = label_units);
}

std::string actor(models::Actor a) { return std::string(models::kActorNames[static_cast<int>(a)]); }

py::list ledger_items() {
  py::list table;
  for (int k = 0; k < models::kStateItemCount; ++k) {
    const auto& item = models::kStateItems[k];
    table.append(py::dict("name"_a = std::string(item.name), "payer"_a = actor(item.payer),
                          "receiver"_a = actor(item.receiver), "provision"_a = k < models::kProvisionCount,
                          "description"_a = std::string(item.description)));
  }
  return table;
}

py::list outputs() {
  py::list table;
  for (const auto& o : models::outputs()) table.append(output_dict(o));
  return table;
}

}  // namespace

void bind_runner(py::module_& m) {
  m.def("run_experiment", &run_experiment, "experiment"_a, "out_path"_a, "threads"_a = 0,
        "progress"_a = py::none(), py::kw_only(), "resume"_a = false, "keep_parts"_a = false, "coupled"_a = true,
        "Runs every scenario and replicate of `experiment` and writes the results file `out_path`.\n\n"
        "threads: 0 uses OpenMP's default. progress: None or a callable(done, total) called between\n"
        "weeks; returning False stops the run. The GIL is released while the engine runs; Ctrl-C\n"
        "stops the run with KeyboardInterrupt. A stopped or failed run leaves `out_path` untouched;\n"
        "the replicates it finished wait in `out_path + '.parts'`. resume: compute only the replicates\n"
        "missing there (InputError if they come from another experiment). keep_parts: keep that folder\n"
        "after writing `out_path`, to add replicates later. coupled: step the scenarios that can beside\n"
        "the baseline in one pass (faster, more memory); False: each scenario on its own. The same bits.");
  m.def("run_piece", &run_piece, "experiment"_a, "replicate"_a, "threads"_a = 1, py::kw_only(), "coupled"_a = true,
        "Computes replicate `replicate` (0 .. replicates - 1) of every scenario of `experiment` and\n"
        "returns its piece: the bytes a run keeps in `out_path + '.parts'`, naming the run and the\n"
        "replicate. Writes nothing. The same bytes for any number of threads (0: OpenMP's default).\n"
        "The GIL is released while the engine runs (Ctrl-C is noticed only when it returns).\n"
        "coupled: as run_experiment's (the same bytes either way).\n"
        "Raises InputError for a replicate out of range or bad input.");
  m.def("store_piece", &store_piece, "experiment"_a, "out_path"_a, "replicate"_a, "data"_a,
        "Stores a piece that run_piece returned (here or on another machine) in `out_path + '.parts'`,\n"
        "as a run does with its finished replicates; once every replicate is there,\n"
        "run_experiment(experiment, out_path, resume=True) writes `out_path` without computing anything.\n"
        "Creates the folder if it holds no run yet; opens it as a resumed run does otherwise\n"
        "(InputError if it holds another run). Raises InputError, and writes nothing, for a\n"
        "replicate out of range or `data` that is not the whole piece of this experiment and replicate.\n"
        "Calls are serialised within a process; InputError if another process is writing `out_path`.");
  py::class_<Parts>(m, "Parts", "OUT.parts/ held by this process: another process cannot write OUT meanwhile.")
      .def("close", &Parts::close, "Releases the folder (and removes it if it is empty).")
      .def("__enter__", [](Parts& parts) -> Parts& { return parts; })
      .def("__exit__", [](Parts& parts, const py::args&) { parts.close(); });
  m.def("open_parts", &open_parts, "experiment"_a, "out_path"_a, "resume"_a = false,
        "Opens `out_path + '.parts'` as run_experiment does (afresh, removing earlier pieces, or\n"
        "resumed: InputError if it holds another run or none) and holds it until closed: another\n"
        "process that wants to write `out_path` is refused (InputError) meanwhile, while run_experiment\n"
        "and store_piece in this process go ahead. Use as a context manager.");
  m.def("outputs", &outputs,
        "Every output of a run, as dicts: name, type ('uint32' or 'float64'), dims (the first is\n"
        "'replicate'), units, long_name, scales_with_population, per_scenario (False: once per run, at\n"
        "the file's root) and label_units (units of some labels of the last dimension that differ).");
  m.def("ledger_items", &ledger_items,
        "The ledger's items of the residents' states, in the file's order after the interventions, as dicts:\n"
        "name, payer (whose cost, '' for none), receiver (whose benefit, '' for none), provision (one of\n"
        "the provisions that provision_cost adds up) and description.");
  m.attr("INTERVENTION_PAYER") = actor(models::kInterventionPayer);
  m.def("parts_dir", &models::parts_dir, "out_path"_a,
        "The folder beside `out_path` where finished replicates wait until the results file is written.");
}

}  // namespace meedoen::python
