// activation_centre: the activeringscentrum proposed in VIPP plus and in
// Activeringscentrum Slaaghwijk (seed 004, projects 05 and 06). People far
// from the labour market, under guidance, offer simple personal services or
// do useful odd jobs in the wijk: a step between day care and regular
// (volunteer) work, and the counterpart of the right to a benefit.
//
// The model: bijstand recipients of working age on rung 2 or 3 in the
// targeted wijken are found at a weekly rate (referred by Werk en Inkomen),
// have an intake within the staff's hours, and those who accept take a place
// for duration_weeks; when the places are full they wait. Doing services in
// the wijk raises eta_up on rungs 3 and 4 only (3 to 4, 4 to 5). A place costs
// like group day care: part_days_per_week part-days at the day care tariff.
#include "models/interventions/registry.hpp"

namespace meedoen::models {

std::vector<sim::ParamSpec> activation_centre_parameters() {
  constexpr std::string_view t = "activation_centre";
  return {
      intervention_param(t, "finding_rate", "per week", 0.005, 0, 1, "assumption",
                         "Weekly probability that Werk en Inkomen refers an eligible recipient."),
      intervention_param(t, "staff_hours", "hours per week", 3, 0, 1000, "assumption",
                         "Professional hours a week for intakes (the guidance is in the place cost)."),
      intervention_param(t, "visit_hours", "hours", 1.5, 0.1, 100, "assumption", "Hours of an intake."),
      intervention_param(t, "acceptance", "probability", 0.6, 0, 1, "assumption",
                         "Share of those invited who take up a place (voluntary)."),
      intervention_param(t, "places", "places", 20, 0, 10000, "assumption", "Places in the centre.", true),
      intervention_param(t, "duration_weeks", "weeks", 26, 1, 520, "assumption", "Weeks in a place.", true),
      intervention_param(t, "fade_weeks", "weeks", 13, 0, 520, "assumption",
                         "Mean weeks the effect lasts after leaving."),
      intervention_param(t, "effect_up", "logit", 0.6, -5, 5, "assumption",
                         "Added to eta_up on rungs 3 and 4 while in a place."),
      intervention_param(t, "part_days_per_week", "part-days", 4, 0, 10, "F 6.7",
                         "Part-days (dagdelen) a week in the centre."),
      intervention_param(t, "part_day_tariff", "euro per part-day", 46.15, 0, 500, "F 6.5",
                         "Cost of a part-day: the Wmo group day care tariff, middle level."),
      intervention_param(t, "hourly_rate", "euro per hour", kProfessionalRate, 0, 500, "F 6.5",
                         "Cost of a professional hour (Wmo individual support tariff)."),
  };
}

namespace {

class ActivationCentre : public Programme {
public:
  ActivationCentre(const InterventionSpec& spec, std::uint8_t index)
      : Programme(spec, index, settings(spec)),
        pension_age_(static_cast<int>(spec.params.get("age.pension"))),
        up_(effect_size("effect_up")) {}

  Effect effect(int rung, std::uint8_t) const override { return {rung == 3 || rung == 4 ? up_ : 0.0, 0.0}; }

private:
  static ProgrammeSettings settings(const InterventionSpec& spec) {
    auto s = programme_settings(spec);
    const auto get = [&](std::string_view key) { return spec.params.get(spec.type + "." + std::string(key)); };
    s.place_cost_week = get("part_days_per_week") * get("part_day_tariff");
    s.rungs = rungs_between(2, 3);
    s.reads_bijstand_weeks = false;
    return s;
  }

  bool eligible(const World& w, PersonId i) const override {
    const auto& p = w.people;
    return p.has(i, kBijstand) && p.age[i] < pension_age_;
  }

  int pension_age_;
  double up_;
};

}  // namespace

std::unique_ptr<Intervention> make_activation_centre(InterventionSpec spec, std::uint8_t index) {
  return std::make_unique<ActivationCentre>(spec, index);
}

}  // namespace meedoen::models
