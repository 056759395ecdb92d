#include "models/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "models/population.hpp"
#include "models/purposes.hpp"

namespace meedoen::models {

namespace {
// Indices into the covariate vector (see covariates()).
enum { kYoung, kPension, kOnBijstand, kChronicIdx, kPsychIdx, kDebtIdx, kLonelyIdx, kMotivationIdx };
}  // namespace

Simulation::Simulation(People people, const Network& network, const LadderFit& fit, const sim::ParamSet& params,
                       const sim::Rng& rng, std::uint32_t replicate, int threads, Interventions interventions)
    : people_(std::move(people)),
      network_(network),
      coefficients_(fit.coefficients),
      params_(params),
      rng_(rng),
      replicate_(replicate),
      threads_(threads > 0 ? threads : 1),
      pension_age_(static_cast<int>(params.get("age.pension"))),
      bijstand_entry_(fit.bijstand_entry_weekly),
      bijstand_other_exit_(sim::weekly_from_yearly_probability(params.get("bijstand.other_exit_rate"))),
      debt_start_(fit.debt_start_weekly),
      debt_resolve_(sim::weekly_from_yearly_probability(params.get("debt.resolve_rate"))),
      next_rung_(people_.rung),
      interventions_(std::move(interventions)),
      take_in_order_(interventions_.size()),
      programs_(people_.size(), people_.wijk_names.size()),
      metrics_(interventions_.size()),
      costs_(interventions_.size(), 0.0) {
  const auto& b_up = coefficients_.b_up;
  const auto& b_down = coefficients_.b_down;
  static_up_.resize(people_.size());
  static_down_.resize(people_.size());
  for (PersonId i = 0; i < people_.size(); ++i) {
    const auto x = covariates(people_, i, pension_age_);
    const auto fixed = [&](const CovariateVector& b) {
      return b[kChronicIdx] * x[kChronicIdx] + b[kPsychIdx] * x[kPsychIdx] + b[kLonelyIdx] * x[kLonelyIdx] +
             b[kMotivationIdx] * x[kMotivationIdx];
    };
    static_up_[i] = static_cast<float>(fixed(b_up));
    static_down_[i] = static_cast<float>(fixed(b_down));
  }
  if (!static_up_.empty()) {
    max_static_up_ = *std::max_element(static_up_.begin(), static_up_.end());
    max_static_down_ = *std::max_element(static_down_.begin(), static_down_.end());
  }
  compute_bounds();
  std::iota(take_in_order_.begin(), take_in_order_.end(), std::size_t{0});
  const auto by_phase = [&](std::size_t a, std::size_t b) {
    return interventions_[a]->phase() < interventions_[b]->phase();
  };
  std::stable_sort(take_in_order_.begin(), take_in_order_.end(), by_phase);
}

// The largest eta any adult can have: the largest fixed part plus every
// positive effect of the indicators that change and of the peers.
void Simulation::compute_bounds() {
  const auto positive = [](double v) { return std::max(v, 0.0); };
  const auto dynamic_max = [&](const CovariateVector& b) {
    return positive(b[kYoung]) + positive(b[kPension]) + positive(b[kOnBijstand]) + positive(b[kDebtIdx]);
  };
  const auto& c = coefficients_;
  const double max_up = max_static_up_ + dynamic_max(c.b_up) + positive(c.g_up);
  const double max_down = max_static_down_ + dynamic_max(c.b_down) + positive(-c.g_down);
  const std::size_t wijken = people_.wijk_names.size();
  for (int r = 1; r <= kRungs; ++r) {
    double area_up = 0, area_down = 0;  // the largest wijk-wide effects on this rung
    for (std::size_t w = 0; w < wijken; ++w) {
      area_up = std::max(area_up, double(programs_.area_up[w * (kRungs + 1) + r]));
      area_down = std::max(area_down, double(programs_.area_down[w * (kRungs + 1) + r]));
    }
    const double up = r < kRungs ? logistic(c.a_up[r] + max_up + area_up) : 0.0;
    const double down = r > 1 ? logistic(c.a_down[r] + max_down + area_down) : 0.0;
    bound_[r] = (up + down) * (1 + 1e-9);  // float rounding of the fixed parts
  }
}

void Simulation::step(std::uint32_t week) {
  events_ = {};
  std::fill(metrics_.begin(), metrics_.end(), MetricCounts{});
  World world{people_, network_, programs_, rng_, replicate_, week};
  // Wijk-wide effects hold for one week: the interventions that work this week set them afresh.
  std::fill(programs_.finding_multiplier.begin(), programs_.finding_multiplier.end(), 1.f);
  std::fill(programs_.area_up.begin(), programs_.area_up.end(), 0.f);
  std::fill(programs_.area_down.begin(), programs_.area_down.end(), 0.f);
  for (const auto k : take_in_order_) interventions_[k]->take_in(world, metrics_[k]);
  if (!interventions_.empty()) compute_bounds();
  move_persons(week);
  move_households(week);
  people_.rung.swap(next_rung_);
  for (std::size_t k = 0; k < interventions_.size(); ++k) costs_[k] = interventions_[k]->close_week(world, metrics_[k]);
}

Effect Simulation::effects_on(PersonId i, int rung) {
  const std::size_t cell = people_.wijk[i] * (kRungs + 1) + rung;
  Effect e{programs_.area_up[cell], programs_.area_down[cell]};
  if (const auto k = programs_.enrolled_in[i]; k != 0) {
    const auto enrolled = interventions_[k - 1]->effect(rung, programs_.variant[i]);
    e.up += enrolled.up;
    e.down += enrolled.down;
  }
  // What is left of the last programme, fading week by week (this person's own state only).
  if (const auto k = programs_.faded_from[i]; k != 0) {
    const auto& from = *interventions_[k - 1];
    auto& weight = programs_.faded_weight[i];
    const auto left = from.effect(rung, programs_.faded_variant[i]);
    e.up += weight * left.up;
    e.down += weight * left.down;
    weight = static_cast<float>(weight * from.fade());
    if (weight < 1e-3f) programs_.faded_from[i] = 0;
  }
  return e;
}

void Simulation::move_person(PersonId i, std::uint32_t week, double u_move, double u_event, EventCounts& events) {
  auto& p = people_;
  int rung = p.rung[i];
  if (rung != kNoRung && (u_move < bound_[rung] || programs_.any_effect(i))) {
    const bool bijstand = p.has(i, kBijstand);
    const bool debt = p.household_has(i, kDebt);
    const bool young = p.age[i] < 27, pension = p.age[i] >= pension_age_;
    const auto dynamic = [&](const CovariateVector& b) {
      return b[kYoung] * young + b[kPension] * pension + b[kOnBijstand] * bijstand + b[kDebtIdx] * debt;
    };
    const auto extra = effects_on(i, rung);
    const int top = top_rung(p.age[i], pension_age_);
    const double xb_up = static_up_[i] + dynamic(coefficients_.b_up) + extra.up;
    const double xb_down = static_down_[i] + dynamic(coefficients_.b_down) + extra.down;
    // p_up + p_down grows with both peer terms: at their extremes it bounds this person's
    // chance to move, and a draw above that bound means "stay" without reading the contacts.
    const PeerShares extreme{coefficients_.g_up >= 0 ? 1.0 : 0.0, coefficients_.g_down >= 0 ? 0.0 : 1.0};
    const auto most = move_probabilities(coefficients_, rung, top, xb_up, xb_down, extreme);
    if (u_move < (most.up + most.down) * (1 + 1e-12)) {
      const auto m = move_probabilities(coefficients_, rung, top, xb_up, xb_down, peer_shares(network_, p.rung.data(), i));
      if (u_move < m.up) {
        ++rung;
        ++events[kMovedUp];
      } else if (u_move < m.up + m.down) {
        --rung;
        ++events[kMovedDown];
      }
    }
  }

  // Ageing, once a year in the person's birth week.
  if (p.birth_week[i] == week % 52 && p.age[i] < 255) {
    p.age[i] += 1;
    if (p.age[i] == kAdultAge) {
      rung = draw_initial_rung(params_, kAdultAge, false, rng_.uniform(replicate_, week, i, kDrawAdultRung));
      ++events[kBecameAdult];
    }
    if (p.age[i] == pension_age_) {
      rung = std::min(rung, top_rung(pension_age_, pension_age_));
      ++events[kReachedPension];
    }
  }

  // Bijstand: leaving it on reaching rung 6, at the pension age, or for other reasons; entering it below 6.
  const double u = u_event;
  if (p.has(i, kBijstand)) {
    if (rung == kRungs) {
      p.flags[i] &= static_cast<std::uint8_t>(~kBijstand);
      ++events[kLeftBijstandForWork];
    } else if (p.age[i] >= pension_age_ || u < bijstand_other_exit_) {
      p.flags[i] &= static_cast<std::uint8_t>(~kBijstand);
      ++events[kLeftBijstandOther];
    } else if (p.bijstand_weeks[i] < 65535) {
      p.bijstand_weeks[i] += 1;
    }
  } else if (rung != kNoRung && rung < kRungs && p.age[i] < pension_age_ && u < bijstand_entry_) {
    p.flags[i] |= kBijstand;
    p.bijstand_weeks[i] = 0;
    ++events[kEnteredBijstand];
  }
  next_rung_[i] = static_cast<std::uint8_t>(rung);
}

// Persons go in blocks of four: one Philox block gives the four persons'
// move uniforms, another their event uniforms (person i uses lane i % 4 of
// block i / 4, so each person's draws depend only on its place).
void Simulation::move_persons(std::uint32_t week) {
  const auto n = static_cast<PersonId>(people_.size());
  const auto blocks = static_cast<std::int64_t>((n + 3) / 4);
  std::uint32_t totals[kEventCount] = {};
#pragma omp parallel num_threads(threads_) reduction(+ : totals[:kEventCount])
  {
    EventCounts local{};
#pragma omp for schedule(static, 1024) nowait
    for (std::int64_t b = 0; b < blocks; ++b) {
      const auto block = static_cast<std::uint32_t>(b);
      const auto moves = rng_.words(replicate_, week, block, kDrawLadderMove);
      const auto others = rng_.words(replicate_, week, block, kDrawBijstandEvent);
      for (PersonId lane = 0, i = 4 * block; lane < 4 && i < n; ++lane, ++i)
        move_person(i, week, sim::Rng::to_unit(moves[lane]), sim::Rng::to_unit(others[lane]), local);
    }
    for (int e = 0; e < kEventCount; ++e) totals[e] += local[e];
  }
  for (int e = 0; e < kEventCount; ++e) events_[e] += totals[e];
}

// Debts start and end per household (after the persons' moves, which read
// last week's debts).
void Simulation::move_households(std::uint32_t week) {
  const auto n = static_cast<HouseholdId>(people_.households());
  const auto blocks = static_cast<std::int64_t>((n + 3) / 4);
  std::uint32_t started = 0, resolved = 0;
#pragma omp parallel for num_threads(threads_) schedule(static, 1024) reduction(+ : started, resolved)
  for (std::int64_t b = 0; b < blocks; ++b) {
    const auto block = static_cast<std::uint32_t>(b);
    const auto draws = rng_.words(replicate_, week, block, kDrawDebtEvent);
    for (HouseholdId lane = 0, h = 4 * block; lane < 4 && h < n; ++lane, ++h) {
      auto& flags = people_.household_flags[h];
      const bool debt = flags & kDebt;
      if (sim::Rng::to_unit(draws[lane]) >= (debt ? debt_resolve_ : debt_start_)) continue;
      flags ^= kDebt;
      (debt ? resolved : started) += 1;
    }
  }
  events_[kDebtStarted] += started;
  events_[kDebtResolved] += resolved;
}

void Simulation::observe(WeekCounts& c) const {
  const auto& p = people_;
  for (PersonId i = 0; i < p.size(); ++i) {
    c.bijstand[p.wijk[i]] += p.has(i, kBijstand);
    const int rung = p.rung[i];
    if (rung == kNoRung) continue;
    c.rungs[p.wijk[i] * kRungs + rung - 1] += 1;
    c.psych[rung] += p.has(i, kPsych);
    c.chronic[rung] += p.has(i, kChronic);
    c.lonely_or_isolated += rung == 1 || p.has(i, kLonely);
  }
}

}  // namespace meedoen::models
