// The pipeline most interventions share (MODEL.md section 3, steps 1, 2 and 5):
// eligible people are found through the intervention's channel, visited within
// its weekly staff hours, accept or not (participation is voluntary), and are
// enrolled for some weeks where a place is free (else they wait), possibly
// referred onwards; while enrolled an effect works on the ladder, and after
// completion it fades. A type fills in the settings, who is eligible, and
// where it differs, how people are found or what is delivered.
#pragma once

#include <bit>
#include <deque>
#include <utility>

#include "models/interventions/intervention.hpp"

namespace meedoen::models {

struct ProgrammeSettings {
  double finding_rate = 0;        // weekly probability that an eligible person is found
  bool signalled = false;         // finding multiplied by the wijk's signalling meetings
  // The city's values: a Programme multiplies staff_hours, places and fixed_cost_year by
  // the run's scale (InterventionSpec::scale), the places made whole per replicate.
  double staff_hours = 0;         // per week, paid whether used or not
  double visit_hours = 0;         // per first visit; 0: no visits (everyone found is offered a place)
  double coaching_hours = 0;      // per enrolled person per week, taken from the staff hours
  double contact = 1;             // probability that a visit makes contact
  double acceptance = 1;          // probability that a person in contact accepts
  double referral = 0;            // probability that a person in contact is referred onwards
  double places = -1;             // at most this many enrolled at once; -1: no limit
  int duration_weeks = 1;         // weeks in the programme
  double fade_weeks = 0;          // mean weeks the effect lasts after completion; 0: ends at once
  double hourly_rate = 0;         // euros per staff hour
  double place_cost_week = 0;     // euros per enrolled person per week
  double fixed_cost_year = 0;     // euros per year, paid weekly
  double effect_up = 0;           // added to eta_up while enrolled (Programme::effect's default),
  double effect_down = 0;         // and to eta_down: both times the effect factor (kEffectFactor)
  // The rungs (bit r for rung r, bit 0 for children) on which a person can be
  // eligible: the type's condition on the rung, which its eligible() then leaves out.
  std::uint8_t rungs = 0x7F;
  // Whether the type's eligible() reads the age and the weeks on bijstand, which
  // change for many every week: false only where it does not (a type that reads
  // the weeks on bijstand is listed afresh at each search, Programme::refresh).
  bool reads_age = true, reads_bijstand_weeks = true;
};

// The bits of rungs lo..hi for ProgrammeSettings::rungs.
constexpr std::uint8_t rungs_between(int lo, int hi) {
  std::uint8_t bits = 0;
  for (int r = lo; r <= hi; ++r) bits = static_cast<std::uint8_t>(bits | (1u << r));
  return bits;
}

// Variants of an enrolment (which effects apply).
enum Variant : std::uint8_t { kEnrolledOnly = 0, kReferredOnly = 1, kEnrolledAndReferred = 2 };

class Programme : public Intervention {
public:
  Programme(InterventionSpec spec, std::uint8_t index, ProgrammeSettings settings);

  void take_in(World& w, MetricCounts& m) override;
  double close_week(World& w, MetricCounts& m) override;
  void leave(PersonId i) override;
  std::uint32_t accepted_offers() const override { return offers_accepted_; }

