"""Running an experiment: to a results file, or straight into a Results object."""

import math
import os
import shutil
import tempfile
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import tomllib
import xarray as xr

from meedoen import _core, interrupt
from meedoen.errors import InputError, Problem
from meedoen.experiment import Experiment, load_experiment
from meedoen.progress import progress_bar
from meedoen.outcomes import OUTCOMES, participation
from meedoen.results import Results, open_results
from meedoen.summary import end_weeks, mean_interval

__all__ = [
    "PRECISION_OUTCOMES",
    "resume_experiment",
    "run",
    "run_on_cluster",
    "run_to_file",
    "run_to_precision",
]

# The outcomes a run can be made precise in: paired counts and shares of the rung counts.
PRECISION_OUTCOMES = [n for n, o in OUTCOMES.items() if o.paired and o.unit in ("share", "persons")]
HEADLINE = [n for n in PRECISION_OUTCOMES if OUTCOMES[n].headline]


def run(
    experiment: Experiment | str | os.PathLike[str],
    replicates: int | None = None,
    threads: int = 0,
    seed: int | None = None,
    weeks: int | None = None,
    scale: float | None = None,
    progress: bool = False,
) -> Results:
    """Run every scenario of an experiment and return its results (read as they are used from a
    temporary file, which is deleted at once and stays readable while the results are in use).

    ``experiment`` is an Experiment or the path of a scenario file.
    ``replicates``, ``seed``, ``weeks`` and ``scale`` replace the file's
    settings when given. ``threads=0`` leaves the number of threads to the
    engine. ``progress=True`` shows a progress bar on stderr. The engine runs
    without the GIL; Ctrl-C stops it with KeyboardInterrupt.

    Raises meedoen.InputError for bad input (a scenario file, a data file or
    a setting out of range).
    """
    with tempfile.TemporaryDirectory(prefix="meedoen-") as tmp:
        out = Path(tmp) / "results.h5"
        run_to_file(experiment, out, replicates, threads, seed, weeks, scale, progress)
        return open_results(out)


def run_to_file(
    experiment: Experiment | str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    replicates: int | None = None,
    threads: int = 0,
    seed: int | None = None,
    weeks: int | None = None,
    scale: float | None = None,
    progress: bool = False,
    *,
    resume: bool = False,
    keep_parts: bool = False,
    coupled: bool = True,
) -> None:
    """Run every scenario of an experiment and write the results file ``out_path``.

    The arguments are those of run(). The file is written under
    ``out_path + ".partial"`` and renamed when complete: a failed or
    interrupted run leaves ``out_path`` as it was, and the replicates it
    finished wait in ``out_path + ".parts"``. ``resume=True`` computes only
    the replicates missing there (see resume_experiment); ``keep_parts=True``
    keeps that folder after writing, so that replicates can be added later.
    ``coupled=False`` steps each scenario on its own instead of beside the
    baseline in one pass: slower, less memory, the same bits.
    Raises meedoen.InputError for bad input and RuntimeError when the file
    cannot be written.
    """
    if threads < 0:
        raise ValueError(f"threads is {threads} (0 for the engine's default, or more)")
    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    experiment = experiment.with_overrides(weeks=weeks, replicates=replicates, seed=seed, scale=scale)
    with progress_bar() if progress else nullcontext(None) as update:
        _engine(experiment, out_path, threads, update, resume=resume, keep_parts=keep_parts, coupled=coupled)


def _engine(
    experiment: Experiment, out_path: str | os.PathLike[str], threads: int, update: Any, **options: bool
) -> None:
    """_core.run_experiment, stopped by Ctrl-C only where the engine asks (between weeks, between
    the replicates of the output file and before it is renamed; interrupt.polled): KeyboardInterrupt
    then, and ``out_path`` as it was. A Ctrl-C after the output was renamed stops nothing; it is
    recorded (interrupt.received) for the caller. ``update``: the progress bar's, or None."""

    def asked(done: int, total: int) -> bool:
        interrupt.check()
        return update is None or update(done, total) is not False

    with interrupt.polled():
        _core.run_experiment(experiment, os.fspath(out_path), threads, asked, **options)


def run_on_cluster(
    experiment: Experiment,
    out_path: str | os.PathLike[str],
    client: object,
    progress: bool = False,
    *,
    resume: bool = False,
    keep_parts: bool = False,
    coupled: bool = True,
) -> None:
    """run_to_file on a Dask cluster: each replicate is one task on a worker, its piece comes back
    to this process and goes into ``out_path + ".parts"``; then the results file is assembled.

    ``client`` is a dask.distributed Client (see meedoen.distributed.dask_client). The results are
    bit-identical to run_to_file's. An interrupted run keeps its finished replicates and can be
    resumed here (``resume=True``) or with run_to_file. Workers must run the same build of
    meedoen (a piece names the build that made it and is refused otherwise).
    """
    from dask.distributed import as_completed

    out = os.fspath(out_path)
    parts = Path(_core.parts_dir(out))
    with _core.open_parts(experiment, out, resume):  # no other process writes `out` meanwhile
        replicates = range(experiment.replicates)
        missing = [r for r in replicates if not (parts / f"replicate-{r:06d}.part").exists()]
        futures = [
            client.submit(_core.run_piece, experiment, r, 1, coupled=coupled, pure=False)
            for r in missing
        ]
        replicate = {future.key: r for future, r in zip(futures, missing, strict=True)}
        try:
            with progress_bar("simulating", "replicates") if progress else nullcontext(None) as update:
                for done, future in enumerate(as_completed(futures), start=1):
                    _core.store_piece(experiment, out, replicate[future.key], future.result())
                    if update is not None:
                        update(done, len(missing))
        except BaseException:
            client.cancel(futures)
            raise
        _engine(experiment, out, 1, None, resume=True, keep_parts=keep_parts)


