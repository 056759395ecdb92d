#include "sim/part_store.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "sim/errors.hpp"

namespace meedoen::sim {
namespace {

// Version 2 of the format: the header names the run and the piece.
constexpr char kMagic[8] = {'M', 'E', 'E', 'D', 'P', 'R', 'T', '2'};

std::uint64_t fnv1a(const char* data, std::size_t size, std::uint64_t h = 1469598103934665603ull) {
  for (std::size_t k = 0; k < size; ++k) {
    h ^= static_cast<unsigned char>(data[k]);
    h *= 1099511628211ull;
  }
  return h;
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error(tmp + ": cannot write");
  }
  std::filesystem::rename(tmp, path);
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

template <typename T>
void append(std::string& bytes, const std::vector<T>& values) {
  const std::uint64_t n = values.size();
  bytes.append(reinterpret_cast<const char*>(&n), sizeof n);
  bytes.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

// The next array of `bytes[at, end)`, or PieceError if it does not fit there.
template <typename T>
std::vector<T> take(const std::string& bytes, std::size_t& at, std::size_t end) {
  std::uint64_t n = 0;
  if (at + sizeof n > end) throw PieceError("damaged piece");
  std::memcpy(&n, bytes.data() + at, sizeof n);
  at += sizeof n;
  if (n > (end - at) / sizeof(T)) throw PieceError("damaged piece");
  std::vector<T> values(n);
  std::memcpy(values.data(), bytes.data() + at, n * sizeof(T));
  at += n * sizeof(T);
  return values;
}

}  // namespace

std::string serialize(const Part& part, const std::string& fingerprint, std::size_t index) {
  std::string bytes(kMagic, sizeof kMagic);
  const std::uint64_t header[4] = {index, fingerprint.size(), part.u32.size(), part.f64.size()};
  bytes.append(reinterpret_cast<const char*>(header), sizeof header);
  bytes.append(fingerprint);
  for (const auto& a : part.u32) append(bytes, a);
  for (const auto& a : part.f64) append(bytes, a);
  const std::uint64_t check = fnv1a(bytes.data(), bytes.size());
  bytes.append(reinterpret_cast<const char*>(&check), sizeof check);
  return bytes;
}

Part deserialize(const std::string& bytes, const std::string& fingerprint, std::size_t index) {
  std::uint64_t header[4] = {0, 0, 0, 0}, check = 0;
  const std::size_t tail = sizeof check, start = sizeof kMagic + sizeof header;
  if (bytes.size() < start + tail || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    throw PieceError("damaged piece");
  const std::size_t end = bytes.size() - tail;
  std::memcpy(&check, bytes.data() + end, tail);
  if (check != fnv1a(bytes.data(), end)) throw PieceError("damaged piece");
  std::memcpy(header, bytes.data() + sizeof kMagic, sizeof header);
  if (header[1] > end - start) throw PieceError("damaged piece");
  if (bytes.compare(start, header[1], fingerprint) != 0)
    throw PieceError("a piece of another run (another experiment, seed, number of weeks, scale, population data "
                     "or version)");
  if (header[0] != index) {
    std::string what = "the piece of replicate ";
    what.append(std::to_string(header[0])).append(", not of replicate ").append(std::to_string(index));
    throw PieceError(what);
  }
  Part part;
  std::size_t at = start + header[1];
  for (std::uint64_t k = 0; k < header[2]; ++k) part.u32.push_back(take<std::uint32_t>(bytes, at, end));
  for (std::uint64_t k = 0; k < header[3]; ++k) part.f64.push_back(take<double>(bytes, at, end));
  if (at != end) throw PieceError("damaged piece");
  return part;
}

std::string PartStore::fingerprint_of(const std::string& text) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a(text.data(), text.size())));
  return hex;
}

PartStore::PartStore(std::filesystem::path dir, const std::string& fingerprint, const std::string& manifest,
                     const std::string& experiment_text, bool resume)
    : dir_(std::move(dir)), fingerprint_(fingerprint) {
  const auto stamp = dir_ / "fingerprint";
  if (resume) {
    if (!std::filesystem::exists(stamp))
      throw InputError(Problem{dir_.string(), 0, "--resume", "there is no interrupted run to resume here"});
    if (read_text(stamp) != fingerprint)
      throw InputError(Problem{dir_.string(), 0, "--resume",
                               "the interrupted run was made by another experiment, seed, scale or version "
                               "(run without --resume to start afresh)"});
    write_text(dir_ / "manifest.toml", manifest);  // a resumed run may ask for more replicates
    return;
  }
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  write_text(dir_ / "manifest.toml", manifest);
  write_text(dir_ / "experiment.toml", experiment_text);
  write_text(stamp, fingerprint);
}

std::filesystem::path PartStore::path(std::size_t index) const {
  char name[32];
  std::snprintf(name, sizeof name, "replicate-%06zu.part", index);
  return dir_ / name;
}

bool PartStore::has(std::size_t index) const { return std::filesystem::exists(path(index)); }

void PartStore::write(std::size_t index, const Part& part) const {
  write_text(path(index), serialize(part, fingerprint_, index));
}

Part PartStore::read(std::size_t index) const {
  try {
    return deserialize(read_text(path(index)), fingerprint_, index);
  } catch (const PieceError& error) {
    throw std::runtime_error(path(index).string() + ": " + error.what());
  }
}

void PartStore::remove() const { std::filesystem::remove_all(dir_); }

}  // namespace meedoen::sim
