#include "models/costs.hpp"

namespace meedoen::models {

StatePrices::StatePrices(const sim::ParamSet& params)
    : ggz_max_rung_(static_cast<int>(params.get("costs.ggz_max_rung"))),
      daycare_max_rung_(static_cast<int>(params.get("costs.daycare_max_rung"))),
      daycare_use_(params.get("costs.daycare_use")), rung5_wage_share_(params.get("costs.rung5_wage_share")) {
  const char* yearly[kStateItemCount - 1] = {"costs.bijstand_benefit", "costs.bijstand_execution",
                                             "costs.healthcare_isolation", "costs.ggz", "costs.daycare",
                                             "costs.net_wage", "costs.wage_taxes"};
  for (int k = 0; k < kStateItemCount - 1; ++k) weekly_[k] = params.get(yearly[k]) / sim::kWeeksPerYear;
  weekly_[kWellbeingLoss] =
      params.get("costs.qaly_value") * params.get("costs.loneliness_qaly_loss") / sim::kWeeksPerYear;
}

StateItemCosts StatePrices::week(const WeekCounts& c) const {
  double bijstand = 0, ggz = 0, daycare = 0, rung5 = 0, rung6 = 0;
  for (const auto n : c.bijstand) bijstand += n;
  for (int rung = 1; rung <= ggz_max_rung_; ++rung) ggz += c.psych[rung];
  for (int rung = 1; rung <= daycare_max_rung_; ++rung) daycare += c.chronic[rung];
  for (std::size_t k = 0; k < c.rungs.size(); k += kRungs) {
    rung5 += c.rungs[k + 4];
    rung6 += c.rungs[k + 5];
  }
  const double full_wages = rung6 + rung5_wage_share_ * rung5;  // full-time wages earned
  return {bijstand * weekly_[kBijstandBenefit],
          bijstand * weekly_[kBijstandExecution],
          c.lonely_or_isolated * weekly_[kHealthcareIsolation],
          ggz * weekly_[kGgz],
          daycare * daycare_use_ * weekly_[kWmoDaycare],
          full_wages * weekly_[kNetWages],
          full_wages * weekly_[kWageTaxes],
          c.lonely_or_isolated * weekly_[kWellbeingLoss]};
}

}  // namespace meedoen::models
