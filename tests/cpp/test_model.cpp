// Tests of the synthetic population, the network and the weekly step against
// the data and the formulas of MODEL.md.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>

#include "models/costs.hpp"
#include "models/experiment.hpp"
#include "models/ladder.hpp"
#include "models/network.hpp"
#include "models/population.hpp"
#include "models/runner.hpp"
#include "models/simulation.hpp"
#include "sim/errors.hpp"
#include "models/wijken.hpp"
#include "test_city.hpp"

namespace meedoen::models {
namespace {

using City = TestCity;

const City& leiden() {
  static const City city(1.0);
  return city;
}

std::size_t count_adults(const People& p) {
  std::size_t n = 0;
  for (PersonId i = 0; i < p.size(); ++i) n += p.adult(i);
  return n;
}

TEST(Population, WijkCountsAreExactAtScaleOne) {
  const auto& c = leiden();
  std::vector<int> counts(c.wijken.size());
  for (PersonId i = 0; i < c.people.size(); ++i) counts[c.people.wijk[i]] += 1;
  for (std::size_t w = 0; w < c.wijken.size(); ++w) EXPECT_EQ(counts[w], c.wijken[w].inhabitants) << c.wijken[w].name;
}

TEST(Population, AgeSharesWithinOnePercentagePoint) {
  const auto& c = leiden();
  const int lower[] = {0, 18, 27, 40, 55, 65, 75, 256};
  const auto& shares = c.params.vec("population.age_shares");
  for (int band = 0; band < 7; ++band) {
    double n = 0;
    for (PersonId i = 0; i < c.people.size(); ++i) n += c.people.age[i] >= lower[band] && c.people.age[i] < lower[band + 1];
    EXPECT_NEAR(n / double(c.people.size()), shares[band], 0.01) << "band " << band;
  }
}

TEST(Population, HouseholdsAreHeadedByAdultsAndMatchTheOnePersonShare) {
  const auto& p = leiden().people;
  std::size_t single = 0, with_children = 0, two_parents = 0;
  for (std::size_t h = 0; h < p.households(); ++h) {
    const auto first = p.household_start[h], last = p.household_start[h + 1];
    ASSERT_LT(first, last) << "empty household " << h;
    EXPECT_GE(p.age[first], kAdultAge) << "household " << h;
    single += last - first == 1;
    int adults = 0;
    for (auto i = first; i < last; ++i) {
      EXPECT_EQ(p.household[i], h);
      adults += p.age[i] >= kAdultAge;
    }
    if (p.household_flags[h] & kHasChildren) {
      ++with_children;
      two_parents += adults >= 2;
    }
  }
  EXPECT_NEAR(double(single) / double(p.households()), 0.43, 0.03);
  // Most children live with two adults (a partner's place goes to an adult first).
  EXPECT_GT(double(two_parents) / double(with_children), 0.6);
}

TEST(Population, BijstandAndConditionsMatchTheirTargets) {
  const auto& c = leiden();
  const auto& p = c.people;
  const double adults = double(count_adults(p));
  std::size_t bijstand = 0, lonely = 0, working_age_bijstand = 0;
  for (PersonId i = 0; i < p.size(); ++i) {
    bijstand += p.has(i, kBijstand);
    lonely += p.has(i, kLonely);
    working_age_bijstand += p.has(i, kBijstand) && p.age[i] >= 18 && p.age[i] < 67;
  }
  EXPECT_EQ(bijstand, 2946u);
  EXPECT_EQ(working_age_bijstand, bijstand);
  EXPECT_NEAR(double(lonely) / adults, 0.16, 0.001);
  // Objective isolation (rung 1) is about 3.7% of adults (F 5.7).
  EXPECT_NEAR(c.fit.initial[0], 0.037, 0.005);
}

TEST(Population, ScaleRepeatsTheCity) {
  const City small(0.1);
  EXPECT_NEAR(double(small.people.size()), 13011, 5);
  const City twice(2.0);
  EXPECT_NEAR(double(twice.people.size()), 2.0 * 130110, 10);
}

TEST(Network, NoSelfLoopsOrDuplicatesAndSymmetric) {
  const auto& c = leiden();
  std::size_t directed = 0;
  for (PersonId i = 0; i < c.people.size(); ++i) {
    const auto contacts = c.network.contacts(i);
    directed += contacts.size();
    std::set<PersonId> seen(contacts.begin(), contacts.end());
    EXPECT_EQ(seen.size(), contacts.size()) << "duplicate contact of " << i;
    EXPECT_FALSE(seen.count(i)) << "self-loop at " << i;
    for (const auto j : contacts) {
      const auto back = c.network.contacts(j);
      ASSERT_TRUE(std::binary_search(back.begin(), back.end(), i)) << i << " -> " << j << " not mirrored";
    }
  }
  EXPECT_EQ(directed, 2 * c.network.contact_pairs());
}

TEST(Network, HouseholdsAreComplete) {
  const auto& c = leiden();
  for (std::size_t h = 0; h < c.people.households(); ++h)
    for (auto a = c.people.household_start[h]; a < c.people.household_start[h + 1]; ++a) {
      const auto contacts = c.network.contacts(a);
      for (auto b = c.people.household_start[h]; b < c.people.household_start[h + 1]; ++b)
        if (a != b) {
          ASSERT_TRUE(std::binary_search(contacts.begin(), contacts.end(), b)) << "household " << h;
        }
    }
}

TEST(Network, IsolatedAdultsHaveAlmostNoContactsOutsideTheirHousehold) {
  const auto& c = leiden();
  double outside_isolated = 0, n_isolated = 0, outside_others = 0, n_others = 0;
  for (PersonId i = 0; i < c.people.size(); ++i) {
    if (!c.people.adult(i)) continue;
    double outside = 0;
    for (const auto j : c.network.contacts(i)) outside += c.people.household[j] != c.people.household[i];
    (c.people.rung[i] == 1 ? outside_isolated : outside_others) += outside;
    (c.people.rung[i] == 1 ? n_isolated : n_others) += 1;
  }
  const double keep = c.params.get("network.isolated_keep");
  EXPECT_GT(outside_others / n_others, 5.0);
  // Each outside contact survives with probability `keep`: the mean is about keep * the others' mean.
  EXPECT_LT(outside_isolated / n_isolated, 2 * keep * outside_others / n_others + 0.1);
}

TEST(Ladder, FittedChainIsStationaryAtTheInitialDistribution) {
  const auto& fit = leiden().fit;
  for (int r = 0; r < kRungs; ++r) {
    EXPECT_NEAR(fit.stationary[r], fit.initial[r], 1e-9) << "rung " << r + 1;
    EXPECT_NEAR(fit.transition.row(r).sum(), 1.0, 1e-12);
  }
  EXPECT_GT(fit.bijstand_entry_weekly, 0);
}

TEST(Ladder, FittedUpRatesMatchTheParameterOnAverage) {
  const auto& c = leiden();
  const auto& rates = c.params.vec("ladder.up_rate");
  // Mean weekly p_up over rung-1 adults equals the yearly rate made weekly.
  double sum = 0, n = 0;
  for (PersonId i = 0; i < c.people.size(); ++i) {
    if (c.people.rung[i] != 1) continue;
    const auto x = covariates(c.people, i, 67);
    const auto m = move_probabilities(c.fit.coefficients, 1, top_rung(c.people.age[i], 67), c.fit.coefficients.b_up.dot(x),
                                      c.fit.coefficients.b_down.dot(x), peer_shares(c.network, c.people.rung.data(), i));
    sum += m.up;
    n += 1;
  }
  EXPECT_NEAR(sum / n, sim::weekly_from_yearly_probability(rates[0]), 1e-9);
}

// Simulated weekly moves from a fixed state against the logistic formula of
// MODEL.md section 6: over many independent replicates of one week, the
// number of moves per rung and direction is a sum of Bernoulli draws whose
// mean and variance follow from p_up and p_down of every adult.
TEST(Ladder, WeeklyMovesMatchTheLogisticFormula) {
  const City c(0.25);
  const std::uint32_t week = 10;
  std::map<std::pair<int, int>, double> expected, variance, observed;  // (rung, +1/-1)
  const int replicates = 40;
  for (int rep = 0; rep < replicates; ++rep) {
    Simulation sim(c.people, c.network, c.fit, c.params, c.rng, static_cast<std::uint32_t>(rep), 2);
    sim.step(week);
    for (PersonId i = 0; i < c.people.size(); ++i) {
      if (!c.people.adult(i) || c.people.birth_week[i] == week % 52) continue;
      const int r = c.people.rung[i];
      const auto x = covariates(c.people, i, 67);
      const auto m = move_probabilities(c.fit.coefficients, r, top_rung(c.people.age[i], 67),
                                        c.fit.coefficients.b_up.dot(x), c.fit.coefficients.b_down.dot(x),
                                        peer_shares(c.network, c.people.rung.data(), i));
      expected[{r, +1}] += m.up;
      variance[{r, +1}] += m.up * (1 - m.up);
      expected[{r, -1}] += m.down;
      variance[{r, -1}] += m.down * (1 - m.down);
      const int moved = sim.people().rung[i] - r;
      if (moved != 0) observed[{r, moved}] += 1;
    }
  }
  for (const auto& [key, mean] : expected) {
    if (mean == 0) continue;
    const double z = (observed[key] - mean) / std::sqrt(variance[key]);
    EXPECT_LT(std::abs(z), 4.5) << "rung " << key.first << " direction " << key.second << ": observed "
                                << observed[key] << ", expected " << mean;
  }
}

std::vector<std::uint8_t> run_weeks(const City& c, int threads, int weeks, EventCounts& totals) {
  Simulation sim(c.people, c.network, c.fit, c.params, c.rng, 3, threads);
  totals = {};
  for (int w = 1; w <= weeks; ++w) {
    sim.step(static_cast<std::uint32_t>(w));
    for (int e = 0; e < kEventCount; ++e) totals[e] += sim.events()[e];
  }
  std::vector<std::uint8_t> state = sim.people().rung;
  state.insert(state.end(), sim.people().flags.begin(), sim.people().flags.end());
  state.insert(state.end(), sim.people().household_flags.begin(), sim.people().household_flags.end());
  return state;
}

TEST(Simulation, BitIdenticalForOneAndTwoThreadsAndAcrossRuns) {
  const City c(0.1);
  EventCounts one{}, two{}, again{};
  const auto a = run_weeks(c, 1, 60, one);
  const auto b = run_weeks(c, 2, 60, two);
  const auto d = run_weeks(c, 2, 60, again);
  EXPECT_EQ(a, b);
  EXPECT_EQ(b, d);
  EXPECT_EQ(one, two);
  EXPECT_GT(one[kMovedUp], 0u);
}

TEST(Simulation, PeopleAreConservedAndRungsStayInRange) {
  const City c(0.1);
  Simulation sim(c.people, c.network, c.fit, c.params, c.rng, 0, 2);
  const auto n = c.people.size();
  // The adults counted are those present (births, deaths and moves: tests/cpp/test_demography.cpp).
  for (std::uint32_t w = 1; w <= 104; ++w) {
    sim.step(w);
    WeekCounts counts(c.wijken.size());
    sim.observe(counts);
    std::size_t counted = 0;
    for (const auto k : counts.rungs) counted += k;
    ASSERT_EQ(sim.people().size(), n);
    ASSERT_EQ(counted, count_adults(sim.people())) << "week " << w;
    for (PersonId i = 0; i < n; ++i) {
      const int r = sim.people().rung[i];
      ASSERT_EQ(r == kNoRung, !sim.people().present(i) || sim.people().age[i] < kAdultAge);
      ASSERT_LE(r, top_rung(sim.people().age[i], 67));
    }
  }
}

// The baseline is near stationary and reproduces the bijstand figures:
// recipients stable and a yearly outflow of about 23% (F 1.28).
TEST(Simulation, BaselineIsNearStationaryAndBijstandOutflowIsAboutTheFigure) {
  const City c(0.5);
  Simulation sim(c.people, c.network, c.fit, c.params, c.rng, 0, 2);
  const auto observed = [&] {
    WeekCounts counts(c.wijken.size());
    sim.observe(counts);
    return counts;
  };
  const auto participation = [&] {
    const auto counts = observed();
    double up = 0, all = 0;
    for (std::size_t k = 0; k < counts.rungs.size(); ++k) {
      all += counts.rungs[k];
      up += (k % kRungs) >= 2 ? counts.rungs[k] : 0;
    }
    return up / all;
  };
  const auto recipients = [&] {
    double n = 0;
    for (const auto b : observed().bijstand) n += b;
    return n;
  };
  const double start = participation(), start_bijstand = recipients();
  double exits = 0;
  for (std::uint32_t w = 1; w <= 260; ++w) {
    sim.step(w);
    exits += sim.events()[kLeftBijstandForWork] + sim.events()[kLeftBijstandOther];
  }
  EXPECT_NEAR(participation(), start, 0.015);
  EXPECT_NEAR(recipients() / start_bijstand, 1.0, 0.08);
  const double outflow = exits / 5.0 / start_bijstand;
  EXPECT_NEAR(outflow, c.params.get("bijstand.outflow_rate"), 0.04);
}

TEST(Runner, StoppedRunWritesNoFileAndResumeCompletesIt) {
  auto e = default_experiment();
  apply_overrides(e, 3, 4, std::nullopt, 0.02);
  const auto out = std::filesystem::temp_directory_path() / "meedoen_stopped.h5";
  std::filesystem::remove(out);
  RunOptions options;
  options.threads = 1;
  // Stop after two replicates of every scenario.
  const long stop_after = 2 * static_cast<long>(e.scenarios.size()) * e.weeks;
  options.progress = [&](long done, long) { return done < stop_after; };
  run_experiment(e, out.string(), options);
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_FALSE(std::filesystem::exists(out.string() + ".partial"));
  EXPECT_TRUE(std::filesystem::exists(parts_dir(out.string()) + "/replicate-000000.part"));

  long resumed_total = 0;
  options.resume = true;
  options.progress = [&](long, long total) {
    resumed_total = total;
    return true;
  };
  run_experiment(e, out.string(), options);
  EXPECT_TRUE(std::filesystem::exists(out));
  EXPECT_FALSE(std::filesystem::exists(parts_dir(out.string())));
  // Only the replicates that were missing ran again.
  EXPECT_LT(resumed_total, 4 * static_cast<long>(e.scenarios.size()) * e.weeks);
  std::filesystem::remove(out);
}

TEST(Runner, StopWhileTheFileIsWrittenLeavesTheOldFileAndTheParts) {
  // Ctrl-C after the last week, while the results file is assembled from the parts: the
  // engine asks between replicates and before the rename, so the old file stays as it was.
  auto e = default_experiment();
  apply_overrides(e, 3, 2, std::nullopt, 0.02);
  const auto out = std::filesystem::temp_directory_path() / "meedoen_stopped_writing.h5";
  std::filesystem::remove_all(parts_dir(out.string()));
  {
    std::ofstream old(out);
    old << "the results of an earlier run";
  }
  // Stopped after the first replicate is written (asked at the last week, then there); then,
  // resumed with nothing left to simulate, just before the rename (after both replicates).
  for (const int asked_at_end : {2, 3}) {
    RunOptions options;
    options.threads = 1;
    options.resume = asked_at_end == 3;
    int calls_at_end = 0;
    options.progress = [&](long done, long total) { return done < total || ++calls_at_end < asked_at_end; };
    run_experiment(e, out.string(), options);
    EXPECT_EQ(calls_at_end, asked_at_end);
    std::ifstream kept(out);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(kept), {}), "the results of an earlier run");
    EXPECT_FALSE(std::filesystem::exists(out.string() + ".partial"));
    EXPECT_TRUE(std::filesystem::exists(parts_dir(out.string()) + "/replicate-000001.part"));
  }
  RunOptions options;
  options.resume = true;
  run_experiment(e, out.string(), options);
  EXPECT_FALSE(std::filesystem::exists(parts_dir(out.string())));
  EXPECT_GT(std::filesystem::file_size(out), 1000u);
  std::filesystem::remove(out);
}

