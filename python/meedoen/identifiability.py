"""Can the pilot data inform the calibrated parameters? A screening before the calibration spends
its model runs, and diagnostics of the posterior after.

``screen`` moves each calibrated parameter across its prior (Morris' one-at-a-time trajectories,
meedoen.sensitivity.analyse, every run with the same seed) and measures how much each pilot
summary changes (mu*), against how much the summary changes by chance alone (its standard
deviation over a few runs at the middle of the priors with different seeds). A parameter that
changes no summary by more than ``CHANCE_FACTOR`` of those standard deviations cannot be
identified from the data. ``diagnose`` reads a finished calibration: summaries that did not vary
over the first generation, a generation that accepted every particle, a posterior about as wide
as its prior (``WIDTH_WARNING``).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from meedoen.config import ParameterRange

__all__ = ["CHANCE_FACTOR", "CHANCE_RUNS", "WIDTH_WARNING", "Screening", "diagnose", "screen", "width_ratios"]

CHANCE_FACTOR = 2.0  # a parameter informs a summary when it moves it by more than 2 chance SDs
CHANCE_RUNS = 4  # runs at the middle of the priors, with different seeds, for chance's spread
FLAT_SHARE = 0.75  # a parameter moving the summaries in fewer of its steps is flat over its prior
LEVELS = 4  # Morris grid levels
WIDTH_WARNING = 0.8  # a 90% posterior interval at least this share of the prior's: barely narrowed

Summaries = Callable[[dict[str, float], int], Mapping[str, float]]  # values, model seed -> summaries
MapFunction = Callable[[Callable, list], list]


@dataclass(frozen=True)
class Screening:
    """How far each parameter moves each summary over its prior, against chance.

    ``mu_star``: parameter x summary, Morris' mean absolute change of the summary over a step of
    the grid, per the parameter's whole prior range; ``chance_sd``: per summary, its standard
    deviation over CHANCE_RUNS runs that differ only in their seed; ``steps``: per parameter,
    the Morris steps it made, and ``moving``: how many of them moved at least one summary by
    more than CHANCE_FACTOR chance standard deviations.
    """

    mu_star: pd.DataFrame
    chance_sd: pd.Series
    steps: pd.Series
    moving: pd.Series

    @property
    def informs(self) -> pd.DataFrame:
        """parameter x summary: True where the parameter moves the summary beyond chance."""
        return (self.mu_star > CHANCE_FACTOR * self.chance_sd) & (self.mu_star > 0)

    def warnings(self) -> list[str]:
        """A line per parameter that moves no summary beyond chance, and per summary that no
        parameter moves."""
        lines = []
        informs = self.informs
        for parameter in self.mu_star.index:
            moving, steps = int(self.moving[parameter]), int(self.steps[parameter])
            if informs.loc[parameter].any() and moving < FLAT_SHARE * steps:
                lines.append(
                    f"{parameter} moves the pilot summaries beyond chance in only {moving} of its {steps} "
                    "steps across its prior: flat elsewhere (a cap or a threshold), where the data cannot "
                    "tell its values apart; narrow its prior to where it acts, or calibrate another parameter"
                )
            elif not informs.loc[parameter].any():
                summary = str(self.mu_star.loc[parameter].idxmax())
                lines.append(
                    f"{parameter} moves none of the pilot summaries beyond chance over its prior (the "
                    f"most, {summary}, by {self.mu_star.loc[parameter, summary]:.3g} across the prior, "
                    f"against a chance standard deviation of {self.chance_sd[summary]:.3g}): the pilot "
                    "data cannot inform it; calibrate a parameter that moves them, or another prior"
                )
        for summary in self.mu_star.columns:
            if not informs[summary].any():
                lines.append(
                    f"the pilot summary {summary} does not change beyond chance with any calibrated "
                    "parameter over its prior: it carries no information about them"
                )
        return lines


def screen(
    summaries: Summaries,
    ranges: list[ParameterRange],
    trajectories: int,
    seed: int,
    map_function: MapFunction,
) -> Screening:
    """Morris screening of ``summaries`` over the priors ``ranges`` (``trajectories`` (D + 1) runs,
    all with one model seed) and CHANCE_RUNS runs at the middle of the priors with other seeds."""
    from meedoen.sensitivity import analyse

    common = _seeds(seed, 1)[0]
    morris = analyse(
        _WithSeed(summaries, common),
        ranges,
        method="morris",
        samples=trajectories,
        seed=seed,
        map_function=map_function,
        levels=LEVELS,
    )
    mu_star = morris.table.pivot(index="parameter", columns="outcome", values="mu_star")
    mu_star = mu_star.loc[[r.name for r in ranges], list(morris.outputs.columns)]
    middle = {r.name: (r.low + r.high) / 2 for r in ranges}
    chance = map_function(_AtSeed(summaries, middle), list(_seeds(seed + 1, CHANCE_RUNS)))
    spread = pd.DataFrame([dict(c) for c in chance]).std(ddof=1)[mu_star.columns]
    steps, moving = _steps(morris.samples, morris.outputs, len(ranges), CHANCE_FACTOR * spread)
    return Screening(mu_star.rename_axis(index=None, columns=None), spread, steps, moving)


def _steps(
    samples: pd.DataFrame, outputs: pd.DataFrame, d: int, chance: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Per parameter: its steps in the Morris trajectories (d + 1 points each, one parameter
    changing per step), and those that changed some output by more than ``chance``."""
    steps = pd.Series(0, index=samples.columns)
    moving = pd.Series(0, index=samples.columns)
    for start in range(0, len(samples), d + 1):
        x = samples.iloc[start : start + d + 1].to_numpy()
        y = outputs.iloc[start : start + d + 1]
        for k in range(d):
            parameter = samples.columns[int(np.argmax(x[k + 1] != x[k]))]
            steps[parameter] += 1
            moving[parameter] += int(((y.iloc[k + 1] - y.iloc[k]).abs() > chance).any())
    return steps, moving


