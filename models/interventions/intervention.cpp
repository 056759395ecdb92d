#include "models/interventions/intervention.hpp"

#include "models/purposes.hpp"

namespace meedoen::models {

ProgramState::ProgramState(std::size_t persons, std::size_t wijken)
    : enrolled_in(persons, 0),
      variant(persons, 0),
      faded_from(persons, 0),
      faded_variant(persons, 0),
      faded_weight(persons, 0.f),
      finding_multiplier(wijken, 1.f),
      area_up(wijken * (kRungs + 1), 0.f),
      area_down(wijken * (kRungs + 1), 0.f) {}

namespace {
std::uint32_t purpose_of(const InterventionSpec& spec) {
  std::uint32_t h = 2166136261u;  // FNV-1a
  for (const char ch : spec.type + "/" + spec.name) h = (h ^ static_cast<unsigned char>(ch)) * 16777619u;
  return kDrawIntervention + 16u * (h & 0xFFFFFFu);
}
}  // namespace

Intervention::Intervention(InterventionSpec spec, std::uint8_t index)
    : spec_(std::move(spec)), index_(index), purpose_(purpose_of(spec_)), targeted_(256, 0) {
  for (const auto w : spec_.wijken) targeted_[w] = 1;
}

Effect Intervention::effect(int, std::uint8_t) const { return {}; }

double Intervention::uniform(const World& w, std::uint32_t id, std::uint32_t sub) const {
  return w.rng.uniform(w.replicate, w.week, id, purpose_ + sub);
}

double Intervention::param(std::string_view key) const {
  return spec_.params.get(spec_.type + "." + std::string(key));
}

}  // namespace meedoen::models
