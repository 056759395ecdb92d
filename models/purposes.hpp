// The purposes of random draws. With (seed, replicate, week, agent) they key
// every draw, so adding a new purpose never shifts the draws of another.
#pragma once

#include <cstdint>

namespace meedoen::models {

enum Purpose : std::uint32_t {
  // Building the population (drawn at week kSetupWeek).
  kDrawAge = 1,
  kDrawShuffle,
  kDrawHouseholdSize,
  kDrawSex,
  kDrawBirthWeek,
  kDrawBijstand,
  kDrawLowIncome,
  kDrawDebt,
  kDrawChronic,
  kDrawPsych,
  kDrawLonely,
  kDrawMotivation,
  kDrawBijstandWeeks,
  kDrawInitialRung,
  // Building the network.
  kDrawNeighbours = 100,
  kDrawFriends,
  kDrawIsolatedKeep,
  kDrawFriendOrder,
  // Each week.
  kDrawLadderMove = 200,
  kDrawBijstandEvent,
  kDrawDebtEvent,
  kDrawAdultRung,
  kDrawDemography,        // one word per place and week: death, moving out, a birth, or someone moving in
  kDrawNewcomer,          // a newcomer's age, sex and birth week
  kDrawNewcomerState,     // a newcomer's bijstand, chronic, motivation and rung
  kDrawNewcomerHousehold, // a newcomer's psych and lonely; the flags of a household started in an empty dwelling
  // Interventions: kDrawIntervention + 16 * (a 24-bit hash of type and name) + a sub-purpose of the type's.
  kDrawIntervention = 1000,
};

// The "week" under which set-up draws are made (never a simulated week).
constexpr std::uint32_t kSetupWeek = 0xFFFFFFFFu;

}  // namespace meedoen::models