def _seeds(seed: int, n: int) -> list[int]:
    return [int(s) for s in np.random.SeedSequence([seed, 0x5C4E]).generate_state(n, np.uint64) >> 2]


@dataclass
class _WithSeed:
    """summaries(values, seed) with one seed: a function of the values alone (picklable)."""

    summaries: Summaries
    seed: int

    def __call__(self, values: dict[str, float]) -> Mapping[str, float]:
        return self.summaries(values, self.seed)


@dataclass
class _AtSeed:
    """summaries(values, seed) at fixed values: a function of the seed alone (picklable)."""

    summaries: Summaries
    values: dict[str, float]

    def __call__(self, seed: int) -> Mapping[str, float]:
        return self.summaries(self.values, seed)


def width_ratios(particles: np.ndarray, weights: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Per parameter: the width of the 90% posterior interval over that of the uniform prior
    (0.9 (high - low)); 1 means the data did not narrow it."""
    from meedoen.stats import weighted_quantiles

    widths = [
        np.subtract(*weighted_quantiles(particles[:, k], weights, [0.95, 0.05])) for k in range(len(low))
    ]
    return np.asarray(widths) / (0.9 * (np.asarray(high) - np.asarray(low)))


def diagnose(
    names: list[str], ratios: np.ndarray, generations: pd.DataFrame, first_summaries: pd.DataFrame
) -> list[str]:
    """What says the data did not inform the calibration: summaries that were the same in every
    particle of the first generation (``first_summaries``: particle x summary), a generation
    that accepted every particle or reached epsilon 0, parameters whose 90% interval is still
    WIDTH_WARNING of the prior's or more."""
    lines = []
    constant = [str(s) for s in first_summaries.columns if not np.ptp(first_summaries[s].to_numpy()) > 0]
    if constant:
        one = len(constant) == 1
        these = f"the summary {constant[0]} was" if one else f"the summaries {', '.join(constant)} were"
        lines.append(
            f"{these} the same for every particle of the first generation: over the prior "
            f"{'it does' if one else 'they do'} not vary and cannot tell particles apart"
        )
    for row in generations.itertuples(index=False):
        if row.acceptance_rate >= 1 or row.epsilon == 0:
            lines.append(
                f"generation {row.generation} accepted {row.particles} of {row.samples} particles at "
                f"epsilon {row.epsilon:.3g}: the distance did not discriminate between them"
            )
            break
    for name, ratio in zip(names, ratios, strict=True):
        if ratio >= WIDTH_WARNING:
            lines.append(
                f"{name}: its 90% posterior interval is {ratio:.0%} as wide as the prior's: the data "
                "narrowed it little (a posterior about equal to the prior)"
            )
    return lines