def resume_experiment(out_path: str | os.PathLike[str]) -> Experiment:
    """The experiment of the interrupted run that was writing ``out_path``.

    Read from ``out_path + ".parts"`` (the scenario file's text as it was, the
    command-line settings, the scenarios chosen, the parameter values set from
    outside the file and the per-replicate parameter draws), so that
    run_to_file(..., resume=True) completes exactly that run. Raises
    meedoen.InputError when there is none.
    """
    parts = Path(_core.parts_dir(os.fspath(out_path)))
    try:
        manifest = tomllib.loads((parts / "manifest.toml").read_text())
        text = (parts / "experiment.toml").read_text()
    except (OSError, tomllib.TOMLDecodeError):
        message = "there is no interrupted run to resume here (run the scenario file)"
        raise InputError([Problem(str(parts), 0, "--resume", message)]) from None
    experiment = _core.parse_experiment(text, manifest["source_path"])
    settings = {key: manifest[key] for key in ("weeks", "replicates", "seed", "scale")}
    experiment = experiment.with_overrides(**settings)
    origin = str(parts / "manifest.toml")
    if "scenarios" in manifest:  # older folders hold only the settings
        experiment = experiment.select(manifest["scenarios"], origin)
    if manifest.get("parameter_values"):
        experiment = experiment.with_parameters(manifest["parameter_values"], origin)
    if draws := manifest.get("parameter_draws"):
        rows = np.array(draws["rows"], dtype=np.float64).reshape(len(draws["rows"]), len(draws["names"]))
        experiment = experiment.with_replicate_parameters(draws["names"], rows, draws["origin"])
    return experiment


def run_to_precision(
    experiment: Experiment,
    out_path: str | os.PathLike[str],
    precision: float | dict[str, float],
    max_replicates: int = 1000,
    threads: int = 0,
    progress: bool = False,
    coupled: bool = True,
) -> tuple[int, dict[str, tuple[float, float]]]:
    """Add replicates until, for every scenario, the 95% half-width of its paired difference to
    the baseline is below the target in each outcome (or ``max_replicates`` is reached); write the
    results file and return the number of replicates it took and, per outcome, the largest
    half-width then and the target.

    ``precision``: {outcome: target half-width in its unit}, outcomes of PRECISION_OUTCOMES; or one
    number X for the headline outcomes (participation_rate, persons_up) as a share of the adults:
    X for a share, X times the baseline's adults for a count. With the baseline alone, the
    interval of its own mean.

    Starts with the experiment's replicates (at least 3) and, after each round,
    runs as many more as the half-widths so far say are needed (they shrink as
    one over the square root of the replicates). Earlier replicates are kept
    between rounds, so no work is done twice. ``coupled``: as run_to_file's.
    """
    n = min(max(3, experiment.replicates), max_replicates)
    out = os.fspath(out_path)
    # Held from the first round to the last: no other process writes `out` between rounds.
    with _core.open_parts(experiment.with_overrides(replicates=n), out):
        while True:
            round_ = experiment.with_overrides(replicates=n)
            run_to_file(
                round_, out, threads=threads, progress=progress, resume=True, keep_parts=True, coupled=coupled
            )
            found = precision_widths(out, precision)
            worst = max(width / target for width, target in found.values())
            if worst < 1 or n >= max_replicates:
                break
            n = min(max_replicates, max(n + 1, math.ceil(1.1 * n * worst**2)))
        shutil.rmtree(_core.parts_dir(out), ignore_errors=True)
    return n, found


def precision_widths(
    path: str | os.PathLike[str], precision: float | dict[str, float]
) -> dict[str, tuple[float, float]]:
    """Per outcome of ``precision`` (see run_to_precision): the largest half-width over the
    scenarios in the results file at ``path``, and its target."""
    results = open_results(path)
    counts, scenarios = end_weeks(results)
    last = counts.isel(week=-1)
    if isinstance(precision, dict):
        targets = dict(precision)
    else:
        adults = float(last.sel(scenario=scenarios[0]).sum(["wijk", "rung"]).mean())
        share = {"share": 1.0, "persons": adults}
        targets = {name: precision * share[OUTCOMES[name].unit] for name in HEADLINE}
    found = {}
    for name, target in targets.items():
        values = _outcome_values(results, last, name)
        found[name] = (max(_half_widths(values, scenarios).values()), target)
    return found


def _outcome_values(results: Results, last: xr.DataArray, name: str) -> xr.DataArray:
    """One value per scenario and replicate of a PRECISION_OUTCOMES outcome."""
    if name == "participation_rate":
        return participation(last)
    if name == "isolated":
        return last.sel(rung=1).sum("wijk")
    return results.variable(name).sum("wijk").compute()


def paired_half_widths(results: Results) -> dict[str, float]:
    """Per scenario, the 95% half-width of its paired difference to the baseline in the
    participation rate at the last week (for a lone baseline, of its own mean)."""
    return _half_widths(participation(results.rung_counts.isel(week=-1)), results.scenarios)


def _half_widths(values: xr.DataArray, scenarios: list[str]) -> dict[str, float]:
    """Per scenario, the 95% half-width of its paired difference to the first scenario in
    ``values`` (scenario x replicate); for a lone baseline, of its own mean."""
    base = values.sel(scenario=scenarios[0]).values.astype(float)  # counts are unsigned: subtract as floats
    widths = {}
    for name in scenarios[1:] or scenarios:
        own = values.sel(scenario=name).values.astype(float)
        diff = own - base if len(scenarios) > 1 else own
        _, low, high = mean_interval(diff)
        widths[name] = (high - low) / 2
    return widths
