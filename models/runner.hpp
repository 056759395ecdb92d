// Runs every (scenario, replicate) of an experiment and writes the results file.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "models/experiment.hpp"
#include "sim/outputs.hpp"
#include "sim/part_store.hpp"

namespace meedoen::models {

struct RunOptions {
  int threads = 0;  // 0: OpenMP's default
  // Complete an interrupted run: keep the replicates already in OUT.parts/
  // (they must come from the same experiment) and compute only the others.
  bool resume = false;
  // Keep OUT.parts/ after writing OUT (to add replicates later with resume).
  bool keep_parts = false;
  // Step the scenarios that can beside the baseline in one pass (faster; it
  // holds every such scenario's state at once). false: each scenario on its
  // own, one at a time (less memory). The same bits either way.
  bool coupled = true;
  // Called from the calling thread with (weeks done, weeks in all); returning
  // false stops the run: OUT is not written, OUT.parts/ keeps what finished.
  std::function<bool(long done, long total)> progress;
};

// Every output of a run, in the order of a piece's arrays: the scenario
// groups' outputs, then those at the root of the file (parameter_draws, only
// when the run has parameter draws).
const sim::Outputs& outputs();

// The folder beside OUT where finished replicates wait until OUT is written.
std::string parts_dir(const std::string& out_path);

// What identifies the pieces of a run in OUT.parts/ (a hash): the program, the
// seed, weeks, scale, population data, scenario text, the scenarios chosen, the
// parameter values set from outside the file, and the names and origin of the
// parameter draws (not their rows, nor the number of replicates, so that a run
// can be extended). A resume is refused when it differs.
std::string run_fingerprint(const Experiment& experiment);

// One writer per output: run_experiment and store_piece hold the lock of
// OUT.parts/ (sim::OutputLock) while they work, and refuse with an InputError
// when another process holds it. open_parts opens OUT.parts/ as
// run_experiment does (afresh, or resumed) and holds it until the returned
// store is destroyed, for a run whose pieces come from elsewhere; calls in
// this process go ahead meanwhile.
std::shared_ptr<const sim::PartStore> open_parts(const Experiment& experiment, const std::string& out_path,
                                                 bool resume);

// Writes OUT under a temporary name and renames it when complete. Throws
// sim::InputError for bad input (such as a malformed population file, a
// resume that does not match, or fewer rows of parameter draws than
// replicates) and std::runtime_error for I/O failures; in both cases OUT is
// left untouched.
void run_experiment(const Experiment& experiment, const std::string& out_path, const RunOptions& options);

// For spreading the replicates of a run over other processes or machines:
// run_piece computes one replicate of every scenario in memory and returns
// its piece, the bytes a run keeps in OUT.parts/ (naming the run and the
// replicate); store_piece puts such a piece into OUT.parts/. Once every
// replicate is stored, run_experiment with resume assembles OUT without
// computing anything. Both throw sim::InputError when `replicate` is not
// within 0 .. replicates - 1, or for bad input (such as a malformed
// population file).

// The same bytes for any number of threads (0: OpenMP's default). Reads the
// population data; writes nothing. `coupled` false: every scenario steps on
// its own (the reference for the coupled pass; the same bytes).
std::string run_piece(const Experiment& experiment, std::uint32_t replicate, int threads, bool coupled = true);

// Opens OUT.parts/ as run_experiment does with resume (InputError if it holds
// another run), or creates it if it holds no run yet, and writes the piece
// there under a temporary name, renamed when whole (replacing an earlier piece
// of that replicate). InputError, and nothing written, if `bytes` are not a
// whole piece of this experiment's run and replicate, or if another process
// is writing OUT. Calls within one process are serialised.
void store_piece(const Experiment& experiment, const std::string& out_path, std::uint32_t replicate,
                 const std::string& bytes);

}  // namespace meedoen::models
