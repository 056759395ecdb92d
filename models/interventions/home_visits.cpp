// home_visits: Project Door (seed 000). Werk en Inkomen hands a list of
// long-term bijstand recipients (aged 27+, 1.5+ years on bijstand: F 4.3) who
// are outside the reach of services; staff make a first home visit of 3 hours,
// make contact with about three quarters (F 4.5), and with those who want it
// (participation is voluntary) build a step plan toward lasting participation,
// coached for a year. Effect "small but positive" (F 4.4).
#include <algorithm>

#include "models/interventions/registry.hpp"

namespace meedoen::models {

std::vector<sim::ParamSpec> home_visits_parameters() {
  constexpr std::string_view t = "home_visits";
  return {
      intervention_param(t, "list_size", "persons", 250, 0, 100000, "F 4.3",
                         "Persons on Werk en Inkomen's list, handed over at the start and again every year.", true),
      sim::at_most(intervention_param(t, "min_age", "years", 27, 18, 66, "F 4.3", "Youngest age on the list.", true),
                   "age.pension", true),  // bijstand ends at the pension age
      intervention_param(t, "min_weeks_on_bijstand", "weeks", 78, 0, 1000, "F 4.3",
                         "Weeks on bijstand before one is on the list (1.5 years).", true),
      intervention_param(t, "max_rung", "rung", 3, 1, 6, "seed 000",
                         "Highest rung on the list (people outside the reach of services).", true),
      intervention_param(t, "staff_hours", "hours per week", 72, 0, 10000, "assumption",
                         "Staff hours a week (two full-time posts)."),
      intervention_param(t, "visit_hours", "hours", 3, 0.1, 100, "MODEL.md section 7", "Hours of a first visit."),
      intervention_param(t, "coaching_hours", "hours per week", 1, 0, 40, "assumption",
                         "Coaching hours a week per person with a step plan."),
      intervention_param(t, "contact", "probability", 0.75, 0, 1, "F 4.5", "Share of visits in which contact is made."),
      intervention_param(t, "acceptance", "probability", 0.6, 0, 1, "assumption",
                         "Share of those in contact who want a step plan (voluntary)."),
      intervention_param(t, "duration_weeks", "weeks", 52, 1, 520, "MODEL.md section 7",
                         "Weeks of the step plan.", true),
      intervention_param(t, "effect_up", "logit", 0.5, -5, 5, "assumption",
                         "Added to eta_up while on the step plan; small but positive (F 4.4)."),
      intervention_param(t, "effect_down", "logit", -0.3, -5, 5, "assumption",
                         "Added to eta_down while on the step plan."),
      intervention_param(t, "fade_weeks", "weeks", 26, 0, 520, "assumption",
                         "Mean weeks the effect lasts after the step plan ends."),
      intervention_param(t, "hourly_rate", "euro per hour", kProfessionalRate, 0, 500, "F 6.5",
                         "Cost of a professional hour (Wmo individual support tariff)."),
  };
}

namespace {

class HomeVisits : public Programme {
public:
  HomeVisits(const InterventionSpec& spec, std::uint8_t index)
      : Programme(spec, index, settings(spec)),
        list_size_(param("list_size")),
        min_age_(static_cast<int>(param("min_age"))),
        min_weeks_(static_cast<int>(param("min_weeks_on_bijstand"))) {}

private:
  static ProgrammeSettings settings(const InterventionSpec& spec) {
    auto s = programme_settings(spec);
    s.rungs = rungs_between(0, static_cast<int>(spec.params.get(spec.type + ".max_rung")));
    return s;
  }

  bool eligible(const World& w, PersonId i) const override {
    const auto& p = w.people;
    return p.has(i, kBijstand) && p.age[i] >= min_age_ && p.bijstand_weeks[i] >= min_weeks_;
  }

  // The list: at the start and every year after, up to list_size (scaled) eligible
  // people of the targeted wijken not on an earlier list, chosen at random.
  void find(World& w, std::vector<PersonId>& found) override {
    if ((static_cast<int>(w.week) - spec().start_week) % 52 != 0) return;
    std::vector<std::pair<double, PersonId>> candidates;
    each_candidate(w, kSubList, [&](PersonId i, double u) { candidates.emplace_back(u, i); });
    const auto n = std::min(whole(w, list_size_, kSubListSize), candidates.size());
    std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n), candidates.end());
    for (std::size_t k = 0; k < n; ++k) {
      mark_found(candidates[k].second);
      found.push_back(candidates[k].second);
    }
  }

  static constexpr std::uint32_t kSubList = 8, kSubListSize = 9;  // beyond the pipeline's own sub-purposes
  double list_size_;  // the city's: whole() scales each year's list
  int min_age_, min_weeks_;
};

}  // namespace

std::unique_ptr<Intervention> make_home_visits(InterventionSpec spec, std::uint8_t index) {
  return std::make_unique<HomeVisits>(spec, index);
}

}  // namespace meedoen::models
