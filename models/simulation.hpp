// One replicate of one scenario: the state of the city and its weekly step
// (MODEL.md section 3). The step is double-buffered: ladder moves read last
// week's rungs and write this week's.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "models/demography.hpp"
#include "models/interventions/intervention.hpp"
#include "models/ladder.hpp"
#include "models/network.hpp"
#include "models/people.hpp"
#include "sim/parameters.hpp"
#include "sim/rng.hpp"

namespace meedoen::models {

// Counts of what happened in one week, for observation and validation.
enum Event : int {
  kMovedUp,
  kMovedDown,
  kEnteredBijstand,
  kLeftBijstandForWork,
  kLeftBijstandOther,
  kBecameAdult,
  kReachedPension,
  kDebtStarted,
  kDebtResolved,
  kBorn,  // the open population (Demography)
  kDied,
  kMovedIn,
  kMovedOut,
  kEventCount
};
constexpr std::array<std::string_view, kEventCount> kEventNames = {
    "moved_up", "moved_down", "entered_bijstand", "left_bijstand_work", "left_bijstand_other",
    "became_adult", "reached_pension", "debt_started", "debt_resolved", "born", "died", "moved_in", "moved_out"};

using EventCounts = std::array<std::uint32_t, kEventCount>;

// What is observed of the people each week, in one pass.
struct WeekCounts {
  explicit WeekCounts(std::size_t wijken) : rungs(wijken * kRungs, 0u), bijstand(wijken, 0u), lonely(wijken, 0u) {}
  std::vector<std::uint32_t> rungs;                         // adults per wijk and rung: [wijk * 6 + rung - 1]
  std::vector<std::uint32_t> bijstand;                      // recipients per wijk
  std::vector<std::uint32_t> lonely;                        // severely lonely adults per wijk
  std::array<std::uint32_t, kRungs + 1> psych{}, chronic{};  // adults with the condition, by rung
  std::uint32_t lonely_or_isolated = 0;                     // adults severely lonely or on rung 1
};

class Simulation {
public:
  // `same_fixed_parts`: a Simulation not stepped yet of the same people, ladder fit and
  // parameters but the interventions' (a coupled scenario's baseline), whose fixed parts of
  // eta and fast-path bounds are copied rather than worked out again.
  Simulation(People people, const Network& network, const LadderFit& fit, const sim::ParamSet& params,
             const sim::Rng& rng, std::uint32_t replicate, int threads, Interventions interventions = {},
             const Simulation* same_fixed_parts = nullptr);

  // The weekly order (MODEL.md section 3):
  // 0.   births, deaths and moves into and out of the city (Demography);
  //      those who leave leave their programmes;
  // 1-2. each intervention finds, visits and takes in people, by phase;
  // 3-4. every person's ladder move (from last week's rungs) and life events
  //      (bijstand in and out, ageing), then household debts; the buffers swap;
  // 5.   each intervention completes enrolments and books its costs.
  void step(std::uint32_t week);
  // The same step by the plain scalar code: draw by draw, person by person,
  // every programme's search scanning everyone (the reference that tests
  // hold the fast path to, bit for bit).
  void step_reference(std::uint32_t week);
  // The coupled step (docs/ODD.md): this scenario beside `baseline`, a
  // Simulation without interventions of the same city, ladder fit and rates,
  // in lockstep with it. step_apart goes before baseline.step(week) and
  // step_join after it; together they give the bits of step(week).
  void step_apart(std::uint32_t week, Simulation& baseline);
  void step_join(std::uint32_t week, const Simulation& baseline);

  const People& people() const { return people_; }
  const EventCounts& events() const { return events_; }  // of the last step
  const std::vector<MetricCounts>& metrics() const { return metrics_; }  // per intervention, of the last step
  const std::vector<double>& costs() const { return costs_; }            // per intervention, euros, of the last step
  const ProgramState& programs() const { return programs_; }
  const Interventions& interventions() const { return interventions_; }

  // For the tests: the fast path's fixed parts and bounds. They decide no outcome, only whose
  // probabilities are worked out, so outputs alone cannot tell wrong ones that still hold.
  struct FastPathParts {
    const std::vector<float>& static_up;
    const std::vector<float>& static_down;
    const std::vector<std::uint8_t>& bound_class;
    const std::vector<double>& bound;
  };
  FastPathParts fast_path_parts() const { return {static_up_, static_down_, bound_class_, bound_}; }

