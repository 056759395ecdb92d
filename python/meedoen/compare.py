"""The scenario comparison: what each scenario achieves, costs and saves.

Every metric is computed per replicate; the table gives its mean over the
replicates with a 95% t-interval, and the difference to the baseline paired
by replicate (common random numbers make these differences sharp) with its
own 95% t-interval. Costs are discounted to the start at the rate
``costs.discount_rate`` (per year) of each scenario's parameters. The
baseline is any scenario (the reference): net savings, cost per person moved
up and the break-even week count a scenario's intervention cost above the
reference's against what it saves on provisions against the reference. Two
metrics are ratios or first passages of means (cost_per_person_up,
break_even_week): their intervals come from a bootstrap over replicates, and
they have no difference columns (they are differences to the baseline
already).

``by_actor`` and ``by_item`` (from meedoen.mkba): who pays and who gains, per
actor and per ledger item, against the same reference.
"""

import json
from collections.abc import Callable

import numpy as np
import pandas as pd
import xarray as xr

from meedoen.mkba import (
    PROVISIONS,
    bootstrap,
    by_actor,
    by_item,
    discount_factors,
    is_intervention,
    reference,
    weekly_present_values,
)
from meedoen.outcomes import OUTCOMES, compare_outcomes, participation
from meedoen.results import Results
from meedoen.summary import mean_interval

__all__ = [
    "COLUMNS",
    "METRICS",
    "ScenarioMetrics",
    "break_even",
    "by_actor",
    "by_item",
    "compare",
    "discount_factors",
    "to_json",
]

COLUMNS = [
    "scenario",
    "wijk",
    "metric",
    "mean",
    "ci_low",
    "ci_high",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
]
# Each metric of the table and what it is (the words of meedoen.outcomes).
METRICS = {name: OUTCOMES[name].description["en"] for name in compare_outcomes()}
ALL_WIJKEN = "all"


def compare(results: Results, baseline: str | None = None) -> pd.DataFrame:
    """The comparison table: one row per scenario, wijk ("all" or a name) and metric.

    Columns: scenario, wijk, metric, mean, ci_low, ci_high, diff_mean,
    diff_ci_low, diff_ci_high. ``baseline`` defaults to the results' first
    scenario. Costs and savings are city-wide only (wijk "all").
    """
    baseline = reference(results, baseline)
    scenarios = {name: ScenarioMetrics(results[name]) for name in results.scenarios}
    base = scenarios[baseline]
    rows = []
    for name, s in scenarios.items():
        values = s.metrics | {("net_savings", ALL_WIJKEN): s.net_savings(base).sum(axis=1)}
        base_values = base.metrics | {("net_savings", ALL_WIJKEN): base.net_savings(base).sum(axis=1)}
        for (metric, wijk), v in values.items():
            rows.append(
                (name, wijk, metric, *mean_interval(v), *mean_interval(v - base_values[(metric, wijk)]))
            )
        rows += _bootstrap_rows(name, s, base)
    table = pd.DataFrame(rows, columns=COLUMNS)
    wijken = [str(w) for w in results[baseline].wijk.values]
    return _sorted(table, results.scenarios, wijken).reset_index(drop=True)


def to_json(table: pd.DataFrame) -> str:
    """The table as a JSON list of objects with the keys of COLUMNS; NaN (none) and +inf (an
    interval without an upper end, beside a ``ci_low``) as null, which JSON has instead."""
    table = table.replace([np.inf, -np.inf], np.nan)
    records = table.astype(object).where(table.notna(), None).to_dict(orient="records")
    return json.dumps(records, indent=1)


