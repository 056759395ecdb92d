// student_matching: Leren werken in de wijk, ROC Leiden (seed 004, project
// 18). Meander and the ROC (Handel and ICT Academie) match students aged
// 16-23, many of whom live in Leiden-Noord and the Slaaghwijk, with about ten
// social organisations there: a context-rich place to learn that also draws
// the students into the life of the wijk. Meander supports the organisations
// (intervision, return days for the students); the ROC pays its own
// coordinator.
//
// The model: only adults are on the ladder, so the students of 16 and 17 are
// not in it; eligible are residents aged 18-23 on rung 4 or below in the
// targeted wijken (the scenario names them; in the seed, Leiden-Noord and
// Merenwijkdistrict). The ROC puts students forward at a weekly rate (age is
// checked then, as every programme checks eligibility when it finds someone);
// an intake within the weekly staff hours; those who accept get one of the
// places (organisations * students per organisation; a waiting list when all
// are taken) for duration_weeks, coached each week. While matched the student
// moves up more easily from rungs 2-4 (effect_up); after, it fades.
#include "models/interventions/registry.hpp"

namespace meedoen::models {

std::vector<sim::ParamSpec> student_matching_parameters() {
  constexpr std::string_view t = "student_matching";
  return {
      sim::at_most(intervention_param(t, "min_age", "years", 18, 18, 30, "seed 004",
                                      "Youngest age matched: the students are 16-23, but only adults are on the "
                                      "ladder.",
                                      true),
                   "student_matching.max_age"),
      intervention_param(t, "max_age", "years", 23, 18, 30, "seed 004", "Oldest age matched.", true),
      intervention_param(t, "max_rung", "rung", 4, 1, 6, "assumption",
                         "Highest rung matched (students not yet in paid work).", true),
      intervention_param(t, "organisations", "organisations", 10, 0, 1000, "seed 004",
                         "Social organisations taking students (\"een tiental\").", true),
      intervention_param(t, "students_per_organisation", "students", 1, 0, 100, "seed 004",
                         "Students per organisation at once (about ten students with about ten organisations).",
                         true),
      intervention_param(t, "finding_rate", "per week", 0.0005, 0, 1, "assumption",
                         "Weekly probability that the ROC puts an eligible resident forward: about 15-25 a year in "
                         "Leiden-Noord and Merenwijkdistrict at scale 1, of whom about 60% accept, about what the "
                         "ten places take."),
      intervention_param(t, "staff_hours", "hours per week", 230.0 / 52, 0, 10000, "seed 004",
                         "Meander's 230 hours of project 18, spread over a year."),
      intervention_param(t, "visit_hours", "hours", 1, 0.1, 100, "assumption", "Hours of an intake with a student."),
      intervention_param(t, "coaching_hours", "hours per week", 0.25, 0, 40, "assumption",
                         "Hours a week per matched student: support of the organisation, intervision, return days."),
      intervention_param(t, "acceptance", "probability", 0.6, 0, 1, "assumption",
                         "Share of students put forward who take a place (voluntary)."),
      intervention_param(t, "duration_weeks", "weeks", 40, 1, 520, "assumption",
                         "Weeks of a match (a school year).", true),
      intervention_param(t, "effect_up", "logit", 0.5, -5, 5, "assumption",
                         "Added to eta_up on rungs 2-4 while matched."),
      intervention_param(t, "fade_weeks", "weeks", 13, 0, 520, "assumption",
                         "Mean weeks the effect lasts after the match ends."),
      intervention_param(t, "hourly_rate", "euro per hour", kProfessionalRate, 0, 500, "F 6.5",
                         "Cost of a professional hour (Wmo individual support tariff)."),
  };
}

namespace {

ProgrammeSettings student_settings(const InterventionSpec& spec) {
  auto s = programme_settings(spec);
  const auto get = [&](std::string_view key) { return spec.params.get(spec.type + "." + std::string(key)); };
  s.places = get("organisations") * get("students_per_organisation");
  s.rungs = rungs_between(1, static_cast<int>(get("max_rung")));
  s.reads_bijstand_weeks = false;
  return s;
}

class StudentMatching : public Programme {
public:
  StudentMatching(const InterventionSpec& spec, std::uint8_t index)
      : Programme(spec, index, student_settings(spec)),
        min_age_(static_cast<int>(param("min_age"))),
        max_age_(static_cast<int>(param("max_age"))),
        up_(effect_size("effect_up")) {}

  Effect effect(int rung, std::uint8_t) const override { return {rung >= 2 && rung <= 4 ? up_ : 0.0, 0}; }

private:
  bool eligible(const World& w, PersonId i) const override {
    const auto& p = w.people;
    return p.age[i] >= min_age_ && p.age[i] <= max_age_;
  }

  int min_age_, max_age_;
  double up_;
};

}  // namespace

std::unique_ptr<Intervention> make_student_matching(InterventionSpec spec, std::uint8_t index) {
  return std::make_unique<StudentMatching>(spec, index);
}

}  // namespace meedoen::models
