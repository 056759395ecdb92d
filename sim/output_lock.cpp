#include "sim/output_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <system_error>

#include "sim/errors.hpp"

namespace meedoen::sim {

struct OutputLock::Held {
  std::string name;  // the registry's key
  std::filesystem::path dir;
  int fd = -1;
};

namespace {

std::mutex registry_mutex;  // guards the registry and every taking and release
std::map<std::string, std::weak_ptr<OutputLock::Held>> registry;

// Whether `fd` is still the file at `path` (a holder that finished may have
// removed the file between our open and our lock).
bool still_there(int fd, const std::filesystem::path& path) {
  struct stat open_file {}, named {};
  return fstat(fd, &open_file) == 0 && stat(path.c_str(), &named) == 0 && open_file.st_ino == named.st_ino &&
         open_file.st_dev == named.st_dev;
}

[[noreturn]] void cannot(const std::filesystem::path& path, const std::string& what, int error) {
  throw std::runtime_error(path.string() + ": cannot " + what + " (" + std::strerror(error) + ")");
}

// Opens and locks `dir`/lock for this process, or refuses.
int take(const std::filesystem::path& dir, const std::string& key) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) cannot(dir, "create the folder", error.value());
  const auto path = dir / OutputLock::kFileName;
  for (;;) {
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) cannot(path, "create the lock file", errno);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int why = errno;
      close(fd);
      if (why != EWOULDBLOCK) cannot(path, "lock", why);
      throw InputError(Problem{dir.string(), 0, key,
                               "another meedoen process is writing this output now (wait until it has finished, "
                               "or choose another output; a run that was killed leaves no lock)"});
    }
    if (still_there(fd, path)) return fd;
    close(fd);  // removed meanwhile by a run that finished: take the new one
  }
}

void release(OutputLock::Held* held) {
  const std::lock_guard guard(registry_mutex);
  std::error_code ignored;
  std::filesystem::remove(held->dir / OutputLock::kFileName, ignored);  // while still locked
  std::filesystem::remove(held->dir, ignored);                           // only if empty
  close(held->fd);
  const auto entry = registry.find(held->name);
  if (entry != registry.end() && entry->second.expired()) registry.erase(entry);
  delete held;
}

}  // namespace

OutputLock::OutputLock(const std::filesystem::path& dir, const std::string& key) {
  const std::lock_guard guard(registry_mutex);
  const auto name = std::filesystem::absolute(dir).lexically_normal().string();
  held_ = registry[name].lock();
  if (held_) return;
  held_ = std::shared_ptr<Held>(new Held{name, dir, take(dir, key)}, release);
  registry[name] = held_;
}

OutputLock::~OutputLock() {
  held_.reset();  // release() takes the registry's mutex
}

}  // namespace meedoen::sim
