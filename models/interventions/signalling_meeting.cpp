// signalling_meeting: the signaleringsoverleg of Meedoen in Meerburg and
// Meedoen met de Stad (seeds 001, 002). In each wijk the GP, the wijkagent,
// the housing corporations, the wijkteam GGZ, the sociaal wijkteam and the
// Huis van de Buurt meet regularly to tell each other whom they worry about,
// so that the peer experts and professionals reach people sooner.
//
// The model: while it works, each targeted wijk has a meeting every
// interval_weeks, and the finding rate of every signalled outreach type there
// (peer_outreach and any type with ProgrammeSettings::signalled) is multiplied
// by `multiplier` through ProgramState::finding_multiplier. It takes people in
// before the outreach does (phase -1), finds no one itself and has no effect
// on the ladder of its own. Costs: the participants' hours in the meetings.
#include "models/interventions/registry.hpp"

namespace meedoen::models {

std::vector<sim::ParamSpec> signalling_meeting_parameters() {
  constexpr std::string_view t = "signalling_meeting";
  return {
      intervention_param(t, "interval_weeks", "weeks", 4, 1, 52, "MODEL.md section 7",
                         "Weeks between two meetings in a wijk.", true),
      intervention_param(t, "participants", "persons", 6, 0, 50, "seed 002",
                         "Professionals at a meeting: GP, wijkagent, housing corporation, wijkteam GGZ, sociaal "
                         "wijkteam, Huis van de Buurt.", true),
      intervention_param(t, "meeting_hours", "hours", 1.5, 0, 24, "assumption",
                         "Hours each participant spends on a meeting, preparation included."),
      intervention_param(t, "hourly_rate", "euro per hour", kProfessionalRate, 0, 500, "F 6.5",
                         "Cost of a participant's hour (Wmo individual support tariff)."),
      intervention_param(t, "multiplier", "factor", 2.0, 0, 100, "assumption",
                         "Factor on the finding rate of signalled outreach in a wijk with meetings."),
  };
}

namespace {

class SignallingMeeting : public Intervention {
public:
  SignallingMeeting(const InterventionSpec& spec, std::uint8_t index)
      : Intervention(spec, index),
        interval_(static_cast<int>(param("interval_weeks"))),
        participants_(param("participants")),
        hours_(param("meeting_hours")),
        rate_(param("hourly_rate")),
        multiplier_(static_cast<float>(param("multiplier"))) {}

  int phase() const override { return -1; }

  // The step resets the multipliers to 1 each week; meetings in the same wijk multiply.
  void take_in(World& w, MetricCounts&) override {
    if (!working(w.week)) return;
    for (const auto wijk : spec().wijken) w.state.finding_multiplier[wijk] *= multiplier_;
  }

  double close_week(World& w, MetricCounts&) override {
    const double meetings = meeting_week(w.week) ? double(spec().wijken.size()) : 0.0;
    return scaled(meetings * participants_ * hours_ * rate_);
  }

private:
  bool meeting_week(std::uint32_t week) const {
    return working(week) && (static_cast<int>(week) - spec().start_week) % interval_ == 0;
  }

  int interval_;
  double participants_, hours_, rate_;
  float multiplier_;
};

}  // namespace

std::unique_ptr<Intervention> make_signalling_meeting(InterventionSpec spec, std::uint8_t index) {
  return std::make_unique<SignallingMeeting>(spec, index);
}

}  // namespace meedoen::models
