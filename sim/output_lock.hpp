// One writer per output: a run (or a store of pieces) holds the lock of its
// parts folder from its start to its end, and any other process that wants
// to write the same output is refused at once. The lock is an flock on the
// file `lock` inside the folder, so the operating system releases it when
// the process ends in any way (a killed run can be resumed).
//
// Within one process the lock is shared: a second holder of the same folder
// (a cluster run storing its pieces, then assembling them) is let in.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

namespace meedoen::sim {

class OutputLock {
public:
  // Locks `dir`, creating it if missing. sim::InputError naming `dir` and
  // `key` (the setting that chose the output, e.g. "-o") when another process
  // holds it; std::runtime_error when the folder or its lock file cannot be made.
  OutputLock(const std::filesystem::path& dir, const std::string& key);
  // The last holder in the process removes the lock file, and the folder if
  // that leaves it empty, before the lock is released.
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

  static constexpr const char* kFileName = "lock";

  struct Held;

private:
  std::shared_ptr<Held> held_;
};

}  // namespace meedoen::sim
