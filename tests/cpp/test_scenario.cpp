// Scenario files: the default experiment parses, and every kind of bad input
// is reported with its exact file, line and key.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "models/experiment.hpp"
#include "models/interventions/registry.hpp"
#include "models/model_parameters.hpp"
#include "models/wijken.hpp"
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

// The index of a wijk in the embedded data set.
std::uint8_t leiden_wijk(const std::string& name) {
  const auto wijken = load_wijken("leiden");
  const auto at = std::find_if(wijken.begin(), wijken.end(), [&](const auto& w) { return w.name == name; });
  EXPECT_NE(at, wijken.end()) << name;
  return static_cast<std::uint8_t>(at - wijken.begin());
}

std::vector<std::uint8_t> all_wijken(std::size_t n) {
  std::vector<std::uint8_t> all;
  for (std::size_t w = 0; w < n; ++w) all.push_back(static_cast<std::uint8_t>(w));
  return all;
}

// The default experiment

TEST_F(ScenarioFile, EmbeddedDefaultParses) {
  const auto e = default_experiment();
  EXPECT_EQ(e.name, "Leiden 2027-2031");
  EXPECT_EQ(e.weeks, 260);
  EXPECT_EQ(e.replicates, 20);
  EXPECT_EQ(e.seed, 20270101u);
  EXPECT_EQ(e.population_data, "leiden");
  EXPECT_EQ(e.scale, 1.0);
  std::vector<std::string> names;
  for (const auto& s : e.scenarios) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"baseline", "project_door", "meedoen_met_de_stad", "geluksbudget",
                                             "activation_centre", "mors_poverty", "combined"}));
  EXPECT_EQ(e.source_path, "scenarios/leiden.toml");
  EXPECT_EQ(e.source_text, embedded::leiden_toml);
}

// The interventions of a scenario, as "name:type".
std::vector<std::string> interventions_of(const ScenarioSpec& s) {
  std::vector<std::string> out;
  for (const auto& i : s.interventions) out.push_back(i.name + ":" + i.type);
  return out;
}

TEST_F(ScenarioFile, EmbeddedDefaultScenariosHoldTheirInterventions) {
  const auto e = default_experiment();
  ASSERT_EQ(e.scenarios.size(), 7u);
  const auto wijk_count = load_wijken("leiden").size();
  EXPECT_TRUE(e.scenarios[0].interventions.empty());
  EXPECT_EQ(interventions_of(e.scenarios[1]), (std::vector<std::string>{"home_visits:home_visits"}));
  EXPECT_EQ(interventions_of(e.scenarios[2]),
            (std::vector<std::string>{"peer_outreach:peer_outreach", "signalling_meeting:signalling_meeting",
                                      "walk_in:walk_in"}));
  EXPECT_EQ(interventions_of(e.scenarios[3]), (std::vector<std::string>{"geluksbudget:geluksbudget"}));
  EXPECT_EQ(interventions_of(e.scenarios[4]), (std::vector<std::string>{"activation_centre:activation_centre"}));
  EXPECT_EQ(interventions_of(e.scenarios[5]), (std::vector<std::string>{"poverty_signalling:poverty_signalling"}));
  std::vector<std::string> all;
  for (std::size_t k = 1; k < 6; ++k)
    for (const auto& i : interventions_of(e.scenarios[k])) all.push_back(i);
  EXPECT_EQ(interventions_of(e.scenarios[6]), all);

  const auto& door = e.scenarios[1].interventions[0];
  EXPECT_EQ(door.wijken,
            (std::vector<std::uint8_t>{leiden_wijk("Roodenburgerdistrict"), leiden_wijk("Leiden-Noord")}));
  EXPECT_EQ(e.scenarios[5].interventions[0].wijken, (std::vector<std::uint8_t>{leiden_wijk("Morsdistrict")}));
  for (const auto& i : e.scenarios[2].interventions) EXPECT_EQ(i.wijken, all_wijken(wijk_count)) << i.name;
  EXPECT_EQ(e.scenarios[3].interventions[0].wijken, all_wijken(wijk_count));
  EXPECT_EQ(e.scenarios[3].interventions[0].params.get("geluksbudget.yearly_pot"), 33750.0);
  // In the combined scenario each intervention is as in its own scenario.
  for (const auto& i : e.scenarios[6].interventions)
    for (std::size_t k = 1; k < 6; ++k)
      for (const auto& own : e.scenarios[k].interventions)
        if (own.name == i.name) {
          EXPECT_EQ(i.wijken, own.wijken) << i.name;
          for (const auto& spec : model_parameters().specs())
            EXPECT_EQ(i.params.vec(spec.name), own.params.vec(spec.name)) << i.name << " " << spec.name;
        }
  // Running to the end: shorter runs from the command line keep working.
  for (const auto& s : e.scenarios)
    for (const auto& i : s.interventions) {
      EXPECT_EQ(i.start_week, 1) << s.name << " " << i.name;
      EXPECT_EQ(i.end_week, 0) << s.name << " " << i.name;
    }
}

