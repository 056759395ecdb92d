// poverty_signalling: preventing and signalling poverty in De Mors (seed 003).
// The Lectoraat Sociale Innovatie with Buzz, the Jeugdteams, the sociale
// wijkteams, the CJG and SOL signal (intergenerational) poverty and debts of
// families earlier, through schools, youth teams, wijkteams and residents, so
// that money worries can be talked about and families get the right support
// in time.
//
// The model: households with problematic debts and children in the targeted
// wijken are signalled at a weekly rate (a signalling meeting in the wijk
// multiplies it: wijkteams and the housing corporation sit at that table).
// One adult per household is enough: the household's first member, an adult,
// stands for the family. A conversation within the weekly staff hours; a
// parent who accepts is referred to debt help, which counts as referred and
// enrolled for duration_weeks. While enrolled, the parent moves down less
// (effect_down), and each week the household's debts end with an extra
// probability on top of the baseline's. Debt help itself is the municipality's
// existing provision: only the signalling and the conversations are booked.
#include <cmath>

#include "models/interventions/registry.hpp"

namespace meedoen::models {

std::vector<sim::ParamSpec> poverty_signalling_parameters() {
  constexpr std::string_view t = "poverty_signalling";
  return {
      intervention_param(t, "finding_rate", "per week", 0.02, 0, 1, "assumption",
                         "Weekly probability that a household with debts and children is signalled by a school, "
                         "youth team or wijkteam."),
      intervention_param(t, "staff_hours", "hours per week", 8, 0, 10000, "assumption",
                         "Hours a week for conversations with signalled parents (one day)."),
      intervention_param(t, "visit_hours", "hours", 1.5, 0.1, 100, "assumption",
                         "Hours of a conversation about money worries, including preparation."),
      intervention_param(t, "acceptance", "probability", 0.5, 0, 1, "assumption",
                         "Share of parents in conversation who accept a referral to debt help (voluntary)."),
      intervention_param(t, "duration_weeks", "weeks", 52, 1, 520, "assumption",
                         "Weeks of debt help after the referral (stabilisation and a payment plan).", true),
      intervention_param(t, "effect_down", "logit", -0.4, -5, 5, "assumption",
                         "Added to eta_down of the referred parent while in debt help."),
      intervention_param(t, "fade_weeks", "weeks", 13, 0, 520, "assumption",
                         "Mean weeks the effect lasts after debt help ends."),
      intervention_param(t, "extra_resolve_rate", "per year", 0.25, 0, 1, "assumption",
                         "Yearly probability that the household's debts end through debt help, on top of "
                         "debt.resolve_rate."),
      intervention_param(t, "hourly_rate", "euro per hour", kProfessionalRate, 0, 500, "F 6.5",
                         "Cost of a professional hour (Wmo individual support tariff)."),
  };
}

namespace {

// The offer is the referral itself: a parent who accepts is referred and enrolled.
ProgrammeSettings referral_settings(const InterventionSpec& spec) {
  auto s = programme_settings(spec);
  s.signalled = true;
  s.referral = s.acceptance;
  s.acceptance = 0;
  s.rungs = rungs_between(1, kRungs);
  s.reads_age = s.reads_bijstand_weeks = false;
  return s;
}

// The weekly probability of the extra debt resolution: the yearly one's weekly hazard times the
// effect factor, 1 - (1 - p_year)^(factor / 52) (factor 1: sim::weekly_from_yearly_probability's
// value to the bit; 0: none; never above 1).
double extra_resolve_weekly(double p_year, double factor) {
  return 1.0 - std::pow(1.0 - p_year, factor / sim::kWeeksPerYear);
}

class PovertySignalling : public Programme {
public:
  PovertySignalling(const InterventionSpec& spec, std::uint8_t index)
      : Programme(spec, index, referral_settings(spec)),
        effect_down_(effect_size("effect_down")),
        extra_resolve_(extra_resolve_weekly(param("extra_resolve_rate"), effect_factor())) {}

  Effect effect(int, std::uint8_t) const override { return {0, effect_down_}; }

  // Debt help ends debts before the enrolments that finish this week complete.
  double close_week(World& w, MetricCounts& m) override {
    // Each person's own draw: the order of the enrolled does not matter.
    auto& p = w.people;
    const auto resolve = [&](PersonId i) {
      if (w.state.enrolled_in[i] != index() + 1 || !p.household_has(i, kDebt)) return;
      if (uniform(w, i, kSubResolve) >= extra_resolve_) return;
      p.household_flags[p.household[i]] &= std::uint8_t(~kDebt);
      w.state.touch_household(p, p.household[i]);
    };
    if (w.reference)
      for (PersonId i = 0; i < p.size(); ++i) resolve(i);
    else
      for (const auto& entry : enrolled()) resolve(entry.first);
    return Programme::close_week(w, m);
  }

private:
  bool eligible(const World& w, PersonId i) const override {
    const auto& p = w.people;
    return p.household_start[p.household[i]] == i && p.household_has(i, kDebt) && p.household_has(i, kHasChildren);
  }

  static constexpr std::uint32_t kSubResolve = 8;  // beyond the pipeline's own sub-purposes
  double effect_down_, extra_resolve_;
};

}  // namespace

std::unique_ptr<Intervention> make_poverty_signalling(InterventionSpec spec, std::uint8_t index) {
  return std::make_unique<PovertySignalling>(spec, index);
}

}  // namespace meedoen::models
