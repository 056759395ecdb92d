// peer_outreach: the Vliegende Brigade of Meedoen in Meerburg and Meedoen met
// de Stad (seeds 001, 002). Peer experts (ervaringsdeskundigen), trained and
// supported by Stichting Lumen, actively seek contact with residents of a wijk
// who live in social isolation, visit them at home and see what they need.
// About 20 people were visited, 10 of whom the sociaal wijkteam passed on to
// care, support or activities in the Huis van de Buurt (F 4.1); about half of
// those approached go along to the Zelfregiecentrum's walk-in (F 4.2).
//
// The model: eligible are adults on rung 1 (isolated) and lonely adults on
// rung 2 (contacts outside the home, but severely lonely: the brigade's
// "sociaal isolement" covers both). They are found at a weekly rate that the
// wijk's signalling meeting multiplies, and visited within the brigade's
// weekly hours. A visited person may go along to the walk-in (acceptance) and
// may be referred by the sociaal wijkteam (referral), or both; either raises
// eta_up on rungs 1 and 2 for some weeks, both together the sum.
#include "models/interventions/registry.hpp"

namespace meedoen::models {

std::vector<sim::ParamSpec> peer_outreach_parameters() {
  constexpr std::string_view t = "peer_outreach";
  return {
      intervention_param(t, "finding_rate", "per week", 0.00008, 0, 1, "F 4.1",
                         "Weekly probability that the brigade finds an eligible resident (before signalling); "
                         "calibrated so that a city-wide brigade at scale 1 (about 6,900 eligible adults) visits "
                         "about 20 people a year, as Meedoen met de Stad's did."),
      intervention_param(t, "staff_hours", "hours per week", 4, 0, 1000, "assumption",
                         "Peer experts' hours a week (two brigadiers, two hours each)."),
      intervention_param(t, "visit_hours", "hours", 2, 0.1, 100, "assumption",
                         "Hours of a home visit, travel and report included."),
      intervention_param(t, "contact", "probability", 0.75, 0, 1, "F 4.5",
                         "Share of visits in which contact is made."),
      intervention_param(t, "acceptance", "probability", 0.5, 0, 1, "F 4.2",
                         "Share of those in contact who go along to the walk-in."),
      intervention_param(t, "referral", "probability", 0.5, 0, 1, "F 4.1",
                         "Share of those in contact whom the sociaal wijkteam passes on to care, support or "
                         "activities."),
      intervention_param(t, "duration_weeks", "weeks", 26, 1, 520, "assumption",
                         "Weeks the support after a visit lasts.", true),
      intervention_param(t, "fade_weeks", "weeks", 13, 0, 520, "assumption",
                         "Mean weeks the effect lasts after that."),
      intervention_param(t, "effect_up", "logit", 0.4, -5, 5, "assumption",
                         "Added to eta_up on rungs 1 and 2 for those who went along to the walk-in."),
      intervention_param(t, "referral_effect_up", "logit", 0.4, -5, 5, "assumption",
                         "Added to eta_up on rungs 1 and 2 for those referred by the sociaal wijkteam."),
      intervention_param(t, "hourly_rate", "euro per hour", 25, 0, 500, "assumption",
                         "Cost of a peer expert's hour: expense allowance and coordination."),
      intervention_param(t, "fixed_cost_year", "euro per year", 2000, 0, 1e7, "assumption",
                         "Training and daily support of the brigadiers by Stichting Lumen (seed 002)."),
  };
}

namespace {

class PeerOutreach : public Programme {
public:
  PeerOutreach(const InterventionSpec& spec, std::uint8_t index)
      : Programme(spec, index, settings(spec)),
        walk_in_up_(effect_size("effect_up")),
        referral_up_(effect_size("referral_effect_up")) {}

  Effect effect(int rung, std::uint8_t variant) const override {
    if (rung > 2) return {};
    const double walk_in = variant != kReferredOnly ? walk_in_up_ : 0.0;
    const double referred = variant != kEnrolledOnly ? referral_up_ : 0.0;
    return {walk_in + referred, 0.0};
  }

private:
  static ProgrammeSettings settings(const InterventionSpec& spec) {
    auto s = programme_settings(spec);
    s.signalled = true;
    s.rungs = rungs_between(1, 2);
    s.reads_age = s.reads_bijstand_weeks = false;
    return s;
  }

  // On rung 1, or lonely on rung 2.
  bool eligible(const World& w, PersonId i) const override {
    return w.people.rung[i] == 1 || w.people.has(i, kLonely);
  }

  double walk_in_up_, referral_up_;
};

}  // namespace

std::unique_ptr<Intervention> make_peer_outreach(InterventionSpec spec, std::uint8_t index) {
  return std::make_unique<PeerOutreach>(spec, index);
}

}  // namespace meedoen::models
