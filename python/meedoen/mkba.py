"""Who pays and who gains: the social cost-benefit analysis (MKBA) of a results file, per actor.

Each item of the ledger has a payer (whose cost it is) and a receiver (whose benefit it is), as
the engine declares them once (``models/costs.hpp``, read here through ``_core.ledger_items()``);
every intervention is paid by ``_core.INTERVENTION_PAYER`` (the gemeente). An item paid by one
actor and received by another (the bijstand benefit: the gemeente pays, the recipients receive) is
a transfer and cancels out for society; the others are resources used (healthcare, the
interventions, lost well-being) or made (net wages, the taxes on them).

Everything is a difference to a reference scenario, paired by replicate, of present values
(each week's euros times ``(1 + r) ** (-week / 52)`` with r = ``costs.discount_rate``, summed over
weeks 1 to W). Per actor:

- ``cost``: what the actor pays for the interventions, above the reference;
- ``benefit``: what the actor gains from the residents' states: what it saves on the items it
  pays, plus what it receives more (negative: a loss);
- ``balance``: benefit minus cost.

``samenleving`` (society) is the sum over the actors (transfers cancel), with its benefit/cost
``ratio`` (the mean benefit over the mean cost, with a bootstrap interval; none when the cost is
not above the reference's).

``acceptability``: the chance that each scenario gives the most adults moved up for the money at
each willingness to pay per extra adult moved up (acceptability curves and their frontier).
"""

import json
import math
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import xarray as xr

from meedoen import _core
from meedoen.results import Results
from meedoen.summary import mean_interval

__all__ = [
    "ACTORS",
    "COLUMNS",
    "ITEM_COLUMNS",
    "LABELS",
    "PAYBACK_COLUMNS",
    "PER_YEAR_COLUMNS",
    "PROVISIONS",
    "QUANTITIES",
    "SOCIETY",
    "STATE_ITEMS",
    "WTP_GRID",
    "acceptability",
    "actor_flows",
    "bootstrap",
    "by_actor",
    "by_item",
    "differences",
    "discount_factors",
    "discount_rate",
    "is_intervention",
    "item_actors",
    "paid_totals",
    "payback",
    "per_year",
    "percentiles",
    "present_values",
    "reference",
    "weekly_present_values",
    "yearly_differences",
]

ACTORS = ("gemeente", "zorgverzekeraar", "rijk", "deelnemers")
SOCIETY = "samenleving"
QUANTITIES = ("cost", "benefit", "balance", "ratio")
COLUMNS = ["scenario", "actor", "quantity", "mean", "ci_low", "ci_high"]
PER_YEAR_COLUMNS = [
    "scenario",
    "actor",
    "quantity",
    "year",
    "weeks",
    "discounted",
    "mean",
    "ci_low",
    "ci_high",
]
PAYBACK_COLUMNS = ["scenario", "actor", "total", "last_year", "year", "outlook"]
PAYBACK_ACTORS = ("gemeente", SOCIETY)
WEEKS_PER_YEAR = 52
ITEM_COLUMNS = ["scenario", "item", "payer", "receiver", "mean", "ci_low", "ci_high"]
LABELS = {
    "nl": {
        "gemeente": "Gemeente",
        "zorgverzekeraar": "Zorgverzekeraars",
        "rijk": "Rijk",
        "deelnemers": "Deelnemers",
        SOCIETY: "Samenleving",
        "cost": "kosten",
        "benefit": "baten",
        "balance": "saldo",
        "ratio": "baten/kosten",
    },
    "en": {
        "gemeente": "Municipality",
        "zorgverzekeraar": "Health insurers",
        "rijk": "State",
        "deelnemers": "Participants",
        SOCIETY: "Society",
        "cost": "cost",
        "benefit": "benefit",
        "balance": "balance",
        "ratio": "benefit/cost",
    },
}
# The provisions (what compare's provision_cost adds up) and every item of the residents' states.
PROVISIONS = frozenset(str(d["name"]) for d in _core.ledger_items() if d["provision"])
STATE_ITEMS = frozenset(str(d["name"]) for d in _core.ledger_items())
# Willingness to pay per extra adult moved up (euros) at which acceptability() is computed.
WTP_GRID = np.linspace(0.0, 500_000.0, 51)
BOOTSTRAP_DRAWS = 1000
BOOTSTRAP_SEED = 20270101  # fixed: the same table each time


