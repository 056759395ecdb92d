// Every parameter of the model, declared once. Sources: a row of
// data/figures.md ("F 5.1"), or "assumption" where no figure exists yet;
// assumptions are what calibration fits.
#include "models/model_parameters.hpp"

#include "models/interventions/registry.hpp"

namespace meedoen::models {
namespace {

using sim::ParamSpec;

const std::vector<std::string> kAgeBands = {"<18", "18-26", "27-39", "40-54", "55-64", "65-74", "75+"};
const std::vector<std::string> kRungs = {"1", "2", "3", "4", "5", "6"};
const std::vector<std::string> kMovesUp = {"1->2", "2->3", "3->4", "4->5", "5->6"};
const std::vector<std::string> kCovariates = {"age 18-26", "age 67+", "bijstand", "chronic",
                                              "psych",     "debt",    "lonely",   "motivation"};
// In the order of data/leiden_wijken.csv (codes WK054600..WK054609).
const std::vector<std::string> kWijken = {"Binnenstad-Zuid", "Binnenstad-Noord", "Stationsdistrict",
                                          "Leiden-Noord", "Roodenburgerdistrict", "Bos- en Gasthuisdistrict",
                                          "Morsdistrict", "Boerhaavedistrict", "Merenwijkdistrict",
                                          "Stevenshofdistrict"};

std::vector<ParamSpec> population_parameters() {
  return {
      {"population.age_shares", "share", {0.1585, 0.1985, 0.1929, 0.1831, 0.1158, 0.0905, 0.0606}, kAgeBands,
       0, 1, false, "F 1.8",
       "Shares of residents by age band (BRP 31-12-2018: 19,803 / 24,796 / 24,091 / 22,875 / 14,465 / 11,309 / "
       "7,567); normalised to sum 1."},
      {"population.one_person_households", "share", {0.43}, {}, 0, 1, false, "F 1.30",
       "Share of households with one person (Leiden agglomeration, 2025 prognosis)."},
      {"population.bijstand_recipients", "persons", {2946}, {}, 0, 100000, true, "F 1.12",
       "Periodic bijstand recipients at scale 1 (31-12-2022); multiplied by the scale."},
      {"population.bijstand_relative_risk", "ratio", {0.6, 0.8, 0.8, 2.0, 0.9, 0.7, 1.6, 0.5, 1.6, 0.8}, kWijken,
       0, 10, false, "assumption",
       "Relative risk of bijstand by wijk; higher in Leiden-Noord, Morsdistrict and Merenwijkdistrict (F 1.18, "
       "1.19 are qualitative)."},
      {"population.low_income_households", "share", {0.16}, {}, 0, 1, false, "F 1.17",
       "Households at or below 120% of the social minimum; all bijstand households are among them."},
      {"population.lonely", "share", {0.16}, {}, 0, 1, false, "F 5.1", "Adults who are severely lonely (GGD monitor)."},
      {"population.chronic", "share", {0.12}, {}, 0, 1, false, "assumption",
       "Adults with a chronic illness or disability that limits participation."},
      {"population.psych", "share", {0.06}, {}, 0, 1, false, "assumption", "Adults with psychosocial problems."},
      {"population.debt_households", "share", {0.08}, {}, 0, 1, false, "assumption",
       "Households with problematic debts."},
      {"population.condition_risk_bijstand", "ratio", {2.5}, {}, 1, 10, false, "assumption",
       "Relative risk of chronic illness, psychosocial problems, debts and severe loneliness for bijstand "
       "households."},
      {"population.motivation_beta", "shape", {4.0, 3.0}, {"alpha", "beta"}, 0.1, 100, false, "assumption",
       "Motivation in [0, 1] is Beta(alpha, beta) distributed; bijstand recipients draw from Beta(beta, alpha)."},
      {"population.rung_shares_working_age", "share", {0.03, 0.07, 0.07, 0.06, 0.05, 0.72}, kRungs, 0, 1, false,
       "assumption",
       "Initial rung of adults 18-66 not on bijstand (employment about 75%; no published distribution, F 2.4)."},
      {"population.rung_shares_bijstand", "share", {0.10, 0.35, 0.30, 0.17, 0.08, 0.0}, kRungs, 0, 1, false,
       "F 1.29", "Initial rung of bijstand recipients (8% have earnings: rung 5; about 10/35/30/17% below)."},
      {"population.rung_shares_pension", "share", {0.06, 0.40, 0.30, 0.24, 0.0, 0.0}, kRungs, 0, 1, false,
       "assumption", "Initial rung of adults 67+ (at most rung 4)."},
      {"population.rung_sorting", "factor", {1.0}, {}, 0, 1, false, "assumption",
       "How far an adult's start rung follows his covariates: rung r has weight w_g[r] exp((r - 1) s (b_up - b_down) . x), "
       "w_g fitted to the group's rung_shares table; 1 starts each adult near the rungs the ladder holds him on "
       "(docs/ODD.md 5.8), 0 gives the tables alone. Also for those turning 18, newcomers and new pensioners."},
  };
}

std::vector<ParamSpec> network_parameters() {
  return {
      {"network.neighbour_contacts", "contacts", {3}, {}, 0, 50, false, "assumption",
       "Mean number of random contacts with others in the same wijk (Erdos-Renyi within the wijk)."},
      {"network.friend_contacts", "contacts", {6}, {}, 0, 50, true, "assumption",
       "Friendship contacts per person: a small-world ring over the wijk's residents ordered by age, linking "
       "each to the k/2 nearest on either side (an odd k acts as k - 1)."},
      {"network.friend_rewiring", "probability", {0.1}, {}, 0, 1, false, "assumption",
       "Probability that a friendship contact is rewired to a random resident of the same wijk."},
      {"network.isolated_keep", "probability", {0.05}, {}, 0, 1, false, "assumption",
       "Share of contacts outside the household that a rung-1 adult keeps."},
  };
}

std::vector<ParamSpec> ladder_parameters() {
  return {
      {"ladder.up_rate", "per year", {0.30, 0.25, 0.12, 0.08, 0.25}, kMovesUp, 0, 0.99, false, "assumption",
       "Share of the adults on a rung who move one rung up within a year, at the start (fits the intercepts "
       "a_up)."},
      {"ladder.covariates_up", "logit", {0.3, -0.3, -0.6, -0.5, -0.5, -0.3, -0.4, 1.5}, kCovariates, -5, 5, false,
       "assumption", "Effects b_up of the person's indicators on moving up (motivation enters centred at 0.5)."},
      {"ladder.covariates_down", "logit", {0.1, 0.2, 0.4, 0.5, 0.5, 0.3, 0.4, -1.5}, kCovariates, -5, 5, false,
       "assumption", "Effects b_down of the person's indicators on moving down."},
      {"ladder.peer_up", "logit", {1.0}, {}, 0, 10, false, "assumption",
       "Effect g_up of the share of contacts on a higher rung on moving up."},
      {"ladder.peer_down", "logit", {1.0}, {}, 0, 10, false, "assumption",
       "Effect g_down of the share of contacts on the same or a higher rung against moving down."},
  };
}

std::vector<ParamSpec> life_event_parameters() {
  return {
      {"bijstand.outflow_rate", "per year", {0.234}, {}, 0, 1, false, "F 1.28",
       "Yearly outflow from bijstand (validation target); sets the initial distribution of weeks on bijstand."},
      {"bijstand.other_exit_rate", "per year", {0.20}, {}, 0, 1, false, "assumption",
       "Yearly probability of leaving bijstand for other reasons than work (partner income, moving, study); "
       "with exits on reaching rung 6 the total outflow is checked against about 23% a year (F 1.28)."},
      {"debt.resolve_rate", "per year", {0.25}, {}, 0, 1, false, "assumption",
       "Yearly probability that a household's problematic debts end; new debts start at the rate that keeps "
       "the share stable."},
      {"age.pension", "years", {67}, {}, 55, 80, true, "AOW age 2024-2027",
       "Pension age: from this age the rung is at most 4 and bijstand ends (AOW)."},
  };
}

std::vector<ParamSpec> demography_parameters() {
  return {
      {"demography.death_rate", "per year", {0.0001, 0.0003, 0.0005, 0.0017, 0.0055, 0.013, 0.095}, kAgeBands, 0, 1,
       false, "F 1.33 (EST)",
       "Yearly probability of dying by age band: a rise with age assumed, scaled so that Leiden's age structure "
       "(F 1.8) gives about 1,040 deaths a year."},
      {"demography.leave_rate", "per year", {0.04, 0.22, 0.12, 0.04, 0.02, 0.015, 0.015}, kAgeBands, 0, 1, false,
       "F 1.33 (EST)",
       "Yearly probability of moving out of Leiden by age band: mostly students and young adults (assumed), "
       "scaled so that Leiden's age structure gives about 11,000 a year."},
      {"demography.birth_rate", "per year", {0, 0.012, 0.072, 0.003, 0, 0, 0}, kAgeBands, 0, 1, false,
       "F 1.33 (EST)",
       "Yearly probability that a woman gives birth, by age band: mostly at 27-39 (assumed), scaled to about "
       "1,000-1,100 births a year."},
      {"demography.arrival_age_shares", "share", {0.07, 0.67, 0.17, 0.05, 0.025, 0.01, 0.005}, kAgeBands, 0, 1,
       false, "F 1.32, F 1.33 (EST)",
       "Ages of those who move into Leiden: mostly 18-26 (F 1.32), in shares that keep each age band about "
       "stable (docs/ODD.md 7.16); normalised to sum 1."},
      {"demography.empty_weeks", "weeks", {4}, {}, 1, 520, false, "assumption",
       "Mean weeks a place (a room in a household) stays empty before someone moves in: each week an empty "
       "place is taken with probability 1 / empty_weeks."},
  };
}

std::vector<ParamSpec> cost_parameters() {
  return {
      {"costs.bijstand_benefit", "euro per year", {14000}, {}, 0, 100000, false, "F 6.1",
       "Average bijstand benefit per recipient (Berenschot 2018)."},
      {"costs.bijstand_execution", "euro per year", {2883}, {}, 0, 100000, false, "F 6.2",
       "Execution cost per bijstand benefit (2018, 30 municipalities)."},
      {"costs.healthcare_isolation", "euro per year", {1000}, {}, 0, 100000, false, "F 6.12, F 5.5 (EST)",
       "Extra healthcare of an adult who is severely lonely or isolated (rung 1): about EUR 2 bn a year over "
       "about 2 million severely lonely adults."},
      {"costs.ggz", "euro per year", {8100}, {}, 0, 100000, false, "F 6.11",
       "GGZ cost per client in care (EUR 6.5 bn over about 800,000 clients)."},
      {"costs.ggz_max_rung", "rung", {2}, {}, 1, 6, true, "assumption",
       "Adults with psychosocial problems up to this rung are in GGZ care."},
      {"costs.daycare", "euro per year", {9600}, {}, 0, 100000, false, "F 6.7",
       "Wmo day care: 4 part-days a week, 52 weeks, EUR 46.15 a part-day."},
      {"costs.daycare_max_rung", "rung", {2}, {}, 1, 6, true, "assumption",
       "Chronically ill or disabled adults up to this rung may use Wmo day care."},
      {"costs.daycare_use", "share", {0.3}, {}, 0, 1, false, "assumption",
       "Share of those who use Wmo day care."},
      {"costs.net_wage", "euro per year", {20856}, {}, 0, 100000, false, "F 7.5, F 7.7",
       "Net wage of an adult in full paid work (rung 6): the net minimum wage with holiday pay."},
      {"costs.wage_taxes", "euro per year", {5000}, {}, 0, 100000, false, "F 7.8 (EST)",
       "Wage taxes and employee premiums on that wage: the gross minimum wage with holiday pay less the net "
       "wage (employer premiums not counted)."},
      {"costs.rung5_wage_share", "share", {0.5}, {}, 0, 1, false, "assumption",
       "Adults on rung 5 (paid work with support) earn this share of a full wage (and its taxes)."},
      {"costs.qaly_value", "euro per QALY", {50000}, {}, 0, 200000, false, "F 7.1, F 7.2",
       "Value of a year in full health (QALY) in a Dutch social cost-benefit analysis."},
      {"costs.loneliness_qaly_loss", "QALY per year", {0.07}, {}, 0, 0.5, false, "F 7.3, F 7.4",
       "Health-related quality of life lost by a severely lonely or isolated adult (EQ-5D utility)."},
      {"costs.discount_rate", "per year", {0.0225}, {}, 0, 0.2, false, "assumption",
       "Discount rate of future costs and savings (the Dutch standard for social cost-benefit analysis)."},
  };
}

// The factor that `meedoen breakeven` varies (docs/ODD.md, "The effect needed to break even").
std::vector<ParamSpec> analysis_parameters() {
  return {
      {std::string(kEffectFactor), "factor", {1.0}, {}, 0, 10, false, "analysis factor (MKBA break-even)",
       "Multiplies every intervention's effects on the residents: its logit effects on eta_up and eta_down "
       "(enrolled, fading and wijk-wide) and the weekly hazard of poverty_signalling's extra debt resolution; "
       "1: the effects as assumed, 0: none (the interventions still cost)."},
  };
}

std::vector<ParamSpec> all_parameters() {
  std::vector<ParamSpec> all;
  for (auto part : {population_parameters(), network_parameters(), ladder_parameters(), life_event_parameters(),
                    demography_parameters(), cost_parameters(), analysis_parameters()})
    all.insert(all.end(), part.begin(), part.end());
  for (const auto& type : intervention_types()) {
    const auto part = type.parameters();
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

}  // namespace

const sim::ParamTable& model_parameters() {
  static const sim::ParamTable table(all_parameters());
  return table;
}

}  // namespace meedoen::models
