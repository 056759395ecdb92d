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
    """The table as a JSON list of objects with the keys of COLUMNS (NaN as null)."""
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
    extra_up = s.metrics[("persons_up", ALL_WIJKEN)] - base.metrics[("persons_up", ALL_WIJKEN)]
    cost = s.metrics[("intervention_cost", ALL_WIJKEN)] - base.metrics[("intervention_cost", ALL_WIJKEN)]
    saved = s.net_savings(base)
    estimators: dict[str, Callable[[np.ndarray], float]] = {
        "cost_per_person_up": lambda idx: _ratio(cost[idx].mean(), extra_up[idx].mean()),
        "break_even_week": lambda idx: break_even(saved[idx].mean(axis=0), s.weeks),
    }
    return [
        (name, ALL_WIJKEN, metric, *bootstrap(estimate, len(cost)), np.nan, np.nan, np.nan)
        for metric, estimate in estimators.items()
    ]


def _ratio(cost: float, extra: float) -> float:
    """Cost above the baseline's per extra person moved up; none unless both are above zero (a
    scenario that moves more people up for less money has no meaningful ratio: it dominates)."""
    return cost / extra if extra > 0 and cost > 0 else np.nan


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
