#include "models/interventions/intervention.hpp"

#include <algorithm>
#include <cmath>

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

void Intervention::uniforms(const World& w, const DrawIds& ids, std::size_t count, std::uint32_t sub,
                            std::array<double, kDrawsAtOnce>& out) const {
  std::array<sim::Rng::Batch, 2> words;
  w.rng.words_batches(w.replicate, w.week, ids, purpose_ + sub, words[0], words[1]);
  for (std::size_t k = 0; k < count; ++k) {
    const auto& batch = words[k / sim::Rng::kBatch];
    const std::size_t j = k % sim::Rng::kBatch;
    out[k] = sim::Rng::to_unit(batch[4 * j], batch[4 * j + 1]);
  }
}

std::size_t Intervention::whole(const World& w, double city, std::uint32_t sub) const {
  double x = scaled(city);
  if (std::abs(x - std::round(x)) < 1e-9) x = std::round(x);  // whole but for rounding: 30 * 0.2
  const double down = std::floor(x);
  const bool up = x > down && uniform(w, 0, sub) < x - down;
  return static_cast<std::size_t>(down) + (up ? 1u : 0u);
}

double Intervention::param(std::string_view key) const {
  return spec_.params.get(spec_.type + "." + std::string(key));
}

}  // namespace meedoen::models
