"""Experiments: a scenario file, read and validated."""

import os

from meedoen import _core
from meedoen._core import Experiment, default_experiment

__all__ = ["Experiment", "default_experiment", "load_experiment"]


def load_experiment(path: str | os.PathLike[str]) -> Experiment:
    """Read and validate the scenario file at ``path`` (TOML).

    Returns the Experiment: its settings (name, weeks, replicates, seed, scale,
    population_data), its scenario_names (the baseline first) and the file's
    text. Raises meedoen.InputError listing every problem of the file, each as
    ``FILE:LINE: key: what is wrong (what is allowed)``.
    """
    return _core.load_experiment(os.fspath(path))
