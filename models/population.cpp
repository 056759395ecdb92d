#include "models/population.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <numeric>

#include "models/ladder.hpp"
#include "models/purposes.hpp"

namespace meedoen::models {
namespace {

struct Context {
  const sim::ParamSet& params;
  const sim::Rng& rng;
  std::uint32_t replicate;

  double u(std::uint32_t id, Purpose purpose) const { return rng.uniform(replicate, kSetupWeek, id, purpose); }
};

// Splits `total` over shares by largest remainder, so the parts add up exactly.
std::vector<int> apportion(int total, const std::vector<double>& shares) {
  const double sum = std::accumulate(shares.begin(), shares.end(), 0.0);
  std::vector<int> parts(shares.size());
  std::vector<std::pair<double, std::size_t>> remainders;
  int assigned = 0;
  for (std::size_t k = 0; k < shares.size(); ++k) {
    const double exact = sum > 0 ? total * shares[k] / sum : 0.0;
    parts[k] = static_cast<int>(std::floor(exact));
    assigned += parts[k];
    remainders.emplace_back(exact - parts[k], k);
  }
  std::sort(remainders.begin(), remainders.end(), std::greater<>());
  for (int k = 0; assigned < total; ++k, ++assigned) parts[remainders[k % remainders.size()].second] += 1;
  return parts;
}

constexpr double kNever = -std::numeric_limits<double>::infinity();  // the key of a weight of 0

// Picks `count` of the candidates with probability proportional to weight
// (Efraimidis-Spirakis keys u^(1/w)); deterministic given the draws.
template <typename Weight>
std::vector<std::uint32_t> weighted_sample(const std::vector<std::uint32_t>& candidates, std::size_t count,
                                           const Context& ctx, Purpose purpose, Weight weight) {
  std::vector<std::pair<double, std::uint32_t>> keyed(candidates.size());
  const auto n = static_cast<std::ptrdiff_t>(candidates.size());
#pragma omp parallel for schedule(static)
  for (std::ptrdiff_t k = 0; k < n; ++k) {  // each key depends on its candidate only
    const auto id = candidates[static_cast<std::size_t>(k)];
    const double w = weight(id);
    keyed[static_cast<std::size_t>(k)] = {w > 0 ? std::log(ctx.u(id, purpose) + 1e-300) / w : kNever, id};
  }
  std::erase_if(keyed, [](const auto& key) { return key.first == kNever; });
  count = std::min(count, keyed.size());
  // The `count` largest keys in descending order (the pairs are distinct, so the order is
  // partial_sort's): selected in linear time, then sorted.
  const auto last = keyed.begin() + static_cast<std::ptrdiff_t>(count);
  std::nth_element(keyed.begin(), last, keyed.end(), std::greater<>());
  std::sort(keyed.begin(), last, std::greater<>());
  std::vector<std::uint32_t> chosen(count);
  for (std::size_t k = 0; k < count; ++k) chosen[k] = keyed[k].second;
  return chosen;
}

// Household sizes for one wijk adding up to exactly `persons`: one person
// with the one-person share, otherwise 2 plus a geometric number so that the
// mean size is the wijk's persons per dwelling. The draws of the wijk's h-th
// household are keyed by first_id + h, first_id being the wijk's first person
// (a wijk has no more households than persons), so that every wijk can be
// placed on its own.
std::vector<int> household_sizes(int persons, const Wijk& w, std::uint32_t first_id, const Context& ctx) {
  const double mean = w.dwellings > 0 ? std::max(1.0, double(w.inhabitants) / w.dwellings) : 1.0;
  double single = ctx.params.get("population.one_person_households");
  double extra = single < 1 ? (mean - single) / (1 - single) - 2.0 : 0.0;  // mean size above 2
  if (extra < 0) {  // a wijk of small households: fewer multi-person ones, all of size 2
    single = std::clamp(2.0 - mean, 0.0, 1.0);
    extra = 0.0;
  }
  const double q = extra / (1.0 + extra);  // geometric: P(k more) = (1 - q) q^k
  std::vector<int> sizes;
  for (int placed = 0; placed < persons;) {
    const auto id = first_id + static_cast<std::uint32_t>(sizes.size());
    const auto draw = ctx.rng.uniform2(ctx.replicate, kSetupWeek, id, kDrawHouseholdSize);
    int size = 1;
    if (draw[0] >= single) size = 2 + (q > 0 ? static_cast<int>(std::floor(std::log1p(-draw[1]) / std::log(q))) : 0);
    size = std::min({size, 12, persons - placed});
    sizes.push_back(size);
    placed += size;
  }
  return sizes;
}

// Ages for a wijk's residents, matching the age shares exactly, in random order.
std::vector<int> wijk_ages(int persons, std::uint32_t first_person, const Context& ctx) {
  const auto counts = apportion(persons, ctx.params.vec("population.age_shares"));
  std::vector<int> ages;
  ages.reserve(persons);
  for (std::size_t band = 0; band < counts.size(); ++band) {
    for (int k = 0; k < counts[band]; ++k) {
      const auto id = first_person + static_cast<std::uint32_t>(ages.size());
      const int span = kBandUpper[band] - kBandLower[band] + 1;
      ages.push_back(kBandLower[band] + std::min(span - 1, static_cast<int>(ctx.u(id, kDrawAge) * span)));
    }
  }
  return ages;
}

// Sorts ids by a keyed uniform: a shuffle that depends only on the keys.
void keyed_shuffle(std::vector<std::uint32_t>& ids, const Context& ctx, std::uint32_t salt) {
  std::vector<std::pair<double, std::uint32_t>> keyed(ids.size());
  for (std::size_t k = 0; k < ids.size(); ++k)
    keyed[k] = {ctx.rng.uniform(ctx.replicate, salt, ids[k], kDrawShuffle), ids[k]};
  std::sort(keyed.begin(), keyed.end());
  for (std::size_t k = 0; k < ids.size(); ++k) ids[k] = keyed[k].second;
}

// Places a wijk's residents in households: every household is headed by an
// adult; children go first to households headed by someone aged 27-54.
// The wijk's persons in household order, with their household (counted from
// 0 in the wijk); `first_person` is the id of the wijk's first resident.
struct WijkResidents {
  std::vector<std::uint8_t> age, birth_week, female;
  std::vector<HouseholdId> household;
  std::vector<std::uint8_t> household_flags;
  std::vector<PersonId> household_size;
};

WijkResidents place_wijk(const Wijk& w, int persons, std::uint32_t first_person, const Context& ctx) {
  const auto ages = wijk_ages(persons, first_person, ctx);
  auto sizes = household_sizes(persons, w, first_person, ctx);

  std::vector<std::uint32_t> adults, children;
  for (std::uint32_t k = 0; k < ages.size(); ++k) (ages[k] >= kAdultAge ? adults : children).push_back(k);
  keyed_shuffle(adults, ctx, first_person + 1);
  keyed_shuffle(children, ctx, first_person + 2);
  // A wijk with more households than adults: merge the surplus into the last ones.
  while (sizes.size() > adults.size() && sizes.size() > 1) {
    sizes[sizes.size() - 2] += sizes.back();
    sizes.pop_back();
  }

  // Slots after the head: the second place (a partner's) goes to an adult;
  // children go first to households headed by someone aged 27-54.
  std::vector<std::vector<std::uint32_t>> members(sizes.size());
  std::vector<std::uint32_t> partner_slots, family_slots, other_slots, left_slots;
  for (std::uint32_t h = 0; h < sizes.size(); ++h) {
    members[h].push_back(h < adults.size() ? adults[h] : children[children.size() - 1 - (h - adults.size())]);
    const int head_age = ages[members[h][0]];
    const bool family = head_age >= 27 && head_age <= 54;
    for (int k = 1; k < sizes[h]; ++k) (k == 1 ? partner_slots : family ? family_slots : other_slots).push_back(h);
  }
  std::deque<std::uint32_t> free_adults(adults.begin() + static_cast<std::ptrdiff_t>(std::min(adults.size(), sizes.size())),
                                        adults.end());
  std::deque<std::uint32_t> free_children(children.begin(), children.end());
  const auto fill = [&](const std::vector<std::uint32_t>& slots, std::deque<std::uint32_t>& from) {
    for (const auto h : slots) {
      if (from.empty()) {
        left_slots.push_back(h);
        continue;
      }
      members[h].push_back(from.front());
      from.pop_front();
    }
  };
  fill(partner_slots, free_adults);
  fill(family_slots, free_children);
  fill(other_slots, free_children);
  for (const auto h : left_slots) {  // as many slots as persons: whoever is left, adults first
    auto& from = free_adults.empty() ? free_children : free_adults;
    members[h].push_back(from.front());
    from.pop_front();
  }

  const double female_share = w.inhabitants > 0 ? double(w.women) / w.inhabitants : 0.5;
  WijkResidents r;
  for (std::uint32_t h = 0; h < members.size(); ++h) {
    std::uint8_t hflags = 0;
    for (const auto local : members[h]) {
      const auto id = first_person + static_cast<PersonId>(r.age.size());
      r.age.push_back(static_cast<std::uint8_t>(ages[local]));
      r.birth_week.push_back(static_cast<std::uint8_t>(ctx.u(id, kDrawBirthWeek) * 52));
      r.female.push_back(ctx.u(id, kDrawSex) < female_share ? 1 : 0);
      r.household.push_back(h);
      if (ages[local] < kAdultAge) hflags |= kHasChildren;
    }
    r.household_flags.push_back(hflags);
    r.household_size.push_back(static_cast<PersonId>(members[h].size()));
  }
  return r;
}

// Every wijk placed on its own (in parallel), then laid out wijk by wijk.
void place_residents(People& p, const std::vector<Wijk>& wijken, const std::vector<int>& persons, const Context& ctx) {
  std::vector<std::uint32_t> first(wijken.size() + 1, 0);
  for (std::size_t w = 0; w < wijken.size(); ++w) first[w + 1] = first[w] + static_cast<std::uint32_t>(persons[w]);
  std::vector<WijkResidents> placed(wijken.size());
  const auto n = static_cast<std::ptrdiff_t>(wijken.size());
#pragma omp parallel for schedule(dynamic, 1)
  for (std::ptrdiff_t w = 0; w < n; ++w) {
    const auto k = static_cast<std::size_t>(w);
    placed[k] = place_wijk(wijken[k], persons[k], first[k], ctx);
  }
  std::size_t households = 0;
  for (const auto& r : placed) households += r.household_flags.size();
  for (auto* v : {&p.age, &p.birth_week, &p.female, &p.wijk}) v->reserve(first.back());  // exactly: no slack
  p.household.reserve(first.back());
  p.household_flags.reserve(households);
  p.household_start.reserve(households + 1);
  for (std::size_t w = 0; w < wijken.size(); ++w) {
    auto& r = placed[w];
    const auto before = static_cast<HouseholdId>(p.households());
    p.age.insert(p.age.end(), r.age.begin(), r.age.end());
    p.birth_week.insert(p.birth_week.end(), r.birth_week.begin(), r.birth_week.end());
    p.female.insert(p.female.end(), r.female.begin(), r.female.end());
    p.wijk.insert(p.wijk.end(), r.age.size(), static_cast<std::uint8_t>(w));
    for (const auto h : r.household) p.household.push_back(before + h);
    p.household_flags.insert(p.household_flags.end(), r.household_flags.begin(), r.household_flags.end());
    for (const auto size : r.household_size) p.household_start.push_back(p.household_start.back() + size);
    r = WijkResidents{};  // free it as soon as it is copied
  }
}

std::vector<std::uint32_t> adults_between(const People& p, int min_age, int max_age) {
  std::vector<std::uint32_t> ids;
  for (PersonId i = 0; i < p.size(); ++i)
    if (p.age[i] >= min_age && p.age[i] <= max_age) ids.push_back(i);
  return ids;
}

void assign_bijstand(People& p, double scale, const Context& ctx) {
  const int pension = static_cast<int>(ctx.params.get("age.pension"));
  const auto& risk = ctx.params.vec("population.bijstand_relative_risk");
  const auto target = static_cast<std::size_t>(std::lround(ctx.params.get("population.bijstand_recipients") * scale));
  const auto chosen = weighted_sample(adults_between(p, kAdultAge, pension - 1), target, ctx, kDrawBijstand,
                                      [&](std::uint32_t i) { return p.wijk[i] < risk.size() ? risk[p.wijk[i]] : 1.0; });
  // Weeks on bijstand so far: the durations of a stationary stock with a constant outflow.
  const double exit_week = sim::weekly_from_yearly_probability(ctx.params.get("bijstand.outflow_rate"));
  for (const auto i : chosen) {
    p.flags[i] |= kBijstand;
    p.household_flags[p.household[i]] |= kLowIncome;
    const double weeks = std::floor(std::log1p(-ctx.u(i, kDrawBijstandWeeks)) / std::log1p(-exit_week));
    p.bijstand_weeks[i] = static_cast<std::uint16_t>(std::min(weeks, 65535.0));
  }
}

void assign_household_flags(People& p, const Context& ctx) {
  std::vector<std::uint32_t> households(p.households());
  std::iota(households.begin(), households.end(), 0u);
  const double rr = ctx.params.get("population.condition_risk_bijstand");
  const auto n = static_cast<double>(p.households());

  const auto low_target = static_cast<std::size_t>(std::lround(ctx.params.get("population.low_income_households") * n));
  std::vector<std::uint32_t> others;
  for (const auto h : households)
    if (!(p.household_flags[h] & kLowIncome)) others.push_back(h);
  const std::size_t low = households.size() - others.size();
  if (low_target > low)
    for (const auto h : weighted_sample(others, low_target - low, ctx, kDrawLowIncome, [](auto) { return 1.0; }))
      p.household_flags[h] |= kLowIncome;

  const auto debt_target = static_cast<std::size_t>(std::lround(ctx.params.get("population.debt_households") * n));
  for (const auto h : weighted_sample(households, debt_target, ctx, kDrawDebt,
                                      [&](std::uint32_t k) { return (p.household_flags[k] & kLowIncome) ? rr : 1.0; }))
    p.household_flags[h] |= kDebt;
}

void assign_person_flags(People& p, const Context& ctx) {
  const auto adults = adults_between(p, kAdultAge, 255);
  const double rr = ctx.params.get("population.condition_risk_bijstand");
  const auto weight = [&](std::uint32_t i) { return p.household_has(i, kLowIncome) ? rr : 1.0; };
  const std::pair<const char*, std::pair<PersonFlag, Purpose>> conditions[] = {
      {"population.chronic", {kChronic, kDrawChronic}},
      {"population.psych", {kPsych, kDrawPsych}},
      {"population.lonely", {kLonely, kDrawLonely}},
  };
  for (const auto& [name, flag_purpose] : conditions) {
    const auto target = static_cast<std::size_t>(std::lround(ctx.params.get(name) * double(adults.size())));
    for (const auto i : weighted_sample(adults, target, ctx, flag_purpose.second, weight)) p.flags[i] |= flag_purpose.first;
  }
}

void assign_motivation(People& p, const Context& ctx) {
  const Motivation motivation(ctx.params);
  const auto n = static_cast<std::ptrdiff_t>(p.size());
#pragma omp parallel for schedule(static)
  for (std::ptrdiff_t k = 0; k < n; ++k) {  // each resident's own draw
    const auto i = static_cast<PersonId>(k);
    p.motivation[i] = motivation(p.has(i, kBijstand), ctx.u(i, kDrawMotivation));
  }
}

// Rungs last: their distribution depends on every other covariate (StartRungs, models/ladder.hpp).
void assign_rungs(People& p, const Context& ctx) {
  const int pension_age = static_cast<int>(ctx.params.get("age.pension"));
  const auto start = fit_start_rungs(p, ctx.params);
  p.start_rung_weights = start.weights();
  const auto n = static_cast<std::ptrdiff_t>(p.size());
#pragma omp parallel for schedule(static)
  for (std::ptrdiff_t k = 0; k < n; ++k) {  // each resident's own draw
    const auto i = static_cast<PersonId>(k);
    if (p.age[i] < kAdultAge) continue;
    const auto group = rung_group(p.age[i], p.has(i, kBijstand), pension_age);
    p.rung[i] = start.draw(group, covariates(p, i, pension_age), ctx.u(i, kDrawInitialRung));
  }
}

}  // namespace

std::vector<int> scaled_inhabitants(const std::vector<Wijk>& wijken, double scale) {
  std::vector<int> out;
  for (const auto& w : wijken) out.push_back(static_cast<int>(std::lround(w.inhabitants * scale)));
  return out;
}

std::vector<int> scaled_adults(const std::vector<Wijk>& wijken, double scale, const sim::ParamSet& params) {
  static_assert(kBandLower[1] == kAdultAge, "the first age band holds the children");
  std::vector<int> out;
  for (const int persons : scaled_inhabitants(wijken, scale))
    out.push_back(persons - apportion(persons, params.vec("population.age_shares"))[0]);
  return out;
}

Motivation::Motivation(const sim::ParamSet& params) {
  const auto& ab = params.vec("population.motivation_beta");
  quantile_ = {sim::beta_quantile(ab[0], ab[1]), sim::beta_quantile(ab[1], ab[0])};
}

People build_population(const std::vector<Wijk>& wijken, double scale, const sim::ParamSet& params,
                        const sim::Rng& rng, std::uint32_t replicate) {
  const Context ctx{params, rng, replicate};
  People p;
  p.household_start.push_back(0);
  for (const auto& w : wijken) p.wijk_names.push_back(w.name);
  place_residents(p, wijken, scaled_inhabitants(wijken, scale), ctx);
  p.flags.assign(p.size(), 0);
  p.bijstand_weeks.assign(p.size(), 0);
  p.motivation.assign(p.size(), 0.f);
  p.rung.assign(p.size(), kNoRung);
  p.occupant.assign(p.size(), 0);
  assign_bijstand(p, scale, ctx);
  assign_household_flags(p, ctx);
  assign_person_flags(p, ctx);
  assign_motivation(p, ctx);
  assign_rungs(p, ctx);
  return p;
}

}  // namespace meedoen::models
