// The scenarios of a replicate in one pass (run_piece's default) against each
// scenario run alone (coupled = false): the same bytes of the piece, for 1 and
// 2 threads, on scenarios/leiden.toml and on generated scenario files with
// random intervention types, wijken, weeks and [scenario.parameters] (some of
// which change the population or the ladder, so that those scenarios run
// apart, and some files whose first scenario has interventions, so that none
// couples).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <sstream>

#include "models/experiment.hpp"
#include "models/interventions/registry.hpp"
#include "models/model_parameters.hpp"
#include "models/runner.hpp"
#include "models/wijken.hpp"

namespace meedoen::models {
namespace {

const std::string kSourceDir = MEEDOEN_SOURCE_DIR;

void expect_same_pieces(const Experiment& e, std::uint32_t replicate, const std::string& what) {
  for (const int threads : {1, 2}) {
    const auto together = run_piece(e, replicate, threads, true);
    const auto alone = run_piece(e, replicate, threads, false);
    EXPECT_TRUE(together == alone) << what << ", replicate " << replicate << ", " << threads << " threads";
  }
}

TEST(CoupledPieces, EveryLeidenScenarioGivesTheBitsOfItsOwnRun) {
  auto e = load_experiment(kSourceDir + "/scenarios/leiden.toml");
  e.weeks = 78;
  e.scale = 0.2;
  ASSERT_EQ(e.scenarios.size(), 7u);
  expect_same_pieces(e, 0, "leiden.toml");
  expect_same_pieces(e, 3, "leiden.toml");
  select_scenarios(e, {e.scenarios.front().name}, "test");  // nothing to couple
  expect_same_pieces(e, 0, "leiden.toml, the baseline only");
}

// A value within the parameter's range, written as TOML.
std::string value_of(const sim::ParamSpec& spec, std::mt19937& gen) {
  const auto one = [&](double fallback) {
    const double lo = spec.min, hi = std::min(spec.max, std::max(spec.min, 4 * fallback + 1));
    const double v = std::uniform_real_distribution<double>(lo, hi)(gen);
    std::ostringstream out;
    if (spec.integer) out << std::lround(v);
    else out << v;
    return out.str();
  };
  if (!spec.is_vector()) return one(spec.defaults.front());
  std::string out = "[";
  for (std::size_t k = 0; k < spec.defaults.size(); ++k) out += (k ? ", " : "") + one(spec.defaults[k]);
  return out + "]";
}

// A model parameter that changes the population or the ladder fit, at 0.9 of its default.
std::string model_change(std::mt19937& gen) {
  static const std::vector<std::string> names = {"population.lonely", "ladder.up_rate", "bijstand.other_exit_rate",
                                                 "debt.resolve_rate"};
  const auto& spec = model_parameters().at(names[std::uniform_int_distribution<std::size_t>(0, names.size() - 1)(gen)]);
  std::ostringstream out;
  out << spec.name << " = ";
  if (spec.is_vector()) out << "[";
  for (std::size_t k = 0; k < spec.defaults.size(); ++k) out << (k ? ", " : "") << 0.9 * spec.defaults[k];
  if (spec.is_vector()) out << "]";
  return out.str();
}

std::string generated_file(std::mt19937& gen, bool baseline_with_interventions) {
  const auto& types = intervention_types();
  const auto wijken = load_wijken("leiden");
  const auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(gen); };
  const auto chance = [&](double p) { return std::bernoulli_distribution(p)(gen); };
  const int weeks = 20 + static_cast<int>(pick(41));
  std::ostringstream f;
  f << "[experiment]\nname = \"generated\"\nweeks = " << weeks << "\nreplicates = 2\nseed = " << pick(1000000)
    << "\n[population]\nscale = 0.12\n";
  const std::size_t scenarios = 3 + pick(3);
  for (std::size_t s = 0; s < scenarios; ++s) {
    f << "[[scenario]]\nname = \"s" << s << "\"\n";
    const std::size_t count = s == 0 ? (baseline_with_interventions ? 1 : 0) : pick(4);
    std::vector<std::string> lines;
    for (std::size_t k = 0; k < count; ++k) {
      const auto& type = types[pick(types.size())];
      if (chance(0.5)) {  // a parameter of this type for the scenario
        const auto specs = type.parameters();
        const auto& spec = specs[pick(specs.size())];
        if (spec.at_most.empty()) lines.push_back(spec.name + " = " + value_of(spec, gen));
      }
    }
    if (s > 0 && chance(0.3)) lines.push_back(model_change(gen));
    std::sort(lines.begin(), lines.end());
    lines.erase(std::unique(lines.begin(), lines.end(), [](const std::string& a, const std::string& b) {
                  return a.substr(0, a.find(' ')) == b.substr(0, b.find(' '));
                }), lines.end());
    if (!lines.empty()) {
      f << "  [scenario.parameters]\n";
      for (const auto& l : lines) f << "  " << l << "\n";
    }
    for (std::size_t k = 0; k < count; ++k) {
      const auto& type = types[pick(types.size())];
      f << "  [[scenario.intervention]]\n  type = \"" << type.name << "\"\n  name = \"i" << k << "\"\n";
      if (chance(0.6)) {
        f << "  wijken = [";
        const std::size_t n = 1 + pick(4);
        std::vector<std::size_t> chosen;
        for (std::size_t j = 0; j < n; ++j) chosen.push_back(pick(wijken.size()));
        std::sort(chosen.begin(), chosen.end());
        chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
        for (std::size_t j = 0; j < chosen.size(); ++j) f << (j ? ", " : "") << "\"" << wijken[chosen[j]].name << "\"";
        f << "]\n";
      }
      const int start = 1 + static_cast<int>(pick(static_cast<std::size_t>(weeks)));
      if (chance(0.5)) f << "  start_week = " << start << "\n";
      if (chance(0.4)) f << "  end_week = " << start + static_cast<int>(pick(static_cast<std::size_t>(weeks - start + 1))) << "\n";
    }
  }
  return f.str();
}

TEST(CoupledPieces, GeneratedScenarioFilesGiveTheBitsOfEachScenarioAlone) {
  std::mt19937 gen(20261130);
  for (int file = 0; file < 6; ++file) {
    const auto text = generated_file(gen, file == 5);
    const auto e = parse_experiment(text, "generated.toml");
    expect_same_pieces(e, static_cast<std::uint32_t>(file % 2), text);
    if (testing::Test::HasFailure()) return;
  }
}

}  // namespace
}  // namespace meedoen::models
