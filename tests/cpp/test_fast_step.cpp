// The fast path of the weekly step (Philox in batches, the bound test on the
// draws' words, the observation counted in the same pass, the programmes'
// searches over lists of the eligible kept up to date) against the
// plain scalar reference (Simulation::step_reference): the same bits, week by
// week, for every output and every piece of state, with every intervention
// type on; and the vector Philox and the word thresholds against their
// scalar definitions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <set>

#include "models/interventions/programme.hpp"
#include "models/interventions/registry.hpp"
#include "models/simulation.hpp"
#include "test_city.hpp"

namespace meedoen::models {
namespace {

TEST(FastStep, BatchedPhiloxGivesTheWordsOfEachAgent) {
  constexpr int kBatch = sim::Rng::kBatch;
  const sim::Rng rng(0x123456789abcdefULL);
  std::mt19937 gen(5);
  const auto next = [&] { return static_cast<std::uint32_t>(gen()); };
  for (int trial = 0; trial < 200; ++trial) {
    const std::uint32_t replicate = next(), week = next(), purpose = next(), purpose2 = next();
    const std::uint32_t first = trial == 0 ? 0xFFFFFFF0u : next();  // wraps around 2^32 as the counter does
    // Block k of `out` holds the words of agent(k) for `p`.
    const auto expect_words = [&](const auto& out, const auto& agent, std::uint32_t p, std::string_view what) {
      for (int k = 0; k < static_cast<int>(out.size() / 4); ++k) {
        const auto w = rng.words(replicate, week, agent(k), p);
        for (int j = 0; j < 4; ++j)
          ASSERT_EQ(out[std::size_t(4 * k + j)], w[std::size_t(j)]) << what << " trial " << trial << " block " << k;
      }
    };
    const auto from_first = [&](int k) { return first + static_cast<std::uint32_t>(k); };
    sim::Rng::Batches consecutive;
    rng.words_batches(replicate, week, first, purpose, consecutive);
    expect_words(consecutive, from_first, purpose, "consecutive");
    sim::Rng::Batch moves, events;  // the same agents, two purposes
    rng.words_batches(replicate, week, first, {purpose, purpose2}, moves, events);
    expect_words(moves, from_first, purpose, "first purpose");
    expect_words(events, from_first, purpose2, "second purpose");
    std::array<std::uint32_t, 2 * kBatch> agents{};  // any agents, in any order
    for (auto& a : agents) a = next();
    const auto gathered = [&](int offset) { return [&, offset](int k) { return agents[std::size_t(offset + k)]; }; };
    sim::Rng::Batch a, b;
    rng.words_batches(replicate, week, agents, purpose, a, b);
    expect_words(a, gathered(0), purpose, "gathered");
    expect_words(b, gathered(kBatch), purpose, "gathered, second batch");
    for (const auto variant : sim::Rng::batch_variants()) {  // each the machine can run: other agents, purposes
      rng.words_batches(variant, replicate, week, agents, {purpose, purpose2}, a, b);
      expect_words(a, gathered(0), purpose, variant);
      expect_words(b, gathered(kBatch), purpose2, variant);
    }
  }
}

TEST(FastStep, ThisMachineRunsAVectorPhilox) {
  const auto variants = sim::Rng::batch_variants();
  EXPECT_EQ(variants.front(), "plain");
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) {
    EXPECT_GE(variants.size(), 2u);
  }
  sim::Rng::Batch a, b;
  EXPECT_THROW(sim::Rng(1).words_batches("sse9", 0, 0, {}, {0, 1}, a, b), std::invalid_argument);
}

TEST(FastStep, WordThresholdsDecideAsTheUniforms) {
  std::mt19937 gen(7);
  std::vector<double> ps = {0.0, 1e-12, 0x1.0p-33, 0x1.0p-32, 0.5, 1.0 - 1e-12, 1.0, 1.5, -0.1};
  for (int k = 0; k < 2000; ++k) ps.push_back(std::uniform_real_distribution<double>(0, 1)(gen));
  for (const double p : ps) {
    const auto t = sim::Rng::word_threshold(p);
    // The decision flips exactly at t: below it the uniform is below p, from it on it is not.
    for (const std::uint64_t w : {t - 2, t - 1, t, t + 1}) {
      if (w > 0xFFFFFFFFull) continue;
      const auto word = static_cast<std::uint32_t>(w);
      ASSERT_EQ(word < t, sim::Rng::to_unit(word) < p) << "p " << p << " word " << word;
    }
  }
}

// Every type: some city-wide, some in a few wijken, taking many in for short
// stays so that enrolments, completions, waiting, fading and wijk-wide
// effects all happen within the year.
Interventions all_types(const TestCity& c) {
  const std::vector<std::string> few = {"Leiden-Noord", "Morsdistrict", "Stevenshofdistrict"};
  std::vector<InterventionSpec> specs = {
      c.spec_in("home_visits", few, {{"list_size", 400}, {"min_weeks_on_bijstand", 20}, {"duration_weeks", 6}}),
      c.spec("peer_outreach", c.all_wijken(), {{"finding_rate", 0.02}, {"staff_hours", 60}, {"duration_weeks", 5}}),
      c.spec_in("signalling_meeting", few, {}),
      c.spec("walk_in", c.all_wijken(), {{"base_rate", 0.01}, {"duration_weeks", 4}}),
      c.spec("geluksbudget", c.all_wijken(), {{"finding_rate", 0.02}, {"yearly_pot", 4000}, {"duration_weeks", 5}}),
      c.spec("activation_centre", c.all_wijken(), {{"finding_rate", 0.02}, {"places", 40}, {"duration_weeks", 7}}),
      c.spec_in("poverty_signalling", few, {{"finding_rate", 0.1}, {"staff_hours", 40}, {"duration_weeks", 8}}),
      c.spec_in("talent_matching", few, {{"finding_rate", 0.01}, {"places", 30}, {"duration_weeks", 6}}),
      c.spec_in("student_matching", few, {{"finding_rate", 0.02}, {"organisations", 20}, {"duration_weeks", 6}}),
      c.spec_in("volunteer_support", few, {}),
  };
  specs[3].start_week = 10;  // one starting late, one ending early
  specs[5].end_week = 30;
  Interventions out;
  for (std::size_t k = 0; k < specs.size(); ++k) {
    specs[k].name = specs[k].type + std::to_string(k);
    out.push_back(make_intervention(specs[k], static_cast<std::uint8_t>(k)));
  }
  return out;
}

// The lists of the eligible trust each type's word on what its eligible() reads
// (ProgrammeSettings::reads_age, reads_bijstand_weeks): the comparisons with the
// reference below hold every type to it, so every registered type must be in them.
TEST(FastStep, EveryInterventionTypeIsInTheComparisons) {
  std::set<std::string> tested, registered;
  static const TestCity c(0.3);
  for (const auto& intervention : all_types(c)) tested.insert(intervention->spec().type);
  for (const auto& type : intervention_types()) registered.insert(std::string(type.name));
  EXPECT_EQ(tested, registered);
}

template <class T> bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

void expect_same_state(const Simulation& a, const Simulation& b, int week) {
  const auto &p = a.people(), &q = b.people();
  EXPECT_TRUE(same_bits(p.rung, q.rung)) << "week " << week;
  EXPECT_TRUE(same_bits(p.flags, q.flags)) << "week " << week;
  EXPECT_TRUE(same_bits(p.age, q.age)) << "week " << week;
  EXPECT_TRUE(same_bits(p.bijstand_weeks, q.bijstand_weeks)) << "week " << week;
  EXPECT_TRUE(same_bits(p.household_flags, q.household_flags)) << "week " << week;
  EXPECT_TRUE(same_bits(p.birth_week, q.birth_week)) << "week " << week;  // the open population's places
  EXPECT_TRUE(same_bits(p.occupant, q.occupant)) << "week " << week;
  EXPECT_TRUE(same_bits(p.female, q.female)) << "week " << week;
  EXPECT_TRUE(same_bits(p.motivation, q.motivation)) << "week " << week;
  const auto &s = a.programs(), &t = b.programs();
  EXPECT_TRUE(same_bits(s.enrolled_in, t.enrolled_in)) << "week " << week;
  EXPECT_TRUE(same_bits(s.variant, t.variant)) << "week " << week;
  EXPECT_TRUE(same_bits(s.faded_from, t.faded_from)) << "week " << week;
  EXPECT_TRUE(same_bits(s.faded_weight, t.faded_weight)) << "week " << week;
}

void expect_same_outputs(const Simulation& a, const Simulation& b, std::size_t wijken, int week) {
  EXPECT_EQ(a.events(), b.events()) << "week " << week;
  EXPECT_EQ(a.metrics(), b.metrics()) << "week " << week;
  EXPECT_TRUE(same_bits(a.costs(), b.costs())) << "week " << week;
  WeekCounts x(wijken), y(wijken);
  a.observe(x);
  b.observe(y);
  EXPECT_EQ(x.rungs, y.rungs) << "week " << week;
  EXPECT_EQ(x.bijstand, y.bijstand) << "week " << week;
  EXPECT_EQ(x.psych, y.psych) << "week " << week;
  EXPECT_EQ(x.chronic, y.chronic) << "week " << week;
  EXPECT_EQ(x.lonely_or_isolated, y.lonely_or_isolated) << "week " << week;
}

// Steps `fast` by the fast path and `plain` by the reference through `week`, and compares their
// outputs and state: false once they differ.
bool step_both_alike(Simulation& fast, Simulation& plain, int week) {
  fast.step(static_cast<std::uint32_t>(week));
  plain.step_reference(static_cast<std::uint32_t>(week));
  expect_same_outputs(fast, plain, plain.people().wijk_names.size(), week);
  expect_same_state(fast, plain, week);
  return !testing::Test::HasFailure();
}

class FastStepThreads : public testing::TestWithParam<int> {};

TEST_P(FastStepThreads, FiftyTwoWeeksAtScaleThreeTenthsGiveTheReferenceBits) {
  static const TestCity c(0.3);
  const int threads = GetParam();
  Simulation fast(c.people, c.network, c.fit, c.params, c.rng, 0, threads, all_types(c));
  Simulation plain(c.people, c.network, c.fit, c.params, c.rng, 0, 1, all_types(c));
  std::uint32_t enrolled = 0, completed = 0, moved = 0;
  std::vector<double> costs(plain.costs().size(), 0.0);
  for (int week = 1; week <= 52; ++week) {
    if (!step_both_alike(fast, plain, week)) return;
    for (const auto& m : plain.metrics()) {
      enrolled += m[kEnrolled];
      completed += m[kCompleted];
    }
    moved += plain.events()[kMovedUp] + plain.events()[kMovedDown];
    for (std::size_t k = 0; k < costs.size(); ++k) costs[k] += plain.costs()[k];
  }
  // The comparison saw programmes at work and people moving.
  EXPECT_GT(enrolled, 200u);
  EXPECT_GT(completed, 100u);
  EXPECT_GT(moved, 1000u);
  for (std::size_t k = 0; k < costs.size(); ++k) EXPECT_GT(costs[k], 0.0) << plain.interventions()[k]->spec().name;
}

// Weeks on bijstand stop counting at 65535 (their 16 bits) on both paths.
TEST(FastStep, WeeksOnBijstandStopAtTheirLargestCount) {
  static const TestCity c(0.05);
  People people = c.people;
  std::size_t on = 0;
  for (PersonId i = 0; i < people.size(); ++i)
    if (people.has(i, kBijstand)) {
      people.bijstand_weeks[i] = static_cast<std::uint16_t>(65533 + i % 3);
      ++on;
    }
  ASSERT_GT(on, 100u);
  Simulation fast(people, c.network, c.fit, c.params, c.rng, 0, 1);
  Simulation plain(people, c.network, c.fit, c.params, c.rng, 0, 1);
  for (int week = 1; week <= 4; ++week) {
    if (!step_both_alike(fast, plain, week)) return;
  }
  std::size_t at_most = 0;
  for (PersonId i = 0; i < people.size(); ++i) at_most += fast.people().bijstand_weeks[i] == 65535;
  EXPECT_GT(at_most, on / 2);
}

// Without interventions the fast step counts again only those whom turnover or move_person
// changed (cell_): its counts against the reference's count of everyone, week by week.
TEST_P(FastStepThreads, TheBaselinesCountsKeptFromWeekToWeekAreTheReferences) {
  static const TestCity c(0.3);
  Simulation fast(c.people, c.network, c.fit, c.params, c.rng, 0, GetParam());
  Simulation plain(c.people, c.network, c.fit, c.params, c.rng, 0, 1);
  std::uint32_t turned_over = 0, moved = 0, bijstand = 0;
  for (int week = 1; week <= 104; ++week) {
    if (!step_both_alike(fast, plain, week)) return;
    const auto& e = plain.events();
    turned_over += e[kBorn] + e[kDied] + e[kMovedIn] + e[kMovedOut];
    moved += e[kMovedUp] + e[kMovedDown] + e[kBecameAdult] + e[kReachedPension];
    bijstand += e[kEnteredBijstand] + e[kLeftBijstandForWork] + e[kLeftBijstandOther];
  }
  EXPECT_GT(turned_over, 1000u);
  EXPECT_GT(moved, 1000u);
  EXPECT_GT(bijstand, 100u);
}


// The coupled step (step_apart, the baseline's step, step_join) against each
// scenario stepped alone: the same bits, week by week, for a scenario with
// every type and one with three programmes in three wijken and no wijk-wide
// effect, beside one baseline, over two years.
TEST_P(FastStepThreads, CoupledScenariosGiveTheBitsOfEachAlone) {
  static const TestCity c(0.3);
  const int threads = GetParam();
  const auto one = [&] {
    Interventions out;
    out.push_back(make_intervention(c.spec_in("home_visits", {"Leiden-Noord"}, {{"list_size", 400}}), 0));
    out.push_back(make_intervention(
        c.spec_in("activation_centre", {"Morsdistrict"}, {{"finding_rate", 0.05}, {"places", 200}}), 1));
    out.push_back(make_intervention(
        c.spec_in("poverty_signalling", {"Stevenshofdistrict"}, {{"finding_rate", 0.3}, {"staff_hours", 400}}), 2));
    return out;
  };
  Simulation baseline(c.people, c.network, c.fit, c.params, c.rng, 0, threads);
  Simulation every(c.people, c.network, c.fit, c.params, c.rng, 0, threads, all_types(c));
  Simulation few(c.people, c.network, c.fit, c.params, c.rng, 0, threads, one());
  Simulation every_alone(c.people, c.network, c.fit, c.params, c.rng, 0, threads, all_types(c));
  Simulation few_alone(c.people, c.network, c.fit, c.params, c.rng, 0, threads, one());
  const std::size_t wijken = c.people.wijk_names.size();
  std::uint32_t differ = 0;
  for (int week = 1; week <= 104; ++week) {
    const auto w = static_cast<std::uint32_t>(week);
    every.step_apart(w, baseline);
    few.step_apart(w, baseline);
    baseline.step(w);
    every.step_join(w, baseline);
    few.step_join(w, baseline);
    every_alone.step(w);
    few_alone.step(w);
    expect_same_outputs(every, every_alone, wijken, week);
    expect_same_state(every, every_alone, week);
    expect_same_outputs(few, few_alone, wijken, week);
    expect_same_state(few, few_alone, week);
    if (testing::Test::HasFailure()) return;
    for (PersonId i = 0; i < c.people.size(); ++i) differ += every.people().rung[i] != baseline.people().rung[i];
  }
  EXPECT_GT(differ, 1000u);  // the scenario came to differ from the baseline
}

// Every searching type finding half of its eligible each week, the home
// visits a list in week 30 and another in weeks 5 and 57 (a list kept up to
// date only in the weeks of a search must be built afresh, not from the
// changes of the week before): after the first weeks they find only those
// who have just become eligible (moved to a rung, came on bijstand or reached
// its weeks, had a birthday, got into debt), so a list of the eligible that
// missed a change (of the step, or of another programme: debt help) finds
// other people than the plain scan.
Interventions eager_types(const TestCity& c) {
  const std::vector<std::string> few = {"Leiden-Noord", "Morsdistrict", "Stevenshofdistrict"};
  const Overrides half = {{"finding_rate", 0.5}, {"staff_hours", 1000}, {"duration_weeks", 3}};
  std::vector<InterventionSpec> specs = {
      c.spec_in("home_visits", few, {{"list_size", 100000}, {"min_weeks_on_bijstand", 20}, {"duration_weeks", 3}}),
      c.spec("peer_outreach", c.all_wijken(), half),
      c.spec("walk_in", c.all_wijken(), {{"base_rate", 0.5}, {"duration_weeks", 3}}),
      c.spec("geluksbudget", c.all_wijken(), half),
      c.spec("activation_centre", c.all_wijken(), half),
      c.spec("poverty_signalling", c.all_wijken(), half),
      c.spec_in("talent_matching", few, half),
      // A second one, whose debt help ends debts that the first one's list holds.
      c.spec("poverty_signalling", c.all_wijken(),
             {{"finding_rate", 0.5}, {"staff_hours", 1000}, {"duration_weeks", 8}, {"extra_resolve_rate", 1.0}}),
      c.spec("student_matching", c.all_wijken(), half),
      c.spec("home_visits", c.all_wijken(), {{"list_size", 200}, {"min_weeks_on_bijstand", 0}, {"staff_hours", 1000}, {"duration_weeks", 3}}),
  };
  specs[0].start_week = 30;  // its list holds those whose weeks on bijstand reached 20 since week 1
  specs[9].start_week = 5;  // this one's second list: of those left from the first and those since
  Interventions out;
  for (std::size_t k = 0; k < specs.size(); ++k) {
    specs[k].name = specs[k].type + std::to_string(k);
    out.push_back(make_intervention(specs[k], static_cast<std::uint8_t>(k)));
  }
  return out;
}

// The found of each intervention after week 8, added to `late`.
void add_late_found(const Simulation& s, int week, std::vector<std::uint32_t>& late) {
  late.resize(s.metrics().size());
  for (std::size_t k = 0; week > 8 && k < late.size(); ++k) late[k] += s.metrics()[k][kFound];
}

// The open population (docs/ODD.md 7.16) turns places over every week: the
// default rates, and an empty place taken within the week, so that many
// newcomers (and newborns' households) become eligible between two steps;
// a list that missed them (Simulation::turn_over not naming them in
// World::changed) finds other people than the plain scan.
const TestCity& turnover_city() {
  static const TestCity c = [] {
    TestCity city(0.3);
    city.params.set("demography.empty_weeks", std::vector<double>{1.0});
    return city;
  }();
  return c;
}

// Newcomers (a place's later holder) enrolled in a programme this week.
std::uint32_t newcomers_enrolled(const Simulation& s) {
  std::uint32_t n = 0;
  for (PersonId i = 0; i < s.people().size(); ++i) n += s.people().occupant[i] != 0 && s.programs().enrolled_in[i] != 0;
  return n;
}

TEST_P(FastStepThreads, ListsOfTheEligibleFollowEveryChange) {
  const auto& c = turnover_city();
  Simulation fast(c.people, c.network, c.fit, c.params, c.rng, 0, GetParam(), eager_types(c));
  Simulation plain(c.people, c.network, c.fit, c.params, c.rng, 0, 1, eager_types(c));
  std::vector<std::uint32_t> late;
  std::uint64_t turned_over = 0, newcomers = 0;
  for (int week = 1; week <= 60; ++week) {
    if (!step_both_alike(fast, plain, week)) return;
    add_late_found(plain, week, late);
    for (const auto e : {kBorn, kDied, kMovedIn, kMovedOut}) turned_over += plain.events()[e];
    newcomers += newcomers_enrolled(plain);
  }
  for (std::size_t k = 0; k < late.size(); ++k) EXPECT_GT(late[k], 20u) << plain.interventions()[k]->spec().name;
  // The weeks compared had births, deaths and moves, and newcomers taken into programmes.
  EXPECT_GT(turned_over, 5000u);
  EXPECT_GT(newcomers, 100u);
}

// The same beside a baseline: a scenario's lists follow the baseline's
// changes and those of its own residents apart.
TEST_P(FastStepThreads, CoupledListsOfTheEligibleFollowEveryChange) {
  const auto& c = turnover_city();
  Simulation baseline(c.people, c.network, c.fit, c.params, c.rng, 0, GetParam());
  Simulation coupled(c.people, c.network, c.fit, c.params, c.rng, 0, GetParam(), eager_types(c));
  Simulation plain(c.people, c.network, c.fit, c.params, c.rng, 0, 1, eager_types(c));
  std::vector<std::uint32_t> late;
  std::uint64_t newcomers = 0;
  for (int week = 1; week <= 60; ++week) {
    const auto w = static_cast<std::uint32_t>(week);
    coupled.step_apart(w, baseline);
    baseline.step(w);
    coupled.step_join(w, baseline);
    plain.step_reference(w);
    expect_same_outputs(coupled, plain, c.people.wijk_names.size(), week);
    expect_same_state(coupled, plain, week);
    if (testing::Test::HasFailure()) return;
    add_late_found(plain, week, late);
    newcomers += newcomers_enrolled(plain);
  }
  for (std::size_t k = 0; k < late.size(); ++k) EXPECT_GT(late[k], 20u) << plain.interventions()[k]->spec().name;
  EXPECT_GT(newcomers, 100u);
}

// A programme that searches every week among those on bijstand for 30 weeks or more (no
// registered type does: home visits search once a year), for the rule that such a type's list is
// built afresh at each search, since a week more on bijstand is not listed in World::changed.
class WeeksOnBijstandProgramme : public Programme {
public:
  explicit WeeksOnBijstandProgramme(const InterventionSpec& spec) : Programme(spec, 0, settings(spec)) {}

private:
  static ProgrammeSettings settings(const InterventionSpec& spec) {
    auto s = programme_settings(spec);
    s.finding_rate = 0.05;
    s.reads_age = false;  // reads_bijstand_weeks stays true
    return s;
  }
  bool eligible(const World& w, PersonId i) const override {
    return w.people.has(i, kBijstand) && w.people.bijstand_weeks[i] >= 30;
  }
};

TEST(FastStep, AListThatReadsTheWeeksOnBijstandIsBuiltAfreshAtEachSearch) {
  const auto& c = turnover_city();
  const auto one = [&] {
    Interventions out;
    out.push_back(std::make_unique<WeeksOnBijstandProgramme>(
        c.spec("peer_outreach", c.all_wijken(), {{"staff_hours", 1000}, {"duration_weeks", 3}})));
    return out;
  };
  Simulation fast(c.people, c.network, c.fit, c.params, c.rng, 0, 2, one());
  Simulation plain(c.people, c.network, c.fit, c.params, c.rng, 0, 1, one());
  std::uint32_t found = 0;
  for (int week = 1; week <= 40; ++week) {
    if (!step_both_alike(fast, plain, week)) return;
    found += plain.metrics()[0][kFound];
  }
  EXPECT_GT(found, 100u);
}

// Fast and reference steps taking turns on one Simulation: after a reference
// week the lists of the eligible are built afresh, so every week keeps the
// reference's bits.
// With the interventions of every type, and without any (whose fast step keeps its counts from
// week to week).
TEST(FastStep, FastAndReferenceStepsMayTakeTurns) {
  const auto& c = turnover_city();
  for (const bool with_interventions : {true, false}) {
    const auto interventions = [&] { return with_interventions ? eager_types(c) : Interventions{}; };
    Simulation mixed(c.people, c.network, c.fit, c.params, c.rng, 0, 2, interventions());
    Simulation plain(c.people, c.network, c.fit, c.params, c.rng, 0, 1, interventions());
    int reference_weeks = 0;
    for (int week = 1; week <= 60; ++week) {
      const auto w = static_cast<std::uint32_t>(week);
      if (week % 7 == 3 || week % 11 == 0) {
        mixed.step_reference(w);
        ++reference_weeks;
      } else {
        mixed.step(w);
      }
      plain.step_reference(w);
      expect_same_outputs(mixed, plain, c.people.wijk_names.size(), week);
      expect_same_state(mixed, plain, week);
      if (testing::Test::HasFailure()) return;
    }
    EXPECT_GT(reference_weeks, 10);
  }
}

// The fixed parts are copied only from a Simulation of the same people that has not stepped.
TEST(FastStep, FixedPartsAreCopiedOnlyBeforeTheFirstStep) {
  static const TestCity c(0.05);
  Simulation baseline(c.people, c.network, c.fit, c.params, c.rng, 0, 1);
  EXPECT_NO_THROW(Simulation(c.people, c.network, c.fit, c.params, c.rng, 0, 1, {}, &baseline));
  baseline.step(1);
  EXPECT_THROW(Simulation(c.people, c.network, c.fit, c.params, c.rng, 0, 1, {}, &baseline), std::logic_error);
}

INSTANTIATE_TEST_SUITE_P(Threads, FastStepThreads, testing::Values(1, 2));

}  // namespace
}  // namespace meedoen::models
