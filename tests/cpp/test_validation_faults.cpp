// The field reports of issue 12, kinds 1, 2, 8 and 9 (tests/data/faults holds their examples):
// population CSVs read by a real CSV reader with counts written one way; bounds of the same thing
// that contradict each other; populations with nobody to simulate; integers beyond a double.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <tuple>
#include <variant>

#include "models/experiment.hpp"
#include "models/model_parameters.hpp"
#include "models/wijken.hpp"
#include "sim/errors.hpp"

namespace meedoen::models {
namespace {

namespace fs = std::filesystem;

const fs::path kFaults = fs::path(MEEDOEN_SOURCE_DIR) / "tests" / "data" / "faults";
const std::string kHeader = "code,name,inhabitants,men,women,dwellings,land_ha\n";

std::vector<sim::Problem> problems_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const sim::InputError& e) {
    return e.problems();
  }
  return {};
}

void expect_one(const std::vector<sim::Problem>& problems, int line, const std::string& key, const std::string& says) {
  ASSERT_EQ(problems.size(), 1u) << sim::InputError(problems).what();
  EXPECT_EQ(problems[0].line, line) << problems[0].str();
  EXPECT_EQ(problems[0].key, key) << problems[0].str();
  EXPECT_NE(problems[0].message.find(says), std::string::npos) << problems[0].str();
}

std::vector<sim::Problem> csv_problems(const std::string& text) {
  return problems_of([&] { parse_wijken(text, "w.csv"); });
}

std::vector<sim::Problem> toml_problems(const std::string& text) {
  return problems_of([&] { parse_experiment(text, "s.toml"); });
}

// Kind 1: the population file -----------------------------------------------------------------

TEST(PopulationCsv, QuotedNameWithTheSeparator) {
  const auto wijken = parse_wijken(kHeader + "WK1,\"Binnenstad, Zuid\",100,40,60,50,12.5\n"
                                               "WK2,\"De \"\"Mors\"\"\",10,5,5,4,3\n",
                                   "w.csv");
  ASSERT_EQ(wijken.size(), 2u);
  EXPECT_EQ(wijken[0].name, "Binnenstad, Zuid");
  EXPECT_EQ(wijken[0].inhabitants, 100);
  EXPECT_EQ(wijken[0].land_ha, 12.5);
  EXPECT_EQ(wijken[1].name, "De \"Mors\"");
}

TEST(PopulationCsv, DutchExcelDialectReadsAsThePlainOne) {
  const auto plain = parse_wijken(kHeader + "WK1,Noord,1000,400,600,500,12.5\nWK2,\"Zuid; Oost\",7,3,4,2,0\n", "a");
  const auto excel = parse_wijken("\xEF\xBB\xBF" "code;name;inhabitants;men;women;dwellings;land_ha\r\n"
                                  "WK1;Noord;1000;400;600;500;12.5\r\n\r\n"
                                  "WK2;\"Zuid; Oost\";7;3;4;2;0\r\n",
                                  "b");
  ASSERT_EQ(plain.size(), excel.size());
  for (std::size_t w = 0; w < plain.size(); ++w) {
    EXPECT_EQ(plain[w].code, excel[w].code);
    EXPECT_EQ(plain[w].name, excel[w].name);
    EXPECT_EQ(plain[w].inhabitants, excel[w].inhabitants);
    EXPECT_EQ(plain[w].dwellings, excel[w].dwellings);
    EXPECT_EQ(plain[w].land_ha, excel[w].land_ha);
  }
}

TEST(PopulationCsv, CountsWrittenAnyOtherWayAreRefusedAtTheirLineAndColumn) {
  for (const std::string count : {"1.000", "2.5", "1e3", "-1", "+5", "1 000", "", "0x10"}) {
    const auto problems = csv_problems(kHeader + "WK1,Noord,100,40,60,50,1\n\nWK2,Zuid,\"" + count + "\",4,6,5,1\n");
    expect_one(problems, 4, "inhabitants", "'" + count + "' is not a count");
    EXPECT_NE(problems[0].message.find("digits only"), std::string::npos);
  }
  const auto semicolons = csv_problems("code;name;inhabitants;men;women;dwellings;land_ha\r\nWK1;Noord;1,5;1;0;1;1\r\n");
  expect_one(semicolons, 2, "inhabitants", "'1,5' is not a count");
  const auto blank_first = csv_problems("\r\n\ncode;name;inhabitants;men;women;dwellings;land_ha\nWK1;Noord;1.000;1;0;1;1\n");
  expect_one(blank_first, 4, "inhabitants", "'1.000' is not a count");
}

