// One exception type per kind of bad input. Each problem names the place:
// FILE:LINE: key: what is wrong (what is allowed).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace meedoen::sim {

struct Problem {
  std::string file;
  int line = 0;  // 0 when the problem has no line (a missing file)
  std::string key;
  std::string message;

  std::string str() const {
    // Appended piece by piece: g++ 12 warns falsely (-Wrestrict) on chained operator+.
    std::string out = file;
    if (line > 0) out.append(":").append(std::to_string(line));
    out.append(": ").append(key.empty() ? "(file)" : key).append(": ").append(message);
    return out;
  }
};

// Raised with every problem found in one input, so the user sees them all at once.
class InputError : public std::runtime_error {
public:
  explicit InputError(std::vector<Problem> problems)
      : std::runtime_error(join(problems)), problems_(std::move(problems)) {}
  explicit InputError(Problem problem) : InputError(std::vector<Problem>{std::move(problem)}) {}
  const std::vector<Problem>& problems() const { return problems_; }

private:
  static std::string join(const std::vector<Problem>& problems) {
    std::string out;
    for (const auto& p : problems) {
      if (!out.empty()) out.append("\n");
      out.append(p.str());
    }
    return out;
  }
  std::vector<Problem> problems_;
};

}  // namespace meedoen::sim
