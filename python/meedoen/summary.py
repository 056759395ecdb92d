"""The outcomes a run prints: participation per scenario, with 95% intervals over replicates."""

import numpy as np
import pandas as pd
import xarray as xr

from meedoen.results import Results

__all__ = ["mean_interval", "participation_rate", "rung_share", "summarise"]


def participation_rate(rung_counts: xr.DataArray) -> xr.DataArray:
    """The share of adults on rung 3 or higher, summed over wijken (drops wijk and rung)."""
    return rung_counts.sel(rung=slice(3, None)).sum(["wijk", "rung"]) / rung_counts.sum(["wijk", "rung"])


def rung_share(rung_counts: xr.DataArray, rung: int) -> xr.DataArray:
    """The share of adults on one rung, summed over wijken (drops wijk and rung)."""
    return rung_counts.sel(rung=rung).sum("wijk") / rung_counts.sum(["wijk", "rung"])


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
    counts = results.rung_counts
    participation = participation_rate(counts)
    metrics = {
        "participation_week0": participation.isel(week=0),
        "participation_rate": participation.isel(week=-1),
        "isolated_share": rung_share(counts, 1).isel(week=-1),
    }
    rows = [
        (scenario, metric, *mean_interval(values.sel(scenario=scenario).values))
        for scenario in results.scenarios
        for metric, values in metrics.items()
    ]
    return pd.DataFrame(rows, columns=["scenario", "metric", "mean", "ci_low", "ci_high"])