TEST(PopulationCsv, ACountTooLargeForTheEngineSaysSo) {
  expect_one(csv_problems(kHeader + "WK1,Noord,4000000000,40,60,50,1\n"), 2, "inhabitants",
             "'4000000000' is too large (at most 2147483647)");
}

TEST(PopulationCsv, ControlCharactersInACodeOrNameAreRefused) {
  // A NUL ends a C string: "Mors\0a" and "Mors\0b" were both stored as "Mors" (one wijk twice).
  for (const std::string& bad : {std::string("Mors\0a", 6), std::string("Mors\ta"), std::string("\x7F")}) {
    expect_one(csv_problems(kHeader + "WK1,\"" + bad + "\",100,40,60,50,1\n"), 2, "name", "holds a control character");
    expect_one(csv_problems(kHeader + "\"" + bad + "\",Noord,100,40,60,50,1\n"), 2, "code", "holds a control character");
  }
}

TEST(PopulationCsv, AreasHaveOneWrittenForm) {
  EXPECT_EQ(parse_wijken(kHeader + "WK1,Noord,1,1,0,1,1.000\n", "w")[0].land_ha, 1.0);
  EXPECT_EQ(parse_wijken(kHeader + "WK1,Noord,1,1,0,1,7\n", "w")[0].land_ha, 7.0);
  for (const std::string area : {"2,5", "2.5e1", "1.2.3", ".", "-1", "nan", "inf"}) {
    const auto problems = csv_problems("code;name;inhabitants;men;women;dwellings;land_ha\nWK1;Noord;1;1;0;1;" + area + "\n");
    expect_one(problems, 2, "land_ha", "'" + area + "' is not an area (hectares");
  }
}

TEST(PopulationCsv, FieldCountsAndMalformedQuotesNameTheirLine) {
  expect_one(csv_problems(kHeader + "WK1,Binnenstad, Zuid,100,40,60,50,12.5\n"), 2, "row", "expected 7 fields, got 8");
  expect_one(csv_problems(kHeader + "WK1,Noord,1,1,0,1,1\nWK2,Zu\"id,1,1,0,1,1\n"), 3, "row", "is not valid CSV");
  expect_one(csv_problems(kHeader + "WK1,\"Noord,1,1,0,1,1\n"), 2, "row", "is not valid CSV");
  expect_one(csv_problems("code;name\nWK1;Noord\n"), 1, "header", "columns must be");
  expect_one(csv_problems("\n\n"), 0, "header", "the file is empty");
}

// Kind 2: bounds of one thing that contradict each other ------------------------------------------

TEST(Relations, MinBudgetAboveMaxBudgetIsRefusedNamingBoth) {
  const auto file = (kFaults / "24-min-above-max.toml").string();
  const auto problems = problems_of([&] { load_experiment(file); });
  expect_one(problems, 23, "scenario[2].intervention[1].min_budget", "value 450 is above geluksbudget.max_budget (100)");
  EXPECT_EQ(problems[0].file, file);
  EXPECT_NE(problems[0].message.find("geluksbudget.min_budget at most geluksbudget.max_budget"), std::string::npos);
}

const std::string kSettings = "[experiment]\nname = \"t\"\nweeks = 10\n[population]\nscale = 0.05\n";
const std::string kBaseline = "[[scenario]]\nname = \"baseline\"\n";

std::string with_intervention(const std::string& body, const std::string& parameters = "") {
  return kSettings + parameters + kBaseline + "[[scenario]]\nname = \"x\"\n[[scenario.intervention]]\n" + body;
}

TEST(Relations, EveryDeclaredPairIsChecked) {
  // Lines: 1-5 settings, then the [parameters] lines, the baseline (2), the scenario (2), the table, its keys.
  expect_one(toml_problems(with_intervention("type = \"student_matching\"\nmin_age = 25\nmax_age = 20\n")), 12,
             "scenario[2].intervention[1].min_age", "above student_matching.max_age (20)");
  expect_one(toml_problems(with_intervention("type = \"talent_matching\"\nmax_rung = 1\n")), 12,
             "scenario[2].intervention[1].max_rung", "value 1 is below talent_matching.min_rung (2)");
  expect_one(toml_problems(with_intervention("type = \"home_visits\"\nmin_age = 60\n",
                                             "[parameters]\nage.pension = 60\n")),
             2 + 12, "scenario[2].intervention[1].min_age", "value 60 is equal to age.pension (60)");
  // Equal bounds are one value, not a contradiction.
  EXPECT_TRUE(toml_problems(with_intervention("type = \"geluksbudget\"\nmin_budget = 300\nmax_budget = 300\n")).empty());
}

