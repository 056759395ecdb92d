// Parameter values from outside the scenario file (calibration, sensitivity
// analysis, posterior draws), the choice of scenarios, and the run's fingerprint.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>

#include "models/experiment.hpp"
#include "models/model_parameters.hpp"
#include "models/runner.hpp"
#include "sim/errors.hpp"

namespace meedoen::models {
namespace {

namespace fs = std::filesystem;

// The file sets population.lonely for every scenario, home_visits.contact for
// scenario door, and home_visits.staff_hours for door's first intervention only.
const std::string kText =
    "[experiment]\n"
    "name = \"test\"\n"
    "weeks = 10\n"
    "[parameters]\n"
    "population.lonely = 0.2\n"
    "[[scenario]]\n"
    "name = \"baseline\"\n"
    "[[scenario]]\n"
    "name = \"door\"\n"
    "  [scenario.parameters]\n"
    "  home_visits.contact = 0.5\n"
    "  [[scenario.intervention]]\n"
    "  type = \"home_visits\"\n"
    "  name = \"north\"\n"
    "  staff_hours = 36\n"
    "  [[scenario.intervention]]\n"
    "  type = \"home_visits\"\n"
    "  name = \"south\"\n"
    "[[scenario]]\n"
    "name = \"other\"\n";

Experiment experiment() { return parse_experiment(kText, "test.toml"); }

double fallback(const std::string& name) { return model_parameters().at(name).defaults.front(); }

const ScenarioSpec& scenario(const Experiment& e, const std::string& name) { return find_scenario(e, name, "test"); }

const sim::ParamSet& in(const Experiment& e, const std::string& s, const std::string& intervention) {
  return find_intervention(scenario(e, s), intervention, "test").params;
}

std::vector<sim::Problem> problems_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const sim::InputError& err) {
    return err.problems();
  }
  return {};
}

void expect_problem(const sim::Problem& p, const std::string& origin, const std::string& key, const std::string& says) {
  EXPECT_EQ(p.file, origin);
  EXPECT_EQ(p.line, 0);
  EXPECT_EQ(p.key, key);
  EXPECT_NE(p.message.find(says), std::string::npos) << p.str();
  // No line: ORIGIN: key: what is wrong (what is allowed).
  EXPECT_EQ(p.str().rfind(origin + ": " + key + ": ", 0), 0u) << p.str();
}

TEST(SetParameters, ReachTheScenariosAndTheirInterventions) {
  auto e = experiment();
  set_parameters(e, {{"network.friend_contacts", {9}}, {"home_visits.list_size", {120}}}, "calibration");
  for (const auto& s : e.scenarios) {
    EXPECT_EQ(s.params.get("network.friend_contacts"), 9.0) << s.name;
    EXPECT_EQ(s.params.get("home_visits.list_size"), 120.0) << s.name;
    for (const auto& i : s.interventions) {
      EXPECT_EQ(i.params.get("network.friend_contacts"), 9.0) << i.name;
      EXPECT_EQ(i.params.get("home_visits.list_size"), 120.0) << i.name;
    }
  }
  EXPECT_EQ(e.parameter_values,
            (ParameterValues{{"home_visits.list_size", {120}}, {"network.friend_contacts", {9}}}));
  // Values from outside are not the file's.
  EXPECT_FALSE(file_sets(e, "network.friend_contacts", "test"));
}

TEST(SetParameters, TheFilesOwnSettingsWin) {
  auto e = experiment();
  set_parameters(e, {{"population.lonely", {0.3}}, {"home_visits.contact", {0.7}}, {"home_visits.staff_hours", {44}}},
                 "calibration");
  // [parameters]: every scenario and intervention keeps the file's value.
  for (const auto& s : e.scenarios) {
    EXPECT_EQ(s.params.get("population.lonely"), 0.2) << s.name;
    for (const auto& i : s.interventions) EXPECT_EQ(i.params.get("population.lonely"), 0.2) << i.name;
  }
  // [scenario.parameters]: door and its interventions keep 0.5; the others take 0.7.
  EXPECT_EQ(scenario(e, "door").params.get("home_visits.contact"), 0.5);
  EXPECT_EQ(in(e, "door", "north").get("home_visits.contact"), 0.5);
  EXPECT_EQ(in(e, "door", "south").get("home_visits.contact"), 0.5);
  EXPECT_EQ(scenario(e, "baseline").params.get("home_visits.contact"), 0.7);
  EXPECT_EQ(scenario(e, "other").params.get("home_visits.contact"), 0.7);
  // An intervention's own key: only that intervention keeps 36.
  EXPECT_EQ(in(e, "door", "north").get("home_visits.staff_hours"), 36.0);
  EXPECT_EQ(in(e, "door", "south").get("home_visits.staff_hours"), 44.0);
  EXPECT_EQ(scenario(e, "door").params.get("home_visits.staff_hours"), 44.0);
}

