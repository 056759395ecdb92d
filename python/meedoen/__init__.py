"""Meedoen: an agent-based simulation of participation in Leiden's social domain.

    import meedoen
    exp = meedoen.load_experiment("scenarios/leiden.toml")  # validated; raises InputError
    res = meedoen.run(exp, replicates=10, threads=2)         # a Results object, read lazily
    res.rung_counts                                          # xarray.DataArray
    meedoen.compare(res)                                     # pandas.DataFrame against the baseline
    res.to_hdf5("out.h5"); meedoen.open_results("out.h5")    # round-trips

The command line is ``meedoen run``, ``validate``, ``compare``, ``breakeven``, ``report``,
``calibrate``, ``sensitivity`` and ``optimise`` (see ``meedoen --help``). The submodules load
when first used, so that ``import meedoen`` stays quick: help(meedoen.sensitivity),
help(meedoen.calibration), meedoen.report.write_report, meedoen.plots,
meedoen.outcomes (the outcomes and what they mean).
"""

import importlib
from types import ModuleType

from meedoen import interrupt

try:  # a second or more: Ctrl-C meanwhile gives no traceback (interrupt.stopped_loading)
    from meedoen._core import __version__, parameters
    from meedoen.compare import compare
    from meedoen.errors import InputError
    from meedoen.experiment import Experiment, default_experiment, load_experiment
    from meedoen.results import Results, open_results
    from meedoen.runner import resume_experiment, run, run_to_file, run_to_precision
except KeyboardInterrupt as error:
    interrupt.stopped_loading(error)
    raise

__all__ = [
    "Experiment",
    "InputError",
    "Results",
    "__version__",
    "compare",
    "default_experiment",
    "load_experiment",
    "open_results",
    "parameters",
    "resume_experiment",
    "run",
    "run_to_file",
    "run_to_precision",
]

# Loaded on first use (matplotlib, SALib, dask and pyabc take seconds to import).
SUBMODULES = (
    "breakeven", "calibration", "distributed", "docs", "optimise", "outcomes", "pilot", "plots", "report",
    "sensitivity", "summary",
)


def __getattr__(name: str) -> ModuleType:
    if name in SUBMODULES:
        return importlib.import_module(f"meedoen.{name}")
    raise AttributeError(f"module 'meedoen' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *SUBMODULES])
