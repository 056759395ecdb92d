// The residents of a synthetic city as columns (structure of arrays).
// Persons are stored household by household, so a household's members are
// the contiguous range [household_start[h], household_start[h + 1]). Each
// index is a place, which the open population (models/demography.hpp) may
// leave empty (present() false) or give to a newcomer.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace meedoen::models {

using PersonId = std::uint32_t;
using HouseholdId = std::uint32_t;

// Indicators of a person (bit flags).
enum PersonFlag : std::uint8_t {
  kBijstand = 1u << 0,
  kChronic = 1u << 1,
  kPsych = 1u << 2,
  kLonely = 1u << 3,
};

// Indicators of a household (bit flags).
enum HouseholdFlag : std::uint8_t {
  kLowIncome = 1u << 0,
  kDebt = 1u << 1,
  kHasChildren = 1u << 2,
};

constexpr std::uint8_t kNoRung = 0;  // children are not on the ladder
constexpr int kRungs = 6;
constexpr int kAdultAge = 18;
// The birth_week of a place that nobody holds now (docs/ODD.md, the open population): such a
// place has no rung, no flags and never has a birthday, so the weekly step passes it by.
constexpr std::uint8_t kAbsent = 255;

struct People {
  // Per person.
  std::vector<std::uint8_t> age;         // years
  std::vector<std::uint8_t> birth_week;  // 0..51: the week of the year in which the age goes up
  std::vector<std::uint8_t> female;      // 0 or 1
  std::vector<std::uint8_t> wijk;        // index into wijk_names
  std::vector<HouseholdId> household;
  std::vector<std::uint8_t> flags;            // PersonFlag bits
  std::vector<std::uint16_t> bijstand_weeks;  // weeks on bijstand so far
  std::vector<float> motivation;              // in [0, 1]
  std::vector<std::uint8_t> rung;             // 1..6 for adults, kNoRung for children
  std::vector<std::uint16_t> occupant;        // how many have held the place before its present holder

  // Per household.
  std::vector<PersonId> household_start;  // size households + 1
  std::vector<std::uint8_t> household_flags;

  std::vector<std::string> wijk_names;

  // The weights with which the start drew the adults' rungs, per group (working age, on bijstand,
  // pension) and rung 1..6 (StartRungs, models/ladder.hpp): those who join the ladder later draw with them.
  std::array<std::array<double, kRungs>, 3> start_rung_weights{};

  std::size_t size() const { return age.size(); }
  std::size_t households() const { return household_flags.size(); }
  bool has(PersonId i, PersonFlag f) const { return (flags[i] & f) != 0; }
  bool household_has(PersonId i, HouseholdFlag f) const { return (household_flags[household[i]] & f) != 0; }
  bool adult(PersonId i) const { return rung[i] != kNoRung; }
  bool present(PersonId i) const { return birth_week[i] != kAbsent; }
};

}  // namespace meedoen::models