TEST(SetParameters, ALaterCallMergesAndWins) {
  auto e = experiment();
  set_parameters(e, {{"network.friend_contacts", {9}}, {"population.chronic", {0.2}}}, "first");
  set_parameters(e, {{"network.friend_contacts", {4}}}, "second");
  EXPECT_EQ(e.parameter_values, (ParameterValues{{"network.friend_contacts", {4}}, {"population.chronic", {0.2}}}));
  EXPECT_EQ(in(e, "door", "south").get("network.friend_contacts"), 4.0);
  EXPECT_EQ(scenario(e, "baseline").params.get("population.chronic"), 0.2);
}

TEST(SetParameters, EveryBadValueIsReportedWithTheOriginAndKey) {
  auto e = experiment();
  const auto problems = problems_of([&] {
    set_parameters(e,
                   {{"ladder.up_rat", {0.1}},
                    {"population.age_shares", {0.5, 0.5}},
                    {"population.chronic", {0.1, 0.2}},
                    {"population.psych", {1.5}},
                    {"population.bijstand_recipients", {2.5}},
                    {"population.debt_households", {0.1}}},
                   "posterior.h5");
  });
  ASSERT_EQ(problems.size(), 5u) << sim::InputError(problems).what();
  expect_problem(problems[0], "posterior.h5", "ladder.up_rat", "unknown parameter (did you mean ladder.up_rate");
  expect_problem(problems[1], "posterior.h5", "population.age_shares", "expected a list of 7 numbers, got 2");
  expect_problem(problems[2], "posterior.h5", "population.chronic", "got a list");
  expect_problem(problems[3], "posterior.h5", "population.psych",
                 "value 1.5 is out of range (a number from 0 to 1)");
  expect_problem(problems[4], "posterior.h5", "population.bijstand_recipients",
                 "value 2.5 is not a whole number (a whole number from 0 to 100000)");
  // Nothing changed, not even the good value.
  EXPECT_TRUE(e.parameter_values.empty());
  EXPECT_EQ(scenario(e, "baseline").params.get("population.debt_households"), fallback("population.debt_households"));
}

TEST(FileSets, EveryPlaceTheFileSetsAParameter) {
  const auto e = experiment();
  EXPECT_TRUE(file_sets(e, "population.lonely", "test"));        // [parameters]
  EXPECT_TRUE(file_sets(e, "home_visits.contact", "test"));      // [scenario.parameters]
  EXPECT_TRUE(file_sets(e, "home_visits.staff_hours", "test"));  // an intervention's own key
  EXPECT_FALSE(file_sets(e, "home_visits.list_size", "test"));
  EXPECT_FALSE(file_sets(e, "population.chronic", "test"));
  // Only the experiment's scenarios count.
  auto chosen = e;
  select_scenarios(chosen, {"other", "baseline"}, "test");
  EXPECT_FALSE(file_sets(chosen, "home_visits.staff_hours", "test"));
  EXPECT_TRUE(file_sets(chosen, "population.lonely", "test"));
  const auto problems = problems_of([&] { file_sets(e, "population.lonly", "file_sets"); });
  ASSERT_EQ(problems.size(), 1u);
  expect_problem(problems[0], "file_sets", "population.lonly", "did you mean population.lonely");
}

TEST(SelectScenarios, KeepsTheNamedOnesInThatOrder) {
  auto e = experiment();
  select_scenarios(e, {"other", "door"}, "--scenarios");
  ASSERT_EQ(e.scenarios.size(), 2u);
  EXPECT_EQ(e.scenarios[0].name, "other");
  EXPECT_EQ(e.scenarios[1].name, "door");
  EXPECT_EQ(e.scenarios[1].interventions.size(), 2u);
}

