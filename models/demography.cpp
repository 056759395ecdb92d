#include "models/demography.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "models/purposes.hpp"

namespace meedoen::models {
namespace {

std::array<double, kAgeBands> weekly(const std::vector<double>& yearly) {
  std::array<double, kAgeBands> out{};
  for (int b = 0; b < kAgeBands; ++b) out[b] = sim::weekly_from_yearly_probability(yearly[std::size_t(b)]);
  return out;
}

double share(double part, double whole) { return whole > 0 ? part / whole : 0.0; }

// maybe[j] = 0 where place j is present and its word is at or above every present place's
// highest threshold (`most`, in 32 bits as mark_quiet's bounds are; the word 2^32 - 1 is
// always looked at), so that nothing happens to it this week. Branch-free so that it vectorises.
[[gnu::target_clones("avx512f", "avx2", "default")]] void mark_maybe(const std::uint32_t* __restrict words,
                                                                     const std::uint8_t* __restrict birth_week,
                                                                     int count, std::uint64_t most,
                                                                     std::uint8_t* __restrict maybe) {
  const auto most32 = static_cast<std::uint32_t>(std::min<std::uint64_t>(most, 0xFFFFFFFFu));
  for (int j = 0; j < count; ++j)
    maybe[j] = static_cast<std::uint8_t>((words[j] < most32) | (words[j] == 0xFFFFFFFFu) | (birth_week[j] == kAbsent));
}

}  // namespace

int age_band(int age) {
  int band = 0;
  while (band + 1 < kAgeBands && age >= kBandLower[band + 1]) ++band;
  return band;
}

Demography::Demography(const People& p, const sim::ParamSet& params, const StartRungs& rungs)
    : motivation_(params), pension_age_(static_cast<int>(params.get("age.pension"))), rungs_(rungs) {
  rates_.death = weekly(params.vec("demography.death_rate"));
  rates_.leave = weekly(params.vec("demography.leave_rate"));
  rates_.birth = weekly(params.vec("demography.birth_rate"));
  const auto& arrivals = params.vec("demography.arrival_age_shares");
  double total = 0, sum = 0;
  for (const double s : arrivals) total += s;
  for (int b = 0; b < kAgeBands; ++b) rates_.arrival_cdf[b] = share(sum += arrivals[std::size_t(b)], total);
  rates_.move_in = 1.0 / params.get("demography.empty_weeks");
  move_in_word_ = sim::Rng::word_threshold(rates_.move_in);
  for (int female = 0; female < 2; ++female)
    for (int age = 0; age < 256; ++age) {
      const int b = age_band(age);
      const double dies = rates_.death[b], leaves = dies + rates_.leave[b];
      const double births = leaves + (female ? rates_.birth[b] : 0.0);
      thresholds_[female][age] = {sim::Rng::word_threshold(dies), sim::Rng::word_threshold(leaves),
                                  sim::Rng::word_threshold(births)};
      thresholds_[2][age] = {0, 0, move_in_word_};  // an empty place, whatever age it last held
      most_word_ = std::max(most_word_, thresholds_[female][age][2]);
    }

  const std::size_t wijken = p.wijk_names.size();
  wijk_first_.assign(wijken + 1, 0);
  std::vector<double> women(wijken, 0), bijstand(wijken, 0), working(wijken, 0), residents(wijken, 0);
  std::array<double, 2> adults{}, chronic{}, psych{}, lonely{}, households{}, debts{};
  for (PersonId i = 0; i < p.size(); ++i) {
    const auto w = p.wijk[i];
    wijk_first_[w + 1] = i + 1;  // places are laid out wijk by wijk
    residents[w] += 1;
    women[w] += p.female[i];
    if (!p.adult(i)) continue;
    const int low = p.household_has(i, kLowIncome);
    adults[low] += 1;
    chronic[low] += p.has(i, kChronic);
    psych[low] += p.has(i, kPsych);
    lonely[low] += p.has(i, kLonely);
    if (p.age[i] >= pension_age_) continue;
    working[w] += 1;
    bijstand[w] += p.has(i, kBijstand);
  }
  for (std::size_t w = 0; w < wijken; ++w) {
    wijk_first_[w + 1] = std::max(wijk_first_[w + 1], wijk_first_[w]);
    female_.push_back(share(women[w], residents[w]));
    bijstand_.push_back(share(bijstand[w], working[w]));
  }
  for (HouseholdId h = 0; h < p.households(); ++h) {
    const int low = (p.household_flags[h] & kLowIncome) != 0;
    households[low] += 1;
    debts[low] += (p.household_flags[h] & kDebt) != 0;
  }
  for (int low = 0; low < 2; ++low) {
    chronic_[low] = share(chronic[low], adults[low]);
    psych_[low] = share(psych[low], adults[low]);
    lonely_[low] = share(lonely[low], adults[low]);
    debt_[low] = share(debts[low], households[low]);
  }
  low_income_ = share(households[1], households[0] + households[1]);
}

// One word per place (lane i % 4 of block i / 4), compared with the place's rates (as thresholds
// on the word: the same decisions as to_unit(word) < rate). Without branches: the number of
// thresholds above the word names the event (the thresholds of a row are cumulative, so 3: dies,
// 2: moves out, 1: gives birth; an empty place's row has only the moving-in threshold).
void Demography::decide(const People& p, const sim::Rng& rng, std::uint32_t replicate, std::uint32_t week,
                        int threads) {
  constexpr int kPlaces = 8 * sim::Rng::kBatch;
  static constexpr std::uint8_t kWhat[2][4] = {{kNothing, kGivesBirth, kLeaves, kDies},
                                               {kNothing, kMovesIn, kMovesIn, kMovesIn}};
  const auto n = static_cast<PersonId>(p.size());
  what_.resize(n);
  // Plain pointers: a store through a byte may alias anything, which would make the compiler
  // reload every column's address for each place.
  const std::uint8_t* const present = p.birth_week.data();
  const std::uint8_t* const female = p.female.data();
  const std::uint8_t* const age = p.age.data();
  std::uint8_t* const what = what_.data();
  const auto& thresholds = thresholds_;
  const auto batches = static_cast<std::int64_t>((n + kPlaces - 1) / kPlaces);
#pragma omp parallel for num_threads(threads) schedule(static, 8)
  for (std::int64_t b = 0; b < batches; ++b) {  // each place's decision reads only its own state
    const auto first = static_cast<PersonId>(b * kPlaces);
    sim::Rng::Batches words;
    rng.words_batches(replicate, week, first / 4, kDrawDemography, words);
    const int count = static_cast<int>(std::min<PersonId>(n - first, kPlaces));
    // Most places neither die, move nor give birth this week: a vector compare with the highest
    // threshold of a present place (and presence) finds the few that need their own row.
    std::uint8_t maybe[kPlaces] = {}, out[kPlaces] = {};
    mark_maybe(words.data(), present + first, count, most_word_, maybe);
    for (int j = 0; j < count; ++j) {
      if (j % 8 == 0) {  // eight places at a time where none may
        std::uint64_t eight;
        std::memcpy(&eight, maybe + j, 8);
        if (eight == 0) {
          j += 7;
          continue;
        }
      }
      if (!maybe[j]) continue;
      const std::uint64_t word = words[std::size_t(j)];
      const int empty = present[first + j] == kAbsent;
      const auto& t = thresholds[empty ? 2 : female[first + j] != 0][age[first + j]];
      out[j] = kWhat[empty][(word < t[0]) + (word < t[1]) + (word < t[2])];
    }
    std::memcpy(what + first, out, std::size_t(count));
  }
}

DemographyCounts Demography::step(People& p, const sim::Rng& rng, std::uint32_t replicate, std::uint32_t week,
                                  int threads, std::vector<PersonId>& left, std::vector<PersonId>& settled) {
  DemographyEvents events;
  draw(p, rng, replicate, week, threads, events);
  return apply(p, events, rng, replicate, week, left, settled);
}

void Demography::draw(const People& p, const sim::Rng& rng, std::uint32_t replicate, std::uint32_t week,
                      int threads, DemographyEvents& e) {
  decide(p, rng, replicate, week, threads);
  e.leaving.clear();
  e.arriving.clear();
  e.mothers.clear();
  e.died = e.moved_out = 0;
  const auto n = static_cast<PersonId>(p.size());
  for (PersonId i = 0; i < n; ++i) {
    if (i % 8 == 0 && i + 8 <= n) {  // most weeks nothing happens to eight places in a row
      std::uint64_t eight;
      std::memcpy(&eight, what_.data() + i, 8);
      static_assert(kNothing == 0);
      if (eight == 0) {
        i += 7;
        continue;
      }
    }
    switch (what_[i]) {
      case kDies:
      case kLeaves:
        e.leaving.push_back(i);
        (what_[i] == kDies ? e.died : e.moved_out) += 1;
        break;
      case kGivesBirth: e.mothers.push_back(i); break;
      case kMovesIn: e.arriving.push_back(i); break;
      default: break;
    }
  }
}

DemographyCounts Demography::apply(People& p, const DemographyEvents& e, const sim::Rng& rng,
                                   std::uint32_t replicate, std::uint32_t week, std::vector<PersonId>& left,
                                   std::vector<PersonId>& settled, const People* base) const {
  left = e.leaving;
  settled.clear();
  DemographyCounts c;
  c.died = e.died;
  c.moved_out = e.moved_out;
  for (const auto i : left) vacate(p, i);
  for (std::size_t k = 0; k < e.arriving.size(); ++k) {
    const PersonId i = e.arriving[k];
    const auto u = rng.words(replicate, week, i, kDrawNewcomer);
    settle(p, i, newcomer_age(p, i, u), static_cast<std::uint8_t>(sim::Rng::to_unit(u[2]) * 52), rng, replicate,
           week, base);
    settled.push_back(i);
    c.moved_in += 1;
  }
  for (const auto mother : e.mothers) {
    const PersonId i = free_place(p, mother);
    if (i == p.size()) continue;
    // Born this week: the first birthday 52 weeks on (the ageing of this week's step comes after).
    settle(p, i, 0, static_cast<std::uint8_t>((week + 51) % 52), rng, replicate, week, base);
    settled.push_back(i);
    c.born += 1;
  }
  return c;
}

// Only the households marked `own` can come out otherwise than the baseline's: a place's events
// read its household's state (its members' presence, ages and flags, the household's flags) and
// draws keyed by the place, and which place a birth takes reads only presence, which is the
// baseline's everywhere. Within an own household the order of apply() is kept: the leavers first,
// then the newcomers, then the newborn.
DemographyCounts Demography::apply_coupled(People& p, const DemographyEvents& e, const People& base,
                                           const std::vector<PersonId>& base_settled,
                                           const std::vector<std::uint8_t>& own, const sim::Rng& rng,
                                           std::uint32_t replicate, std::uint32_t week, std::vector<PersonId>& left,
                                           std::vector<PersonId>& settled) const {
  left = e.leaving;
  settled = base_settled;
  DemographyCounts c;
  c.died = e.died;
  c.moved_out = e.moved_out;
  c.moved_in = static_cast<std::uint32_t>(e.arriving.size());
  c.born = static_cast<std::uint32_t>(settled.size() - e.arriving.size());
  for (const auto i : left)
    if (own[p.household[i]] != 0) vacate(p, i);
  for (std::size_t k = 0; k < e.arriving.size(); ++k) {
    const PersonId i = e.arriving[k];
    if (own[p.household[i]] == 0) continue;
    const auto u = rng.words(replicate, week, i, kDrawNewcomer);
    settle(p, i, newcomer_age(p, i, u), static_cast<std::uint8_t>(sim::Rng::to_unit(u[2]) * 52), rng, replicate,
           week, &base);
  }
  for (std::size_t k = e.arriving.size(); k < settled.size(); ++k)
    if (own[p.household[settled[k]]] != 0)
      settle(p, settled[k], 0, static_cast<std::uint8_t>((week + 51) % 52), rng, replicate, week, &base);
  std::vector<PersonId> copied;
  for (const auto* places : {&left, &settled})
    for (const auto i : *places)
      if (own[p.household[i]] == 0) copied.push_back(i);
  // Each column of a place is a line of its own far from the last place's: the lines of the
  // places a few ahead are asked for while this one is copied.
  constexpr std::size_t kAhead = 8;
  for (std::size_t k = 0; k < copied.size(); ++k) {
    if (k + kAhead < copied.size()) prefetch_place(p, base, copied[k + kAhead]);
    copy_place(p, base, copied[k]);
  }
  return c;
}

// The age of one moving into place i, from the place's draws u: a minor moves in with a parent,
// so into a household without an adult, an adult moves in.
int Demography::newcomer_age(const People& p, PersonId i, const std::array<std::uint32_t, 4>& u) const {
  double band_u = sim::Rng::to_unit(u[0]);
  if (!has_adult(p, p.household[i])) band_u = rates_.arrival_cdf[0] + band_u * (1.0 - rates_.arrival_cdf[0]);
  int band = 0;
  while (band + 1 < kAgeBands && band_u >= rates_.arrival_cdf[band]) ++band;
  const int span = kBandUpper[band] - kBandLower[band] + 1;
  return kBandLower[band] + std::min(span - 1, static_cast<int>(sim::Rng::to_unit(u[1]) * span));
}

void Demography::prefetch_place(const People& p, const People& from, PersonId i) {
  for (const auto* column : {&from.age, &from.birth_week, &from.female, &from.flags, &from.rung})
    __builtin_prefetch(column->data() + i);
  for (const auto* column : {&p.age, &p.birth_week, &p.female, &p.flags, &p.rung})
    __builtin_prefetch(column->data() + i, 1);
  __builtin_prefetch(from.bijstand_weeks.data() + i);
  __builtin_prefetch(p.bijstand_weeks.data() + i, 1);
  __builtin_prefetch(from.motivation.data() + i);
  __builtin_prefetch(p.motivation.data() + i, 1);
  __builtin_prefetch(from.occupant.data() + i);
  __builtin_prefetch(p.occupant.data() + i, 1);
  __builtin_prefetch(p.household.data() + i);
}

// Place i's state and its household's flags as in `from`.
void Demography::copy_place(People& p, const People& from, PersonId i) {
  p.age[i] = from.age[i];
  p.birth_week[i] = from.birth_week[i];
  p.female[i] = from.female[i];
  p.flags[i] = from.flags[i];
  p.bijstand_weeks[i] = from.bijstand_weeks[i];
  p.motivation[i] = from.motivation[i];
  p.rung[i] = from.rung[i];
  p.occupant[i] = from.occupant[i];
  p.household_flags[p.household[i]] = from.household_flags[p.household[i]];
}

void Demography::vacate(People& p, PersonId i) const {
  p.rung[i] = kNoRung;
  p.flags[i] = 0;
  p.bijstand_weeks[i] = 0;
  p.motivation[i] = 0.f;
  p.age[i] = 0;
  p.birth_week[i] = kAbsent;
  const auto h = p.household[i];
  bool anyone = false;
  for (PersonId j = p.household_start[h]; j < p.household_start[h + 1]; ++j) anyone |= p.present(j);
  if (!anyone) p.household_flags[h] = 0;  // the dwelling is empty: its household has gone
}

bool Demography::has_adult(const People& p, HouseholdId h) const {
  for (PersonId j = p.household_start[h]; j < p.household_start[h + 1]; ++j)
    if (p.present(j) && p.age[j] >= kAdultAge) return true;
  return false;
}

// An empty place in the mother's household, else the next one in her wijk after it (wrapping round).
PersonId Demography::free_place(const People& p, PersonId mother) const {
  const auto h = p.household[mother];
  for (PersonId j = p.household_start[h]; j < p.household_start[h + 1]; ++j)
    if (!p.present(j)) return j;
  const PersonId first = wijk_first_[p.wijk[mother]], last = wijk_first_[p.wijk[mother] + 1u];
  for (PersonId j = p.household_start[h + 1]; j < last; ++j)
    if (!p.present(j)) return j;
  for (PersonId j = first; j < p.household_start[h]; ++j)
    if (!p.present(j)) return j;
  return static_cast<PersonId>(p.size());
}

// A newborn or newcomer in place i, drawn from the shares at the start; one who
// moves into an empty dwelling starts its household afresh.
// With `base` (the baseline, which has settled the same place this week from the same keys),
// the motivation (an inverse Beta distribution function) is the baseline's, and so is the rung
// where the household's debts, the one covariate an intervention changes, are the baseline's.
void Demography::settle(People& p, PersonId i, int age, std::uint8_t birth_week, const sim::Rng& rng,
                        std::uint32_t replicate, std::uint32_t week, const People* base) const {
  const auto h = p.household[i];
  const auto w = p.wijk[i];
  bool anyone = false;
  for (PersonId j = p.household_start[h]; j < p.household_start[h + 1]; ++j) anyone |= p.present(j);
  const auto x = rng.words(replicate, week, i, kDrawNewcomerHousehold);
  if (!anyone) {
    const bool low = sim::Rng::to_unit(x[0]) < low_income_;
    p.household_flags[h] = static_cast<std::uint8_t>((low ? kLowIncome : 0) |
                                                     (sim::Rng::to_unit(x[1]) < debt_[low] ? kDebt : 0));
  }
  const auto u = rng.words(replicate, week, i, kDrawNewcomerState);
  const auto v = rng.words(replicate, week, i, kDrawNewcomer);
  p.age[i] = static_cast<std::uint8_t>(age);
  p.birth_week[i] = birth_week;
  p.female[i] = sim::Rng::to_unit(v[3]) < female_[w];
  p.occupant[i] = static_cast<std::uint16_t>(p.occupant[i] + 1);
  p.flags[i] = 0;
  p.bijstand_weeks[i] = 0;
  p.rung[i] = kNoRung;
  if (age < kAdultAge) {
    p.household_flags[h] |= kHasChildren;
    p.motivation[i] = base ? base->motivation[i] : motivation_(false, sim::Rng::to_unit(u[2]));
    return;
  }
  const bool bijstand = age < pension_age_ && sim::Rng::to_unit(u[0]) < bijstand_[w];
  if (bijstand) {
    p.flags[i] |= kBijstand;
    p.household_flags[h] |= kLowIncome;
  }
  const int low = p.household_has(i, kLowIncome);
  if (sim::Rng::to_unit(u[1]) < chronic_[low]) p.flags[i] |= kChronic;
  if (sim::Rng::to_unit(x[2]) < psych_[low]) p.flags[i] |= kPsych;
  if (sim::Rng::to_unit(x[3]) < lonely_[low]) p.flags[i] |= kLonely;
  p.motivation[i] = base ? base->motivation[i] : motivation_(bijstand, sim::Rng::to_unit(u[2]));
  if (base && base->household_has(i, kDebt) == p.household_has(i, kDebt)) {
    p.rung[i] = base->rung[i];
    return;
  }
  const auto group = rung_group(age, bijstand, pension_age_);
  p.rung[i] = rungs_.draw(group, covariates(p, i, pension_age_), sim::Rng::to_unit(u[3]));
}

}  // namespace meedoen::models