TEST_F(ScenarioFile, OnDiskLeidenParsesAndMatchesTheEmbeddedText) {
  const auto path = kSourceDir + "/scenarios/leiden.toml";
  const auto e = load_experiment(path);
  EXPECT_EQ(e.source_path, path);
  EXPECT_EQ(e.source_text, read_text(path));
  EXPECT_EQ(e.source_text, embedded::leiden_toml);
  EXPECT_EQ(e.scenarios.size(), 7u);
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

TEST_F(ScenarioFile, UnknownKeyInScenario) {
  const auto text = kExperiment + kBaseline + "[[scenario.interventions]]\ntype = \"home_visits\"\n";
  expect_one(problems_of(text), 5, "scenario[1].interventions",
             "unknown key (allowed: name, parameters, intervention)");
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
  expect_one(problems_of(text), 4, "population.scale", "value -1 is out of range (a number from 0.001 to 150)");
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

// Interventions

// A scenario "door" from line 5 whose intervention table starts at line 7 and
// holds `body` from line 8 on.
std::string with_intervention(const std::string& body, const std::string& settings = "") {
  return kExperiment + settings + kBaseline + "[[scenario]]\nname = \"door\"\n[[scenario.intervention]]\n" + body;
}

TEST_F(ScenarioFile, InterventionIsReadWithItsKeysOnTheScenariosParameters) {
  const auto text = kExperiment +
                    "weeks = 104\n"
                    "[parameters]\n"
                    "home_visits.staff_hours = 50\n" +
                    kBaseline +
                    "[[scenario]]\n"                                         // 8
                    "name = \"door\"\n"                                      // 9
                    "  [scenario.parameters]\n"                              // 10
                    "  home_visits.contact = 0.5\n"                          // 11
                    "  [[scenario.intervention]]\n"                          // 12
                    "  type = \"home_visits\"\n"                             // 13
                    "  name = \"door_north\"\n"                              // 14
                    "  wijken = [\"Roodenburgerdistrict\", \"Leiden-Noord\"]\n"
                    "  start_week = 2\n"
                    "  end_week = 100\n"
                    "  staff_hours = 36\n"
                    "  list_size = 100\n"
                    "  [[scenario.intervention]]\n"  // 20
                    "  type = \"home_visits\"\n";
  const auto e = load_experiment(write("scenario.toml", text));
  ASSERT_EQ(e.scenarios.size(), 2u);
  EXPECT_TRUE(e.scenarios[0].interventions.empty());
  const auto& door = e.scenarios[1];
  ASSERT_EQ(door.interventions.size(), 2u);

  const auto& named = door.interventions[0];
  EXPECT_EQ(named.name, "door_north");
  EXPECT_EQ(named.type, "home_visits");
  EXPECT_EQ(named.line, 12);
  EXPECT_EQ(named.wijken,
            (std::vector<std::uint8_t>{leiden_wijk("Roodenburgerdistrict"), leiden_wijk("Leiden-Noord")}));
  EXPECT_EQ(named.start_week, 2);
  EXPECT_EQ(named.end_week, 100);
  EXPECT_EQ(named.params.get("home_visits.staff_hours"), 36.0);  // its own key
  EXPECT_EQ(named.params.get("home_visits.list_size"), 100.0);
  EXPECT_EQ(named.params.get("home_visits.contact"), 0.5);  // the scenario's
  EXPECT_EQ(named.params.get("population.lonely"), model_parameters().at("population.lonely").defaults[0]);

  const auto& plain = door.interventions[1];
  EXPECT_EQ(plain.name, "home_visits");  // the type when unnamed
  EXPECT_EQ(plain.line, 20);
  EXPECT_EQ(plain.wijken, all_wijken(load_wijken("leiden").size()));
  EXPECT_EQ(plain.start_week, 1);
  EXPECT_EQ(plain.end_week, 0);
  EXPECT_EQ(plain.params.get("home_visits.staff_hours"), 50.0);  // the experiment's [parameters]
  EXPECT_EQ(plain.params.get("home_visits.contact"), 0.5);
  EXPECT_EQ(plain.params.get("home_visits.list_size"), model_parameters().at("home_visits.list_size").defaults[0]);

  // An intervention's keys stay its own: the scenario keeps its values.
  EXPECT_EQ(door.params.get("home_visits.staff_hours"), 50.0);
  EXPECT_EQ(door.params.get("home_visits.list_size"), model_parameters().at("home_visits.list_size").defaults[0]);
}

TEST_F(ScenarioFile, InterventionWijkenComeFromThePopulationData) {
  write("wijken.csv",
        "code,name,inhabitants,men,women,dwellings,land_ha\n"
        "WK1,Noord,100,40,60,50,12.5\n"
        "WK2,Zuid,100,40,60,50,12.5\n");
  const auto text = with_intervention("type = \"home_visits\"\nwijken = [\"Zuid\"]\n",
                                      "[population]\ndata = \"wijken.csv\"\n");
  const auto e = load_experiment(write("scenario.toml", text));
  EXPECT_EQ(e.scenarios[1].interventions[0].wijken, (std::vector<std::uint8_t>{1}));

  const auto leiden = with_intervention("type = \"home_visits\"\nwijken = [\"Leiden-Noord\"]\n",
                                        "[population]\ndata = \"wijken.csv\"\n");
  expect_one(problems_of(leiden), 11, "scenario[2].intervention[1].wijken",
             "unknown wijk 'Leiden-Noord' (the population's wijken: Noord, Zuid)");
}

TEST_F(ScenarioFile, InterventionWijkenAreNotCheckedAgainstBrokenData) {
  const auto csv = write("wijken.csv",
                         "code,name,inhabitants,men,women,dwellings,land_ha\n"
                         "WK1,Noord,many,1,1,1,1.0\n");
  const auto text = with_intervention("type = \"home_visits\"\nwijken = [\"Nowhere\"]\n",
                                      "[population]\ndata = \"wijken.csv\"\n");
  const auto problems = problems_of(text);
  ASSERT_FALSE(problems.empty());
  for (const auto& p : problems) EXPECT_EQ(p.file, csv) << p.str();
}

// Every registered type is named in `message`.
void expect_all_types(const std::string& message) {
  for (const auto& type : intervention_types())
    EXPECT_NE(message.find(std::string(type.name)), std::string::npos) << type.name << " in " << message;
}

TEST_F(ScenarioFile, UnknownInterventionType) {
  const auto problems = problems_of(with_intervention("type = \"home_visit\"\n"));
  expect_one(problems, 8, "scenario[2].intervention[1].type",
             "unknown intervention type 'home_visit' (did you mean home_visits? one of: ");
  expect_all_types(problems[0].message);
}

TEST_F(ScenarioFile, MissingInterventionType) {
  const auto problems = problems_of(with_intervention("name = \"door\"\n"));
  expect_one(problems, 7, "scenario[2].intervention[1].type", "is missing (one of the intervention types: ");
  expect_all_types(problems[0].message);
}

TEST_F(ScenarioFile, UnknownKeyForTheInterventionType) {
  const auto problems = problems_of(with_intervention("type = \"home_visits\"\nstaff_hour = 36\n"));
  expect_one(problems, 9, "scenario[2].intervention[1].staff_hour",
             "unknown key for type home_visits (did you mean staff_hours? allowed: type, name, wijken, start_week, "
             "end_week, ");
  // Every key of the type is listed.
  for (const auto& spec : find_intervention_type("home_visits")->parameters())
    EXPECT_NE(problems[0].message.find(spec.name.substr(std::string("home_visits.").size())), std::string::npos)
        << spec.name;
}

TEST_F(ScenarioFile, ParameterOfAnotherPartOfTheModelIsNoInterventionKey) {
  expect_one(problems_of(with_intervention("type = \"home_visits\"\npopulation.lonely = 0.2\n")), 9,
             "scenario[2].intervention[1].population.lonely", "unknown key for type home_visits");
}

TEST_F(ScenarioFile, WrongTypesOfInterventionValues) {
  const auto text = with_intervention(
      "type = \"home_visits\"\n"
      "name = 7\n"
      "wijken = \"Leiden-Noord\"\n"
      "start_week = \"soon\"\n"
      "staff_hours = \"many\"\n"
      "contact = [0.5]\n");
  const auto problems = problems_of(text);
  ASSERT_EQ(problems.size(), 5u) << sim::InputError(problems).what();
  expect(problems[0], path_, 9, "scenario[2].intervention[1].name", "is a whole number (a name of letters");
  expect(problems[1], path_, 10, "scenario[2].intervention[1].wijken",
         "is a string (a list of one or more names of the population's wijken: Binnenstad-Zuid, ");
  expect(problems[2], path_, 11, "scenario[2].intervention[1].start_week",
         "is a string (a whole number from 1 to 260)");
  expect(problems[3], path_, 12, "scenario[2].intervention[1].staff_hours", "is a string (a number from 0 to 10000)");
  expect(problems[4], path_, 13, "scenario[2].intervention[1].contact", "is a list (a number from 0 to 1)");
}

TEST_F(ScenarioFile, InterventionValuesOutOfRange) {
  const auto text = with_intervention(
      "type = \"home_visits\"\n"
      "contact = 1.5\n"
      "list_size = 2.5\n"
      "start_week = 0\n");
  const auto problems = problems_of(text);
  ASSERT_EQ(problems.size(), 3u) << sim::InputError(problems).what();
  expect(problems[0], path_, 9, "scenario[2].intervention[1].contact",
         "value 1.5 is out of range (a number from 0 to 1)");
  expect(problems[1], path_, 10, "scenario[2].intervention[1].list_size", "value 2.5 is not a whole number");
  expect(problems[2], path_, 11, "scenario[2].intervention[1].start_week",
         "value 0 is before week 1 (a whole number from 1 to 260)");
}

TEST_F(ScenarioFile, UnknownWijk) {
  const auto text = with_intervention("type = \"home_visits\"\nwijken = [\"Morsdistrict\",\n  \"Leiden noord\"]\n");
  const auto problems = problems_of(text);
  expect_one(problems, 10, "scenario[2].intervention[1].wijken",
             "unknown wijk 'Leiden noord' (did you mean Leiden-Noord? the population's wijken: Binnenstad-Zuid, ");
  for (const auto& wijk : load_wijken("leiden"))
    EXPECT_NE(problems[0].message.find(wijk.name), std::string::npos) << wijk.name;
}

TEST_F(ScenarioFile, BadWijkenLists) {
  const auto text = with_intervention(
                        "type = \"home_visits\"\nwijken = [\"Morsdistrict\", 3, \"Morsdistrict\"]\n") +
                    "[[scenario.intervention]]\ntype = \"home_visits\"\nname = \"none\"\nwijken = []\n";
  const auto problems = problems_of(text);
  ASSERT_EQ(problems.size(), 3u) << sim::InputError(problems).what();
  expect(problems[0], path_, 9, "scenario[2].intervention[1].wijken", "element 2 is a whole number (names of");
  expect(problems[1], path_, 9, "scenario[2].intervention[1].wijken", "'Morsdistrict' is listed twice");
  expect(problems[2], path_, 13, "scenario[2].intervention[2].wijken", "is an empty list (a list of one or more");
}

TEST_F(ScenarioFile, InterventionStartsAfterItEnds) {
  expect_one(problems_of(with_intervention("type = \"home_visits\"\nstart_week = 20\nend_week = 10\n")), 10,
             "scenario[2].intervention[1].end_week",
             "value 10 is before start_week 20 (a whole number from 20 to 260)");
}

TEST_F(ScenarioFile, InterventionEndsAfterTheExperiment) {
  const auto text = with_intervention("type = \"home_visits\"\nend_week = 104\n", "weeks = 52\n");
  expect_one(problems_of(text), 10, "scenario[2].intervention[1].end_week",
             "value 104 is after the experiment's last week, 52 (a whole number from 1 to 52)");
}

TEST_F(ScenarioFile, InterventionStartsAfterTheExperiment) {
  const auto text = with_intervention("type = \"home_visits\"\nstart_week = 53\n", "weeks = 52\n");
  expect_one(problems_of(text), 10, "scenario[2].intervention[1].start_week",
             "value 53 is after the experiment's last week, 52");
}

TEST_F(ScenarioFile, InterventionWeeksAreNotCheckedAgainstWrongExperimentWeeks) {
  const auto problems = problems_of(with_intervention("type = \"home_visits\"\nend_week = 300\n", "weeks = 0\n"));
  expect_one(problems, 3, "experiment.weeks", "out of range");
}

TEST_F(ScenarioFile, DuplicateInterventionNames) {
  const auto text = with_intervention("type = \"home_visits\"\nname = \"door\"\n") +
                    "[[scenario.intervention]]\ntype = \"home_visits\"\nname = \"door\"\n" +  // 10
                    "[[scenario.intervention]]\ntype = \"home_visits\"\n" +                     // 13
                    "[[scenario.intervention]]\ntype = \"home_visits\"\n" +                     // 15
                    "[[scenario]]\nname = \"other\"\n" +                                        // 17
                    "[[scenario.intervention]]\ntype = \"home_visits\"\nname = \"door\"\n";     // a new scenario
  const auto problems = problems_of(text);
  ASSERT_EQ(problems.size(), 2u) << sim::InputError(problems).what();
  expect(problems[0], path_, 12, "scenario[2].intervention[2].name",
         "'door' is also the name of scenario[2].intervention[1] (each intervention of a scenario its own name)");
  expect(problems[1], path_, 15, "scenario[2].intervention[4].name",
         "is missing, so it is 'home_visits' (its type), as is scenario[2].intervention[3]");
}

TEST_F(ScenarioFile, BadInterventionName) {
  expect_one(problems_of(with_intervention("type = \"home_visits\"\nname = \"door 2\"\n")), 9,
             "scenario[2].intervention[1].name", "'door 2' is not a valid name");
}

TEST_F(ScenarioFile, InterventionMustBeAnArrayOfTables) {
  const auto text = kExperiment + "[[scenario]]\nname = \"door\"\n[scenario.intervention]\ntype = \"home_visits\"\n";
  expect_one(problems_of(text), 5, "scenario[1].intervention",
             "is a table (one or more [[scenario.intervention]] tables)");
}

TEST_F(ScenarioFile, AllInterventionProblemsAtOnce) {
  const auto text = with_intervention("type = \"home_visits\"\nstaff_hour = 1\n") + "[[scenario]]\nname = \"x\"\n" +
                    "[[scenario.intervention]]\ntype = \"walk\"\n";
  const auto problems = problems_of(text);
  ASSERT_EQ(problems.size(), 2u) << sim::InputError(problems).what();
  expect(problems[0], path_, 9, "scenario[2].intervention[1].staff_hour", "unknown key");
  expect(problems[1], path_, 13, "scenario[3].intervention[1].type", "unknown intervention type 'walk'");
}

TEST_F(ScenarioFile, RegisteredParameterKeysDoNotClashWithTheInterventionKeys) {
  ASSERT_FALSE(intervention_types().empty());
  for (const auto& type : intervention_types()) {
    const std::string prefix = std::string(type.name) + ".";
    for (const auto& spec : type.parameters()) {
      ASSERT_TRUE(spec.name.starts_with(prefix)) << spec.name;
      const auto key = spec.name.substr(prefix.size());
      for (const auto* reserved : {"type", "name", "wijken", "start_week", "end_week"})
        EXPECT_NE(key, reserved) << spec.name;
      EXPECT_NE(model_parameters().find(spec.name), nullptr) << spec.name;
    }
  }
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

TEST_F(ScenarioFile, CommandLineWeeksBelowAnInterventionsWeeks) {
  const auto text = with_intervention("type = \"home_visits\"\nname = \"door\"\nend_week = 104\n") +
                    "[[scenario.intervention]]\ntype = \"home_visits\"\nstart_week = 60\n";  // line 11
  auto e = load_experiment(write("scenario.toml", text));
  try {
    apply_overrides(e, 52, std::nullopt, std::nullopt, 1000.0);
    FAIL() << "no error";
  } catch (const sim::InputError& err) {
    ASSERT_EQ(err.problems().size(), 3u) << err.what();
    expect(err.problems()[0], "command line", 0, "--weeks",
           "value 52 is before week 104, the end_week of intervention 'door' of scenario 'door' at " + e.source_path +
               ":7 (a whole number from 104 to 5200)");
    expect(err.problems()[1], "command line", 0, "--weeks",
           "value 52 is before week 60, the start_week of intervention 'home_visits' of scenario 'door' at " +
               e.source_path + ":11");
    expect(err.problems()[2], "command line", 0, "--scale", "out of range");
  }
  EXPECT_EQ(e.weeks, 260);
  apply_overrides(e, 104, std::nullopt, std::nullopt, std::nullopt);
  EXPECT_EQ(e.weeks, 104);
}

}  // namespace
}  // namespace meedoen::models