TEST(SelectScenarios, UnknownRepeatedOrNoScenarios) {
  auto e = experiment();
  auto problems = problems_of([&] { select_scenarios(e, {"door", "dor", "door", "nothing_like_it"}, "--scenarios"); });
  ASSERT_EQ(problems.size(), 3u) << sim::InputError(problems).what();
  expect_problem(problems[0], "--scenarios", "scenario",
                 "unknown scenario 'dor' (did you mean door? the scenarios: baseline, door, other)");
  expect_problem(problems[1], "--scenarios", "scenario", "'door' is given twice (each scenario once)");
  expect_problem(problems[2], "--scenarios", "scenario",
                 "unknown scenario 'nothing_like_it' (the scenarios: baseline, door, other)");
  problems = problems_of([&] { select_scenarios(e, {}, "--scenarios"); });
  ASSERT_EQ(problems.size(), 1u);
  expect_problem(problems[0], "--scenarios", "scenario", "none chosen");
  EXPECT_EQ(e.scenarios.size(), 3u);
}

ParameterDraws draws(std::vector<std::string> names, std::vector<std::vector<double>> rows) {
  return {std::move(names), std::move(rows), "posterior:abc123"};
}

TEST(ParameterDraws, EachRowAppliesWhereTheFileDoesNotSetTheParameter) {
  auto e = experiment();
  set_parameters(e, {{"network.friend_contacts", {9}}, {"population.chronic", {0.2}}}, "calibration");
  set_parameter_draws(e, draws({"home_visits.staff_hours", "population.lonely", "network.friend_contacts"},
                               {{40, 0.3, 5}, {50, 0.4, 6}}));
  // The experiment's own scenarios stay without draws.
  EXPECT_EQ(in(e, "door", "south").get("home_visits.staff_hours"), fallback("home_visits.staff_hours"));
  const auto door = with_draws(scenario(e, "door"), e.parameter_draws, 1);
  EXPECT_EQ(door.params.get("home_visits.staff_hours"), 50.0);
  EXPECT_EQ(door.interventions[0].params.get("home_visits.staff_hours"), 36.0);  // its own key
  EXPECT_EQ(door.interventions[1].params.get("home_visits.staff_hours"), 50.0);
  EXPECT_EQ(door.params.get("population.lonely"), 0.2);  // [parameters]
  EXPECT_EQ(door.interventions[1].params.get("population.lonely"), 0.2);
  EXPECT_EQ(door.params.get("network.friend_contacts"), 6.0);  // a draw wins over set_parameters
  EXPECT_EQ(door.interventions[1].params.get("network.friend_contacts"), 6.0);
  EXPECT_EQ(door.params.get("population.chronic"), 0.2);
  EXPECT_EQ(with_draws(scenario(e, "baseline"), e.parameter_draws, 0).params.get("home_visits.staff_hours"), 40.0);
}

TEST(ParameterDraws, BadDrawsAreReportedWithTheOriginRowAndParameter) {
  auto e = experiment();
  auto problems = problems_of([&] {
    set_parameter_draws(e, draws({"population.age_shares", "population.lonly", "population.psych", "population.psych"},
                                 {{0, 0, 0, 0}}));
  });
  ASSERT_EQ(problems.size(), 3u) << sim::InputError(problems).what();
  expect_problem(problems[0], "posterior:abc123", "population.age_shares",
                 "is a list of 7 values (only parameters of one value can differ per replicate)");
  expect_problem(problems[1], "posterior:abc123", "population.lonly", "did you mean population.lonely");
  expect_problem(problems[2], "posterior:abc123", "population.psych", "is given twice");

  problems = problems_of([&] {
    set_parameter_draws(e, draws({"population.psych", "population.bijstand_recipients"},
                                 {{0.1, 100}, {0.1, 100}, {1.5, 100.5}, {0.2, 100}, {-1, 7}, {2, 8}}));
  });
  ASSERT_EQ(problems.size(), 2u) << sim::InputError(problems).what();
  expect_problem(problems[0], "posterior:abc123", "population.psych",
                 "row 2: value 1.5 is out of range (a number from 0 to 1); so are 2 other rows");
  expect_problem(problems[1], "posterior:abc123", "population.bijstand_recipients",
                 "row 2: value 100.5 is not a whole number");

  problems = problems_of([&] { set_parameter_draws(e, draws({"population.psych"}, {{0.1}, {0.1, 0.2}})); });
  ASSERT_EQ(problems.size(), 1u);
  expect_problem(problems[0], "posterior:abc123", "rows", "row 1 has 2 values (one per parameter: 1)");
  problems = problems_of([&] { set_parameter_draws(e, draws({}, {})); });
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_TRUE(e.parameter_draws.empty());
}

