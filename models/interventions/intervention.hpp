// The one interface behind which every intervention sits (MODEL.md section 7),
// and the state that interventions share with the weekly step.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "models/network.hpp"
#include "models/people.hpp"
#include "sim/parameters.hpp"
#include "sim/rng.hpp"

namespace meedoen::models {

// The parameter that multiplies every intervention's effects on the residents (docs/ODD.md,
// "The effect needed to break even"): each type reads its effect sizes through
// Intervention::effect_size (or ProgrammeSettings, which programme_settings scales).
inline constexpr std::string_view kEffectFactor = "interventions.effect_factor";

// What a scenario file says of one intervention.
struct InterventionSpec {
  std::string name;                  // unique within the scenario: the coordinate value in the results
  std::string type;                  // a registered type (interventions/registry.hpp)
  int line = 0;                      // where it stands in the scenario file
  std::vector<std::uint8_t> wijken;  // the wijken it works in (indices into the wijk table)
  int start_week = 1;                // first week it works
  int end_week = 0;                  // last week it works; 0: to the end
  sim::ParamSet params;              // registry defaults < scenario parameters < the intervention's own keys
  // The run's scale: one simulated resident stands for 1 / scale residents, so the
  // capacities (staff hours, places, lists, pots) and fixed costs are multiplied by it.
  double scale = 1.0;
};

// What each intervention reports every week (the `program` dataset).
enum Metric : int {
  kFound,        // newly found through its channels
  kVisited,      // visited with contact made
  kAccepted,     // accepted what was offered (participation is voluntary)
  kEnrolled,     // started the programme
  kReferred,     // referred onwards (the sociaal wijkteam, debt help)
  kCompleted,    // finished the programme
  kActive,       // in the programme at the end of the week
  kWaiting,      // on the waiting list at the end of the week
  kBudgetEuros,  // budgets paid out this week (whole euros)
  // Of those enrolled this week, how many were on rung 1 .. 6 when enrolled
  // (kEnrolledRung1 + rung - 1); they add up to kEnrolled.
  kEnrolledRung1,
  // Of those who completed this week, how many were on rung 1 .. 6 then
  // (kCompletedRung1 + rung - 1); they add up to kCompleted.
  kCompletedRung1 = kEnrolledRung1 + kRungs,
  kMetricCount = kCompletedRung1 + kRungs
};
constexpr std::array<std::string_view, kMetricCount> kMetricNames = {
    "found", "visited", "accepted", "enrolled", "referred", "completed", "active", "waiting", "budget_euros",
    "enrolled_rung_1", "enrolled_rung_2", "enrolled_rung_3", "enrolled_rung_4", "enrolled_rung_5", "enrolled_rung_6",
    "completed_rung_1", "completed_rung_2", "completed_rung_3", "completed_rung_4", "completed_rung_5",
    "completed_rung_6"};
using MetricCounts = std::array<std::uint32_t, kMetricCount>;

// The metric kEnrolledRung1 or kCompletedRung1 (`first`) for a person on `rung`.
// Programmes take in adults only: a person off the ladder here is a bug.
inline std::size_t rung_metric(Metric first, int rung) {
  if (rung < 1 || rung > kRungs) throw std::logic_error("a programme counted a person who is not on the ladder");
  return static_cast<std::size_t>(first + rung - 1);
}

// Added to eta_up and eta_down of MODEL.md section 6.
struct Effect {
  double up = 0;
  double down = 0;
};

// Per-person programme state shared by the interventions of a scenario, and
// per-wijk effects that reach everyone in a wijk.
struct ProgramState {
  explicit ProgramState(std::size_t persons, std::size_t wijken);

  std::vector<std::uint8_t> enrolled_in;  // 0: none; k: the intervention with index k - 1
  std::vector<std::uint8_t> variant;      // which of that intervention's effects applies
  // After completion the effect of the last programme fades: that programme's
  // effect (on whatever rung the person is then) times a weight that shrinks weekly.
  std::vector<std::uint8_t> faded_from;   // 0: none; k: the intervention with index k - 1
  std::vector<std::uint8_t> faded_variant;
  std::vector<float> faded_weight;
  std::vector<float> finding_multiplier;  // per wijk, this week (signalling meetings)
  std::vector<float> area_up, area_down;  // per wijk and rung: [wijk * 7 + rung]

  bool any_effect(PersonId i) const { return enrolled_in[i] != 0 || faded_from[i] != 0; }

  std::vector<PersonId> entered;  // enrolled this week (the step clears it before take_in)

