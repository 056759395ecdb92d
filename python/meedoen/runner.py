"""Running an experiment: to a results file, or straight into a Results object."""

import os
import tempfile
from contextlib import nullcontext
from pathlib import Path

from meedoen import _core
from meedoen.experiment import Experiment, load_experiment
from meedoen.progress import progress_bar
from meedoen.results import Results, open_results

__all__ = ["run", "run_to_file"]


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
) -> None:
    """Run every scenario of an experiment and write the results file ``out_path``.

    The arguments are those of run(). The file is written under
    ``out_path + ".partial"`` and renamed when complete: a failed or
    interrupted run leaves ``out_path`` as it was. Raises meedoen.InputError
    for bad input and RuntimeError when the file cannot be written.
    """
    if threads < 0:
        raise ValueError(f"threads is {threads} (0 for the engine's default, or more)")
    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    experiment = experiment.with_overrides(weeks=weeks, replicates=replicates, seed=seed, scale=scale)
    with progress_bar() if progress else nullcontext(None) as update:
        _core.run_experiment(experiment, os.fspath(out_path), threads, update)
