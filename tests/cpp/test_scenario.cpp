// Scenario files: the default experiment parses, and every kind of bad input
// is reported with its exact file, line and key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "models/experiment.hpp"
#include "models/model_parameters.hpp"
#include "sim/errors.hpp"

namespace meedoen::embedded {
extern const std::string_view leiden_toml;
}

namespace meedoen::models {
namespace {

namespace fs = std::filesystem;

const std::string kSourceDir = MEEDOEN_SOURCE_DIR;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class ScenarioFile : public ::testing::Test {
protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / (std::string("meedoen_") + info->test_suite_name() + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  // The problems of `text` as a scenario file (none if it is valid).
  std::vector<sim::Problem> problems_of(const std::string& text) {
    path_ = write("scenario.toml", text);
    try {
      load_experiment(path_);
    } catch (const sim::InputError& e) {
      return e.problems();
    }
    return {};
  }

  // Exactly one problem, in the scenario file, at `line` and `key`, its message containing `says`.
  void expect_one(const std::vector<sim::Problem>& problems, int line, const std::string& key,
                  const std::string& says) {
    ASSERT_EQ(problems.size(), 1u) << sim::InputError(problems).what();
    expect(problems[0], path_, line, key, says);
  }

  static void expect(const sim::Problem& p, const std::string& file, int line, const std::string& key,
                     const std::string& says) {
    EXPECT_EQ(p.file, file);
    EXPECT_EQ(p.line, line);
    EXPECT_EQ(p.key, key);
    EXPECT_NE(p.message.find(says), std::string::npos) << p.str();
  }

  fs::path dir_;
  std::string path_;
};

// A valid file's first lines; a test appends what it checks from line 3 on.
const std::string kExperiment = "[experiment]\nname = \"test\"\n";
const std::string kBaseline = "[[scenario]]\nname = \"baseline\"\n";

const std::string kWijkenCsv =
    "code,name,inhabitants,men,women,dwellings,land_ha\n"
    "WK1,Noord,100,40,60,50,12.5\n";

// The default experiment

TEST_F(ScenarioFile, EmbeddedDefaultParses) {
  const auto e = default_experiment();
  EXPECT_EQ(e.name, "Leiden 2027-2031");
  EXPECT_EQ(e.weeks, 260);
  EXPECT_EQ(e.replicates, 20);
  EXPECT_EQ(e.seed, 20270101u);
  EXPECT_EQ(e.population_data, "leiden");
  EXPECT_EQ(e.scale, 1.0);
  ASSERT_EQ(e.scenarios.size(), 1u);
  EXPECT_EQ(e.scenarios[0].name, "baseline");
  EXPECT_EQ(e.source_path, "scenarios/leiden.toml");
  EXPECT_EQ(e.source_text, embedded::leiden_toml);
}

TEST_F(ScenarioFile, OnDiskLeidenParsesAndMatchesTheEmbeddedText) {
  const auto path = kSourceDir + "/scenarios/leiden.toml";
  const auto e = load_experiment(path);
  EXPECT_EQ(e.source_path, path);
  EXPECT_EQ(e.source_text, read_text(path));
  EXPECT_EQ(e.source_text, embedded::leiden_toml);
  EXPECT_EQ(e.scenarios.size(), 1u);
}

// Bad files

TEST_F(ScenarioFile, MalformedToml) {
  expect_one(problems_of(kExperiment + "weeks = \n" + kBaseline), 3, "", "TOML");
}

TEST_F(ScenarioFile, MissingScenarioFile) {
  const auto path = (dir_ / "nowhere.toml").string();
  try {
    load_experiment(path);
    FAIL() << "no error";
  } catch (const sim::InputError& e) {
    ASSERT_EQ(e.problems().size(), 1u);
    expect(e.problems()[0], path, 0, "", "cannot read");
  }
}

TEST_F(ScenarioFile, UnknownKeyAtTopLevel) {
  expect_one(problems_of("colour = \"red\"\n" + kExperiment + kBaseline), 1, "colour", "unknown key (allowed:");
}

TEST_F(ScenarioFile, UnknownKeyInExperiment) {
  expect_one(problems_of(kExperiment + "week = 52\n" + kBaseline), 3, "experiment.week", "unknown key");
}

TEST_F(ScenarioFile, UnknownKeyInScenarioIncludingInterventions) {
  const auto text = kExperiment + kBaseline + "[[scenario.intervention]]\ntype = \"home_visits\"\n";
  expect_one(problems_of(text), 5, "scenario[1].intervention", "unknown key (allowed: name, parameters)");
}

TEST_F(ScenarioFile, UnknownParameterSuggestsNearNames) {
  const auto text = kExperiment + kBaseline + "[scenario.parameters]\nladder.up_rat = [0.3, 0.2, 0.1, 0.1, 0.2]\n";
  expect_one(problems_of(text), 6, "scenario[1].parameters.ladder.up_rat", "did you mean ladder.up_rate");
}

TEST_F(ScenarioFile, StringForWeeks) {
  expect_one(problems_of(kExperiment + "weeks = \"many\"\n" + kBaseline), 3, "experiment.weeks",
             "is a string (a whole number from 1 to 5200)");
}

TEST_F(ScenarioFile, ZeroWeeks) {
  expect_one(problems_of(kExperiment + "weeks = 0\n" + kBaseline), 3, "experiment.weeks",
             "value 0 is out of range (a whole number from 1 to 5200)");
}

TEST_F(ScenarioFile, NegativeScale) {
  const auto text = kExperiment + "[population]\nscale = -1\n" + kBaseline;
  expect_one(problems_of(text), 4, "population.scale", "value -1 is out of range (a number from 0.001 to 100)");
}

TEST_F(ScenarioFile, ShareAboveOne) {
  const auto text = kExperiment + "[parameters]\npopulation.lonely = 1.5\n" + kBaseline;
  expect_one(problems_of(text), 4, "parameters.population.lonely", "value 1.5 is out of range");
}

TEST_F(ScenarioFile, FloatForAnInteger) {
  ASSERT_TRUE(model_parameters().at("network.friend_contacts").integer);
  const auto text = kExperiment + "[parameters]\nnetwork.friend_contacts = 6.0\n" + kBaseline;
  expect_one(problems_of(text), 4, "parameters.network.friend_contacts", "value 6.0 is not a whole number");
}

TEST_F(ScenarioFile, FloatForReplicates) {
  expect_one(problems_of(kExperiment + "replicates = 2.5\n" + kBaseline), 3, "experiment.replicates",
             "not a whole number");
}

TEST_F(ScenarioFile, BooleanForAParameter) {
  const auto text = kExperiment + "[parameters]\npopulation.lonely = true\n" + kBaseline;
  expect_one(problems_of(text), 4, "parameters.population.lonely", "is a boolean (a number from 0 to 1)");
}

TEST_F(ScenarioFile, VectorOfTheWrongLength) {
  const auto text = kExperiment + "[parameters]\nladder.up_rate = [0.3, 0.2]\n" + kBaseline;
  expect_one(problems_of(text), 4, "parameters.ladder.up_rate", "expected a list of 5 numbers, got 2");
}

TEST_F(ScenarioFile, ListForAScalar) {
  const auto text = kExperiment + "[parameters]\npopulation.lonely = [0.2]\n" + kBaseline;
  expect_one(problems_of(text), 4, "parameters.population.lonely", "is a list");
}

TEST_F(ScenarioFile, MissingExperimentName) {
  expect_one(problems_of("\n[experiment]\nweeks = 52\n" + kBaseline), 2, "experiment.name", "is missing");
}

TEST_F(ScenarioFile, NoScenarios) {
  expect_one(problems_of(kExperiment), 1, "scenario", "is missing (one or more [[scenario]] tables)");
}

TEST_F(ScenarioFile, DuplicateScenarioNames) {
  const auto text = kExperiment + kBaseline + "[[scenario]]\nname = \"door\"\n[[scenario]]\nname = \"door\"\n";
  expect_one(problems_of(text), 8, "scenario[3].name", "also the name of scenario[2]");
}

TEST_F(ScenarioFile, BadScenarioNameCharacters) {
  const auto text = kExperiment + "[[scenario]]\nname = \"project door/2\"\n";
  expect_one(problems_of(text), 4, "scenario[1].name", "'project door/2' is not a valid name");
}

TEST_F(ScenarioFile, MissingDataFile) {
  const auto text = kExperiment + "[population]\ndata = \"wijken.csv\"\n" + kBaseline;
  expect_one(problems_of(text), 4, "population.data", "cannot read");
}

TEST_F(ScenarioFile, MalformedDataCsv) {
  const auto csv = write("wijken.csv",
                         "code,name,inhabitants,men,women,dwellings,land_ha\n"
                         "WK1,Noord,many,1,1,1,1.0\n");
  const auto text = kExperiment + "[population]\ndata = \"wijken.csv\"\n" + kBaseline;
  const auto problems = problems_of(text);
  ASSERT_FALSE(problems.empty());
  expect(problems[0], csv, 2, "inhabitants", "not a count");
}

TEST_F(ScenarioFile, AllProblemsAtOnceSortedByLine) {
  const auto text = kExperiment + "weeks = 0\n" + "[[scenario]]\nname = \"a b\"\n" + "[population]\nsize = 3\n";
  const auto problems = problems_of(text);
  ASSERT_EQ(problems.size(), 3u) << sim::InputError(problems).what();
  expect(problems[0], path_, 3, "experiment.weeks", "out of range");
  expect(problems[1], path_, 5, "scenario[1].name", "not a valid name");
  expect(problems[2], path_, 7, "population.size", "unknown key");
}

// What a valid file gives

TEST_F(ScenarioFile, BaselineMovedToTheFront) {
  const auto text = kExperiment + "[[scenario]]\nname = \"a\"\n" + kBaseline + "[[scenario]]\nname = \"b\"\n";
  const auto e = load_experiment(write("scenario.toml", text));
  ASSERT_EQ(e.scenarios.size(), 3u);
  EXPECT_EQ(e.scenarios[0].name, "baseline");
  EXPECT_EQ(e.scenarios[1].name, "a");
  EXPECT_EQ(e.scenarios[2].name, "b");
  EXPECT_EQ(e.scenarios[0].line, 5);
}

TEST_F(ScenarioFile, FirstScenarioIsTheBaselineWithoutOneNamedSo) {
  const auto text = kExperiment + "[[scenario]]\nname = \"b\"\n[[scenario]]\nname = \"a\"\n";
  const auto e = load_experiment(write("scenario.toml", text));
  ASSERT_EQ(e.scenarios.size(), 2u);
  EXPECT_EQ(e.scenarios[0].name, "b");
}

TEST_F(ScenarioFile, SettingsAreRead) {
  const auto text = kExperiment + "weeks = 52\nreplicates = 3\nseed = 9223372036854775807\n" +
                    "[population]\nscale = 1\n" + kBaseline;
  const auto e = load_experiment(write("scenario.toml", text));
  EXPECT_EQ(e.name, "test");
  EXPECT_EQ(e.weeks, 52);
  EXPECT_EQ(e.replicates, 3);
  EXPECT_EQ(e.seed, 9223372036854775807u);
  EXPECT_EQ(e.scale, 1.0);
}

TEST_F(ScenarioFile, OverridesAreLayered) {
  const auto text = kExperiment +
                    "[parameters]\n"
                    "population.lonely = 0.2\n"
                    "ladder.up_rate = [0.3, 0.2, 0.15, 0.1, 0.2]\n" +
                    kBaseline +
                    "[[scenario]]\n"
                    "name = \"more_lonely\"\n"
                    "  [scenario.parameters]\n"
                    "  \"network.friend_contacts\" = 8\n"
                    "  [scenario.parameters.population]\n"
                    "  lonely = 0.3\n";
  const auto e = load_experiment(write("scenario.toml", text));
  ASSERT_EQ(e.scenarios.size(), 2u);
  const auto& base = e.scenarios[0].params;
  const auto& more = e.scenarios[1].params;
  EXPECT_EQ(base.get("population.lonely"), 0.2);
  EXPECT_EQ(more.get("population.lonely"), 0.3);
  EXPECT_EQ(base.vec("ladder.up_rate"), (std::vector<double>{0.3, 0.2, 0.15, 0.1, 0.2}));
  EXPECT_EQ(more.vec("ladder.up_rate"), base.vec("ladder.up_rate"));
  EXPECT_EQ(more.get("network.friend_contacts"), 8.0);
  const auto& table = model_parameters();
  EXPECT_EQ(base.get("network.friend_contacts"), table.at("network.friend_contacts").defaults[0]);
  EXPECT_EQ(more.vec("population.age_shares"), table.at("population.age_shares").defaults);
  EXPECT_TRUE(more.overridden("population.lonely"));
  EXPECT_FALSE(more.overridden("population.age_shares"));
}

TEST_F(ScenarioFile, RelativeDataPathIsResolvedAgainstTheScenarioFolder) {
  const auto csv = write("inputs/wijken.csv", kWijkenCsv);
  const auto path = write("inputs/scenario.toml", kExperiment + "[population]\ndata = \"wijken.csv\"\n" + kBaseline);
  const auto e = load_experiment(path);
  EXPECT_EQ(fs::path(e.population_data), fs::path(csv));
}

// Command-line overrides

TEST_F(ScenarioFile, CommandLineOverridesReplaceTheFilesSettings) {
  auto e = default_experiment();
  apply_overrides(e, 52, std::nullopt, 7u, 0.5);
  EXPECT_EQ(e.weeks, 52);
  EXPECT_EQ(e.replicates, 20);
  EXPECT_EQ(e.seed, 7u);
  EXPECT_EQ(e.scale, 0.5);
}

TEST_F(ScenarioFile, CommandLineOverridesOutOfRange) {
  auto e = default_experiment();
  try {
    apply_overrides(e, 0, 5, std::nullopt, 1000.0);
    FAIL() << "no error";
  } catch (const sim::InputError& err) {
    ASSERT_EQ(err.problems().size(), 2u);
    expect(err.problems()[0], "command line", 0, "--weeks", "value 0 is out of range");
    expect(err.problems()[1], "command line", 0, "--scale", "value 1000 is out of range");
  }
  EXPECT_EQ(e.weeks, 260);
  EXPECT_EQ(e.replicates, 20);
}

}  // namespace
}  // namespace meedoen::models