TEST(ParameterDraws, TheRunNeedsARowForEveryReplicate) {
  auto e = experiment();
  set_parameter_draws(e, draws({"population.psych"}, {{0.1}, {0.2}}));
  apply_overrides(e, std::nullopt, 2, std::nullopt, std::nullopt);
  EXPECT_NO_THROW(check_parameter_draws(e));
  apply_overrides(e, std::nullopt, 3, std::nullopt, std::nullopt);
  const auto problems = problems_of([&] { check_parameter_draws(e); });
  ASSERT_EQ(problems.size(), 1u);
  expect_problem(problems[0], "posterior:abc123", "rows",
                 "2 rows of parameter draws for 3 replicates (one row per replicate: at least 3)");
  // The runner checks before it writes anything.
  const auto out = fs::temp_directory_path() / "meedoen_too_few_rows.h5";
  EXPECT_THROW(run_experiment(e, out.string(), {}), sim::InputError);
  EXPECT_FALSE(fs::exists(parts_dir(out.string())));
}

TEST(Fingerprint, CoversTheValuesTheScenariosAndWhichParametersAreDrawn) {
  const auto base = experiment();
  const auto print = run_fingerprint(base);
  EXPECT_EQ(run_fingerprint(experiment()), print);

  auto values = base;
  set_parameters(values, {{"population.chronic", {0.2}}}, "calibration");
  auto other_value = base;
  set_parameters(other_value, {{"population.chronic", {0.25}}}, "calibration");
  auto file_set = base;  // a value the file overrides everywhere still counts
  set_parameters(file_set, {{"population.lonely", {0.3}}}, "calibration");
  auto chosen = base;
  select_scenarios(chosen, {"baseline", "door"}, "test");
  auto drawn = base;
  set_parameter_draws(drawn, draws({"population.psych"}, {{0.1}, {0.2}}));
  auto other_origin = base;
  set_parameter_draws(other_origin, {{"population.psych"}, {{0.1}, {0.2}}, "posterior:def456"});
  auto other_name = base;
  set_parameter_draws(other_name, draws({"population.chronic"}, {{0.1}, {0.2}}));
  const std::vector<std::string> prints = {print,
                                           run_fingerprint(values),
                                           run_fingerprint(other_value),
                                           run_fingerprint(file_set),
                                           run_fingerprint(chosen),
                                           run_fingerprint(drawn),
                                           run_fingerprint(other_origin),
                                           run_fingerprint(other_name)};
  for (std::size_t a = 0; a < prints.size(); ++a)
    for (std::size_t b = a + 1; b < prints.size(); ++b) EXPECT_NE(prints[a], prints[b]) << a << " and " << b;

  // Not the rows, nor how many: a run extended with more replicates brings more.
  auto more_rows = base;
  set_parameter_draws(more_rows, draws({"population.psych"}, {{0.3}, {0.4}, {0.5}}));
  EXPECT_EQ(run_fingerprint(more_rows), run_fingerprint(drawn));
  // The order of set_parameters calls does not matter, only the values.
  auto two_calls = base;
  set_parameters(two_calls, {{"population.chronic", {0.25}}}, "first");
  set_parameters(two_calls, {{"population.chronic", {0.2}}}, "second");
  EXPECT_EQ(run_fingerprint(two_calls), run_fingerprint(values));
}

TEST(Fingerprint, AResumeWithOtherValuesIsRefused) {
  auto e = experiment();
  apply_overrides(e, 2, 2, std::nullopt, 0.02);
  const auto out = fs::temp_directory_path() / "meedoen_resume_values.h5";
  RunOptions options;
  options.progress = [](long, long) { return false; };
  run_experiment(e, out.string(), options);
  ASSERT_TRUE(fs::exists(parts_dir(out.string()) + "/fingerprint"));
  set_parameters(e, {{"population.chronic", {0.2}}}, "calibration");
  options.resume = true;
  EXPECT_THROW(run_experiment(e, out.string(), options), sim::InputError);
  fs::remove_all(parts_dir(out.string()));
}

}  // namespace
}  // namespace meedoen::models
