// A directory of the finished pieces of a run (one per replicate), each
// written under a temporary name and renamed when whole, so that a run that
// is stopped or killed at any moment leaves only whole pieces, and a resumed
// run computes only the missing ones. Memory stays flat in the number of
// replicates: pieces go to disk as they finish.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/output_lock.hpp"

namespace meedoen::sim {

struct Part {
  std::vector<std::vector<std::uint32_t>> u32;
  std::vector<std::vector<double>> f64;
  bool operator==(const Part&) const = default;
};

// The bytes of a piece, as a file of the store holds them and as they travel
// between machines: a header naming the run (its fingerprint) and the piece's
// index, the arrays, and a checksum over all of it.
std::string serialize(const Part& part, const std::string& fingerprint, std::size_t index);

// What is wrong with the bytes given to deserialize (the message does not say
// where they came from): "damaged piece", or a piece of another run or index.
struct PieceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The piece in `bytes`, which must be whole and made by serialize with the same
// fingerprint and index; otherwise PieceError. Never reads outside `bytes`.
Part deserialize(const std::string& bytes, const std::string& fingerprint, std::size_t index);

class PartStore {
public:
  // Opens `dir` for a run identified by `fingerprint`, holding its
  // OutputLock until destroyed (an InputError naming `dir` and `key` if
  // another process holds it). Without `resume` any earlier pieces are
  // removed; with it they are kept if the fingerprint matches, and an
  // InputError names the directory if it does not. `manifest` and
  // `experiment_text` are stored beside the pieces (for resuming).
  PartStore(std::filesystem::path dir, const std::string& fingerprint, const std::string& manifest,
            const std::string& experiment_text, bool resume, const std::string& key);

  bool has(std::size_t index) const;
  // Writes the piece under a temporary name and renames it when whole; safe
  // from several threads for different indices.
  void write(std::size_t index, const Part& part) const;
  Part read(std::size_t index) const;  // std::runtime_error naming the file if damaged
  void remove() const;  // every piece and file (the folder goes when the lock is released)
  const std::filesystem::path& dir() const { return dir_; }

  static std::string fingerprint_of(const std::string& text);  // a 64-bit FNV-1a hash, hex

private:
  std::filesystem::path path(std::size_t index) const;
  std::filesystem::path dir_;
  std::string fingerprint_;
  std::unique_ptr<OutputLock> lock_;
};

}  // namespace meedoen::sim