TEST(Relations, ReportedOnceWhereTheyAreBroken) {
  // Both in [parameters]: once there, not for every scenario and intervention.
  const auto both = with_intervention("type = \"geluksbudget\"\n",
                                      "[parameters]\ngeluksbudget.min_budget = 300\ngeluksbudget.max_budget = 200\n");
  expect_one(toml_problems(both), 7, "parameters.geluksbudget.min_budget", "value 300 is above");
  // One in [parameters], the other in the intervention: at the intervention's key.
  const auto split = with_intervention("type = \"geluksbudget\"\nmax_budget = 200\n",
                                       "[parameters]\ngeluksbudget.min_budget = 300\n");
  expect_one(toml_problems(split), 14, "scenario[2].intervention[1].max_budget",
             "value 200 is below geluksbudget.min_budget (300)");  // its own value, not min_budget's
  // In [scenario.parameters].
  const auto scenario = kSettings + kBaseline + "[scenario.parameters]\nstudent_matching.max_age = 17.0\n";
  EXPECT_FALSE(toml_problems(scenario).empty());  // 17 is below max_age's own range
  const auto scenario2 = kSettings + kBaseline + "[scenario.parameters]\nstudent_matching.min_age = 29\n";
  expect_one(toml_problems(scenario2), 9, "scenario[1].parameters.student_matching.min_age", "above");
}

TEST(Relations, ValuesFromOutsideTheFileKeepThemToo) {
  auto e = parse_experiment(with_intervention("type = \"geluksbudget\"\nmax_budget = 200\n"), "s.toml");
  const auto problems = problems_of([&] { set_parameters(e, {{"geluksbudget.min_budget", {300}}}, "sensitivity"); });
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].str().substr(0, 37), "sensitivity: geluksbudget.min_budget:");
  EXPECT_TRUE(e.parameter_values.empty());  // nothing changed
  set_parameters(e, {{"geluksbudget.min_budget", {150}}}, "sensitivity");
  EXPECT_EQ(e.scenarios[1].interventions[0].params.get("geluksbudget.min_budget"), 150.0);
}

TEST(Relations, PerReplicateDrawsKeepThemToo) {
  auto e = parse_experiment(with_intervention("type = \"geluksbudget\"\n"), "s.toml");
  ParameterDraws draws{{"geluksbudget.min_budget", "geluksbudget.max_budget"}, {{100, 400}, {300, 250}}, "posterior"};
  const auto problems = problems_of([&] { set_parameter_draws(e, draws); });
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].str().substr(0, 61), "posterior: geluksbudget.min_budget: row 1: value 300 is above");
  EXPECT_TRUE(e.parameter_draws.empty());
  draws.rows[1] = {250, 250};
  set_parameter_draws(e, draws);
  EXPECT_EQ(e.parameter_draws.rows.size(), 2u);
}

TEST(Relations, DeclaredOnceInTheRegistryAndShownInTheDocs) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto* lower : model_parameters().relations()) pairs.emplace_back(lower->name, lower->at_most);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"home_visits.min_age", "age.pension"},
      {"geluksbudget.min_budget", "geluksbudget.max_budget"},
      {"talent_matching.min_rung", "talent_matching.max_rung"},
      {"student_matching.min_age", "student_matching.max_age"}};
  for (const auto& pair : expected) EXPECT_NE(std::find(pairs.begin(), pairs.end(), pair), pairs.end()) << pair.first;
  const auto docs = model_parameters().to_markdown();
  EXPECT_NE(docs.find("at most `geluksbudget.max_budget`"), std::string::npos);
  EXPECT_NE(docs.find("at least `geluksbudget.min_budget`"), std::string::npos);
  EXPECT_NE(docs.find("below `age.pension`"), std::string::npos);
  // A table whose defaults break a relation, or relate to an unknown parameter, is a programming error.
  auto lo = sim::at_most({"x.lo", "u", {5}, {}, 0, 10, false, "assumption", "Low."}, "x.hi");
  const sim::ParamSpec hi{"x.hi", "u", {3}, {}, 0, 10, false, "assumption", "High."};
  EXPECT_THROW(sim::ParamTable({lo, hi}), std::logic_error);
  EXPECT_THROW(sim::ParamTable({sim::at_most(hi, "x.nowhere")}), std::logic_error);
}

// Kind 8: nobody to simulate ------------------------------------------------------------------------

