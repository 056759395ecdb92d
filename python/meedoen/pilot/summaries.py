"""Summaries of a pilot file and of a model run, with the same keys, for a calibration to compare."""

from collections.abc import Sequence

import numpy as np
import xarray as xr

from meedoen.errors import InputError, Problem
from meedoen.pilot.format import COUNT_METRICS, COUNTS, RUNG_BLOCKS, RUNG_METRICS, RUNGS, Pilot, Window


def _key(window: Window, what: str) -> str:
    return f"{window.programme}/{window.period}/{what}"


def pilot_summaries(pilot: Pilot) -> dict[str, float]:
    """The pilot's summaries: per programme and period (rows added over wijken), each observed
    count (``PROGRAMME/PERIOD/found``) and, for an observed rung block, the share of each rung
    (``PROGRAMME/PERIOD/before_share_3``: before_rung_3 over the sum of before_rung_1..6; every
    share 0 when that sum is 0). In window order; only what the pilot observed."""
    summaries: dict[str, float] = {}
    table = pilot.table
    for window in pilot.windows():
        rows = table[(table.programme == window.programme) & (table.period == window.period)]
        for count in COUNTS:
            if rows[count].notna().all():
                summaries[_key(window, count)] = float(rows[count].sum())
        for block, names in RUNG_BLOCKS.items():
            if rows[names[0]].notna().all():
                totals = [float(rows[c].sum()) for c in names]
                summaries.update(_shares(window, block, totals))
    return summaries


def _shares(window: Window, block: str, counts: Sequence[float]) -> dict[str, float]:
    total = float(sum(counts))
    return {
        _key(window, f"{block}_share_{k}"): (count / total if total > 0 else 0.0)
        for k, count in zip(RUNGS, counts, strict=True)
    }


def model_summaries(program: xr.DataArray, pilot: Pilot) -> dict[str, float]:
    """The model's summaries with the same keys as ``pilot_summaries(pilot)``.

    ``program`` is one scenario's program data (``results[scenario].program``: dims replicate,
    week, intervention, metric; ``replicate`` may be absent). Per programme and period: each
    count the pilot observed, summed over the weeks first_week..last_week and averaged over the
    replicates; for an observed rung block, the shares of the rung metrics (RUNG_METRICS) summed
    over those weeks and averaged over the replicates (every share 0 when the model has nobody).
    Raises meedoen.InputError when a programme is not an intervention of ``program``, a period
    lies beyond its weeks or a metric it needs is missing.
    """
    if "scenario" in program.dims:
        raise ValueError("program has a scenario dimension: pass one scenario's, e.g. results[name].program")
    wanted = pilot_summaries(pilot)
    windows = _comparable_windows(program, pilot, wanted)
    summaries: dict[str, float] = {}
    for window in windows:
        part = program.sel(intervention=window.programme, week=slice(window.first_week, window.last_week))
        totals = part.astype(np.float64).sum("week")
        if "replicate" in totals.dims:
            totals = totals.mean("replicate")
        for count in COUNTS:
            if _key(window, count) in wanted:
                summaries[_key(window, count)] = float(totals.sel(metric=COUNT_METRICS[count]))
        for block in RUNG_BLOCKS:
            if _key(window, f"{block}_share_1") in wanted:
                counts = [float(totals.sel(metric=m)) for m in RUNG_METRICS[block]]
                summaries.update(_shares(window, block, counts))
    return {key: summaries[key] for key in wanted}


def _comparable_windows(program: xr.DataArray, pilot: Pilot, wanted: dict[str, float]) -> list[Window]:
    """The pilot's windows, each checked against the program data; InputError listing every
    programme that is not an intervention, period beyond the weeks and metric that is missing."""
    interventions = [str(i) for i in program.intervention.values]
    metrics = {str(m) for m in program.metric.values}
    last_week = int(program.week.max())
    problems = []
    windows = []
    for window in pilot.windows():
        line = pilot.line(window.programme, window.period)
        if window.programme not in interventions:
            problems.append(
                Problem(
                    pilot.path,
                    line,
                    "programme",
                    f"{window.programme} is not an intervention of the scenario "
                    f"(the interventions: {', '.join(interventions) or 'none'})",
                )
            )
            continue
        if window.last_week > last_week:
            problems.append(
                Problem(
                    pilot.path,
                    line,
                    "last_week",
                    f"is beyond the simulation's last week {last_week} "
                    f"(weeks 1 to {last_week}: simulate as many weeks as the pilot covers)",
                )
            )
            continue
        needed = [COUNT_METRICS[c] for c in COUNTS if _key(window, c) in wanted]
        for block in RUNG_BLOCKS:
            if _key(window, f"{block}_share_1") in wanted:
                needed += RUNG_METRICS[block]
        missing = [m for m in needed if m not in metrics]
        if missing:
            problems.append(
                Problem(
                    pilot.path,
                    line,
                    "programme",
                    f"the model's program data has no metric "
                    f"{', '.join(missing)} (its metrics: {', '.join(sorted(metrics))})",
                )
            )
            continue
        windows.append(window)
    if problems:
        raise InputError(problems)
    return windows
