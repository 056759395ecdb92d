"""Experiments: a scenario file, read and validated.

An Experiment never changes; each of these returns a changed copy:

- ``with_overrides(weeks=, replicates=, seed=, scale=)``: the settings;
- ``with_parameters({name: value}, origin)``: parameter values from outside the file
  (registry default < these < the file's own settings; ``file_sets(name)`` tells whether
  the file sets a parameter);
- ``with_replicate_parameters(names, rows, origin)``: per-replicate values (posterior
  draws), row r for replicate r;
- ``select([names])``: only those scenarios, in that order (the first is the reference).

``parameter(name, scenario, intervention)`` and ``interventions(scenario)`` show what a
scenario runs with. An Experiment pickles (for Dask): the scenario text is parsed again and
the changes above are applied again.
"""

import os

from meedoen import _core
from meedoen._core import Experiment, default_experiment

__all__ = ["SEED_LIMITS", "Experiment", "default_experiment", "load_experiment"]

SEED_LIMITS = (0, 2**63 - 1)  # the engine's: a seed is a TOML integer, not negative


def load_experiment(path: str | os.PathLike[str]) -> Experiment:
    """Read and validate the scenario file at ``path`` (TOML).

    Returns the Experiment: its settings (name, weeks, replicates, seed, scale,
    population_data), its scenario_names (the baseline first) and the file's
    text. Raises meedoen.InputError listing every problem of the file, each as
    ``FILE:LINE: key: what is wrong (what is allowed)``.
    """
    return _core.load_experiment(os.fspath(path))