TEST(TinyPopulation, NoAdultsAtTheScaleIsRefusedAtTheScale) {
  const auto file = (kFaults / "06-tiny-population.toml").string();
  const auto problems = problems_of([&] { load_experiment(file); });
  expect_one(problems, 15, "population.scale", "at scale 0.001 the population has no adults (0 residents");
}

class PopulationFile : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("meedoen_faults_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "w.csv") << kHeader << "WK1,Klein,1,1,0,1,1\nWK2,Groot,400,200,200,160,30\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string scenario(const std::string& text) {
    std::ofstream(dir_ / "s.toml") << text;
    return (dir_ / "s.toml").string();
  }
  fs::path dir_;
};

TEST_F(PopulationFile, OnlyChildrenIsNobodyToo) {
  const auto text = "[experiment]\nname = \"t\"\n[population]\ndata = \"w.csv\"\n"
                    "[parameters]\npopulation.age_shares = [1, 0, 0, 0, 0, 0, 0]\n" + kBaseline;
  const auto problems = problems_of([&] { load_experiment(scenario(text)); });
  expect_one(problems, 4, "population.data", "has no adults (401 residents)");
}

TEST_F(PopulationFile, CommandLineScaleIsCheckedTheSameWay) {
  auto e = load_experiment(scenario("[experiment]\nname = \"t\"\n[population]\ndata = \"w.csv\"\n" + kBaseline));
  const auto problems = problems_of([&] { apply_overrides(e, {}, {}, {}, 0.001); });
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].str().substr(0, 64), "command line: --scale: at scale 0.001 the population has no adul");
  EXPECT_EQ(e.scale, 1.0);
}

TEST_F(PopulationFile, InterventionOnlyInWijkenWithoutAdultsIsAWarning) {
  const auto text = "[experiment]\nname = \"t\"\n[population]\ndata = \"w.csv\"\nscale = 0.4\n" + kBaseline +
                    "[[scenario]]\nname = \"x\"\n"
                    "[[scenario.intervention]]\ntype = \"walk_in\"\nwijken = [\"Klein\"]\n"
                    "[[scenario.intervention]]\ntype = \"home_visits\"\nwijken = [\"Klein\", \"Groot\"]\n";
  auto e = load_experiment(scenario(text));
  ASSERT_EQ(e.warnings.size(), 1u);
  EXPECT_EQ(e.warnings[0].line, 10);
  EXPECT_EQ(e.warnings[0].key, "wijken");
  EXPECT_NE(e.warnings[0].message.find("warning: intervention 'walk_in' of scenario 'x' works only in wijken without "
                                       "adults at scale 0.4 (Klein): it is charged for nobody"),
            std::string::npos);
  apply_overrides(e, {}, {}, {}, 1.0);  // Klein's one resident is an adult at scale 1
  EXPECT_TRUE(e.warnings.empty());
}

TEST(TomlText, ControlCharactersInANameOrPathAreRefused) {
  // TOML lets a string hold them as escapes; "a\u0000b" was stored as the experiment name "a".
  for (const std::string escape : {"\\u0000", "\\t", "\\n", "\\u007F"}) {
    expect_one(toml_problems("[experiment]\nname = \"a" + escape + "b\"\n" + kBaseline), 2, "experiment.name",
               "holds a control character");
    expect_one(toml_problems("[experiment]\nname = \"t\"\n[population]\ndata = \"w" + escape + ".csv\"\n" + kBaseline),
               4, "population.data", "holds a control character");
  }
}

TEST(TomlText, AParameterSetTwiceInOneTableIsRefused) {
  // TOML allows it when one of the two is a quoted dotted key; the engine kept one of them.
  const auto nested = kSettings + kBaseline + "[scenario.parameters]\n\"ladder.peer_up\" = 3\n" +
                      "[scenario.parameters.ladder]\npeer_up = 2\n";
  expect_one(toml_problems(nested), 11, "scenario[1].parameters.ladder.peer_up",
             "is set a second time (first at line 9");
  const auto flat = kSettings + "[parameters]\nladder = { peer_up = 2 }\n\"ladder.peer_up\" = 3\n" + kBaseline;
  expect_one(toml_problems(flat), 8, "parameters.ladder.peer_up", "is set a second time (first at line 7");
  const auto own = with_intervention("type = \"geluksbudget\"\n\"min_budget\" = 100\nmin_budget = 200\n");
  EXPECT_FALSE(toml_problems(own).empty());  // TOML itself refuses this one: the same key
}

