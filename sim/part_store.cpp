#include "sim/part_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
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

[[noreturn]] void cannot(const std::string& what, const std::filesystem::path& path, int error) {
  throw std::runtime_error(path.string() + ": cannot " + what + " (" + std::strerror(error) + ")");
}

// Writes `text` to `path` under a temporary name, renamed when whole; on any
// failure (a full disk, a file-size limit, permission, a folder removed) the
// temporary file is removed and std::runtime_error names the file and why.
void write_text(const std::filesystem::path& path, const std::string& text) {
  const auto tmp = std::filesystem::path(path.string() + ".tmp");
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) cannot("write", tmp, errno);
  const auto fail = [&](int error) {
    close(fd);
    ::unlink(tmp.c_str());
    cannot("write", tmp, error);
  };
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(n < 0 ? errno : ENOSPC);
    done += static_cast<std::size_t>(n);
  }
  if (close(fd) != 0) {
    const int error = errno;
    ::unlink(tmp.c_str());
    cannot("write", tmp, error);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(tmp.c_str());
    cannot("rename " + tmp.string() + " to", path, error);
  }
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) cannot("read", path, errno);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) cannot("read", path, errno);
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
                     const std::string& experiment_text, bool resume, const std::string& key)
    : dir_(std::move(dir)), fingerprint_(fingerprint) {
  const auto stamp = dir_ / "fingerprint";
  const auto none = [&] {
    return InputError(Problem{dir_.string(), 0, "--resume", "there is no interrupted run to resume here"});
  };
  if (resume && !std::filesystem::exists(dir_)) throw none();  // nothing to lock, nothing made
  lock_ = std::make_unique<OutputLock>(dir_, key);
  if (resume) {
    if (!std::filesystem::exists(stamp)) throw none();
    if (read_text(stamp) != fingerprint)
      throw InputError(Problem{dir_.string(), 0, "--resume",
                               "the interrupted run was made by another experiment, seed, scale or version "
                               "(run without --resume to start afresh)"});
    write_text(dir_ / "manifest.toml", manifest);  // a resumed run may ask for more replicates
    return;
  }
  remove();
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

void PartStore::remove() const {
  for (const auto& entry : std::filesystem::directory_iterator(dir_))
    if (entry.path().filename() != OutputLock::kFileName) std::filesystem::remove_all(entry.path());
}

}  // namespace meedoen::sim
