// The pipeline most interventions share (MODEL.md section 3, steps 1, 2 and 5):
// eligible people are found through the intervention's channel, visited within
// its weekly staff hours, accept or not (participation is voluntary), and are
// enrolled for some weeks where a place is free (else they wait), possibly
// referred onwards; while enrolled an effect works on the ladder, and after
// completion it fades. A type fills in the settings, who is eligible, and
// where it differs, how people are found or what is delivered.
#pragma once

#include <deque>
#include <utility>

#include "models/interventions/intervention.hpp"

namespace meedoen::models {

struct ProgrammeSettings {
  double finding_rate = 0;        // weekly probability that an eligible person is found
  bool signalled = false;         // finding multiplied by the wijk's signalling meetings
  double staff_hours = 0;         // per week, paid whether used or not
  double visit_hours = 0;         // per first visit; 0: no visits (everyone found is offered a place)
  double coaching_hours = 0;      // per enrolled person per week, taken from the staff hours
  double contact = 1;             // probability that a visit makes contact
  double acceptance = 1;          // probability that a person in contact accepts
  double referral = 0;            // probability that a person in contact is referred onwards
  int places = -1;                // at most this many enrolled at once; -1: no limit
  int duration_weeks = 1;         // weeks in the programme
  double fade_weeks = 0;          // mean weeks the effect lasts after completion; 0: ends at once
  double hourly_rate = 0;         // euros per staff hour
  double place_cost_week = 0;     // euros per enrolled person per week
  double fixed_cost_year = 0;     // euros per year, paid weekly
  double effect_up = 0;           // added to eta_up while enrolled (Programme::effect's default)
  double effect_down = 0;         // added to eta_down while enrolled
};

// Variants of an enrolment (which effects apply).
enum Variant : std::uint8_t { kEnrolledOnly = 0, kReferredOnly = 1, kEnrolledAndReferred = 2 };

class Programme : public Intervention {
public:
  Programme(InterventionSpec spec, std::uint8_t index, ProgrammeSettings settings);

  void take_in(World& w, MetricCounts& m) override;
  double close_week(World& w, MetricCounts& m) override;

  const ProgrammeSettings& settings() const { return settings_; }
  // The effect while enrolled (the type's parameters effect_up / effect_down by default).
  Effect effect(int rung, std::uint8_t variant) const override;
  double fade() const override;

protected:
  virtual bool eligible(const World& w, PersonId i) const = 0;
  // Adds this week's newly found people to `found` (default: each eligible
  // person of the targeted wijken not found before, at the finding rate).
  virtual void find(World& w, std::vector<PersonId>& found);
  // Called before person i is enrolled: false keeps them waiting (a budget
  // pot that is empty); a budget paid goes through pay_budget.
  virtual bool grant(World& w, PersonId i, MetricCounts& m);
  void pay_budget(double euros, MetricCounts& m);

  bool found_before(PersonId i) const { return seen_[i] != 0; }
  void mark_found(PersonId i) { seen_[i] = 1; }

private:
  void visit(World& w, MetricCounts& m);
  void admit_waiting(World& w, MetricCounts& m);
  void enrol(World& w, PersonId i, std::uint8_t variant, MetricCounts& m);

  ProgrammeSettings settings_;
  std::vector<std::uint8_t> seen_;                            // per person: found once already
  std::deque<PersonId> queue_;                                // found, not yet visited
  std::deque<std::pair<PersonId, std::uint8_t>> waiting_;     // accepted, no place yet
  std::vector<std::pair<PersonId, std::uint16_t>> enrolled_;  // with weeks left
  double budgets_week_ = 0;                                   // budgets paid this week
};

}  // namespace meedoen::models
