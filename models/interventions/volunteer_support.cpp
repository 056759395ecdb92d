// volunteer_support: Deskundigheidsbevordering vrijwilligers (seed 004,
// project 21). Courses for volunteer organisations in fundraising and
// sponsoring and in recruiting and keeping volunteers (40 hours in the
// proposal), so that they have more volunteers and more income.
//
// The model: not a programme for persons but for the organisations of the
// targeted wijken. While it works, everyone in those wijken on rung 4
// (volunteering) drops out less (effect_down on rung 4), and the extra places
// make the step from 3 to 4 easier (effect_up on rung 3): wijk-wide effects
// through ProgramState::area_down and area_up, which the step resets each
// week and this adds to while it works (several in one wijk add up). Costs:
// the trainers' hours each week and a yearly fixed cost, paid while it works.
#include "models/interventions/registry.hpp"

namespace meedoen::models {

std::vector<sim::ParamSpec> volunteer_support_parameters() {
  constexpr std::string_view t = "volunteer_support";
  return {
      intervention_param(t, "training_hours", "hours per week", 0.8, 0, 1000, "seed 004",
                         "Trainers' hours a week: about the 40 hours of project 21's two courses, repeated yearly."),
      intervention_param(t, "hourly_rate", "euro per hour", kProfessionalRate, 0, 500, "F 6.5",
                         "Cost of a professional hour (Wmo individual support tariff)."),
      intervention_param(t, "fixed_cost_year", "euro per year", 1000, 0, 1e7, "assumption",
                         "Venues and course materials per year."),
      intervention_param(t, "effect_down", "logit", -0.3, -5, 5, "assumption",
                         "Added to eta_down on rung 4 in the targeted wijken: fewer volunteers drop out."),
      intervention_param(t, "effect_up", "logit", 0.2, -5, 5, "assumption",
                         "Added to eta_up on rung 3 in the targeted wijken: more volunteer places."),
  };
}

namespace {

class VolunteerSupport : public Intervention {
public:
  VolunteerSupport(const InterventionSpec& spec, std::uint8_t index)
      : Intervention(spec, index),
        training_hours_(param("training_hours")),
        hourly_rate_(param("hourly_rate")),
        fixed_cost_year_(param("fixed_cost_year")),
        effect_down_(static_cast<float>(effect_size("effect_down"))),
        effect_up_(static_cast<float>(effect_size("effect_up"))) {}

  // The step resets the wijk-wide effects to 0 each week; several add up.
  void take_in(World& w, MetricCounts&) override {
    if (!working(w.week)) return;
    for (const auto wijk : spec().wijken) {
      w.state.area_down[wijk * (kRungs + 1) + 4] += effect_down_;
      w.state.area_up[wijk * (kRungs + 1) + 3] += effect_up_;
    }
  }

  double close_week(World& w, MetricCounts&) override {
    if (!working(w.week)) return 0;
    return scaled(training_hours_ * hourly_rate_ + fixed_cost_year_ / sim::kWeeksPerYear);
  }

private:
  double training_hours_, hourly_rate_, fixed_cost_year_;
  float effect_down_, effect_up_;
};

}  // namespace

std::unique_ptr<Intervention> make_volunteer_support(InterventionSpec spec, std::uint8_t index) {
  return std::make_unique<VolunteerSupport>(spec, index);
}

}  // namespace meedoen::models
