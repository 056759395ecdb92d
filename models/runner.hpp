// Runs every (scenario, replicate) of an experiment and writes the results file.
#pragma once

#include <functional>
#include <string>

#include "models/experiment.hpp"

namespace meedoen::models {

struct RunOptions {
  int threads = 0;  // 0: OpenMP's default
  // Complete an interrupted run: keep the replicates already in OUT.parts/
  // (they must come from the same experiment) and compute only the others.
  bool resume = false;
  // Keep OUT.parts/ after writing OUT (to add replicates later with resume).
  bool keep_parts = false;
  // Called from the calling thread with (weeks done, weeks in all); returning
  // false stops the run: OUT is not written, OUT.parts/ keeps what finished.
  std::function<bool(long done, long total)> progress;
};

// The folder beside OUT where finished replicates wait until OUT is written.
std::string parts_dir(const std::string& out_path);

// Writes OUT under a temporary name and renames it when complete. Throws
// sim::InputError for bad input (such as a malformed population file or a
// resume that does not match) and std::runtime_error for I/O failures; in
// both cases OUT is left untouched.
void run_experiment(const Experiment& experiment, const std::string& out_path, const RunOptions& options);

}  // namespace meedoen::models