  // The persons whose People state an intervention changed (the step passes
  // them on in World::changed): an intervention that changes a person's
  // columns lists the person, one that changes a household's flags calls
  // touch_household.
  std::vector<PersonId> touched;
  void touch_household(const People& p, HouseholdId h) {
    for (PersonId i = p.household_start[h]; i < p.household_start[h + 1]; ++i) touched.push_back(i);
  }
};

// The persons whose state may have changed since the last take_in, by what
// changed (any order, repeats allowed). Many of them only grew a year older:
// a search whose eligibility does not read the age need not look at those.
// A week more on bijstand is not listed (Programme::refresh).
struct Changes {
  std::vector<PersonId> state;           // anything: rung, flags, household's flags, or unknown which
  std::vector<PersonId> age;             // only the age (a birthday)
  void clear() {
    state.clear();
    age.clear();
  }
  void append(const Changes& more) {
    state.insert(state.end(), more.state.begin(), more.state.end());
    age.insert(age.end(), more.age.begin(), more.age.end());
  }
};

// What an intervention sees and may change in its phases of the week.
struct World {
  People& people;  // last week's state during take_in, this week's during close_week
  const Network& network;
  ProgramState& state;
  const sim::Rng& rng;
  std::uint32_t replicate;
  std::uint32_t week;
  bool reference = false;  // the plain reference code (tests): every search scans everyone
  // The persons whose own state or household's flags may have changed since
  // the last take_in; nullptr: not known.
  const Changes* changed = nullptr;
};

class Intervention {
public:
  Intervention(InterventionSpec spec, std::uint8_t index);
  virtual ~Intervention() = default;

  // Steps 1 and 2 of the week: finding, outreach and intake.
  virtual void take_in(World& w, MetricCounts& m) = 0;
  // Step 5, after the ladder moves: completions, and this week's costs in euros.
  virtual double close_week(World& w, MetricCounts& m) = 0;
  // Person i has left the city (step 0 of the week): forget them, so that the
  // place they held is free and whoever takes it later starts afresh.
  virtual void leave(PersonId) {}
  // Of this week's take_in, those who accepted the intervention's own offer
  // (peer_outreach: taken along to the walk-in), besides those only referred.
  virtual std::uint32_t accepted_offers() const { return 0; }
  // The effect on a person enrolled here in `variant`, on `rung`.
  virtual Effect effect(int rung, std::uint8_t variant) const;
  // The weekly factor by which the effect fades after completion (0: gone at once).
  virtual double fade() const { return 0.0; }
  // Interventions take people in by phase, lowest first, and in the scenario's
  // order within a phase: signalling (-1) sets what outreach (0) finds with.
  virtual int phase() const { return 0; }

  const InterventionSpec& spec() const { return spec_; }
  std::uint8_t index() const { return index_; }
  bool working(std::uint32_t week) const {
    return static_cast<int>(week) >= spec_.start_week && (spec_.end_week == 0 || static_cast<int>(week) <= spec_.end_week);
  }
  bool targets(std::uint8_t wijk) const { return targeted_[wijk] != 0; }

protected:
  // A uniform draw keyed by (seed, replicate, week, person, this intervention, sub-purpose < 16).
  // The intervention is known by its type and name, not its place in the scenario, so the
  // same intervention meets the same chance events in every scenario (common random numbers).
  double uniform(const World& w, std::uint32_t id, std::uint32_t sub) const;
  // The same draw for each of the first `count` of `ids` into `out`, all at once.
  static constexpr std::size_t kDrawsAtOnce = 2 * sim::Rng::kBatch;
  using DrawIds = std::array<std::uint32_t, kDrawsAtOnce>;
  void uniforms(const World& w, const DrawIds& ids, std::size_t count, std::uint32_t sub,
                std::array<double, kDrawsAtOnce>& out) const;
  double param(std::string_view key) const;  // the parameter "<type>.<key>"
  // An effect size "<type>.<key>" (a logit added to eta) times the effect factor (kEffectFactor).
  double effect_size(std::string_view key) const { return param(key) * effect_factor(); }
  double effect_factor() const { return spec_.params.get(kEffectFactor); }
  // A capacity or fixed cost of the whole city at the run's scale (InterventionSpec::scale).
  double scaled(double city) const { return city * spec_.scale; }
  // A count that must be whole (places, a list's length) at the run's scale: the scaled
  // value rounded down, or up with its fraction as probability (one draw of this
  // intervention keyed by (replicate, week, `sub`)), so that its mean is the scaled value.
  std::size_t whole(const World& w, double city, std::uint32_t sub) const;

private:
  InterventionSpec spec_;
  std::uint8_t index_;
  std::uint32_t purpose_;  // kDrawIntervention + 16 * (a 24-bit hash of type and name)
  std::vector<std::uint8_t> targeted_;  // per wijk
};

using Interventions = std::vector<std::unique_ptr<Intervention>>;

}  // namespace meedoen::models
