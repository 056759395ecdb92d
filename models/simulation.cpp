#include "models/simulation.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "models/population.hpp"
#include "models/purposes.hpp"

namespace meedoen::models {

namespace {
// Indices into the covariate vector (see covariates()).
enum { kYoung, kPension, kOnBijstand, kChronicIdx, kPsychIdx, kDebtIdx, kLonelyIdx, kMotivationIdx };

// The threshold on a draw's word for probability p (Rng::word_threshold) in 32 bits, for the
// fast paths' integer compares: 2^32 becomes 2^32 - 1, and the word 2^32 - 1 is never taken
// for below a threshold there (move_person decides it), so that no decision changes.
std::uint32_t word_threshold32(double p) {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(sim::Rng::word_threshold(p), 0xFFFFFFFFu));
}
}  // namespace

Simulation::Simulation(People people, const Network& network, const LadderFit& fit, const sim::ParamSet& params,
                       const sim::Rng& rng, std::uint32_t replicate, int threads, Interventions interventions,
                       const Simulation* same_fixed_parts)
    : people_(std::move(people)),
      network_(network),
      coefficients_(fit.coefficients),
      start_rungs_(fit.start_rungs),
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
      demography_(people_, params, fit.start_rungs),
      interventions_(std::move(interventions)),
      take_in_order_(interventions_.size()),
      programs_(people_.size(), people_.wijk_names.size()),
      metrics_(interventions_.size()),
      costs_(interventions_.size(), 0.0),
      counted_(people_.wijk_names.size()),
      track_changes_(!interventions_.empty()) {
  entry_words_ = word_threshold32(bijstand_entry_);
  other_exit_words_ = word_threshold32(bijstand_other_exit_);
  debt_start_words_ = sim::Rng::word_threshold(debt_start_);
  debt_resolve_words_ = sim::Rng::word_threshold(debt_resolve_);
  if (same_fixed_parts != nullptr) {
    const auto& s = *same_fixed_parts;
    if (s.stepped_ || s.people_.size() != people_.size())
      throw std::logic_error("Simulation: the fixed parts copied must be of the same people, not stepped yet");
    static_up_ = s.static_up_;
    static_down_ = s.static_down_;
    bin_low_ = s.bin_low_;
    bin_width_ = s.bin_width_;
    bin_max_ = s.bin_max_;
    bound_class_ = s.bound_class_;
    bound_ = s.bound_;
    bound_words_ = s.bound_words_;
    bound_area_ = s.bound_area_;
  } else {
    static_up_.resize(people_.size());
    static_down_.resize(people_.size());
    for (PersonId i = 0; i < people_.size(); ++i) static_terms(i);
    for (int k = 0; k < 2; ++k) {
      const auto& fixed = k == 0 ? static_up_ : static_down_;
      const auto [low, high] = std::minmax_element(fixed.begin(), fixed.end());
      bin_low_[k] = fixed.empty() ? 0.f : *low;
      bin_width_[k] = fixed.empty() ? 0.f : (*high - *low) / kBins;
      bin_max_[k].fill(-std::numeric_limits<float>::infinity());  // an empty bin bounds nobody
    }
    bound_class_.resize(people_.size());
    for (PersonId i = 0; i < people_.size(); ++i) classify(i);
    compute_bounds();
  }
  std::iota(take_in_order_.begin(), take_in_order_.end(), std::size_t{0});
  const auto by_phase = [&](std::size_t a, std::size_t b) {
    return interventions_[a]->phase() < interventions_[b]->phase();
  };
  std::stable_sort(take_in_order_.begin(), take_in_order_.end(), by_phase);
}

void Simulation::static_terms(PersonId i) {
  const auto x = covariates(people_, i, pension_age_);
  const auto fixed = [&](const CovariateVector& b) {
    return b[kChronicIdx] * x[kChronicIdx] + b[kPsychIdx] * x[kPsychIdx] + b[kLonelyIdx] * x[kLonelyIdx] +
           b[kMotivationIdx] * x[kMotivationIdx];
  };
  static_up_[i] = static_cast<float>(fixed(coefficients_.b_up));
  static_down_[i] = static_cast<float>(fixed(coefficients_.b_down));
}

bool Simulation::classify(PersonId i) {
  bool higher = false;
  int bins[2];
  for (int k = 0; k < 2; ++k) {
    const float fixed = k == 0 ? static_up_[i] : static_down_[i];
    const float bin = bin_width_[k] > 0 ? std::floor((fixed - bin_low_[k]) / bin_width_[k]) : 0.f;
    bins[k] = static_cast<int>(std::clamp(bin, 0.f, float(kBins - 1)));
    higher |= fixed > bin_max_[k][bins[k]];
    bin_max_[k][bins[k]] = std::max(bin_max_[k][bins[k]], fixed);
  }
  bound_class_[i] = static_cast<std::uint8_t>(bins[0] * kBins + bins[1]);
  return higher;
}