  const ProgrammeSettings& settings() const { return settings_; }
  // The effect while enrolled (the type's parameters effect_up / effect_down by default).
  Effect effect(int rung, std::uint8_t variant) const override;
  double fade() const override;

protected:
  // Whether person i can take part now, besides the rung (settings().rungs).
  // It may read only person i's own columns of People and its household's
  // flags: what the weekly step changes and names in World::changed.
  virtual bool eligible(const World& w, PersonId i) const = 0;
  bool eligible_now(const World& w, PersonId i) const {
    return (settings_.rungs >> w.people.rung[i] & 1u) != 0 && eligible(w, i);
  }
  // Calls f(i, u) for each person i of the targeted wijken not found before who
  // is eligible now, in the order of their ids, u being i's draw of this week for
  // `sub` (Intervention::uniform). From the list of them, brought up to date first
  // (refresh), their draws made kDrawsAtOnce at a time; in the reference mode
  // (World::reference) by testing everyone and drawing one at a time, as the plain
  // scan. f may mark i found (mark_found), not anyone else.
  template <class F>
  void each_candidate(const World& w, std::uint32_t sub, F&& f);
  // Adds this week's newly found people to `found` (default: each eligible
  // person of the targeted wijken not found before, at the finding rate).
  virtual void find(World& w, std::vector<PersonId>& found);
  // Called before person i is enrolled: false keeps them waiting (a budget
  // pot that is empty); a budget paid goes through pay_budget.
  virtual bool grant(World& w, PersonId i, MetricCounts& m);
  void pay_budget(double euros, MetricCounts& m);

  bool found_before(PersonId i) const { return seen_[i] != 0; }
  void mark_found(PersonId i) {
    seen_[i] = 1;
    candidates_[i / 64] &= ~(std::uint64_t{1} << (i % 64));
  }
  // Those in the programme now, with their weeks left.
  const std::vector<std::pair<PersonId, std::uint16_t>>& enrolled() const { return enrolled_; }

private:
  void start(const World& w);
  // Brings candidates_ up to date: person by person for those World::changed
  // names (by what eligible() reads) when the list was brought up to date last
  // week, else everyone (a programme that does not search every week, as the
  // yearly list of home visits or one that has stopped, pays for no weeks
  // without a search).
  void refresh(const World& w);
  bool candidate(const World& w, PersonId i) const {
    return targets(w.people.wijk[i]) && !found_before(i) && eligible_now(w, i);
  }
  void visit(World& w, MetricCounts& m);
  void admit_waiting(World& w, MetricCounts& m);
  void enrol(World& w, PersonId i, std::uint8_t variant, MetricCounts& m);
  void finish(World& w, PersonId i, MetricCounts& m);
  void stop(World& w, MetricCounts& m);

  ProgrammeSettings settings_;
  std::vector<std::uint8_t> seen_;                            // per person: found once already
  // Bit i: person i is a candidate (targeted, not found before, eligible now).
  std::vector<std::uint64_t> candidates_;
  std::uint32_t list_week_ = 0;  // the week whose search candidates_ holds (weeks start at 1; 0: none)
  std::deque<PersonId> queue_;                                // found, not yet visited
  std::deque<std::pair<PersonId, std::uint8_t>> waiting_;     // accepted, no place yet
  std::vector<std::pair<PersonId, std::uint16_t>> enrolled_;  // with weeks left
  double budgets_week_ = 0;                                   // budgets paid this week
  std::size_t places_ = 0;                                    // the places of this replicate (when limited)
  double visit_carry_ = 0;                                    // the part of a visit left from last week's hours
  std::uint32_t offers_accepted_ = 0;                         // this week's (accepted_offers)
};

template <class F>
void Programme::each_candidate(const World& w, std::uint32_t sub, F&& f) {
  if (w.reference) {
    list_week_ = 0;  // the next fast search rebuilds the list
    for (PersonId i = 0; i < w.people.size(); ++i)
      if (candidate(w, i)) f(i, uniform(w, i, sub));
    return;
  }
  refresh(w);
  DrawIds ids{};
  std::array<double, kDrawsAtOnce> draws;
  std::size_t count = 0;
  const auto draw = [&] {
    uniforms(w, ids, count, sub, draws);
    for (std::size_t k = 0; k < count; ++k) f(ids[k], draws[k]);
    count = 0;
  };
  for (std::size_t word = 0; word < candidates_.size(); ++word)
    for (std::uint64_t bits = candidates_[word]; bits != 0; bits &= bits - 1) {  // a copy: f may clear its own bit
      ids[count++] = static_cast<PersonId>(64 * word + static_cast<std::size_t>(std::countr_zero(bits)));
      if (count == kDrawsAtOnce) draw();
    }
  if (count > 0) draw();
}

}  // namespace meedoen::models