class ScenarioMetrics:
    """One scenario's metrics per replicate (``metrics[(metric, wijk)]``), and its discounted
    weekly costs (``intervention`` and ``provision``: replicate x week, weeks 1 to the end)."""

    def __init__(self, ds: xr.Dataset) -> None:
        last = ds.rung_counts.isel(week=-1).compute()  # read once (Results are read lazily)
        per_wijk = participation(last, per_wijk=True)
        isolated, up = last.sel(rung=1), ds.persons_up.compute()
        self.metrics: dict[tuple[str, str], np.ndarray] = {
            ("participation_rate", ALL_WIJKEN): participation(last).values,
            ("isolated", ALL_WIJKEN): isolated.sum("wijk").values.astype(float),
            ("persons_up", ALL_WIJKEN): up.sum("wijk").values.astype(float),
        }
        for wijk in ds.wijk.values:
            self.metrics[("participation_rate", wijk)] = per_wijk.sel(wijk=wijk).values
            self.metrics[("isolated", wijk)] = isolated.sel(wijk=wijk).values.astype(float)
            self.metrics[("persons_up", wijk)] = up.sel(wijk=wijk).values.astype(float)
        ledger = weekly_present_values(ds)
        items = [str(i) for i in ledger["item"].values]
        self.weeks = ledger.week.values
        self.intervention = ledger.sel(item=[i for i in items if is_intervention(i)]).sum("item").values
        self.provision = ledger.sel(item=[i for i in items if i in PROVISIONS]).sum("item").values
        self.metrics[("intervention_cost", ALL_WIJKEN)] = self.intervention.sum(axis=1)
        self.metrics[("provision_cost", ALL_WIJKEN)] = self.provision.sum(axis=1)

    def net_savings(self, base: "ScenarioMetrics") -> np.ndarray:
        """Per replicate and week: the baseline's provision cost minus ours, minus our intervention
        cost above the baseline's (zero for the baseline itself)."""
        return (base.provision - self.provision) - (self.intervention - base.intervention)


def _bootstrap_rows(name: str, s: ScenarioMetrics, base: ScenarioMetrics) -> list[tuple]:
    """The table's rows (city-wide) of the metrics with bootstrap intervals, of scenario ``name``
    (``s``) against ``base``."""
    extra_up = s.metrics[("persons_up", ALL_WIJKEN)] - base.metrics[("persons_up", ALL_WIJKEN)]
    cost = s.metrics[("intervention_cost", ALL_WIJKEN)] - base.metrics[("intervention_cost", ALL_WIJKEN)]
    saved = s.net_savings(base)

    def cost_per_person_up(idx: np.ndarray) -> float:
        return _cost_per_extra(cost[idx].mean(), extra_up[idx].mean())

    def break_even_week(idx: np.ndarray) -> float:
        weekly = saved[idx].mean(axis=0)
        week = break_even(weekly, s.weeks)
        if np.isnan(week) and weekly.any():
            return np.inf  # not within the horizon: after every week of it
        return week  # NaN where it saves and costs nothing against the baseline: nothing to pay for

    rows = []
    for estimate in (cost_per_person_up, break_even_week):  # named as their metrics
        mean, low, high = bootstrap(estimate, len(cost))
        rows.append((name, ALL_WIJKEN, estimate.__name__, _defined(mean), low, high, np.nan, np.nan, np.nan))
    return rows


def _cost_per_extra(cost: float, extra: float) -> float:
    """Intervention euros above the baseline's per extra adult moved up, on a scale that ranks every
    bootstrap resample: cost / extra where both are above zero; +inf where it costs more and moves
    no one more up (no sum buys an extra adult); 0 where it moves more up for no more money (it
    dominates); NaN where it costs no more and moves no one more up (no ratio and no rank)."""
    if cost > 0:
        return cost / extra if extra > 0 else np.inf
    return 0.0 if extra > 0 else np.nan


def _defined(estimate: float) -> float:
    """The table's value of a ranked estimate: none (NaN) at +inf (it moves no one more up for its
    money; it does not pay for itself within the horizon) and at 0 (it dominates); the interval keeps
    them, as its ends."""
    return estimate if 0 < estimate < np.inf else np.nan


def break_even(saved_per_week: np.ndarray, weeks: np.ndarray) -> float:
    """The first week from which the cumulative sum stays positive (NaN if it ends at or below 0)."""
    cumulative = np.cumsum(saved_per_week)
    if len(cumulative) == 0 or cumulative[-1] <= 0:
        return np.nan
    not_positive = np.nonzero(cumulative <= 0)[0]
    return float(weeks[not_positive[-1] + 1 if len(not_positive) else 0])


def _sorted(table: pd.DataFrame, scenarios: list[str], wijken: list[str]) -> pd.DataFrame:
    """Scenarios and wijken in their order (city-wide first), metrics in the order of METRICS."""
    keys = {
        "scenario": {s: k for k, s in enumerate(scenarios)},
        "wijk": {w: k for k, w in enumerate([ALL_WIJKEN, *wijken])},
        "metric": {m: k for k, m in enumerate(METRICS)},
    }

    def key(column: pd.Series) -> pd.Series:
        return column.map(keys[column.name])

    return table.sort_values(["scenario", "wijk", "metric"], key=key, kind="stable")