// The largest eta an adult of a class can have: the highest fixed part of its
// bin plus every positive effect of the indicators that change, of the peers,
// and of the wijk-wide effects on the rung.
void Simulation::compute_bounds(bool always) {
  std::array<float, 2 * (kRungs + 1)> area{};  // the largest wijk-wide effects, up and down, per rung
  for (std::size_t w = 0; w < people_.wijk_names.size(); ++w)
    for (int r = 1; r <= kRungs; ++r) {
      area[r] = std::max(area[r], programs_.area_up[w * (kRungs + 1) + r]);
      area[kRungs + 1 + r] = std::max(area[kRungs + 1 + r], programs_.area_down[w * (kRungs + 1) + r]);
    }
  if (!always && area == bound_area_) return;
  bound_area_ = area;
  const auto positive = [](double v) { return std::max(v, 0.0); };
  const auto dynamic_max = [&](const CovariateVector& b) {
    return positive(b[kYoung]) + positive(b[kPension]) + positive(b[kOnBijstand]) + positive(b[kDebtIdx]);
  };
  const auto& c = coefficients_;
  const double more_up = dynamic_max(c.b_up) + positive(c.g_up), more_down = dynamic_max(c.b_down) + positive(-c.g_down);
  std::array<std::array<double, kRungs + 1>, kBins> up{}, down{};
  for (int b = 0; b < kBins; ++b)
    for (int r = 1; r <= kRungs; ++r) {
      up[b][r] = r < kRungs ? logistic(c.a_up[r] + bin_max_[0][b] + more_up + area[r]) : 0.0;
      down[b][r] = r > 1 ? logistic(c.a_down[r] + bin_max_[1][b] + more_down + area[kRungs + 1 + r]) : 0.0;
    }
  bound_.assign(kBins * kBins * (kRungs + 1), 0.0);
  bound_words_.assign(bound_.size(), 0u);
  for (int b_up = 0; b_up < kBins; ++b_up)
    for (int b_down = 0; b_down < kBins; ++b_down)
      for (int r = 1; r <= kRungs; ++r) {
        const auto k = static_cast<std::size_t>((b_up * kBins + b_down) * (kRungs + 1) + r);
        bound_[k] = (up[b_up][r] + down[b_down][r]) * (1 + 1e-9);  // float rounding of the fixed parts
        bound_words_[k] = word_threshold32(bound_[k]);
      }
}

void Simulation::step(std::uint32_t week) { step(week, false); }

void Simulation::step_reference(std::uint32_t week) { step(week, true); }

void Simulation::step(std::uint32_t week, bool reference) {
  turn_over(week);
  turned_over_ = false;
  events_ = {};
  events_[kBorn] = turnover_.born;
  events_[kDied] = turnover_.died;
  events_[kMovedIn] = turnover_.moved_in;
  events_[kMovedOut] = turnover_.moved_out;
  std::fill(metrics_.begin(), metrics_.end(), MetricCounts{});
  World world{people_, network_, programs_, rng_, replicate_, week, reference, changed_known_ ? &changed_ : nullptr};
  take_in(world);
  changed_.clear();
  changed_known_ = !reference && track_changes_;
  apart_known_ = false;
  reference_ = reference;
  cells_known_ = cells_known_ && !reference;
  if (reference) {
    move_persons_reference(week);
    move_households_reference(week);
  } else {
    move_persons(week);
    move_households(week);
  }
  counted_valid_ = !reference;  // what close_week changes (enrolments, debts) is not observed
  people_.rung.swap(next_rung_);
  for (std::size_t k = 0; k < interventions_.size(); ++k) costs_[k] = interventions_[k]->close_week(world, metrics_[k]);
  take_touched();
}

