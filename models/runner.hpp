// Runs every (scenario, replicate) of an experiment and writes the results file.
#pragma once

#include <functional>
#include <string>

#include "models/experiment.hpp"

namespace meedoen::models {

struct RunOptions {
  int threads = 0;  // 0: OpenMP's default
  // Called from the calling thread between weeks with (work done, total work);
  // returning false stops the run (the output file is then not created).
  std::function<bool(long done, long total)> progress;
};

// Writes OUT under OUT + ".partial" and renames it when complete. Throws
// sim::InputError for bad input (such as a malformed population file) and
// std::runtime_error for I/O failures; in both cases OUT is left untouched.
void run_experiment(const Experiment& experiment, const std::string& out_path, const RunOptions& options);

}  // namespace meedoen::models
