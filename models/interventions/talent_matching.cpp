// talent_matching: the BRON method, Attent op Talent (seed 004, projects 25
// and 29). Libertas Leiden, supported by Meander, trains residents as
// interviewers who go through a wijk (the pilot: Hoge Mors) asking residents
// what they are good at and what they need; the interviews turn up talents
// and volunteer places in the wijk, and the two are matched.
//
// The model: adults on rungs 2-3 of the targeted wijken are found at a weekly
// rate and interviewed within the weekly staff hours; those who accept are
// matched to one of the volunteer places the interviews turned up (`places`;
// a waiting list when all are taken) for duration_weeks. A match pushes 3 to 4
// (effect_up on rung 3), gives a smaller push from 2 to 3, and once on rung 4
// keeps the person there (effect_down); after the match the effect fades.
// Costs: the interviewers' hours and Meander's methodical support per year.
#include "models/interventions/registry.hpp"

namespace meedoen::models {

std::vector<sim::ParamSpec> talent_matching_parameters() {
  constexpr std::string_view t = "talent_matching";
  return {
      sim::at_most(intervention_param(t, "min_rung", "rung", 2, 1, 6, "MODEL.md section 7",
                                      "Lowest rung interviewed.", true),
                   "talent_matching.max_rung"),
      intervention_param(t, "max_rung", "rung", 3, 1, 6, "MODEL.md section 7", "Highest rung interviewed.", true),
      intervention_param(t, "finding_rate", "per week", 0.0015, 0, 1, "assumption",
                         "Weekly probability that an eligible resident is approached for an interview (in the "
                         "Morsdistrict at scale 1 about as many a week as the staff hours can interview)."),
      intervention_param(t, "staff_hours", "hours per week", 6, 0, 10000, "assumption",
                         "Interviewers' hours a week (trained residents, coordinated by a community worker)."),
      intervention_param(t, "visit_hours", "hours", 1.5, 0.1, 100, "assumption",
                         "Hours of an interview, including matching."),
      intervention_param(t, "acceptance", "probability", 0.3, 0, 1, "assumption",
                         "Share of those interviewed who take a volunteer place (voluntary)."),
      intervention_param(t, "places", "places", 30, 0, 100000, "assumption",
                         "Volunteer places the interviews turned up in the targeted wijken.", true),
      intervention_param(t, "duration_weeks", "weeks", 26, 1, 520, "assumption",
                         "Weeks a match is supported.", true),
      intervention_param(t, "effect_up", "logit", 0.6, -5, 5, "assumption",
                         "Added to eta_up on rung 3 while matched: the volunteer place pushes 3 to 4."),
      intervention_param(t, "effect_up_rung2", "logit", 0.2, -5, 5, "assumption",
                         "Added to eta_up on rung 2 while matched."),
      intervention_param(t, "effect_down", "logit", -0.3, -5, 5, "assumption",
                         "Added to eta_down on rung 4 while matched: the place keeps the volunteer."),
      intervention_param(t, "fade_weeks", "weeks", 13, 0, 520, "assumption",
                         "Mean weeks the effect lasts after the match ends."),
      intervention_param(t, "hourly_rate", "euro per hour", 25, 0, 500, "assumption",
                         "Cost of an interviewer's hour (expense allowances and coordination), below the "
                         "professional rate of F 6.5."),
      intervention_param(t, "fixed_cost_year", "euro per year", 175 * kProfessionalRate, 0, 1e7, "seed 004",
                         "Methodical support and training: Meander's 175 hours of project 25 at the professional "
                         "rate (F 6.5), each year."),
  };
}

namespace {

class TalentMatching : public Programme {
public:
  TalentMatching(const InterventionSpec& spec, std::uint8_t index)
      : Programme(spec, index, settings(spec)),
        up_3_(effect_size("effect_up")),
        up_2_(effect_size("effect_up_rung2")),
        down_4_(effect_size("effect_down")) {}

  Effect effect(int rung, std::uint8_t) const override {
    switch (rung) {
      case 2: return {up_2_, 0};
      case 3: return {up_3_, 0};
      case 4: return {0, down_4_};
      default: return {};
    }
  }

private:
  // Everyone on rungs min_rung..max_rung (min_rung >= 1: children are never eligible).
  static ProgrammeSettings settings(const InterventionSpec& spec) {
    auto s = programme_settings(spec);
    const auto get = [&](std::string_view key) { return static_cast<int>(spec.params.get(spec.type + "." + std::string(key))); };
    s.rungs = rungs_between(get("min_rung"), get("max_rung"));
    s.reads_age = s.reads_bijstand_weeks = false;
    return s;
  }

  bool eligible(const World&, PersonId) const override { return true; }

  double up_3_, up_2_, down_4_;
};

}  // namespace

std::unique_ptr<Intervention> make_talent_matching(InterventionSpec spec, std::uint8_t index) {
  return std::make_unique<TalentMatching>(spec, index);
}

}  // namespace meedoen::models