// Whoever leaves the city leaves their programme: its place is free, and the
// newcomer who later takes the place starts afresh. A newcomer's fixed terms
// may raise the bounds of the fast path. Leavers and newcomers change their
// places and their households' flags (a household gone, one started afresh, a
// child that came): every member of those households goes into changed_.
void Simulation::turn_over(std::uint32_t week, const Simulation* shared) {
  if (turned_over_) return;
  turned_over_ = true;
  stepped_ = true;
  if (shared == nullptr) demography_.draw(people_, rng_, replicate_, week, threads_, demography_events_);
  const auto& events = shared != nullptr ? shared->demography_events_ : demography_events_;
  if (shared != nullptr && apart_known_) {
    const auto households = households_apart();
    apart_household_.resize(people_.households(), 0);
    for (const auto h : households) apart_household_[h] = 1;
    turnover_ = demography_.apply_coupled(people_, events, shared->people_, shared->settled_, apart_household_, rng_,
                                          replicate_, week, left_, settled_);
    for (const auto h : households) apart_household_[h] = 0;
  } else {
    turnover_ = demography_.apply(people_, events, rng_, replicate_, week, left_, settled_,
                                  shared != nullptr ? &shared->people_ : nullptr);
  }
  for (const auto i : left_) {
    programs_.enrolled_in[i] = 0;
    programs_.faded_from[i] = 0;
    for (auto& intervention : interventions_) intervention->leave(i);
  }
  // A coupled scenario's places turned over are the baseline's, which has turned over first this
  // week, and so are their newcomers' fixed parts (Demography::settle: the baseline's motivation,
  // the conditions from the place's own keys): copied rather than worked out again.
  const bool same = shared != nullptr && shared->turned_over_;
  if (same) {
    turnover_members_ = shared->turnover_members_;
  } else {
    turnover_members_.clear();
    for (const auto* places : {&left_, &settled_})
      for (const auto i : *places) {
        const auto h = people_.household[i];
        for (PersonId j = people_.household_start[h]; j < people_.household_start[h + 1]; ++j)
          turnover_members_.push_back(j);
      }
  }
  if (track_changes_) changed_.state.insert(changed_.state.end(), turnover_members_.begin(), turnover_members_.end());
  bool higher = false;
  if (same) {
    for (const auto i : settled_) {
      static_up_[i] = shared->static_up_[i];
      static_down_[i] = shared->static_down_[i];
      bound_class_[i] = shared->bound_class_[i];
    }
    higher = bin_max_ != shared->bin_max_;
    bin_max_ = shared->bin_max_;
  } else {
    for (const auto i : settled_) {
      static_terms(i);
      higher |= classify(i);
    }
  }
  if (higher) compute_bounds();
}

