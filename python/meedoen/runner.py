"""Running an experiment: to a results file, or straight into a Results object."""

import math
import os
import shutil
import tempfile
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import tomllib
import xarray as xr

from meedoen import _core
from meedoen.errors import InputError
from meedoen.experiment import Experiment, load_experiment
from meedoen.progress import progress_bar
from meedoen.results import Results, open_results
from meedoen.summary import end_weeks, mean_interval, participation_rate

__all__ = ["resume_experiment", "run", "run_on_cluster", "run_to_file", "run_to_precision"]


def run(
    experiment: Experiment | str | os.PathLike[str],
    replicates: int | None = None,
    threads: int = 0,
    seed: int | None = None,
    weeks: int | None = None,
    scale: float | None = None,
    progress: bool = False,
) -> Results:
    """Run every scenario of an experiment and return its results (in memory).

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
) -> None:
    """Run every scenario of an experiment and write the results file ``out_path``.

    The arguments are those of run(). The file is written under
    ``out_path + ".partial"`` and renamed when complete: a failed or
    interrupted run leaves ``out_path`` as it was, and the replicates it
    finished wait in ``out_path + ".parts"``. ``resume=True`` computes only
    the replicates missing there (see resume_experiment); ``keep_parts=True``
    keeps that folder after writing, so that replicates can be added later.
    Raises meedoen.InputError for bad input and RuntimeError when the file
    cannot be written.
    """
    if threads < 0:
        raise ValueError(f"threads is {threads} (0 for the engine's default, or more)")
    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    experiment = experiment.with_overrides(weeks=weeks, replicates=replicates, seed=seed, scale=scale)
    with progress_bar() if progress else nullcontext(None) as update:
        _core.run_experiment(
            experiment, os.fspath(out_path), threads, update, resume=resume, keep_parts=keep_parts
        )


def run_on_cluster(
    experiment: Experiment,
    out_path: str | os.PathLike[str],
    client: object,
    progress: bool = False,
    *,
    resume: bool = False,
    keep_parts: bool = False,
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
        futures = [client.submit(_core.run_piece, experiment, r, 1, pure=False) for r in missing]
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
        _core.run_experiment(experiment, out, 1, None, resume=True, keep_parts=keep_parts)


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
        raise InputError(
            [f"{parts}: --resume: there is no interrupted run to resume here (run the scenario file)"]
        ) from None
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
    precision: float,
    max_replicates: int = 1000,
    threads: int = 0,
    progress: bool = False,
) -> tuple[int, float]:
    """Add replicates until every scenario's paired difference to the baseline in the
    participation rate has a 95% half-width below ``precision`` (or ``max_replicates``
    is reached); write the results file and return the number of replicates it took
    and the largest half-width then.

    Starts with the experiment's replicates (at least 3) and, after each round,
    runs as many more as the half-widths so far say are needed (they shrink as
    one over the square root of the replicates). Earlier replicates are kept
    between rounds, so no work is done twice.
    """
    n = min(max(3, experiment.replicates), max_replicates)
    out = os.fspath(out_path)
    # Held from the first round to the last: no other process writes `out` between rounds.
    with _core.open_parts(experiment.with_overrides(replicates=n), out):
        while True:
            round_ = experiment.with_overrides(replicates=n)
            run_to_file(round_, out, threads=threads, progress=progress, resume=True, keep_parts=True)
            width = max(_half_widths(*end_weeks(out)).values())
            if width < precision or n >= max_replicates:
                break
            n = min(max_replicates, max(n + 1, math.ceil(1.1 * n * (width / precision) ** 2)))
        shutil.rmtree(_core.parts_dir(out), ignore_errors=True)
    return n, width


def paired_half_widths(results: Results) -> dict[str, float]:
    """Per scenario, the 95% half-width of its paired difference to the baseline in the
    participation rate at the last week (for a lone baseline, of its own mean)."""
    return _half_widths(results.rung_counts.isel(week=[-1]), results.scenarios)


def _half_widths(counts: xr.DataArray, scenarios: list[str]) -> dict[str, float]:
    rate = participation_rate(counts.isel(week=-1))
    base = rate.sel(scenario=scenarios[0]).values
    widths = {}
    for name in scenarios[1:] or scenarios:
        values = rate.sel(scenario=name).values
        diff = values - base if len(scenarios) > 1 else values
        _, low, high = mean_interval(np.asarray(diff))
        widths[name] = (high - low) / 2
    return widths