  // Counts this week's state into `counts` (which starts at zero): after
  // step(), what its pass counted; else by a pass over everyone.
  void observe(WeekCounts& counts) const;

private:
  void step(std::uint32_t week, bool reference);
  // Step 0 of the week, once (the coupled step turns the baseline over before its step).
  // `shared`: the baseline, whose events this week a coupled scenario's are (Demography::apply), else drawn here.
  void turn_over(std::uint32_t week, const Simulation* shared = nullptr);
  // b . x over the indicators that do not change, of person i (static_up_, static_down_).
  void static_terms(PersonId i);
  void take_in(World& world);
  // Adds the persons the interventions changed (ProgramState::touched) to changed_.
  void take_touched();
  // After a coupled week (apart_known_), the only households in which this scenario's state may
  // differ from the baseline's: those of apart_persons_ (with whom step 5 changed) and
  // apart_households_ (whose flags were apart); with repeats.
  std::vector<HouseholdId> households_apart() const;
  // Lists apart_persons_ and apart_households_: whom step_apart steps on its own.
  void mark_apart(std::uint32_t week, const Simulation& baseline);
  // move_person on the baseline, keeping its state: only its events.
  void events_alone(PersonId i, std::uint32_t week, double u_move, double u_event, EventCounts& events);
  // The fast path: persons in batches of 64 (Philox in vector registers),
  // those to whom nothing happens this week settled by integer compares, the
  // others by move_person; this week's WeekCounts counted in the same pass.
  void move_persons(std::uint32_t week);
  void move_households(std::uint32_t week);
  void move_persons_reference(std::uint32_t week);
  void move_households_reference(std::uint32_t week);
  static void count(const People& p, PersonId i, int rung, WeekCounts& c);
  // The cell of move_persons' histogram in which person i on `rung` is counted (wijk, rung, flags).
  std::uint16_t cell_of(PersonId i, int rung) const;
  // Counts person i in the cell of `rung` and their flags instead of cell_[i].
  void move_cell(PersonId i, int rung);
  // Puts person i in the class of their fixed parts, raising its bins' highest if need be
  // (then true: the bounds must be computed again).
  bool classify(PersonId i);
  // bound_ and bound_words_ from the bins and this week's wijk-wide effects; `always`: even
  // where those effects are the same as last time.
  void compute_bounds(bool always = true);
  // The interventions' effects on eta (enrolment, what is left after it, the wijk's).
  Effect effects_on(PersonId i, int rung);
  // One person's ladder move and life events, counted into `events`; u_move
  // and u_event are the person's uniforms for this week.
  void move_person(PersonId i, std::uint32_t week, double u_move, double u_event, EventCounts& events);

  People people_;
  const Network& network_;
  LadderCoefficients coefficients_;
  StartRungs start_rungs_;  // for those who turn 18 or leave paid work
  const sim::ParamSet& params_;
  const sim::Rng& rng_;
  std::uint32_t replicate_;
  int threads_;
  int pension_age_;
  double bijstand_entry_, bijstand_other_exit_, debt_start_, debt_resolve_;
  std::vector<std::uint8_t> next_rung_;
  std::vector<float> static_up_, static_down_;  // b . x over the indicators that do not change
  // The bounds of the fast path, per class of persons: a person's class is the bin of each of
  // their fixed parts (static_up_, static_down_), and bound_[class * 7 + r] >= p_up + p_down of
  // every adult of the class on rung r, whatever their changing indicators, peers and the
  // wijk-wide effects: a draw above it means "stay" without computing the probabilities (exact;
  // most draws are above, and the tighter the bound the more).
  static constexpr int kBins = 16;  // per fixed part: kBins * kBins classes
  std::vector<std::uint8_t> bound_class_;                 // per person
  std::array<float, 2> bin_low_{}, bin_width_{};          // the bins of the fixed parts up [0] and down [1]
  std::array<std::array<float, kBins>, 2> bin_max_{};     // the highest fixed part in each bin
  std::vector<double> bound_;                             // [class * (kRungs + 1) + rung]
  std::vector<std::uint32_t> bound_words_;                // the same as thresholds on the draws' words
  std::array<float, 2 * (kRungs + 1)> bound_area_{};      // the largest wijk-wide effects they hold for
  // The bijstand and debt rates as thresholds on the draws' words (Rng::word_threshold).
  std::uint32_t entry_words_ = 0, other_exit_words_ = 0;  // in 32 bits, for mark_quiet
  std::uint64_t debt_start_words_ = 0, debt_resolve_words_ = 0;
  Demography demography_;
  bool turned_over_ = false;  // step 0 of this week is done
  bool stepped_ = false;      // a week has begun (fixed parts may have changed since the start)
  bool reference_ = false;     // this step is step_reference's: no bounds
  DemographyCounts turnover_{};
  std::vector<PersonId> left_, settled_;    // this week's leavers and newcomers (places)
  std::vector<PersonId> turnover_members_;  // everyone in their households (with repeats)
  DemographyEvents demography_events_;      // this week's, as drawn by turn_over
  Interventions interventions_;             // in the scenario's order: index() is the position
  std::vector<std::size_t> take_in_order_;  // positions by phase (stable)
  ProgramState programs_;
  std::vector<MetricCounts> metrics_;
  std::vector<double> costs_;
  EventCounts events_{};
  WeekCounts counted_;          // this week's state, counted by the fast step
  bool counted_valid_ = false;  // counted_ holds the current state
  // The fast step's count, persons per cell (histogram_). Without interventions it is kept from
  // week to week: cell_[i] is the cell (cell_of) in which person i was last counted. Only turnover
  // and move_person change a person's cell there; cells_known_ is false until the first fast
  // step, and after a reference step.
  std::vector<std::uint16_t> cell_;
  std::vector<std::uint32_t> histogram_;
  bool cells_known_ = false;
  // The persons whose state (own columns or household's flags) the last step
  // may have changed, for the programmes' lists (World::changed); not known
  // after a reference step. Whatever else changes a person must list them
  // here, or set changed_known_ to false.
  Changes changed_;
  bool changed_known_ = false;
  bool track_changes_;  // whether changed_ is kept: with interventions, or as a coupled baseline
  // The coupled step: persons and households that may differ from the baseline this week,
  // and this week's events less the baseline's over them.
  std::vector<std::uint8_t> apart_, apart_household_;  // marks while mark_apart works
  std::vector<PersonId> apart_persons_;  // this week's (after step 5: who may differ next week)
  bool apart_known_ = false;             // apart_persons_ are of this scenario's last coupled week
  std::vector<PersonId> everyone_;       // who may be apart when that is not known
  std::vector<HouseholdId> apart_households_;
  EventCounts apart_events_{};
  struct OwnState {
    std::uint8_t rung, flags, age;
    std::uint16_t bijstand_weeks;
  };
  std::vector<OwnState> apart_state_;     // of apart_persons_ after their week
  std::vector<std::uint8_t> apart_debts_;  // household flags of apart_households_ after their week
};

}  // namespace meedoen::models