void Simulation::take_in(World& world) {
  // Wijk-wide effects hold for one week: the interventions that work this week set them afresh.
  programs_.entered.clear();
  std::fill(programs_.finding_multiplier.begin(), programs_.finding_multiplier.end(), 1.f);
  std::fill(programs_.area_up.begin(), programs_.area_up.end(), 0.f);
  std::fill(programs_.area_down.begin(), programs_.area_down.end(), 0.f);
  for (const auto k : take_in_order_) interventions_[k]->take_in(world, metrics_[k]);
  if (!interventions_.empty()) compute_bounds(false);
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
  // The bounds only spare the work of the probabilities; the reference works them out for everyone.
  if (rung != kNoRung &&
      (reference_ || u_move < bound_[bound_class_[i] * (kRungs + 1) + rung] || programs_.any_effect(i))) {
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
    if (reference_ || u_move < (most.up + most.down) * (1 + 1e-12)) {
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
      const double u_rung = rng_.uniform(replicate_, week, i, kDrawAdultRung);
      rung = start_rungs_.draw(kWorkingAgeGroup, covariates(p, i, pension_age_), u_rung);
      ++events[kBecameAdult];
    }
    if (p.age[i] == pension_age_) {
      // Paid work ends: from rung 5 or 6 to a rung drawn as the pensioners' at the start (given x).
      if (rung > top_rung(pension_age_, pension_age_))
        rung = start_rungs_.draw(kPensionGroup, covariates(p, i, pension_age_),
                                 rng_.uniform(replicate_, week, i, kDrawAdultRung));
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

namespace {

// What mark_quiet reads of a batch of persons: last week's state.
struct QuietInputs {
  const std::uint8_t *rung, *flags, *age, *birth_week, *enrolled_in, *faded_from, *bound_class;
  const std::uint16_t* bijstand_weeks;
  const std::uint32_t* bound_words;  // per class and rung
  std::uint32_t entry_words, other_exit_words;
  std::uint32_t week_of_year;
  int pension_age;
};

// quiet[j] = 1 when Simulation::move_person, given these words of its draws,
// would only keep person j's rung and count a week on bijstand: no move is
// possible (rung 0, or the move word at or above the rung's bound and no
// programme's effect), no birthday this week, and no bijstand event (leaving
// it for work from rung 6, at the pension age or by the event word; entering
// it below rung 6 and the pension age by the event word). more[j] = 1 when
// besides j is on bijstand for fewer than 65535 weeks: the week to count.
// Branch-free over the batch so that the compiler vectorises it; integers
// only, so every clone decides the same.
[[gnu::target_clones("avx512f", "avx2", "default")]] void mark_quiet(const QuietInputs& in, int count,
                                                                     const std::uint32_t* __restrict move_words,
                                                                     const std::uint32_t* __restrict event_words,
                                                                     std::uint8_t* __restrict quiet,
                                                                     std::uint8_t* __restrict more) {
  const std::uint16_t* __restrict weeks = in.bijstand_weeks;
  const std::uint8_t* __restrict rung = in.rung;
  const std::uint8_t* __restrict flags = in.flags;
  const std::uint8_t* __restrict age = in.age;
  const std::uint8_t* __restrict birth_week = in.birth_week;
  const std::uint8_t* __restrict enrolled_in = in.enrolled_in;
  const std::uint8_t* __restrict faded_from = in.faded_from;
  const std::uint8_t* __restrict bound_class = in.bound_class;
  const std::uint32_t* __restrict bounds = in.bound_words;
  const std::uint32_t entry = in.entry_words, other_exit = in.other_exit_words;
  const std::uint32_t week_of_year = in.week_of_year, pension_age = static_cast<std::uint32_t>(in.pension_age);
  for (int j = 0; j < count; ++j) {
    const std::uint32_t r = rung[j], move = move_words[j], event = event_words[j];
    const std::uint32_t bound = bounds[bound_class[j] * std::uint32_t(kRungs + 1) + r];  // 0 for rung 0
    const std::uint32_t no_effect = (enrolled_in[j] | faded_from[j]) == 0;
    std::uint32_t still = (r == kNoRung) | ((move >= bound) & no_effect);  // no ladder move
    still &= (birth_week[j] != week_of_year) & (move != 0xFFFFFFFFu) & (event != 0xFFFFFFFFu);
    const std::uint32_t working_age = age[j] < pension_age;
    const std::uint32_t stays_on = (r != kRungs) & working_age & (event >= other_exit);
    const std::uint32_t stays_off = (r == kNoRung) | (r == kRungs) | (working_age ^ 1u) | (event >= entry);
    static_assert(kBijstand == 1);
    const std::uint32_t on_bijstand = flags[j] & kBijstand;
    still &= (on_bijstand & stays_on) | ((on_bijstand ^ 1u) & stays_off);
    quiet[j] = static_cast<std::uint8_t>(still);
    more[j] = static_cast<std::uint8_t>(still & on_bijstand & (weeks[j] != 65535u));
  }
}

// The observation as one histogram per thread: persons by wijk, rung and
// indicator flags, one increment each; summed into WeekCounts at the end.
constexpr std::size_t kFlagCells = 16;  // the four PersonFlag bits
constexpr std::size_t kCellsPerWijk = (kRungs + 1) * kFlagCells;

void add(WeekCounts& to, const WeekCounts& from) {
  for (std::size_t k = 0; k < to.rungs.size(); ++k) to.rungs[k] += from.rungs[k];
  for (std::size_t k = 0; k < to.bijstand.size(); ++k) to.bijstand[k] += from.bijstand[k];
  for (std::size_t k = 0; k < to.lonely.size(); ++k) to.lonely[k] += from.lonely[k];
  for (int r = 0; r <= kRungs; ++r) {
    to.psych[r] += from.psych[r];
    to.chronic[r] += from.chronic[r];
  }
  to.lonely_or_isolated += from.lonely_or_isolated;
}

void subtract(WeekCounts& to, const WeekCounts& from) {
  for (std::size_t k = 0; k < to.rungs.size(); ++k) to.rungs[k] -= from.rungs[k];
  for (std::size_t k = 0; k < to.bijstand.size(); ++k) to.bijstand[k] -= from.bijstand[k];
  for (std::size_t k = 0; k < to.lonely.size(); ++k) to.lonely[k] -= from.lonely[k];
  for (int r = 0; r <= kRungs; ++r) {
    to.psych[r] -= from.psych[r];
    to.chronic[r] -= from.chronic[r];
  }
  to.lonely_or_isolated -= from.lonely_or_isolated;
}

void add_histogram(WeekCounts& c, const std::vector<std::uint32_t>& histogram) {
  for (std::size_t w = 0; w < c.bijstand.size(); ++w) {
    for (int rung = 0; rung <= kRungs; ++rung) {
      for (std::size_t f = 0; f < kFlagCells; ++f) {
        const auto n = histogram[w * kCellsPerWijk + std::size_t(rung) * kFlagCells + f];
        if (n == 0) continue;
        if (f & kBijstand) c.bijstand[w] += n;
        if (rung == kNoRung) continue;
        c.rungs[w * kRungs + std::size_t(rung) - 1] += n;
        if (f & kPsych) c.psych[rung] += n;
        if (f & kChronic) c.chronic[rung] += n;
        if (f & kLonely) c.lonely[w] += n;
        if (rung == 1 || (f & kLonely)) c.lonely_or_isolated += n;
      }
    }
  }
}

}  // namespace

void Simulation::count(const People& p, PersonId i, int rung, WeekCounts& c) {
  c.bijstand[p.wijk[i]] += p.has(i, kBijstand);
  if (rung == kNoRung) return;
  c.rungs[p.wijk[i] * kRungs + rung - 1] += 1;
  c.psych[rung] += p.has(i, kPsych);
  c.chronic[rung] += p.has(i, kChronic);
  c.lonely[p.wijk[i]] += p.has(i, kLonely);
  c.lonely_or_isolated += rung == 1 || p.has(i, kLonely);
}

// The same draws as move_persons_reference (person i: lane i % 4 of block
// i / 4), for 64 persons at a time. A person whom mark_quiet finds quiet keeps
// the rung and counts a week on bijstand, exactly what move_person would do
// with the same draws; everyone else goes through move_person. Every person's
// work reads only last week's state and writes only the person's own, and
// the sums are of integers: the order and the threads do not matter.
void Simulation::move_persons(std::uint32_t week) {
  constexpr int kPersons = 4 * sim::Rng::kBatch;
  static_assert(kPersons <= 64, "a batch's persons are the bits of one word");
  auto& p = people_;
  const auto n = static_cast<PersonId>(p.size());
  const auto batches = static_cast<std::int64_t>((n + kPersons - 1) / kPersons);
  const std::size_t wijken = p.wijk_names.size();
  // Without interventions only turnover and move_person change a person's cell: those are counted
  // again, everyone else stays where the last week counted them. Otherwise (or the first time)
  // everyone is counted afresh.
  const bool recount = cells_known_;
  const bool keep = interventions_.empty();
  std::vector<std::uint32_t> fresh;
  if (recount) {
    for (const auto* places : {&left_, &settled_})
      for (const auto i : *places) move_cell(i, p.rung[i]);
  } else {
    fresh.assign(wijken * kCellsPerWijk, 0u);
    if (keep) cell_.resize(n);
  }
  std::vector<PersonId> moved;  // the persons move_person stepped, when recounting
  EventCounts events{};
#pragma omp parallel num_threads(threads_)
  {
    EventCounts local{};
    std::vector<std::uint32_t> cells(recount ? 0 : fresh.size(), 0u);
    std::vector<PersonId> stepped;
    Changes changed;  // what move_person changed
    sim::Rng::Batch moves, others;
    std::uint8_t quiet[kPersons], more[kPersons];
#pragma omp for schedule(static, 16) nowait
    for (std::int64_t b = 0; b < batches; ++b) {
      const auto first = static_cast<PersonId>(b * kPersons);
      const int count = static_cast<int>(std::min<PersonId>(kPersons, n - first));
      rng_.words_batches(replicate_, week, first / 4, {kDrawLadderMove, kDrawBijstandEvent}, moves, others);
      const QuietInputs in{p.rung.data() + first,
                           p.flags.data() + first,
                           p.age.data() + first,
                           p.birth_week.data() + first,
                           programs_.enrolled_in.data() + first,
                           programs_.faded_from.data() + first,
                           bound_class_.data() + first,
                           p.bijstand_weeks.data() + first,
                           bound_words_.data(),
                           entry_words_,
                           other_exit_words_,
                           week % 52,
                           pension_age_};
      mark_quiet(in, count, moves.data(), others.data(), quiet, more);
      std::copy_n(p.rung.data() + first, count, next_rung_.data() + first);
      std::uint64_t busy = 0;  // bit j: person first + j goes through move_person
      for (int j = 0; j < count; ++j) busy |= std::uint64_t(quiet[j] == 0) << j;
      for (; busy != 0; busy &= busy - 1) {
        const int j = std::countr_zero(busy);
        const PersonId i = first + static_cast<PersonId>(j);
        const auto flags = p.flags[i], age = p.age[i];
        move_person(i, week, sim::Rng::to_unit(moves[std::size_t(j)]), sim::Rng::to_unit(others[std::size_t(j)]), local);
        if (recount) stepped.push_back(i);
        if (track_changes_) {
          if (next_rung_[i] != p.rung[i] || p.flags[i] != flags)
            changed.state.push_back(i);
          else if (p.age[i] != age)
            changed.age.push_back(i);
        }
      }
      std::uint16_t* weeks = p.bijstand_weeks.data() + first;  // the quiet on bijstand: a week more
      for (int j = 0; j < count; ++j) weeks[j] = static_cast<std::uint16_t>(weeks[j] + more[j]);
      if (recount) continue;
      for (int j = 0; j < count; ++j) {
        const PersonId i = first + static_cast<PersonId>(j);
        const auto cell = cell_of(i, next_rung_[i]);
        cells[cell] += 1;
        if (keep) cell_[i] = cell;
      }
    }
#pragma omp critical
    {
      for (int e = 0; e < kEventCount; ++e) events[e] += local[e];
      for (std::size_t k = 0; k < cells.size(); ++k) fresh[k] += cells[k];
      moved.insert(moved.end(), stepped.begin(), stepped.end());
      changed_.append(changed);
    }
  }
  for (int e = 0; e < kEventCount; ++e) events_[e] += events[e];
  for (const auto i : moved) move_cell(i, next_rung_[i]);
  if (!recount) histogram_ = std::move(fresh);
  cells_known_ = keep;
  counted_ = WeekCounts(wijken);
  add_histogram(counted_, histogram_);
}

std::uint16_t Simulation::cell_of(PersonId i, int rung) const {
  static_assert(256 * kCellsPerWijk <= 65536, "every wijk's cells in 16 bits");
  return static_cast<std::uint16_t>(people_.wijk[i] * kCellsPerWijk + std::size_t(rung) * kFlagCells +
                                    (people_.flags[i] & (kFlagCells - 1)));
}

void Simulation::move_cell(PersonId i, int rung) {
  histogram_[cell_[i]] -= 1;
  cell_[i] = cell_of(i, rung);
  histogram_[cell_[i]] += 1;
}

// Debts as move_households_reference, 32 blocks of four households at a time;
// the members of a household whose debt changes go into changed_.
void Simulation::move_households(std::uint32_t week) {
  constexpr int kBlocks = 2 * sim::Rng::kBatch;
  const auto n = static_cast<HouseholdId>(people_.households());
  const auto batches = static_cast<std::int64_t>((n + 4 * kBlocks - 1) / (4 * kBlocks));
  std::uint32_t started = 0, resolved = 0;
#pragma omp parallel num_threads(threads_) reduction(+ : started, resolved)
  {
    std::vector<PersonId> changed;
#pragma omp for schedule(static, 32) nowait
    for (std::int64_t b = 0; b < batches; ++b) {
      const auto first = static_cast<std::uint32_t>(b * kBlocks);
      sim::Rng::Batches draws;
      rng_.words_batches(replicate_, week, first, kDrawDebtEvent, draws);
      const auto count = std::min<HouseholdId>(4 * kBlocks, n - 4 * first);
      for (HouseholdId j = 0, h = 4 * first; j < count; ++j, ++h) {
        auto& flags = people_.household_flags[h];
        const bool debt = flags & kDebt;
        if (draws[j] >= (debt ? debt_resolve_words_ : debt_start_words_)) continue;
        flags ^= kDebt;
        (debt ? resolved : started) += 1;
        for (PersonId i = people_.household_start[h]; track_changes_ && i < people_.household_start[h + 1]; ++i)
          changed.push_back(i);
      }
    }
#pragma omp critical
    changed_.state.insert(changed_.state.end(), changed.begin(), changed.end());
  }
  events_[kDebtStarted] += started;
  events_[kDebtResolved] += resolved;
}

// Persons go in blocks of four: one Philox block gives the four persons'
// move uniforms, another their event uniforms (person i uses lane i % 4 of
// block i / 4, so each person's draws depend only on its place).
void Simulation::move_persons_reference(std::uint32_t week) {
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
void Simulation::move_households_reference(std::uint32_t week) {
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
  if (counted_valid_) {
    add(c, counted_);
    return;
  }
  for (PersonId i = 0; i < people_.size(); ++i) count(people_, i, people_.rung[i], c);
}

// The coupled step. A person's move_person reads the person's own state, the
// household's debt, the person's programme effects, the wijk-wide effect of
// the person's wijk and rung, the contacts' rungs, and draws keyed by the
// person; everything else it reads (fixed covariates, ladder coefficients,
// rates) is the baseline's too. Where all of these equal the baseline's, the
// person's week equals the baseline's; the others are "apart" and stepped here.
// Only those apart last week, or changed by last week's step 5, can differ in
// state or household (everyone else took the baseline's week); an effect
// comes with an enrolment (apart, or enrolled this week) or a wijk-wide
// effect: only these are tested.
void Simulation::mark_apart(std::uint32_t week, const Simulation& baseline) {
  const auto& p = people_;
  const auto& q = baseline.people_;
  const std::size_t n = p.size(), wijken = p.wijk_names.size();
  // Wijk-wide effects per wijk and rung: move_person reads the cell of the person's rung.
  std::vector<std::uint8_t> wide(wijken * (kRungs + 1), 0u);
  bool any_wide = false;
  for (std::size_t cell = 0; cell < wide.size(); ++cell) {
    wide[cell] = programs_.area_up[cell] != 0.f || programs_.area_down[cell] != 0.f;
    any_wide |= wide[cell] != 0;
  }
  const auto& before = apart_known_ ? apart_persons_ : everyone_;
  if (!apart_known_ && everyone_.size() != n) {
    everyone_.resize(n);
    std::iota(everyone_.begin(), everyone_.end(), PersonId{0});
  }
  const auto &rung = p.rung, &base_rung = q.rung;
  const auto differs = [&](PersonId i) {
    return rung[i] != base_rung[i] || p.flags[i] != q.flags[i] || p.age[i] != q.age[i] ||
           p.bijstand_weeks[i] != q.bijstand_weeks[i] || programs_.any_effect(i) ||
           wide[p.wijk[i] * (kRungs + 1) + rung[i]] != 0;
  };
  // Whether person i has a birthday this week (the rung drawn at 18 or at the pension age reads
  // the household's debts), or a move draw below the bound (section 7.9), which holds for any
  // debts and peers and in both runs (the baseline's bounds are at most this scenario's): if
  // neither, the person does the same in both, whatever the household's debts or the contacts.
  // `word`: the person's move word this week.
  const auto may_move_by = [&](PersonId i, std::uint32_t word) {
    if (p.birth_week[i] == week % 52) return true;
    if (rung[i] == kNoRung) return false;
    return word < bound_words_[bound_class_[i] * (kRungs + 1) + rung[i]] || word == 0xFFFFFFFFu;
  };
  const auto may_move = [&](PersonId i) {
    return may_move_by(i, rng_.words(replicate_, week, i / 4, kDrawLadderMove)[i % 4]);
  };
  apart_.resize(n, 0);  // all 0 between calls
  apart_household_.resize(p.households(), 0);
  std::vector<PersonId> list, looked_at;
  const auto add = [&](PersonId i) {
    if (apart_[i] == 0) list.push_back(i);
    apart_[i] = 1;
  };
  // Someone whose own state is the baseline's, but whose household's debts or contacts' rungs
  // are not, is apart only in a week in which they may move.
  const auto add_if_moving = [&](PersonId i) {
    if (apart_[i] != 0) return;
    if (differs(i) || may_move(i)) return add(i);
    apart_[i] = 2;
    looked_at.push_back(i);
  };
  for (const auto i : before)
    if (differs(i)) add(i);
  for (const auto i : programs_.entered)
    if (differs(i)) add(i);
  if (any_wide)
    for (PersonId i = 0; i < n; ++i)
      if (wide[p.wijk[i] * (kRungs + 1) + rung[i]] != 0) add(i);
  // Households whose flags differ, of those that may.
  auto households = apart_known_ ? households_apart() : std::vector<HouseholdId>(p.households());
  if (!apart_known_) std::iota(households.begin(), households.end(), HouseholdId{0});  // all may
  apart_households_.clear();
  for (const auto h : households) {
    if (apart_household_[h] != 0 || p.household_flags[h] == q.household_flags[h]) continue;
    apart_household_[h] = 1;
    apart_households_.push_back(h);
  }
  for (const auto h : apart_households_) {
    apart_household_[h] = 0;
    for (PersonId i = p.household_start[h]; i < p.household_start[h + 1]; ++i) add_if_moving(i);
  }
  // Contacts are mutual. Whoever is not listed by now has the baseline's own state: those who
  // may differ are those apart last week or changed by step 5, those enrolled this week, on a
  // wijk-wide effect's rung, or newly settled in a household whose flags differ (turn_over). So
  // a contact of someone whose rung differs, not listed yet, is apart only if they may move;
  // their move words are drawn 32 at a time.
  std::vector<PersonId> contacts;
  for (std::size_t k = 0, end = list.size(); k < end; ++k)
    if (rung[list[k]] != base_rung[list[k]])
      for (const auto c : network_.contacts(list[k]))
        if (apart_[c] == 0) {
          apart_[c] = 2;
          contacts.push_back(c);
        }
  std::array<std::uint32_t, 2 * sim::Rng::kBatch> blocks{};
  std::array<sim::Rng::Batch, 2> words;
  for (std::size_t first = 0; first < contacts.size(); first += blocks.size()) {
    const std::size_t count = std::min(blocks.size(), contacts.size() - first);
    for (std::size_t j = 0; j < count; ++j) blocks[j] = contacts[first + j] / 4;
    rng_.words_batches(replicate_, week, blocks, kDrawLadderMove, words[0], words[1]);
    for (std::size_t j = 0; j < count; ++j) {
      const auto c = contacts[first + j];
      const auto word = words[j / sim::Rng::kBatch][4 * (j % sim::Rng::kBatch) + c % 4];
      if (may_move_by(c, word)) {
        apart_[c] = 1;
        list.push_back(c);
      } else {
        looked_at.push_back(c);
      }
    }
  }
  for (const auto i : list) apart_[i] = 0;
  for (const auto i : looked_at) apart_[i] = 0;
  std::sort(list.begin(), list.end());
  std::sort(apart_households_.begin(), apart_households_.end());
  apart_persons_ = std::move(list);
}

std::vector<HouseholdId> Simulation::households_apart() const {
  std::vector<HouseholdId> households = apart_households_;
  for (const auto i : apart_persons_) households.push_back(people_.household[i]);
  return households;
}

void Simulation::events_alone(PersonId i, std::uint32_t week, double u_move, double u_event, EventCounts& events) {
  auto& p = people_;
  const auto flags = p.flags[i], age = p.age[i], next = next_rung_[i];
  const auto weeks = p.bijstand_weeks[i];
  move_person(i, week, u_move, u_event, events);
  p.flags[i] = flags;
  p.age[i] = age;
  p.bijstand_weeks[i] = weeks;
  next_rung_[i] = next;
}

// Before the baseline's step: this scenario's intake, and the week of the
// persons and households apart, by the same code and draws as step(); their
// events are kept as differences from what the baseline does with them.
void Simulation::step_apart(std::uint32_t week, Simulation& baseline) {
  baseline.turn_over(week);  // the same births, deaths and moves as this scenario's: the state compared is this week's
  turn_over(week, &baseline);  // drawn once, by the baseline
  turned_over_ = false;
  events_ = {};
  std::fill(metrics_.begin(), metrics_.end(), MetricCounts{});
  baseline.track_changes_ = true;  // from its next step on
  World world{people_, network_, programs_, rng_, replicate_, week, false, changed_known_ ? &changed_ : nullptr};
  take_in(world);
  mark_apart(week, baseline);
  EventCounts mine{}, theirs{};
  const auto apart = static_cast<std::int64_t>(apart_persons_.size());
  // Each person's work writes only the person's own state (here and, restored, the baseline's).
#pragma omp parallel num_threads(threads_)
  {
    EventCounts own{}, base{};
#pragma omp for schedule(static, 256) nowait
    for (std::int64_t k = 0; k < apart; ++k) {
      const auto i = apart_persons_[static_cast<std::size_t>(k)];
      const auto moves = rng_.words(replicate_, week, i / 4, kDrawLadderMove);
      const auto others = rng_.words(replicate_, week, i / 4, kDrawBijstandEvent);
      const double u_move = sim::Rng::to_unit(moves[i % 4]), u_event = sim::Rng::to_unit(others[i % 4]);
      move_person(i, week, u_move, u_event, own);
      baseline.events_alone(i, week, u_move, u_event, base);
    }
#pragma omp critical
    for (int e = 0; e < kEventCount; ++e) {
      mine[e] += own[e];
      theirs[e] += base[e];
    }
  }
  for (const auto h : apart_households_) {
    const double u = sim::Rng::to_unit(rng_.words(replicate_, week, h / 4, kDrawDebtEvent)[h % 4]);
    const auto debt_event = [&](bool debt, EventCounts& events) {
      if (u >= (debt ? debt_resolve_ : debt_start_)) return false;
      events[debt ? kDebtResolved : kDebtStarted] += 1;
      return true;
    };
    if (debt_event(people_.household_flags[h] & kDebt, mine)) people_.household_flags[h] ^= kDebt;
    debt_event(baseline.people_.household_flags[h] & kDebt, theirs);
  }
  for (int e = 0; e < kEventCount; ++e) apart_events_[e] = mine[e] - theirs[e];
  apart_state_.clear();
  for (const auto i : apart_persons_)
    apart_state_.push_back({next_rung_[i], people_.flags[i], people_.age[i], people_.bijstand_weeks[i]});
  apart_debts_.clear();
  for (const auto h : apart_households_) apart_debts_.push_back(people_.household_flags[h]);
}

// After the baseline's step: everyone takes the baseline's new state, and
// those apart their own again; events and counts are the baseline's plus the
// differences over those apart (modular arithmetic: the sums are exact); then
// step 5.
void Simulation::step_join(std::uint32_t week, const Simulation& baseline) {
  auto& p = people_;
  const auto& q = baseline.people_;
  next_rung_ = q.rung;
  p.flags = q.flags;
  p.age = q.age;
  p.bijstand_weeks = q.bijstand_weeks;
  p.household_flags = q.household_flags;
  for (std::size_t k = 0; k < apart_persons_.size(); ++k) {
    const auto i = apart_persons_[k];
    const auto& own = apart_state_[k];
    next_rung_[i] = own.rung;
    p.flags[i] = own.flags;
    p.age[i] = own.age;
    p.bijstand_weeks[i] = own.bijstand_weeks;
  }
  for (std::size_t k = 0; k < apart_households_.size(); ++k) p.household_flags[apart_households_[k]] = apart_debts_[k];
  for (int e = 0; e < kEventCount; ++e) events_[e] = baseline.events_[e] + apart_events_[e];
  if (!baseline.counted_valid_) throw std::logic_error("step_join: the baseline's counts are not of this week");
  const std::size_t wijken = p.wijk_names.size();
  WeekCounts plus(wijken), minus(wijken);
  for (const auto i : apart_persons_) {
    count(p, i, next_rung_[i], plus);
    count(q, i, q.rung[i], minus);
  }
  counted_ = baseline.counted_;
  add(counted_, plus);
  subtract(counted_, minus);
  counted_valid_ = true;
  // Those not apart took the baseline's week: they changed where the baseline's persons did.
  changed_ = baseline.changed_;
  changed_.state.insert(changed_.state.end(), apart_persons_.begin(), apart_persons_.end());
  for (const auto h : apart_households_)  // whose own debts are apart, though some members are not
    for (PersonId i = p.household_start[h]; i < p.household_start[h + 1]; ++i) changed_.state.push_back(i);
  changed_known_ = baseline.changed_known_;
  apart_known_ = true;
  p.rung.swap(next_rung_);
  World world{people_, network_, programs_, rng_, replicate_, week, false};
  for (std::size_t k = 0; k < interventions_.size(); ++k) costs_[k] = interventions_[k]->close_week(world, metrics_[k]);
  // Who may differ from the baseline next week: those apart, and whom step 5 changed.
  apart_persons_.insert(apart_persons_.end(), programs_.touched.begin(), programs_.touched.end());
  take_touched();
}

void Simulation::take_touched() {
  changed_.state.insert(changed_.state.end(), programs_.touched.begin(), programs_.touched.end());
  programs_.touched.clear();
}

}  // namespace meedoen::models
