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

ProvisionCosts ProvisionPrices::week(const People& p) const {
  double bijstand = 0, isolation = 0, ggz = 0, daycare = 0;
  for (PersonId i = 0; i < p.size(); ++i) {
    const int rung = p.rung[i];
    if (rung == kNoRung) continue;
    bijstand += p.has(i, kBijstand);
    isolation += rung == 1 || p.has(i, kLonely);
    ggz += p.has(i, kPsych) && rung <= ggz_max_rung_;
    daycare += p.has(i, kChronic) && rung <= daycare_max_rung_;
  }
  return {bijstand * weekly_[kBijstandBenefit], bijstand * weekly_[kBijstandExecution],
          isolation * weekly_[kHealthcareIsolation], ggz * weekly_[kGgz], daycare * daycare_use_ * weekly_[kWmoDaycare]};
}

}  // namespace meedoen::models
