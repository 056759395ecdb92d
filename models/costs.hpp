// Provision costs per week by person state (MODEL.md section 8): the benefit
// and its execution for bijstand recipients, the extra healthcare of the
// isolated and severely lonely, GGZ care and Wmo day care.
#pragma once

#include <array>
#include <string_view>

#include "models/simulation.hpp"
#include "sim/parameters.hpp"

namespace meedoen::models {

enum Provision : int {
  kBijstandBenefit,
  kBijstandExecution,
  kHealthcareIsolation,
  kGgz,
  kWmoDaycare,
  kProvisionCount
};
// Ledger item names (the prefix keeps them apart from interventions' names).
constexpr std::array<std::string_view, kProvisionCount> kProvisionNames = {
    "provision.bijstand_benefit", "provision.bijstand_execution", "provision.healthcare_isolation",
    "provision.ggz", "provision.wmo_daycare"};

using ProvisionCosts = std::array<double, kProvisionCount>;

class ProvisionPrices {
public:
  explicit ProvisionPrices(const sim::ParamSet& params);
  // Euros spent this week on each provision for the people as counted.
  ProvisionCosts week(const WeekCounts& counts) const;

private:
  std::array<double, kProvisionCount> weekly_{};  // euros per user per week
  int ggz_max_rung_, daycare_max_rung_;
  double daycare_use_;
};

}  // namespace meedoen::models