// Kind 9: integers beyond a double ---------------------------------------------------------------

TEST(ExtremeNumbers, TheFieldReport) {
  const auto file = (kFaults / "09-extreme-numbers.toml").string();
  expect_one(problems_of([&] { load_experiment(file); }), 23, "scenario[2].intervention[1].list_size",
             "value 9007199254740993 is out of range (a whole number from 0 to 100000)");
  EXPECT_NO_THROW(load_experiment((kFaults / "09-valid.toml").string()));
}

TEST(ExtremeNumbers, EveryNumberOfAFileIsCheckedTheSameWay) {
  const std::string big = "9007199254740993", settings = "[experiment]\nname = \"t\"\n";
  expect_one(toml_problems(settings + "weeks = " + big + "\n" + kBaseline), 3, "experiment.weeks",
             "value " + big + " is out of range");
  expect_one(toml_problems(settings + "replicates = -" + big + "\n" + kBaseline), 3, "experiment.replicates",
             "value -" + big + " is out of range");
  expect_one(toml_problems(settings + "[population]\nscale = " + big + "\n" + kBaseline), 4, "population.scale",
             "value " + big + " is out of range (a number from 0.001 to 150)");
  expect_one(toml_problems(settings + "[parameters]\nladder.peer_up = " + big + "\n" + kBaseline), 4,
             "parameters.ladder.peer_up", "value " + big + " is out of range");
  expect_one(toml_problems(settings + "[parameters]\npopulation.age_shares = [1, 1, " + big + ", 1, 1, 1, 1]\n" +
                           kBaseline),
             4, "parameters.population.age_shares", "element 3: value " + big + " is out of range");
  expect_one(toml_problems(settings + kBaseline + "[scenario.parameters]\ncosts.ggz = -" + big + "\n"), 6,
             "scenario[1].parameters.costs.ggz", "value -" + big + " is out of range");
  expect_one(toml_problems(with_intervention("type = \"walk_in\"\nstart_week = " + big + "\n")), 12,
             "scenario[2].intervention[1].start_week", "value " + big + " is after the experiment's last week");
  // The seed is a whole number of 64 bits, read exactly.
  EXPECT_EQ(parse_experiment(settings + "seed = " + big + "\n" + kBaseline, "s").seed, 9007199254740993u);
  EXPECT_EQ(parse_experiment(settings + "seed = 9223372036854775807\n" + kBaseline, "s").seed, 9223372036854775807u);
  expect_one(toml_problems(settings + "seed = 1e3\n" + kBaseline), 3, "experiment.seed", "is not a whole number");
}

TEST(ExtremeNumbers, CommandLineSettings) {
  EXPECT_EQ(std::get<std::int64_t>(command_line_setting("--seed", "9223372036854775807")), 9223372036854775807);
  EXPECT_EQ(std::get<std::int64_t>(command_line_setting("--replicates", "16")), 16);
  EXPECT_EQ(std::get<double>(command_line_setting("--scale", "0.05")), 0.05);
  const std::vector<std::tuple<std::string, std::string, std::string>> bad = {
      {"--seed", "9223372036854775808", "value 9223372036854775808 is out of range (a whole number from 0 to "
                                        "9223372036854775807)"},
      {"--seed", "18446744073709551617", "value 18446744073709551617 is out of range"},
      {"--seed", "-1", "value -1 is out of range"},
      {"--scale", "nan", "value nan is out of range (a number from 0.001 to 150)"},
      {"--scale", "inf", "value inf is out of range"},
      {"--scale", "1e-400", "value 1e-400 is out of range"},
      {"--scale", "0,5", "value 0,5 is not a number"},
      {"--weeks", "1e3", "value 1e3 is not a whole number in decimal digits (a whole number from 1 to 5200)"},
      {"--weeks", "0", "value 0 is out of range"},
      {"--replicates", "0x10", "value 0x10 is not a whole number"},
      {"--replicates", "", "is empty (a whole number from 1 to 100000)"},
  };
  for (const auto& [flag, text, says] : bad) {
    const auto problems = problems_of([&] { command_line_setting(flag, text); });
    ASSERT_EQ(problems.size(), 1u) << flag << " " << text;
    const auto line = problems[0].str(), expected = "command line: " + flag + ": " + says;
    EXPECT_EQ(line.substr(0, expected.size()), expected) << text;
    EXPECT_EQ(line.back(), ')') << line;  // what is allowed
  }
  EXPECT_THROW(command_line_setting("--threads", "2"), std::invalid_argument);
}

}  // namespace
}  // namespace meedoen::models
