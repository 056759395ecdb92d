// walk_in: the permanent walk-in (inloop) of the Zelfregiecentrum in the Huis
// van de Buurt (seeds 001, 002). Peer experts of the Zelfregiecentrum keep the
// door open; residents drop in for a cup of coffee, a newspaper or an
// activity. Meedoen in Meerburg extended its opening hours, and more people
// came.
//
// The model: rung-2 adults of the targeted wijken (contacts, but no organised
// activity yet) start attending at a weekly rate that grows with the opening
// hours and saturates: each block of reference_hours open gives an independent
// chance base_rate, so finding_rate = 1 - (1 - base_rate)^(opening_hours /
// reference_hours) -- about base_rate * opening_hours / reference_hours while
// small, never 1, and exactly 0 when closed. Walking in is the acceptance: no
// visits, no staff hours taken from visits. Attending lasts duration_weeks and
// raises eta_up on rung 2 only (2 to 3). Costs: the opening hours of the peer
// experts and the yearly costs of the room.
#include <cmath>

#include "models/interventions/registry.hpp"

namespace meedoen::models {

std::vector<sim::ParamSpec> walk_in_parameters() {
  constexpr std::string_view t = "walk_in";
  return {
      intervention_param(t, "opening_hours", "hours per week", 12, 0, 168, "assumption",
                         "Hours a week the walk-in is open (three afternoons)."),
      intervention_param(t, "reference_hours", "hours per week", 12, 1, 168, "assumption",
                         "Opening hours at which the weekly rate of starting to attend is base_rate."),
      intervention_param(t, "base_rate", "per week", 0.0005, 0, 0.99, "assumption",
                         "Weekly probability that a rung-2 adult of the wijk starts attending at the reference "
                         "hours: about 40 new visitors a year in a wijk of 1,500 rung-2 adults (scale 1)."),
      intervention_param(t, "duration_weeks", "weeks", 26, 1, 520, "assumption",
                         "Weeks a new visitor keeps attending.", true),
      intervention_param(t, "fade_weeks", "weeks", 13, 0, 520, "assumption",
                         "Mean weeks the effect lasts after attending stops."),
      intervention_param(t, "effect_up", "logit", 0.5, -5, 5, "assumption",
                         "Added to eta_up on rung 2 while attending."),
      intervention_param(t, "hourly_rate", "euro per hour", 25, 0, 500, "assumption",
                         "Cost of an opening hour: the peer experts' expense allowances and coordination."),
      intervention_param(t, "fixed_cost_year", "euro per year", 5000, 0, 1e7, "assumption",
                         "Room in the Huis van de Buurt, coffee and materials."),
  };
}

namespace {

class WalkIn : public Programme {
public:
  WalkIn(const InterventionSpec& spec, std::uint8_t index)
      : Programme(spec, index, settings(spec)), up_(effect_size("effect_up")) {}

  Effect effect(int rung, std::uint8_t) const override { return {rung == 2 ? up_ : 0.0, 0.0}; }

private:
  static ProgrammeSettings settings(const InterventionSpec& spec) {
    auto s = programme_settings(spec);
    const auto get = [&](std::string_view key) { return spec.params.get(spec.type + "." + std::string(key)); };
    const double hours = get("opening_hours");
    s.finding_rate = 1.0 - std::pow(1.0 - get("base_rate"), hours / get("reference_hours"));
    s.staff_hours = hours;
    s.rungs = rungs_between(2, 2);
    s.reads_age = s.reads_bijstand_weeks = false;
    return s;
  }

  bool eligible(const World&, PersonId) const override { return true; }  // everyone on rung 2

  double up_;
};

}  // namespace

std::unique_ptr<Intervention> make_walk_in(InterventionSpec spec, std::uint8_t index) {
  return std::make_unique<WalkIn>(spec, index);
}

}  // namespace meedoen::models
