#include "models/costs.hpp"

namespace meedoen::models {

ProvisionPrices::ProvisionPrices(const sim::ParamSet& params)
    : ggz_max_rung_(static_cast<int>(params.get("costs.ggz_max_rung"))),
      daycare_max_rung_(static_cast<int>(params.get("costs.daycare_max_rung"))),
      daycare_use_(params.get("costs.daycare_use")) {
  const char* yearly[kProvisionCount] = {"costs.bijstand_benefit", "costs.bijstand_execution",
                                         "costs.healthcare_isolation", "costs.ggz", "costs.daycare"};
  for (int k = 0; k < kProvisionCount; ++k) weekly_[k] = params.get(yearly[k]) / sim::kWeeksPerYear;
}

ProvisionCosts ProvisionPrices::week(const WeekCounts& c) const {
  double bijstand = 0, ggz = 0, daycare = 0;
  for (const auto n : c.bijstand) bijstand += n;
  for (int rung = 1; rung <= ggz_max_rung_; ++rung) ggz += c.psych[rung];
  for (int rung = 1; rung <= daycare_max_rung_; ++rung) daycare += c.chronic[rung];
  return {bijstand * weekly_[kBijstandBenefit], bijstand * weekly_[kBijstandExecution],
          c.lonely_or_isolated * weekly_[kHealthcareIsolation], ggz * weekly_[kGgz],
          daycare * daycare_use_ * weekly_[kWmoDaycare]};
}

}  // namespace meedoen::models
