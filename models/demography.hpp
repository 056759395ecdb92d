// The open population (docs/ODD.md, section 7.16): each week some residents
// die or move out of Leiden, children are born and people move in. The city
// keeps its places (the persons of the population as it was built, with their
// households and contacts); a place left empty has nobody in it until a
// newborn or a newcomer takes it. Every event is drawn from keyed streams, with
// probabilities that depend on age, sex and wijk only, so that every scenario
// of a replicate meets the same births, deaths and moves.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "models/ladder.hpp"
#include "models/people.hpp"
#include "models/population.hpp"
#include "sim/parameters.hpp"
#include "sim/rng.hpp"

namespace meedoen::models {

// The age band (kBandLower) of an age.
int age_band(int age);

struct DemographyCounts {
  std::uint32_t born = 0, died = 0, moved_in = 0, moved_out = 0;
};

// The week's events, drawn from each place's presence, sex and age only, which no intervention
// changes: the same in every scenario of a replicate (docs/ODD.md 7.11), so a coupled scenario
// takes the baseline's instead of drawing them again.
struct DemographyEvents {
  std::vector<PersonId> leaving;   // die or move out (places, in order)
  std::vector<PersonId> arriving;  // empty places someone moves into
  std::vector<PersonId> mothers;   // women who give birth
  std::uint32_t died = 0, moved_out = 0;
};

class Demography {
public:
  // Weekly probabilities per age band, from the yearly demography.* rates.
  struct Rates {
    std::array<double, kAgeBands> death{}, leave{}, birth{};  // birth: per woman
    std::array<double, kAgeBands> arrival_cdf{};              // the ages of those moving in
    double move_in = 0;                                       // per empty place
  };

  // `start`: the population as built, whose shares newcomers are drawn from.
  Demography(const People& start, const sim::ParamSet& params, const StartRungs& rungs);

  // One week: who dies and who moves out (their places become empty), who
  // moves into a place that was empty at the start of the week, and who is
  // born (into an empty place of the mother's household, else the next one
  // of her wijk; none free: no birth). `left` gets the places whose holder
  // died or moved out, `settled` those a newborn or newcomer took, in order.
  DemographyCounts step(People& p, const sim::Rng& rng, std::uint32_t replicate, std::uint32_t week, int threads,
                        std::vector<PersonId>& left, std::vector<PersonId>& settled);

  // step() in two halves: the week's events of p (reads p only), and carrying them out on p. A
  // coupled scenario passes `base`, the baseline that has carried out the same events this week:
  // its newcomers' motivations, and their rungs where the household's debts agree, are taken
  // from it (the same values, not drawn again).
  void draw(const People& p, const sim::Rng& rng, std::uint32_t replicate, std::uint32_t week, int threads,
            DemographyEvents& events);
  DemographyCounts apply(People& p, const DemographyEvents& events, const sim::Rng& rng, std::uint32_t replicate,
                         std::uint32_t week, std::vector<PersonId>& left, std::vector<PersonId>& settled,
                         const People* base = nullptr) const;

  // apply() for a coupled scenario whose state before this week's events equals the baseline's
  // but in the households marked in `own` (nonzero), the baseline `base` having carried out the
  // same events (it settled `base_settled`): those households' places are worked out as apply()
  // does, in the same order; every other place takes the baseline's values, which apply() would
  // give them (the same inputs, the same keyed draws). The same state and counts as apply().
  DemographyCounts apply_coupled(People& p, const DemographyEvents& events, const People& base,
                                 const std::vector<PersonId>& base_settled, const std::vector<std::uint8_t>& own,
                                 const sim::Rng& rng, std::uint32_t replicate, std::uint32_t week,
                                 std::vector<PersonId>& left, std::vector<PersonId>& settled) const;

  const Rates& rates() const { return rates_; }

private:
  enum What : std::uint8_t { kNothing, kDies, kLeaves, kGivesBirth, kMovesIn };
  void decide(const People& p, const sim::Rng& rng, std::uint32_t replicate, std::uint32_t week, int threads);
  void vacate(People& p, PersonId i) const;
  int newcomer_age(const People& p, PersonId i, const std::array<std::uint32_t, 4>& u) const;
  static void copy_place(People& p, const People& from, PersonId i);
  static void prefetch_place(const People& p, const People& from, PersonId i);
  bool has_adult(const People& p, HouseholdId h) const;
  PersonId free_place(const People& p, PersonId mother) const;  // p.size(): none
  void settle(People& p, PersonId i, int age, std::uint8_t birth_week, const sim::Rng& rng, std::uint32_t replicate,
              std::uint32_t week, const People* base) const;

  Motivation motivation_;  // a newcomer's, as the population's set-up gives it
  Rates rates_;
  int pension_age_;
  StartRungs rungs_;  // newcomers' rungs, as the start's
  std::vector<PersonId> wijk_first_;  // the places of wijk w: [wijk_first_[w], wijk_first_[w + 1])
  // Shares at the start: women and bijstand (among adults below the pension age) per wijk;
  // the conditions of adults and the debts of households by low income (0: no, 1: yes).
  std::vector<double> female_, bijstand_;
  std::array<double, 2> chronic_{}, psych_{}, lonely_{}, debt_{};
  double low_income_ = 0;
  // The rates as thresholds on a place's word (sim::Rng::word_threshold), by sex (0 male, 1 female)
  // and age: below [0] death, below [1] moving out, below [2] a birth; row 2, an empty place's:
  // below [2] someone moves in.
  std::array<std::array<std::array<std::uint64_t, 3>, 256>, 3> thresholds_{};
  std::uint64_t most_word_ = 0;  // the highest threshold of a present place: no event at or above it
  std::uint64_t move_in_word_ = 0;
  std::vector<std::uint8_t> what_;  // this week's event per place
};

}  // namespace meedoen::models
