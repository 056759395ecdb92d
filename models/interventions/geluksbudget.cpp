// geluksbudget: PGB Welzijn, the happiness budget of Almelo brought to
// Holland Rijnland (seed 004, project 04; F 3.1-3.10). Chronically ill or
// disabled residents in social isolation are found through intermediaries
// (hospital after-care nurses, home care, the bijstand desk); a partner
// organisation visits them at home, sometimes in several talks, to find what
// they dream of; the municipal project leader then grants a one-off personal
// budget of at most EUR 450 (F 3.1) for an activity they choose themselves.
// In the RCT (Weiss et al. 2020, F 3.6: 2-6 home visits, control arm 2 visits
// without a budget) both arms improved, with no significant difference
// between them, and effects lasted to 9 months.
//
// The model: adults with a chronic illness or disability on rung 1 or 2 of the
// targeted wijken (all wijken for city-wide) are found at a weekly rate and
// visited within the consultants' hours (visit_hours: all home visits of one
// person). Those who want a budget plan and whom the project leader grants one
// (acceptance * grant_probability) receive a budget drawn between min_budget
// and max_budget in whole euros, paid from a yearly pot that is never
// overspent: when the pot cannot pay the next person, they and everyone after
// them wait for next year's pot (reset every 52 weeks from start_week). The
// effect lasts duration_weeks (39, the 9 months of F 3.6). To respect F 3.6
// the effect is mostly the visits' (effect_up) and the budget adds only a
// small budget_effect_up: with the defaults the budget is a fifth of the total.
#include <algorithm>
#include <cmath>
#include <limits>

#include "models/interventions/registry.hpp"

namespace meedoen::models {

std::vector<sim::ParamSpec> geluksbudget_parameters() {
  constexpr std::string_view t = "geluksbudget";
  return {
      intervention_param(t, "finding_rate", "per week", 0.0008, 0, 1, "assumption",
                         "Weekly probability that intermediaries put an eligible person forward: about 200 a year "
                         "city-wide at scale 1, more than the consultants' hours visit (about 90)."),
      intervention_param(t, "staff_hours", "hours per week", 12, 0, 1000, "assumption",
                         "Hours a week of the consultants (geluksconsulenten) for home visits."),
      intervention_param(t, "visit_hours", "hours", 6, 0.1, 100, "F 3.6",
                         "Hours of all home visits for one person (4 visits of 1.5 h, within the 2-6 visits)."),
      intervention_param(t, "contact", "probability", 0.9, 0, 1, "assumption",
                         "Share of those put forward whom the consultant reaches."),
      intervention_param(t, "acceptance", "probability", 0.8, 0, 1, "assumption",
                         "Share of those reached who want a budget plan."),
      intervention_param(t, "grant_probability", "probability", 0.9, 0, 1, "seed 004",
                         "Share of plans the municipal project leader grants."),
      sim::at_most(intervention_param(t, "min_budget", "euro", 100, 0, 450, "assumption", "Smallest budget granted.",
                                      true),
                   "geluksbudget.max_budget"),
      intervention_param(t, "max_budget", "euro", 450, 0, 450, "F 3.1", "Largest budget granted.", true),
      intervention_param(t, "yearly_pot", "euro per year", 33750, 0, 1e8, "F 3.4",
                         "Budgets that can be paid in a year: 75 people at EUR 450 (the Harderwijk pilot)."),
      intervention_param(t, "duration_weeks", "weeks", 39, 1, 520, "F 3.6",
                         "Weeks the effect of the route lasts (9 months).", true),
      intervention_param(t, "fade_weeks", "weeks", 13, 0, 520, "assumption",
                         "Mean weeks the effect lasts after that."),
      intervention_param(t, "effect_up", "logit", 0.4, -5, 5, "assumption",
                         "Added to eta_up while enrolled: the home visits and the attention (both RCT arms "
                         "improved, F 3.6)."),
      intervention_param(t, "budget_effect_up", "logit", 0.1, -5, 5, "assumption",
                         "Added to eta_up by the budget itself: small, since the RCT found no difference with a "
                         "light control of 2 visits (F 3.6)."),
      intervention_param(t, "effect_down", "logit", -0.2, -5, 5, "assumption",
                         "Added to eta_down while enrolled."),
      intervention_param(t, "hourly_rate", "euro per hour", kProfessionalRate, 0, 500, "F 6.5",
                         "Cost of a consultant's hour (Wmo individual support tariff)."),
  };
}

namespace {

class Geluksbudget : public Programme {
public:
  Geluksbudget(const InterventionSpec& spec, std::uint8_t index)
      : Programme(spec, index, settings(spec)),
        min_budget_(param("min_budget")),
        max_budget_(std::max(param("max_budget"), min_budget_)),
        yearly_pot_(scaled(param("yearly_pot"))),
        effect_{effect_size("effect_up") + effect_size("budget_effect_up"), effect_size("effect_down")} {}

  Effect effect(int, std::uint8_t) const override { return effect_; }

private:
  static ProgrammeSettings settings(const InterventionSpec& spec) {
    auto s = programme_settings(spec);
    s.acceptance *= spec.params.get(spec.type + ".grant_probability");
    s.rungs = rungs_between(1, 2);
    s.reads_age = s.reads_bijstand_weeks = false;
    return s;
  }

  bool eligible(const World& w, PersonId i) const override {
    return w.people.has(i, kChronic);
  }

  // Pays the person's budget from this year's pot, or keeps them waiting.
  bool grant(World& w, PersonId i, MetricCounts& m) override {
    const int year = (static_cast<int>(w.week) - spec().start_week) / 52;
    if (year != pot_year_) {
      pot_year_ = year;
      pot_left_ = yearly_pot_;
    }
    if (asking_ != i) {
      asking_ = i;
      asked_ = std::round(min_budget_ + uniform(w, i, kSubBudget) * (max_budget_ - min_budget_));
    }
    if (asked_ > pot_left_) return false;
    pot_left_ -= asked_;
    pay_budget(asked_, m);
    asking_ = kNobody;
    return true;
  }

  static constexpr std::uint32_t kSubBudget = 8;  // beyond the pipeline's own sub-purposes
  static constexpr PersonId kNobody = std::numeric_limits<PersonId>::max();
  double min_budget_, max_budget_, yearly_pot_;
  Effect effect_;
  int pot_year_ = -1;
  double pot_left_ = 0;
  PersonId asking_ = kNobody;  // the first in line, whose budget is drawn but not yet paid
  double asked_ = 0;
};

}  // namespace

std::unique_ptr<Intervention> make_geluksbudget(InterventionSpec spec, std::uint8_t index) {
  return std::make_unique<Geluksbudget>(spec, index);
}

}  // namespace meedoen::models
