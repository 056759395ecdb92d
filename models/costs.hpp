// The ledger items that follow from the residents' states, per week
// (MODEL.md section 8, docs/ODD.md): the provisions (the bijstand benefit and
// its execution, the extra healthcare of the isolated and severely lonely, GGZ
// care, Wmo day care) and the benefits a social cost-benefit analysis (MKBA)
// counts: the net wages of residents in paid work, the taxes and premiums on
// them, and the well-being lost by the isolated and severely lonely. Each
// item, and every intervention, is declared here once with its actors: who
// pays it and who receives it.
#pragma once

#include <array>
#include <string_view>

#include "models/simulation.hpp"
#include "sim/parameters.hpp"

namespace meedoen::models {

// The actors of the MKBA. kNobody: a real cost or benefit (resources used or
// made), not a transfer from one actor to another.
enum class Actor : int { kNobody, kGemeente, kZorgverzekeraar, kRijk, kDeelnemers };
constexpr std::array<std::string_view, 5> kActorNames = {"", "gemeente", "zorgverzekeraar", "rijk", "deelnemers"};

enum StateItem : int {
  kBijstandBenefit,
  kBijstandExecution,
  kHealthcareIsolation,
  kGgz,
  kWmoDaycare,
  kNetWages,
  kWageTaxes,
  kWellbeingLoss,
  kStateItemCount
};
// The provisions are the first kProvisionCount items (what `provision_cost` adds up).
constexpr int kProvisionCount = kWmoDaycare + 1;

// One ledger item: its name in the results file (the prefix keeps it apart
// from interventions' names), whose cost it is (`payer`, kNobody for a
// benefit that is made) and whose benefit (`receiver`, kNobody for resources used).
struct LedgerItem {
  std::string_view name;
  Actor payer;
  Actor receiver;
  std::string_view description;
};
constexpr std::array<LedgerItem, kStateItemCount> kStateItems = {{
    {"provision.bijstand_benefit", Actor::kGemeente, Actor::kDeelnemers, "bijstand benefit paid to the recipients"},
    {"provision.bijstand_execution", Actor::kGemeente, Actor::kNobody, "execution of the bijstand benefits"},
    {"provision.healthcare_isolation", Actor::kZorgverzekeraar, Actor::kNobody, "extra healthcare of the isolated and severely lonely"},
    {"provision.ggz", Actor::kZorgverzekeraar, Actor::kNobody, "GGZ care of adults with psychosocial problems on low rungs"},
    {"provision.wmo_daycare", Actor::kGemeente, Actor::kNobody, "Wmo day care of chronically ill or disabled adults on low rungs"},
    {"benefit.net_wages", Actor::kNobody, Actor::kDeelnemers, "net wages of adults in paid work (rungs 5 and 6)"},
    {"benefit.wage_taxes", Actor::kNobody, Actor::kRijk, "wage taxes and premiums on those wages"},
    {"cost.wellbeing_loss", Actor::kDeelnemers, Actor::kNobody,
     "well-being lost by the isolated and severely lonely, valued per QALY"},
}};
// Every intervention is a cost to the gemeente (a resource used).
constexpr Actor kInterventionPayer = Actor::kGemeente;

using StateItemCosts = std::array<double, kStateItemCount>;

class StatePrices {
public:
  explicit StatePrices(const sim::ParamSet& params);
  // Euros of each state item this week for the people as counted.
  StateItemCosts week(const WeekCounts& counts) const;

private:
  std::array<double, kStateItemCount> weekly_{};  // euros per person per week
  int ggz_max_rung_, daycare_max_rung_;
  double daycare_use_, rung5_wage_share_;
};

}  // namespace meedoen::models
