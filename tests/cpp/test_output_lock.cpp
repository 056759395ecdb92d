// One writer per output: another process holding the lock refuses us with an
// InputError naming the folder; a killed holder leaves no lock; holders in one
// process share it; the last one removes the lock file and the empty folder.
#include "sim/output_lock.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "sim/errors.hpp"

namespace meedoen::sim {
namespace {

std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("meedoen-lock-" + std::to_string(getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  return dir / "out.h5.parts";
}

// A child process that holds the lock of `dir` until killed; returns its pid once it holds it.
pid_t holder(const std::filesystem::path& dir) {
  int ready[2];
  EXPECT_EQ(pipe(ready), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    close(ready[0]);
    const OutputLock lock(dir, "-o");
    const char byte = 1;
    if (write(ready[1], &byte, 1) != 1) _exit(1);
    for (;;) pause();
  }
  close(ready[1]);
  char byte = 0;
  EXPECT_EQ(read(ready[0], &byte, 1), 1);
  close(ready[0]);
  return pid;
}

TEST(OutputLock, AnotherProcessIsRefusedUntilTheHolderDies) {
  const auto dir = fresh_dir("other");
  const pid_t pid = holder(dir);
  try {
    const OutputLock lock(dir, "-o");
    FAIL() << "a second writer was let in";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find(dir.string() + ": -o: another meedoen process is writing this output now"), 0u) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos);
  }
  kill(pid, SIGKILL);  // killed: the operating system releases its lock
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(std::filesystem::exists(dir / OutputLock::kFileName));
  { const OutputLock lock(dir, "--resume"); }
  std::filesystem::remove_all(dir.parent_path());
}

TEST(OutputLock, HoldersInOneProcessShareItAndTheLastCleansUp) {
  const auto dir = fresh_dir("same");
  {
    const OutputLock outer(dir, "-o");
    {
      const OutputLock inner(dir, "store_piece");
      EXPECT_TRUE(std::filesystem::exists(dir / OutputLock::kFileName));
    }
    EXPECT_TRUE(std::filesystem::exists(dir / OutputLock::kFileName));  // still held by outer
    std::ofstream(dir / "piece") << "kept";
  }
  EXPECT_FALSE(std::filesystem::exists(dir / OutputLock::kFileName));
  EXPECT_TRUE(std::filesystem::exists(dir / "piece"));  // a folder with pieces stays
  { const OutputLock again(dir, "-o"); std::filesystem::remove(dir / "piece"); }
  EXPECT_FALSE(std::filesystem::exists(dir));  // an empty one goes
  std::filesystem::remove_all(dir.parent_path());
}

}  // namespace
}  // namespace meedoen::sim
