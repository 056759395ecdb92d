// A directory of the finished pieces of a run (one per replicate), each
// written under a temporary name and renamed when whole, so that a run that
// is stopped or killed at any moment leaves only whole pieces, and a resumed
// run computes only the missing ones. Memory stays flat in the number of
// replicates: pieces go to disk as they finish.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace meedoen::sim {

struct Part {
  std::vector<std::vector<std::uint32_t>> u32;
  std::vector<std::vector<double>> f64;
};

class PartStore {
public:
  // Opens `dir` for a run identified by `fingerprint`. Without `resume` any
  // earlier pieces are removed; with it they are kept if the fingerprint
  // matches, and an InputError names the directory if it does not. `manifest`
  // and `experiment_text` are stored beside the pieces (for resuming).
  PartStore(std::filesystem::path dir, const std::string& fingerprint, const std::string& manifest,
            const std::string& experiment_text, bool resume);

  bool has(std::size_t index) const;
  void write(std::size_t index, const Part& part) const;  // safe from several threads for different indices
  Part read(std::size_t index) const;                     // std::runtime_error if damaged
  void remove() const;
  const std::filesystem::path& dir() const { return dir_; }

  static std::string fingerprint_of(const std::string& text);  // a 64-bit FNV-1a hash, hex

private:
  std::filesystem::path path(std::size_t index) const;
  std::filesystem::path dir_;
};

}  // namespace meedoen::sim
