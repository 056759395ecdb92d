#include "models/interventions/registry.hpp"

#include <algorithm>

namespace meedoen::models {

// Each type's file defines these two functions.
#define MEEDOEN_INTERVENTION(type)                       \
  std::vector<sim::ParamSpec> type##_parameters();       \
  std::unique_ptr<Intervention> make_##type(InterventionSpec spec, std::uint8_t index);
MEEDOEN_INTERVENTION(home_visits)
MEEDOEN_INTERVENTION(peer_outreach)
MEEDOEN_INTERVENTION(signalling_meeting)
MEEDOEN_INTERVENTION(walk_in)
MEEDOEN_INTERVENTION(geluksbudget)
MEEDOEN_INTERVENTION(activation_centre)
MEEDOEN_INTERVENTION(poverty_signalling)
MEEDOEN_INTERVENTION(talent_matching)
MEEDOEN_INTERVENTION(student_matching)
MEEDOEN_INTERVENTION(volunteer_support)
#undef MEEDOEN_INTERVENTION

const std::vector<InterventionType>& intervention_types() {
  static const std::vector<InterventionType> types = {
      {"home_visits", "Project Door (seed 000)", &home_visits_parameters, &make_home_visits},
      {"peer_outreach", "Vliegende Brigade, Meedoen in Meerburg / met de Stad (seeds 001, 002)",
       &peer_outreach_parameters, &make_peer_outreach},
      {"signalling_meeting", "Signaleringsoverleg, Meedoen in Meerburg / met de Stad (seeds 001, 002)",
       &signalling_meeting_parameters, &make_signalling_meeting},
      {"walk_in", "Zelfregiecentrum walk-in in the Huis van de Buurt (seeds 001, 002)", &walk_in_parameters,
       &make_walk_in},
      {"geluksbudget", "PGB Welzijn / geluksbudget (seed 004, project 04)", &geluksbudget_parameters,
       &make_geluksbudget},
      {"activation_centre", "Activeringscentrum, VIPP plus (seed 004, projects 05, 06)", &activation_centre_parameters,
       &make_activation_centre},
      {"poverty_signalling", "Poverty prevention and signalling, De Mors (seed 003)", &poverty_signalling_parameters,
       &make_poverty_signalling},
      {"talent_matching", "BRON method, Attent op Talent (seed 004, projects 25, 29)", &talent_matching_parameters,
       &make_talent_matching},
      {"student_matching", "Leren werken in de wijk, ROC Leiden (seed 004, project 18)", &student_matching_parameters,
       &make_student_matching},
      {"volunteer_support", "Deskundigheidsbevordering vrijwilligers (seed 004, project 21)",
       &volunteer_support_parameters, &make_volunteer_support},
  };
  return types;
}

const InterventionType* find_intervention_type(std::string_view name) {
  const auto& types = intervention_types();
  const auto it = std::find_if(types.begin(), types.end(), [&](const auto& t) { return t.name == name; });
  return it == types.end() ? nullptr : &*it;
}

std::unique_ptr<Intervention> make_intervention(InterventionSpec spec, std::uint8_t index) {
  const auto* type = find_intervention_type(spec.type);
  if (!type) throw std::invalid_argument("unknown intervention type: " + spec.type);
  return type->make(std::move(spec), index);
}

sim::ParamSpec intervention_param(std::string_view type, std::string_view key, std::string unit, double value,
                                  double min, double max, std::string source, std::string description,
                                  bool integer) {
  return {std::string(type) + "." + std::string(key), std::move(unit), {value}, {}, min, max, integer,
          std::move(source), std::move(description)};
}

ProgrammeSettings programme_settings(const InterventionSpec& spec) {
  ProgrammeSettings s;
  const auto read = [&](std::string_view key, auto& field) {
    const std::string name = spec.type + "." + std::string(key);
    if (spec.params.table().find(name)) field = static_cast<std::remove_reference_t<decltype(field)>>(spec.params.get(name));
  };
  read("finding_rate", s.finding_rate);
  read("staff_hours", s.staff_hours);
  read("visit_hours", s.visit_hours);
  read("coaching_hours", s.coaching_hours);
  read("contact", s.contact);
  read("acceptance", s.acceptance);
  read("referral", s.referral);
  read("places", s.places);
  read("duration_weeks", s.duration_weeks);
  read("fade_weeks", s.fade_weeks);
  read("hourly_rate", s.hourly_rate);
  read("place_cost_week", s.place_cost_week);
  read("fixed_cost_year", s.fixed_cost_year);
  read("effect_up", s.effect_up);
  read("effect_down", s.effect_down);
  const double factor = spec.params.get(kEffectFactor);  // the effects, as every type's effect_size()
  s.effect_up *= factor;
  s.effect_down *= factor;
  return s;
}

}  // namespace meedoen::models
