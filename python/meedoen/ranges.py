"""Parameter draws from the registry's ranges: ``meedoen run --ranges NAME[=MIN:MAX]``.

Beside draws from a posterior of ``meedoen calibrate`` (``--posterior``), a run can draw each
replicate's value of the parameters it names uniformly from their range: the range of the
parameter table (docs/parameters.md), or a narrower one given as ``NAME=MIN:MAX``. The points are a
scrambled Sobol' sequence (scipy.stats.qmc) seeded by the run's seed: they cover the box more
evenly than independent draws, and replicate r's point depends only on (seed, r), so a run
extended with more replicates (``--precision``) keeps the draws of those it had. Whole-number
parameters are rounded. The results file records the draws (``Results.parameter_draws``), and
the acceptability curves (meedoen.mkba.acceptability) then carry the parameters' uncertainty.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from meedoen import _core
from meedoen.errors import InputError, Problem, flag_problem

__all__ = ["RangeDraws", "apply_ranges", "parse_ranges"]

FLAG = "--ranges"
ALLOWED = "NAME or NAME=MIN:MAX, NAME a parameter with one number, MIN < MAX within its range"


@dataclass(frozen=True)
class RangeDraws:
    """The parameters to draw and their ranges (uniform over [low, high])."""

    names: list[str]
    low: np.ndarray
    high: np.ndarray

    def draw(self, seed: int, replicates: int) -> np.ndarray:
        """Row r: replicate r's values, point r of the scrambled Sobol' sequence of ``seed``,
        scaled to the ranges."""
        m = max(0, math.ceil(math.log2(max(replicates, 1))))
        sobol = qmc.Sobol(len(self.names), scramble=True, seed=np.random.default_rng([seed, 0x5A9E]))
        with warnings.catch_warnings():  # the first 2**m points are balanced; a prefix of them is fine
            warnings.simplefilter("ignore", UserWarning)
            points = sobol.random_base2(m)[:replicates]
        return qmc.scale(points, self.low, self.high)

    @property
    def origin(self) -> str:
        """How the engine names these draws (in errors and in the run's fingerprint)."""
        ranges = ", ".join(
            f"{n}={lo:g}:{hi:g}" for n, lo, hi in zip(self.names, self.low, self.high, strict=True)
        )
        return f"ranges {ranges} (scrambled Sobol')"


def parse_ranges(items: list[str]) -> tuple[RangeDraws | None, list[Problem]]:
    """--ranges' items as RangeDraws, and a problem for each bad one."""
    registry = {p["name"]: p for p in _core.parameters()}
    names: list[str] = []
    lows: list[float] = []
    highs: list[float] = []
    problems = []
    for item in items:
        name, equals, bounds = item.partition("=")
        parameter = registry.get(name)
        if parameter is None or isinstance(parameter["default"], list) or parameter["min"] is None:
            why = "is not a parameter" if parameter is None else "is not a parameter with one number"
            problems.append(flag_problem(FLAG, f"{name!r} {why} ({ALLOWED})"))
            continue
        low, high = float(parameter["min"]), float(parameter["max"])
        if equals:  # NAME= with nothing after it is a mistake, not the registry's range
            try:
                given = [float(v) for v in bounds.split(":")]
            except ValueError:
                given = []
            if len(given) != 2 or not low <= given[0] < given[1] <= high:
                problems.append(
                    flag_problem(FLAG, f"{item}: range {bounds} is not MIN:MAX within {low:g}:{high:g}")
                )
                continue
            low, high = given
        if name in names:
            problems.append(flag_problem(FLAG, f"{name} is named twice ({ALLOWED}; each once)"))
            continue
        names.append(name)
        lows.append(low)
        highs.append(high)
    if problems or not names:
        return None, problems
    return RangeDraws(names, np.array(lows), np.array(highs)), []


def apply_ranges(experiment, draws: RangeDraws, rows: int | None = None):
    """``experiment`` with replicate r's parameters drawn from ``draws`` (RangeDraws.draw with the
    experiment's seed); ``rows`` replicates are drawn for (default: the experiment's). InputError
    when the scenario file sets one of them (its value would be used, not the draws)."""
    fixed = [name for name in draws.names if experiment.file_sets(name)]
    if fixed:
        message = f"the scenario file sets {', '.join(fixed)} (leave a drawn parameter to its default)"
        raise InputError([flag_problem(FLAG, message)])
    from meedoen.calibration import as_engine_values

    values = draws.draw(experiment.seed, rows or experiment.replicates)
    values = np.array([as_engine_values(draws.names, row) for row in values]).reshape(values.shape)
    return experiment.with_replicate_parameters(draws.names, values, draws.origin)
