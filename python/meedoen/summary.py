"""The outcomes a run prints: participation per scenario, with 95% intervals over replicates."""

import os

import numpy as np
import pandas as pd
import xarray as xr

from meedoen.outcomes import participation, rung_share
from meedoen.results import Results, open_results

__all__ = ["end_weeks", "mean_interval", "participation_rate", "rung_share", "summarise", "summarise_file"]


def participation_rate(rung_counts: xr.DataArray) -> xr.DataArray:
    """The share of adults on rung 3 or higher, summed over wijken (drops wijk and rung);
    meedoen.outcomes.participation."""
    return participation(rung_counts)


def mean_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """The mean of ``values`` and its t-interval (NaN bounds for fewer than two values)."""
    from scipy import stats  # here, not above: it takes most of a second to import

    mean = float(np.mean(values))
    if len(values) < 2:
        return mean, float("nan"), float("nan")
    sem = float(stats.sem(values))
    if sem == 0.0:
        return mean, mean, mean
    low, high = stats.t.interval(level, df=len(values) - 1, loc=mean, scale=sem)
    return mean, float(low), float(high)


def summarise(results: Results) -> pd.DataFrame:
    """One row per (scenario, metric) with mean, ci_low and ci_high over replicates.

    Metrics: ``participation_week0`` and ``participation_rate`` (share of
    adults on rung 3 or higher at week 0 and at the last week) and
    ``isolated_share`` (share of adults on rung 1 at the last week).
    """
    return _summarise(*end_weeks(results))


def summarise_file(path: str | os.PathLike[str]) -> pd.DataFrame:
    """summarise() of the results file at ``path`` (meedoen.InputError when it is not one)."""
    return summarise(open_results(path))


def end_weeks(results: Results) -> tuple[xr.DataArray, list[str]]:
    """The rung counts of the first and the last week of every scenario, dims (scenario,
    replicate, week, wijk, rung), read without holding the rest; and the scenario names, the
    baseline first."""
    return results.rung_counts.isel(week=[0, -1]).compute(), results.scenarios


def _summarise(counts: xr.DataArray, scenarios: list[str]) -> pd.DataFrame:
    rate = participation(counts)
    metrics = {
        "participation_week0": rate.isel(week=0),
        "participation_rate": rate.isel(week=-1),
        "isolated_share": rung_share(counts, 1).isel(week=-1),
    }
    rows = [
        (scenario, metric, *mean_interval(values.sel(scenario=scenario).values))
        for scenario in scenarios
        for metric, values in metrics.items()
    ]
    return pd.DataFrame(rows, columns=["scenario", "metric", "mean", "ci_low", "ci_high"])