TEST(Runner, ResumeOfAnotherExperimentIsRefused) {
  auto e = default_experiment();
  apply_overrides(e, 2, 2, std::nullopt, 0.02);
  const auto out = std::filesystem::temp_directory_path() / "meedoen_other.h5";
  RunOptions options;
  options.progress = [](long, long) { return false; };
  run_experiment(e, out.string(), options);
  apply_overrides(e, std::nullopt, std::nullopt, 99, std::nullopt);
  options.resume = true;
  EXPECT_THROW(run_experiment(e, out.string(), options), sim::InputError);
  std::filesystem::remove_all(parts_dir(out.string()));
}

}  // namespace
}  // namespace meedoen::models

namespace meedoen::models {
namespace {

// Each state item's weekly euros are its yearly price / 52 times the adults in
// the state that uses or earns it, counted here straight from the people.
TEST(Costs, StateItemsFollowThePeoplesStates) {
  const City c(0.1);
  Simulation sim(c.people, c.network, c.fit, c.params, c.rng, 0, 1);
  for (std::uint32_t w = 1; w <= 5; ++w) sim.step(w);
  WeekCounts counts(c.wijken.size());
  sim.observe(counts);
  const auto costs = StatePrices(c.params).week(counts);
  double bijstand = 0, isolation = 0, ggz = 0, daycare = 0, rung5 = 0, rung6 = 0;
  const auto& p = sim.people();
  for (PersonId i = 0; i < p.size(); ++i) {
    bijstand += p.has(i, kBijstand);
    if (!p.adult(i)) continue;
    isolation += p.rung[i] == 1 || p.has(i, kLonely);
    ggz += p.has(i, kPsych) && p.rung[i] <= c.params.get("costs.ggz_max_rung");
    daycare += p.has(i, kChronic) && p.rung[i] <= c.params.get("costs.daycare_max_rung");
    rung5 += p.rung[i] == 5;
    rung6 += p.rung[i] == 6;
  }
  const auto weekly = [&](const char* name) { return c.params.get(name) / 52.0; };
  EXPECT_GT(bijstand, 0);
  EXPECT_DOUBLE_EQ(costs[kBijstandBenefit], bijstand * weekly("costs.bijstand_benefit"));
  EXPECT_DOUBLE_EQ(costs[kBijstandExecution], bijstand * weekly("costs.bijstand_execution"));
  EXPECT_DOUBLE_EQ(costs[kHealthcareIsolation], isolation * weekly("costs.healthcare_isolation"));
  EXPECT_DOUBLE_EQ(costs[kGgz], ggz * weekly("costs.ggz"));
  EXPECT_DOUBLE_EQ(costs[kWmoDaycare], daycare * c.params.get("costs.daycare_use") * weekly("costs.daycare"));
  EXPECT_GT(rung5, 0);
  EXPECT_GT(rung6, 0);
  const double wages = rung6 + c.params.get("costs.rung5_wage_share") * rung5;
  EXPECT_DOUBLE_EQ(costs[kNetWages], wages * weekly("costs.net_wage"));
  EXPECT_DOUBLE_EQ(costs[kWageTaxes], wages * weekly("costs.wage_taxes"));
  EXPECT_DOUBLE_EQ(costs[kWellbeingLoss],
                   isolation * weekly("costs.qaly_value") * c.params.get("costs.loneliness_qaly_loss"));
}

// Every item has a payer or a receiver (else it would count for nobody), the
// provisions come first and are paid for, and the names are unique.
TEST(Costs, EveryStateItemBelongsToAnActor) {
  std::set<std::string_view> names;
  for (int k = 0; k < kStateItemCount; ++k) {
    const auto& item = kStateItems[k];
    EXPECT_TRUE(item.payer != Actor::kNobody || item.receiver != Actor::kNobody) << item.name;
    EXPECT_NE(item.payer, item.receiver) << item.name;
    EXPECT_EQ(k < kProvisionCount, item.name.starts_with("provision.")) << item.name;
    if (k < kProvisionCount) {
      EXPECT_NE(item.payer, Actor::kNobody) << item.name;
    }
    EXPECT_TRUE(names.insert(item.name).second) << item.name;
  }
}

}  // namespace
}  // namespace meedoen::models