def item_actors(items: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Each ledger item's (payer, receiver), "" for nobody; an item the engine does not declare is
    an intervention, paid by the gemeente."""
    declared = {d["name"]: (d["payer"], d["receiver"]) for d in _core.ledger_items()}
    return {item: declared.get(item, (_core.INTERVENTION_PAYER, "")) for item in items}


def is_intervention(item: str) -> bool:
    """Whether a ledger item is an intervention (not one of the residents' states)."""
    return item not in STATE_ITEMS


def discount_factors(weeks: xr.DataArray, rate_per_year: float) -> xr.DataArray:
    """(1 + rate) ** (-week / 52): the present value of a euro spent in each week."""
    return (1.0 + rate_per_year) ** (-weeks / 52.0)


def present_values(ds: xr.Dataset) -> xr.DataArray:
    """One scenario's ledger as present values: replicate x item, summed over weeks 1 to W with
    the discount factor of its ``costs.discount_rate``. Read at once (a lazy ledger is read block
    by block): the result is small, and its callers take it apart item by item."""
    return weekly_present_values(ds).sum("week").compute()


def weekly_present_values(ds: xr.Dataset) -> xr.DataArray:
    """One scenario's ledger, each week's euros times its discount factor: replicate x week x item,
    weeks 1 to W."""
    return (ds.ledger * discount_factors(ds.week, discount_rate(ds))).isel(week=slice(1, None))


def paid_totals(ds: xr.Dataset) -> xr.DataArray:
    """One scenario's ledger summed over weeks 1 to W as paid (not discounted): replicate x item."""
    return ds.ledger.isel(week=slice(1, None)).sum("week").compute()


def differences(results: Results, reference: str, discounted: bool = True) -> dict[str, xr.DataArray]:
    """Per scenario: its present values (``discounted``; else its totals as paid) minus the
    reference's, per replicate and item (an item that one of them lacks counts 0 there); the union
    of both scenarios' items."""
    total = present_values if discounted else paid_totals
    base = total(results[reference])
    out = {}
    for name in results.scenarios:
        own = total(results[name])
        items = list(dict.fromkeys([*own["item"].values, *base["item"].values]))
        out[name] = own.reindex(item=items, fill_value=0.0) - base.reindex(item=items, fill_value=0.0)
    return out


def actor_flows(delta: xr.DataArray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per actor and for society: (cost, benefit) per replicate, from one scenario's differences
    to the reference (replicate x item)."""
    actors = item_actors(str(i) for i in delta["item"].values)
    flows = {}
    for actor in (*ACTORS, SOCIETY):
        cost = np.zeros(delta.sizes["replicate"])
        benefit = np.zeros(delta.sizes["replicate"])
        for item, (payer, receiver) in actors.items():
            d = delta.sel(item=item).values
            if is_intervention(item):
                cost += d if actor in (payer, SOCIETY) else 0.0
                continue
            gains = receiver == actor or (actor == SOCIETY and receiver != "")
            pays = payer == actor or (actor == SOCIETY and payer != "")
            benefit += (d if gains else 0.0) - (d if pays else 0.0)
        flows[actor] = (cost, benefit)
    return flows


def by_actor(results: Results, baseline: str | None = None, discounted: bool = True) -> pd.DataFrame:
    """Who pays and who gains: per scenario and actor (``ACTORS`` and ``SOCIETY``), the cost,
    benefit and balance against the reference ``baseline`` (default: the first scenario) as the
    mean over the replicates with a paired 95% t-interval; for society also the benefit/cost
    ``ratio``. Columns: COLUMNS. Euros over the horizon, discounted to the start (``discounted``)
    or as paid."""
    baseline = reference(results, baseline)
    rows = []
    for name, delta in differences(results, baseline, discounted).items():
        for actor, (cost, benefit) in actor_flows(delta).items():
            for quantity, values in (("cost", cost), ("benefit", benefit), ("balance", benefit - cost)):
                rows.append((name, actor, quantity, *mean_interval(values)))
            if actor == SOCIETY:
                rows.append((name, actor, "ratio", *_ratio_interval(benefit, cost)))
    return pd.DataFrame(rows, columns=COLUMNS)


def by_item(results: Results, baseline: str | None = None) -> pd.DataFrame:
    """The detail that ``by_actor`` groups: per scenario and ledger item, its present value minus
    the reference's (mean and paired 95% interval), with its payer and receiver ("" for nobody).
    Columns: ITEM_COLUMNS."""
    baseline = reference(results, baseline)
    rows = []
    for name, delta in differences(results, baseline).items():
        for item, (payer, receiver) in item_actors(str(i) for i in delta["item"].values).items():
            rows.append((name, item, payer, receiver, *mean_interval(delta.sel(item=item).values)))
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)


def per_year(results: Results, baseline: str | None = None) -> pd.DataFrame:
    """The figures of ``by_actor`` per year of the horizon: per scenario, actor (``ACTORS`` and
    ``SOCIETY``), quantity (cost, benefit, balance) and year (weeks 1-52 are year 1, 53-104 year
    2, ...; the last may be shorter: ``weeks``), each in euros as paid (``discounted`` False) and
    discounted to the start (True): the mean over the replicates with a paired 95% t-interval.
    The discounted years add up to by_actor's totals. Columns: PER_YEAR_COLUMNS."""
    baseline = reference(results, baseline)
    rows = []
    for discounted in (False, True):
        for name, delta in yearly_differences(results, baseline, discounted).items():
            weeks = delta.attrs["weeks"]
            for k, year in enumerate(delta["year"].values):
                period = (int(year), int(weeks[k]), discounted)
                for actor, (cost, benefit) in actor_flows(delta.sel(year=year)).items():
                    for quantity, values in (
                        ("cost", cost),
                        ("benefit", benefit),
                        ("balance", benefit - cost),
                    ):
                        rows.append((name, actor, quantity, *period, *mean_interval(values)))
    return pd.DataFrame(rows, columns=PER_YEAR_COLUMNS)


def yearly_differences(results: Results, reference: str, discounted: bool) -> dict[str, xr.DataArray]:
    """Per scenario: its ledger minus the reference's per replicate, year and item (as paid, or
    discounted to the start), summed over the weeks of each year; attribute ``weeks``: the weeks in
    each year."""
    base = _yearly(results[reference], discounted)
    out = {}
    for name in results.scenarios:
        own = _yearly(results[name], discounted)
        items = list(dict.fromkeys([*own["item"].values, *base["item"].values]))
        out[name] = own.reindex(item=items, fill_value=0.0) - base.reindex(item=items, fill_value=0.0)
        out[name].attrs["weeks"] = own.attrs["weeks"]
    return out


def _yearly(ds: xr.Dataset, discounted: bool) -> xr.DataArray:
    """One scenario's ledger summed per year of weeks 1 to W: replicate x year x item."""
    weekly = weekly_present_values(ds) if discounted else ds.ledger.isel(week=slice(1, None))
    year = ((weekly["week"] - 1) // WEEKS_PER_YEAR + 1).rename("year")
    out = weekly.compute().groupby(year).sum().transpose("replicate", "year", "item")
    out.attrs["weeks"] = year.groupby(year).count().values
    return out


def payback(results: Results, baseline: str | None = None, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """How far each scenario is from earning its cost back, for the gemeente and for society.

    From the means of ``per_year`` (``table``, computed when not given): ``total``, the balance
    over the horizon (discounted); ``last_year``, the last year's balance as paid (per 52 weeks);
    ``year``, the year from which the discounted cumulative balance stays positive, within the
    horizon (``outlook`` "within") or, if the last year's balance went on at that rate, after it
    ("later"; it is discounted further each year, so it may never make up the deficit: "never",
    also when the last year's balance is not positive). Columns: PAYBACK_COLUMNS.
    """
    table = per_year(results, baseline) if table is None else table
    balance = table[(table.quantity == "balance") & table.actor.isin(PAYBACK_ACTORS)]
    rows = []
    for (name, actor), group in balance.groupby(["scenario", "actor"], sort=False):
        paid = group[~group.discounted].sort_values("year")
        pv = group[group.discounted].sort_values("year")
        rate = discount_rate(results[name])
        weeks = int(paid.weeks.iloc[-1])
        last_year = float(paid["mean"].iloc[-1]) * WEEKS_PER_YEAR / weeks
        last_pv = float(pv["mean"].iloc[-1]) * WEEKS_PER_YEAR / weeks
        year, outlook = _payback_year(pv["mean"].to_numpy(), last_pv, rate)
        rows.append((name, actor, float(pv["mean"].sum()), last_year, year, outlook))
    return pd.DataFrame(rows, columns=PAYBACK_COLUMNS)


def _payback_year(pv: np.ndarray, last: float, rate: float) -> tuple[float, str]:
    """The year from which the cumulative sum of ``pv`` (discounted balances per year) stays
    positive; beyond the horizon, year H + K with K the fewest further years of ``last`` (a
    year's discounted balance, each further year discounted once more) that make up the deficit
    D: K = ceil(D / last) without discounting, else ceil(log(1 - D r / last) / log q) with
    q = 1 / (1 + r) (from last (q + ... + q^K) >= D), none when D >= last / r (the most those
    years can add up to)."""
    cumulative = np.cumsum(pv)
    if cumulative[-1] > 0:
        not_positive = np.nonzero(cumulative <= 0)[0]
        return float(not_positive[-1] + 2 if len(not_positive) else 1), "within"
    deficit = -float(cumulative[-1])
    if last <= 0:
        return np.nan, "never"
    if rate == 0:
        return float(len(pv) + math.ceil(deficit / last)), "later"
    if deficit * rate >= last:
        return np.nan, "never"
    q = 1.0 / (1.0 + rate)
    return float(len(pv) + math.ceil(math.log(1 - deficit * rate / last) / math.log(q))), "later"


def discount_rate(ds: xr.Dataset) -> float:
    """A scenario's ``costs.discount_rate`` (per year), as its run used it."""
    return float(json.loads(str(ds.attrs["parameters"]))["costs.discount_rate"])


def reference(results: Results, baseline: str | None) -> str:
    """The reference scenario: ``baseline``, or the results' first scenario; KeyError if unknown."""
    baseline = baseline or results.scenarios[0]
    if baseline not in results.scenarios:
        raise KeyError(f"no scenario {baseline!r} (the scenarios are {', '.join(results.scenarios)})")
    return baseline


def _ratio_interval(benefit: np.ndarray, cost: np.ndarray) -> tuple[float, float, float]:
    """The mean benefit over the mean cost (NaN where the mean cost is not above zero), with a 95%
    bootstrap interval over the replicates. The interval is NaN unless every replicate costs more
    than the reference: a resample whose cost is not above zero has no ratio, and leaving such
    resamples out would narrow the interval without reason."""

    def ratio(idx: np.ndarray) -> float:
        c = cost[idx].mean()
        return float(benefit[idx].mean() / c) if c > 0 else np.nan

    mean, low, high = bootstrap(ratio, len(cost))
    if not (cost > 0).all():
        low = high = np.nan
    return mean, low, high


def bootstrap(estimate: Callable[[np.ndarray], float], n: int) -> tuple[float, float, float]:
    """``estimate`` of all n replicates (it takes their indices), and the 2.5 and 97.5 percentiles
    of it over BOOTSTRAP_DRAWS resamples of them.

    An estimate may be +inf, above every number (a cost per person where no one more moves up, a
    week beyond the horizon), or NaN, undefined. The percentiles rank +inf last, so a bound that
    reaches into the resamples at +inf is +inf (the interval has no upper end), and leave NaN out;
    both are NaN when n < 2 or every resample is NaN.
    """
    low = high = np.nan
    if n > 1:
        draws = np.random.default_rng(BOOTSTRAP_SEED).integers(0, n, size=(BOOTSTRAP_DRAWS, n))
        boot = np.array([estimate(idx) for idx in draws], dtype=float)
        low, high = percentiles(boot[~np.isnan(boot)], [2.5, 97.5])
    return estimate(np.arange(n)), float(low), float(high)


def percentiles(values: np.ndarray, q: list[float]) -> np.ndarray:
    """numpy's (linear) percentiles ``q`` of ``values`` (no NaN), where +inf ranks above every
    number: a percentile that falls between a number and +inf, or on +inf, is +inf. NaN for none."""
    if len(values) == 0:
        return np.full(len(q), np.nan)
    ranked = np.sort(values)
    above = ranked[np.ceil(np.asarray(q) / 100 * (len(ranked) - 1)).astype(int)]
    with np.errstate(invalid="ignore"):  # inf - inf inside the interpolation: replaced below
        linear = np.percentile(ranked, q)
    return np.where(np.isposinf(above), np.inf, linear)


def acceptability(
    results: Results, baseline: str | None = None, wtp: Iterable[float] | None = None
) -> pd.DataFrame:
    """Cost-effectiveness acceptability curves (CEAC) and their frontier.

    For each willingness to pay λ (euros per extra adult moved up; ``wtp``, default WTP_GRID) and
    replicate r, each scenario's net benefit is ``λ * Δup - Δcost``: its adults moved up
    (``persons_up``) and its discounted intervention cost, both minus the reference's (which has
    0). The probability of a scenario is the share of the replicates in which its net benefit is the
    highest (ties shared), so the probabilities add up to 1 at each λ. In a run with parameter draws
    (``meedoen run --posterior`` or ``--ranges``) each replicate has its own parameters, so the curves
    carry the
    parameters' uncertainty as well as chance. ``frontier`` marks at each λ the scenario with the
    highest mean net benefit (the acceptability frontier). Columns: wtp, scenario, probability,
    frontier.
    """
    baseline = reference(results, baseline)
    names = results.scenarios
    up, cost = _gains_and_costs(results, baseline)  # scenario x replicate
    rows = []
    for lam in WTP_GRID if wtp is None else wtp:
        benefit = lam * up - cost
        best = benefit == benefit.max(axis=0)
        probability = (best / best.sum(axis=0)).mean(axis=1)
        chosen = int(np.argmax(benefit.mean(axis=1)))
        rows += [(float(lam), name, float(probability[k]), k == chosen) for k, name in enumerate(names)]
    return pd.DataFrame(rows, columns=["wtp", "scenario", "probability", "frontier"])


def _gains_and_costs(results: Results, baseline: str) -> tuple[np.ndarray, np.ndarray]:
    """Per scenario and replicate: adults moved up and discounted intervention cost, both minus
    the reference's."""
    up = np.array([results[name].persons_up.sum("wijk").values for name in results.scenarios], dtype=float)
    cost = []
    for name in results.scenarios:
        pv = present_values(results[name])
        cost.append(pv.sel(item=[i for i in pv["item"].values if is_intervention(str(i))]).sum("item").values)
    k = results.scenarios.index(baseline)
    return up - up[k], np.array(cost) - cost[k]
