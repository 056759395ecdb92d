"""Meedoen: an agent-based simulation of participation in Leiden's social domain.

    import meedoen
    exp = meedoen.load_experiment("scenarios/leiden.toml")  # validated; raises InputError
    res = meedoen.run(exp, replicates=10, threads=2)         # a Results object, in memory
    res.rung_counts                                          # xarray.DataArray
    meedoen.compare(res)                                     # pandas.DataFrame against the baseline
    res.to_hdf5("out.h5"); meedoen.open_results("out.h5")    # round-trips

The command line is ``meedoen run``, ``validate``, ``compare``, ``report`` and
``sensitivity`` (see ``meedoen --help``). The sensitivity analysis is also
``from meedoen.sensitivity import sensitivity`` (see help(meedoen.sensitivity)).
"""

from meedoen._core import __version__, parameters
from meedoen.compare import compare
from meedoen.errors import InputError
from meedoen.experiment import Experiment, default_experiment, load_experiment
from meedoen.results import Results, open_results
from meedoen.runner import resume_experiment, run, run_to_file, run_to_precision

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
