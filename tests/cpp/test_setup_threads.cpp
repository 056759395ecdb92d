// The set-up (population, network, ladder fit) runs in parallel with every
// draw keyed by the person, household or wijk it belongs to: the same bits
// for any number of threads, and nobody lost or counted twice. The network's
// invariants for any thread count are those of test_model.cpp, which runs
// with OpenMP's default.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <vector>

#include "test_city.hpp"

namespace meedoen::models {
namespace {

TestCity city_on(int threads, double scale) {
  const int before = omp_get_max_threads();
  omp_set_num_threads(threads);
  TestCity city(scale, 3);
  omp_set_num_threads(before);
  return city;
}

template <typename T>
bool same_bits(const T& a, const T& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(a[0])) == 0;
}

bool same_fit(const LadderFit& a, const LadderFit& b) {
  const auto& x = a.coefficients;
  const auto& y = b.coefficients;
  return std::memcmp(x.a_up.data(), y.a_up.data(), sizeof x.a_up) == 0 &&
         std::memcmp(x.a_down.data(), y.a_down.data(), sizeof x.a_down) == 0 && a.transition == b.transition &&
         a.initial == b.initial && a.stationary == b.stationary &&
         std::memcmp(&a.bijstand_entry_weekly, &b.bijstand_entry_weekly, sizeof(double)) == 0 &&
         std::memcmp(&a.debt_start_weekly, &b.debt_start_weekly, sizeof(double)) == 0;
}

TEST(SetupThreads, TheSameBitsForOneTwoAndThreeThreads) {
  const auto one = city_on(1, 0.3);
  for (const int threads : {2, 3}) {
    const auto other = city_on(threads, 0.3);
    const auto& p = one.people;
    const auto& q = other.people;
    EXPECT_TRUE(same_bits(p.age, q.age)) << threads;
    EXPECT_TRUE(same_bits(p.birth_week, q.birth_week)) << threads;
    EXPECT_TRUE(same_bits(p.female, q.female)) << threads;
    EXPECT_TRUE(same_bits(p.wijk, q.wijk)) << threads;
    EXPECT_TRUE(same_bits(p.household, q.household)) << threads;
    EXPECT_TRUE(same_bits(p.flags, q.flags)) << threads;
    EXPECT_TRUE(same_bits(p.bijstand_weeks, q.bijstand_weeks)) << threads;
    EXPECT_TRUE(same_bits(p.motivation, q.motivation)) << threads;
    EXPECT_TRUE(same_bits(p.rung, q.rung)) << threads;
    EXPECT_TRUE(same_bits(p.household_start, q.household_start)) << threads;
    EXPECT_TRUE(same_bits(p.household_flags, q.household_flags)) << threads;
    ASSERT_EQ(one.network.persons(), other.network.persons());
    ASSERT_EQ(one.network.contact_pairs(), other.network.contact_pairs());
    for (PersonId i = 0; i < p.size(); ++i) {
      const auto a = one.network.contacts(i);
      const auto b = other.network.contacts(i);
      ASSERT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end())) << "contacts of " << i << ", " << threads;
    }
    EXPECT_TRUE(same_fit(one.fit, other.fit)) << threads;
  }
}

TEST(SetupThreads, ContactsAreSortedAndWithinTheWijk) {
  const auto city = city_on(2, 0.3);
  for (PersonId i = 0; i < city.people.size(); ++i) {
    const auto contacts = city.network.contacts(i);
    ASSERT_TRUE(std::is_sorted(contacts.begin(), contacts.end())) << "contacts of " << i;
    for (const auto j : contacts) ASSERT_EQ(city.people.wijk[j], city.people.wijk[i]);
  }
}

TEST(SetupThreads, EveryResidentIsPlacedOnceInOneHouseholdOfTheirWijk) {
  const auto city = city_on(3, 0.3);
  const auto& p = city.people;
  const auto expected = scaled_inhabitants(city.wijken, 0.3);
  std::vector<int> per_wijk(city.wijken.size(), 0);
  for (PersonId i = 0; i < p.size(); ++i) per_wijk[p.wijk[i]] += 1;
  EXPECT_EQ(per_wijk, expected);
  EXPECT_EQ(p.size(), static_cast<std::size_t>(std::accumulate(expected.begin(), expected.end(), 0)));
  ASSERT_EQ(p.household_start.size(), p.households() + 1);
  EXPECT_EQ(p.household_start.back(), p.size());
  for (std::size_t h = 0; h < p.households(); ++h) {
    ASSERT_LT(p.household_start[h], p.household_start[h + 1]) << "empty household " << h;
    for (auto i = p.household_start[h]; i < p.household_start[h + 1]; ++i) {
      ASSERT_EQ(p.household[i], h);
      ASSERT_EQ(p.wijk[i], p.wijk[p.household_start[h]]) << "a household across wijken";
    }
  }
}

}  // namespace
}  // namespace meedoen::models
