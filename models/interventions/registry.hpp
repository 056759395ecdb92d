// The intervention types a scenario can name, each with its parameters and a
// factory. Adding a type: one file in this folder that defines its
// `<type>_parameters()` and `make_<type>()`, declared and listed in registry.cpp.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "models/interventions/intervention.hpp"
#include "models/interventions/programme.hpp"

namespace meedoen::models {

struct InterventionType {
  std::string_view name;       // the `type` in a scenario file
  std::string_view programme;  // the real programme it models, with its seed document
  std::vector<sim::ParamSpec> (*parameters)();
  std::unique_ptr<Intervention> (*make)(InterventionSpec spec, std::uint8_t index);
};

const std::vector<InterventionType>& intervention_types();
const InterventionType* find_intervention_type(std::string_view name);
std::unique_ptr<Intervention> make_intervention(InterventionSpec spec, std::uint8_t index);

// Helpers for the types' parameter tables: "<type>.<key>".
sim::ParamSpec intervention_param(std::string_view type, std::string_view key, std::string unit, double value,
                                  double min, double max, std::string source, std::string description,
                                  bool integer = false);

// The settings of the shared pipeline, read from those of the keys of
// ProgrammeSettings that the type declares (others keep their defaults).
ProgrammeSettings programme_settings(const InterventionSpec& spec);

// Hourly rate of professionals: Wmo individual support (F 6.5).
constexpr double kProfessionalRate = 55.80;

}  // namespace meedoen::models
