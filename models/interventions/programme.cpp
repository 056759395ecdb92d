#include "models/interventions/programme.hpp"

#include <algorithm>
#include <cmath>

namespace meedoen::models {
namespace {
// Sub-purposes of a programme's draws (see Intervention::uniform).
enum : std::uint32_t { kSubFind, kSubContact, kSubAccept, kSubReferral, kSubPlaces = 15 };
}  // namespace

Programme::Programme(InterventionSpec spec, std::uint8_t index, ProgrammeSettings settings)
    : Intervention(std::move(spec), index), settings_(settings) {
  settings_.staff_hours = scaled(settings.staff_hours);
  settings_.fixed_cost_year = scaled(settings.fixed_cost_year);
}

Effect Programme::effect(int, std::uint8_t) const { return {settings_.effect_up, settings_.effect_down}; }

double Programme::fade() const { return settings_.fade_weeks > 0 ? std::exp(-1.0 / settings_.fade_weeks) : 0.0; }

void Programme::start(const World& w) {
  seen_.assign(w.people.size(), 0);
  if (settings_.places >= 0) places_ = whole(w, settings_.places, kSubPlaces);
  candidates_.assign((w.people.size() + 63) / 64, 0);
  list_week_ = 0;
}

// A person's candidacy reads only their own state and their household's
// (eligible()), so from one week to the next it can change only for those the
// step between changed (World::changed). The weeks on bijstand count up for
// most recipients every week: a type whose candidacy reads them is listed
// afresh at each search (home visits search once a year).
void Programme::refresh(const World& w) {
  const auto set = [&](PersonId i) {
    const auto bit = std::uint64_t{1} << (i % 64);
    candidates_[i / 64] = candidate(w, i) ? candidates_[i / 64] | bit : candidates_[i / 64] & ~bit;
  };
  if (list_week_ != 0 && list_week_ + 1 == w.week && w.changed != nullptr && !settings_.reads_bijstand_weeks) {
    for (const auto i : w.changed->state) set(i);
    if (settings_.reads_age)
      for (const auto i : w.changed->age) set(i);
  } else {
    for (PersonId i = 0; i < w.people.size(); ++i) set(i);
  }
  list_week_ = w.week;
}

void Programme::take_in(World& w, MetricCounts& m) {
  if (seen_.size() != w.people.size()) start(w);
  offers_accepted_ = 0;
  if (!working(w.week)) return;
  admit_waiting(w, m);
  std::vector<PersonId> found;
  find(w, found);
  m[kFound] += static_cast<std::uint32_t>(found.size());
  queue_.insert(queue_.end(), found.begin(), found.end());
  visit(w, m);
}

void Programme::find(World& w, std::vector<PersonId>& found) {
  if (settings_.finding_rate <= 0) return;
  each_candidate(w, kSubFind, [&](PersonId i, double u) {
    const double rate = settings_.finding_rate * (settings_.signalled ? w.state.finding_multiplier[w.people.wijk[i]] : 1.0);
    if (u < rate) {
      mark_found(i);
      found.push_back(i);
    }
  });
}

// Visits within the staff hours left after coaching, oldest found first. Hours for part of a
// visit carry over to next week (a visit begun one week ends the next), whole visits do not.
void Programme::visit(World& w, MetricCounts& m) {
  std::size_t capacity = queue_.size();
  if (settings_.visit_hours > 0) {
    const double free_hours = settings_.staff_hours - settings_.coaching_hours * double(enrolled_.size());
    const double visits = std::max(0.0, free_hours / settings_.visit_hours) + visit_carry_;
    capacity = static_cast<std::size_t>(std::floor(visits + 1e-9));
    visit_carry_ = std::max(0.0, visits - double(capacity));
  }
  while (capacity > 0 && !queue_.empty()) {
    const PersonId i = queue_.front();
    queue_.pop_front();
    if (!eligible_now(w, i)) continue;  // their situation changed since they were found: no visit needed
    --capacity;
    if (uniform(w, i, kSubContact) >= settings_.contact) continue;
    ++m[kVisited];
    // A referral, like the programme's own offer, is made only with the person's consent.
    const bool referred = uniform(w, i, kSubReferral) < settings_.referral;
    const bool accepted = uniform(w, i, kSubAccept) < settings_.acceptance;
    if (!accepted && !referred) continue;
    ++m[kAccepted];
    offers_accepted_ += accepted;
    m[kReferred] += referred;
    const auto variant = !referred ? kEnrolledOnly : accepted ? kEnrolledAndReferred : kReferredOnly;
    waiting_.emplace_back(i, variant);
  }
  admit_waiting(w, m);
}

void Programme::admit_waiting(World& w, MetricCounts& m) {
  const auto full = [&] { return settings_.places >= 0 && enrolled_.size() >= places_; };
  while (!waiting_.empty() && !full()) {
    const auto [i, variant] = waiting_.front();
    if (!eligible_now(w, i)) {  // no longer eligible after waiting (too old, moved up, left bijstand)
      waiting_.pop_front();
      continue;
    }
    if (w.state.enrolled_in[i] == 0 && !grant(w, i, m)) break;  // e.g. the budget pot is empty: wait
    waiting_.pop_front();
    enrol(w, i, variant, m);
  }
}

bool Programme::grant(World&, PersonId, MetricCounts&) { return true; }

// Found, waiting or enrolled: they go, and their place is free for the next in line.
void Programme::leave(PersonId i) {
  if (i >= seen_.size() || seen_[i] == 0) return;  // never found: in none of the lists
  seen_[i] = 0;
  std::erase(queue_, i);
  std::erase_if(waiting_, [i](const auto& entry) { return entry.first == i; });
  std::erase_if(enrolled_, [i](const auto& entry) { return entry.first == i; });
}

// One programme at a time: someone already in another one is not enrolled twice.
void Programme::enrol(World& w, PersonId i, std::uint8_t variant, MetricCounts& m) {
  if (w.state.enrolled_in[i] != 0) return;
  w.state.enrolled_in[i] = static_cast<std::uint8_t>(index() + 1);
  w.state.entered.push_back(i);
  w.state.variant[i] = variant;
  enrolled_.emplace_back(i, static_cast<std::uint16_t>(settings_.duration_weeks));
  ++m[kEnrolled];
  ++m[rung_metric(kEnrolledRung1, w.people.rung[i])];  // last week's rung: the step has not moved anyone yet
}

void Programme::pay_budget(double euros, MetricCounts& m) {
  budgets_week_ += euros;
  m[kBudgetEuros] += static_cast<std::uint32_t>(std::lround(euros));
}

// Person i leaves the programme (completes it); its effect fades from next week.
void Programme::finish(World& w, PersonId i, MetricCounts& m) {
  const double weight = fade();
  w.state.enrolled_in[i] = 0;
  w.state.faded_from[i] = weight > 0 ? static_cast<std::uint8_t>(index() + 1) : 0;
  w.state.faded_variant[i] = w.state.variant[i];
  w.state.faded_weight[i] = static_cast<float>(weight);
  ++m[kCompleted];
  ++m[rung_metric(kCompletedRung1, w.people.rung[i])];  // this week's rung: after the ladder moved
}

// The programme ends at its end_week as the seeds' projects do, with their budget: the
// coaching, the places and the lists stop, and those enrolled leave as if they completed.
void Programme::stop(World& w, MetricCounts& m) {
  for (const auto& entry : enrolled_) finish(w, entry.first, m);
  enrolled_.clear();
  waiting_.clear();
  queue_.clear();
}

double Programme::close_week(World& w, MetricCounts& m) {
  const double place_weeks = double(enrolled_.size());
  std::erase_if(enrolled_, [&](auto& entry) {
    if (--entry.second > 0) return false;
    finish(w, entry.first, m);
    return true;
  });
  if (static_cast<int>(w.week) == spec().end_week) stop(w, m);
  m[kActive] = static_cast<std::uint32_t>(enrolled_.size());
  m[kWaiting] = static_cast<std::uint32_t>(waiting_.size());
  double euros = settings_.place_cost_week * place_weeks + budgets_week_;
  if (working(w.week)) euros += settings_.staff_hours * settings_.hourly_rate + settings_.fixed_cost_year / sim::kWeeksPerYear;
  budgets_week_ = 0;
  return euros;
}

}  // namespace meedoen::models
