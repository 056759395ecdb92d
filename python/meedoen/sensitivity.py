"""Global sensitivity analysis: how much of an outcome's variation each parameter explains.

Two methods, both SALib's own samplers and analysers:

- ``sobol``: Sobol' indices from Saltelli's sampling scheme (SALib.sample.sobol,
  SALib.analyze.sobol). S1 is the share of the outcome's variance that a
  parameter explains on its own, ST the share it has a hand in, alone or in
  interaction with others; each with a 95% bootstrap confidence interval. It
  costs N (D + 2) model runs for D parameters (N (2D + 2) with second-order
  indices).
- ``morris``: Morris' elementary-effects screening (SALib.sample.morris,
  SALib.analyze.morris), for many parameters at a cost of r (D + 1) model runs
  for r trajectories. mu_star (the mean absolute effect of a step across the
  range, in the outcome's unit) ranks the parameters, sigma says how much that
  effect changes from place to place (interactions or non-linearity).

The core, ``analyse``, knows no model: it evaluates any function of a dict of
parameter values at every sample through a map function (serial, or Dask's).
``sensitivity`` reads a configuration file (docs/guide/sensitivity.md) and runs
the model: every sample is one run of the baseline and one scenario, with the
same seed for every sample (common random numbers), so that the differences
between samples come from the parameters, not from chance.

    from meedoen.sensitivity import sensitivity
    result = sensitivity("configs/sensitivity_door.toml", workers=2, progress=True)
    result.table          # per outcome and parameter: S1, S1_conf, ST, ST_conf
    result.plot()         # a matplotlib Figure
"""

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from meedoen import _core
from meedoen.compare import ALL_WIJKEN, ScenarioMetrics
from meedoen.config import ConfigFile, ParameterRange, Section, check_relations, read_parameter_ranges
from meedoen.errors import InputError
from meedoen.outcomes import OUTCOMES as ALL_OUTCOMES
from meedoen.experiment import SEED_LIMITS, Experiment, load_experiment

__all__ = [
    "CONF_LEVEL",
    "METHODS",
    "OUTCOMES",
    "ModelRun",
    "SensitivityConfig",
    "SensitivityResult",
    "analyse",
    "model_function",
    "model_runs",
    "read_config",
    "sensitivity",
]

METHODS = ("sobol", "morris")
# The outcomes of meedoen.compare that are one number per replicate (the others are ratios or
# first passages of means over the replicates, undefined in many single runs), and what they are.
OUTCOMES = {
    name: outcome.description["en"]
    for name, outcome in ALL_OUTCOMES.items()
    if outcome.in_compare and outcome.per_replicate
}
CONF_LEVEL = 0.95
RESAMPLES = 1000  # bootstrap resamples of SALib's confidence intervals
SOBOL_SAMPLES = (4, 2**20)
MORRIS_TRAJECTORIES = (2, 100_000)
MORRIS_LEVELS = (2, 100)
COLUMNS = {
    "sobol": ["S1", "S1_conf", "ST", "ST_conf"],
    "morris": ["mu_star", "mu_star_conf", "mu", "sigma"],
}

Function = Callable[[dict[str, float]], Mapping[str, float]]
MapFunction = Callable[[Function, list[dict[str, float]]], list[Mapping[str, float]]]


@dataclass
class SensitivityResult:
    """What a sensitivity analysis found, with what it was computed from.

    ``table``: one row per outcome and parameter, with columns outcome,
    parameter and, for ``sobol``, S1, S1_conf, ST, ST_conf (the conf columns are
    the half-widths of 95% bootstrap intervals), for ``morris`` mu_star,
    mu_star_conf, mu and sigma. ``second_order``: for sobol with second-order
    indices, one row per outcome and pair of parameters with S2 and S2_conf,
    else None. ``samples``: the parameter values of every model run (a column
    per parameter), ``outputs``: the outcomes of those runs (a column per
    outcome), in the same order. ``settings``: what was run (from the
    configuration file), empty for ``analyse``.
    """

    method: str
    table: pd.DataFrame
    samples: pd.DataFrame
    outputs: pd.DataFrame
    second_order: pd.DataFrame | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def runs(self) -> pd.DataFrame:
        """Samples and outputs side by side: one row per model run."""
        return pd.concat([self.samples, self.outputs], axis=1)

    def plot(self, title: str | None = None) -> Any:
        """The indices as a matplotlib Figure (see meedoen.plots.sensitivity_indices)."""
        from meedoen.plots import sensitivity_indices  # here: matplotlib takes a second to import

        return sensitivity_indices(self.table, title=title)


def _serial_map(function: Function, items: list[dict[str, float]]) -> list[Mapping[str, float]]:
    return [function(item) for item in items]


def model_runs(method: str, parameters: int, samples: int, second_order: bool = False) -> int:
    """How many model runs (function evaluations) an analysis takes."""
    if method == "sobol":
        return samples * (2 * parameters + 2 if second_order else parameters + 2)
    return samples * (parameters + 1)


def analyse(
    function: Function,
    ranges: Sequence[ParameterRange] | Mapping[str, tuple[float, float]],
    method: str = "sobol",
    samples: int = 64,
    seed: int = 1,
    map_function: MapFunction | None = None,
    *,
    second_order: bool = False,
    levels: int = 4,
) -> SensitivityResult:
    """The global sensitivity of ``function``'s outcomes to the parameters in ``ranges``.

    ``function(values)`` takes a dict parameter name -> value and returns a
    dict outcome name -> number (the same names every time). Each parameter is
    varied uniformly over its range (a ParameterRange or name -> (low, high)).
    ``method`` "sobol": Saltelli sampling with ``samples`` = N, a power of 2
    (N (D + 2) evaluations for D parameters; N (2D + 2) with
    ``second_order``); "morris": ``samples`` trajectories on a grid of
    ``levels`` levels (r (D + 1) evaluations). ``seed`` seeds the sampler and
    the bootstrap of the confidence intervals: the same seed gives the same
    result. ``map_function(function, items)`` returns ``[function(item) for
    item in items]`` in order (the default does exactly that; pass
    meedoen.distributed.map_in_order on a Dask client to spread the work).
    An outcome that is the same at every sample has no variance to share out:
    its Sobol' indices are NaN. Raises ValueError for a bad method, sample size
    or range.
    """
    from SALib.analyze import morris as morris_analyze  # here: SALib takes a second to import
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    bounds = _bounds(ranges)
    names = list(bounds)
    problem = {"num_vars": len(names), "names": names, "bounds": [list(bounds[n]) for n in names]}
    if method == "sobol":
        if samples < 2 or samples & (samples - 1):
            raise ValueError(f"samples is {samples} (for sobol: a power of 2, such as 64)")
        x = sobol_sample.sample(problem, samples, calc_second_order=second_order, seed=seed)
    elif method == "morris":
        if samples < 2 or levels < 2 or levels % 2:
            raise ValueError(f"samples {samples}, levels {levels} (for morris: 2 or more; an even level)")
        x = morris_sample.sample(problem, samples, num_levels=levels, seed=seed)
    else:
        raise ValueError(f"method is {method!r} (one of {', '.join(METHODS)})")
    items = [dict(zip(names, map(float, row), strict=True)) for row in x]
    outputs = _outputs((map_function or _serial_map)(function, items), len(items))
    rows, pairs = [], []
    for outcome in outputs.columns:
        y = outputs[outcome].to_numpy(dtype=float)
        if method == "sobol" and not np.ptp(y) > 0:  # constant (or NaN): no variance to share out
            rows += [(outcome, name, *[math.nan] * 4) for name in names]
            pairs += [(outcome, a, b, math.nan, math.nan) for a, b in _pairs(names)] if second_order else []
            continue
        if method == "sobol":
            s = sobol_analyze.analyze(
                problem,
                y,
                calc_second_order=second_order,
                num_resamples=RESAMPLES,
                conf_level=CONF_LEVEL,
                seed=seed,
            )
            if second_order:
                k = {name: i for i, name in enumerate(names)}
                pairs += [
                    (outcome, a, b, s["S2"][k[a], k[b]], s["S2_conf"][k[a], k[b]]) for a, b in _pairs(names)
                ]
        else:
            s = morris_analyze.analyze(
                problem, x, y, num_resamples=RESAMPLES, conf_level=CONF_LEVEL, num_levels=levels, seed=seed
            )
        columns = COLUMNS[method]
        rows += [(outcome, name, *(float(s[c][k]) for c in columns)) for k, name in enumerate(names)]
    table = pd.DataFrame(rows, columns=["outcome", "parameter", *COLUMNS[method]])
    second = (
        pd.DataFrame(pairs, columns=["outcome", "parameter_1", "parameter_2", "S2", "S2_conf"])
        if second_order and method == "sobol"
        else None
    )
    return SensitivityResult(method, table, pd.DataFrame(x, columns=names), outputs, second)


def _pairs(names: list[str]) -> list[tuple[str, str]]:
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]


def _bounds(ranges: Sequence[ParameterRange] | Mapping[str, tuple[float, float]]) -> dict[str, tuple]:
    bounds = (
        {name: (float(lo), float(hi)) for name, (lo, hi) in ranges.items()}
        if isinstance(ranges, Mapping)
        else {r.name: (r.low, r.high) for r in ranges}
    )
    if not bounds:
        raise ValueError("no parameters to vary (one or more)")
    for name, (low, high) in bounds.items():
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"range of {name} is ({low}, {high}) (finite, low < high)")
    return bounds


def _outputs(values: list[Mapping[str, float]], n: int) -> pd.DataFrame:
    """The function's outcomes as a table (a column per outcome); ValueError if they do not match."""
    if len(values) != n or not values:
        raise ValueError(f"the map function returned {len(values)} results for {n} samples")
    outcomes = list(values[0])
    if not outcomes:
        raise ValueError("the function returned no outcomes (a dict outcome name -> number)")
    for k, v in enumerate(values):
        if list(v) != outcomes:
            raise ValueError(f"sample {k} gave outcomes {list(v)}, sample 0 {outcomes} (the same each time)")
    return pd.DataFrame([[float(v[o]) for o in outcomes] for v in values], columns=outcomes)


# --- the model ---------------------------------------------------------------------------------


@dataclass
class ModelRun:
    """The model as a function for ``analyse``: parameter values -> the outcomes of one run.

    ``experiment`` holds the baseline first and the scenario second (or the
    baseline alone); its settings (weeks, scale, replicates, seed) are those of
    every run. A run applies ``values`` with Experiment.with_parameters
    (rounding the values of whole-number parameters), runs it on one thread, and
    returns each outcome's mean over the replicates: with ``difference`` the
    scenario's value minus the baseline's, paired by replicate, else the
    scenario's own. Picklable, so that Dask can ship it to its workers.
    """

    experiment: Experiment
    outcomes: list[str]
    difference: bool = True
    integer: frozenset[str] = frozenset()
    origin: str = "sensitivity"

    def __call__(self, values: Mapping[str, float]) -> dict[str, float]:
        from meedoen.runner import run

        applied = {name: float(round(v)) if name in self.integer else float(v) for name, v in values.items()}
        results = run(self.experiment.with_parameters(applied, origin=self.origin), threads=1)
        names = results.scenarios
        base = ScenarioMetrics(results[names[0]])
        scenario = ScenarioMetrics(results[names[-1]])
        return {name: float(np.mean(self._values(name, scenario, base))) for name in self.outcomes}

    def _values(self, outcome: str, scenario: ScenarioMetrics, base: ScenarioMetrics) -> np.ndarray:
        """Per replicate: the outcome of the scenario (minus the baseline's, with ``difference``)."""
        if outcome == "net_savings":  # a difference to the baseline already (the baseline's is 0)
            return scenario.net_savings(base).sum(axis=1)
        own = scenario.metrics[(outcome, ALL_WIJKEN)]
        return own - base.metrics[(outcome, ALL_WIJKEN)] if self.difference else own


@dataclass
class SensitivityConfig:
    """A sensitivity configuration file, read and checked (see read_config)."""

    path: Path
    scenarios: Path
    experiment: Experiment  # with the configuration's weeks, scale, replicates and seed
    baseline: str
    scenario: str
    method: str
    samples: int
    outcomes: list[str]
    difference: bool
    parameters: list[ParameterRange]
    second_order: bool = False
    levels: int = 4

    @property
    def runs(self) -> int:
        """How many model runs the analysis takes (each of the baseline and the scenario)."""
        return model_runs(self.method, len(self.parameters), self.samples, self.second_order)

    def settings(self) -> dict[str, Any]:
        exp = self.experiment
        return {
            "config": str(self.path),
            "scenarios": str(self.scenarios),
            "baseline": self.baseline,
            "scenario": self.scenario,
            "method": self.method,
            "samples": self.samples,
            "runs": self.runs,
            "difference": self.difference,
            "weeks": exp.weeks,
            "scale": exp.scale,
            "replicates": exp.replicates,
            "seed": exp.seed,
        }


KEYS = [
    "scenarios",
    "scenario",
    "method",
    "samples",
    "outcomes",
    "difference",
    "replicates",
    "weeks",
    "scale",
    "seed",
    "second_order",
    "levels",
    "parameter",
]


def read_config(path: str | os.PathLike[str]) -> SensitivityConfig:
    """Read and check a sensitivity configuration file (docs/guide/sensitivity.md).

    Loads the scenario file it names, with the configuration's weeks, scale,
    replicates (default 1) and seed. Raises meedoen.InputError with every
    problem, each as ``FILE:LINE: key: what is wrong (what is allowed)``.
    """
    config = ConfigFile(path)
    config.check_top_level(["sensitivity"])
    s = config.section("sensitivity")
    s.only(KEYS)
    method = s.text("method", "sobol", list(METHODS))
    if method == "morris":
        low, high = MORRIS_TRAJECTORIES
        samples = s.integer("samples", None, low, high)
        levels = s.integer("levels", 4, *MORRIS_LEVELS)
        if levels is not None and levels % 2:
            s.problem("levels", f"is {levels} (an even number from {MORRIS_LEVELS[0]} to {MORRIS_LEVELS[1]})")
        if "second_order" in s.table:
            s.problem("second_order", "is only for method = 'sobol' (leave it out for morris)")
    else:
        samples = _power_of_two(s)
        levels = 4
        if "levels" in s.table:
            s.problem("levels", "is only for method = 'morris' (leave it out for sobol)")
    second_order = bool(s.boolean("second_order", False))
    difference = bool(s.boolean("difference", True))
    outcomes = s.texts("outcomes", ["participation_rate"], list(OUTCOMES))
    replicates = s.integer("replicates", 1, *_core.limits["replicates"])
    weeks = s.integer("weeks", 0, *_core.limits["weeks"]) or None
    scale_low, scale_high = _core.limits["scale"]
    scale = s.number("scale", 0.0, scale_low, scale_high) or None
    seed = s.integer("seed", -1, *SEED_LIMITS)
    seed = None if seed == -1 else seed
    parameters = read_parameter_ranges(s.tables("parameter"), s)
    scenarios = s.file("scenarios")
    scenario = s.text("scenario", None)
    experiment = None
    if scenarios is not None:
        try:
            experiment = load_experiment(scenarios)
        except InputError as error:
            config.problems += error.problems
    baseline = ""
    if experiment is not None:
        experiment = _with_settings(s, experiment, weeks, scale, replicates, seed)
        names = experiment.scenario_names
        baseline = names[0]
        if scenario is not None and scenario not in names:
            s.problem(
                "scenario", f"'{scenario}' is not a scenario of {scenarios} (one of: {', '.join(names)})"
            )
        if scenario == baseline and difference:
            s.problem(
                "scenario",
                f"'{scenario}' is the baseline: its difference to itself is 0 "
                "(another scenario, or difference = false)",
            )
        if scenario in names:
            _check_file_sets(s, _selected(experiment, baseline, scenario), parameters)
            check_relations(s.tables("parameter"), _selected(experiment, baseline, scenario), parameters)
    config.raise_problems()
    assert experiment is not None and scenarios is not None and scenario is not None
    return SensitivityConfig(
        path=Path(path),
        scenarios=scenarios,
        experiment=experiment,
        baseline=baseline,
        scenario=scenario,
        method=method,  # type: ignore[arg-type]
        samples=samples,  # type: ignore[arg-type]
        outcomes=outcomes,
        difference=difference,
        parameters=parameters,
        second_order=second_order,
        levels=levels or 4,
    )


def _power_of_two(s: Section) -> int | None:
    """Sobol's N: a power of 2 (SALib's scrambled Sobol' sequence keeps its balance only then)."""
    low, high = SOBOL_SAMPLES
    value = s.integer("samples", None, low, high)
    if value is not None and value & (value - 1):
        s.problem("samples", f"is {value} (a power of 2 from {low} to {high}, such as 64)")
        return None
    return value


def _with_settings(
    s: Section,
    experiment: Experiment,
    weeks: int | None,
    scale: float | None,
    replicates: int | None,
    seed: int | None,
) -> Experiment:
    """The experiment with the configuration's settings; a problem on the key the engine refuses."""
    try:
        return experiment.with_overrides(weeks=weeks, scale=scale, replicates=replicates, seed=seed)
    except InputError as error:
        for problem in error.problems:  # the engine's --weeks -> the configuration's weeks
            s.problem(problem.key.removeprefix("--"), problem.message)
        return experiment.with_overrides(replicates=replicates, seed=seed)


def _check_file_sets(s: Section, experiment: Experiment, parameters: list[ParameterRange]) -> None:
    """A problem for each parameter the scenario file sets itself: varying it would change nothing."""
    file_sets = getattr(experiment, "file_sets", None)
    if file_sets is None:  # an engine without Experiment.file_sets: sensitivity() says so
        return
    for k, p in enumerate(parameters):
        if file_sets(p.name):
            where = s.tables("parameter")[_index(s, p.name, k)]
            where.problem(
                "name",
                f"'{p.name}' is set in {experiment.source_path}, which wins over the sampled value "
                "(a parameter the scenario file leaves to its default)",
            )


def _index(s: Section, name: str, fallback: int) -> int:
    """The position of the [[sensitivity.parameter]] table naming ``name``."""
    for k, table in enumerate(s.table.get("parameter", [])):
        if isinstance(table, dict) and table.get("name") == name:
            return k
    return fallback


def sensitivity(
    config: str | os.PathLike[str] | SensitivityConfig,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = False,
) -> SensitivityResult:
    """Run the sensitivity analysis of a configuration file (docs/guide/sensitivity.md).

    ``config`` is the file's path (or what read_config made of it). The model
    runs go to Dask: to the scheduler at ``scheduler`` (``tcp://host:8786``, an
    existing cluster whose workers have this meedoen) or else to a new local
    cluster of ``workers`` processes (default: one per core). ``progress``
    shows a progress bar on stderr. Raises meedoen.InputError for a bad
    configuration or an unreachable scheduler, RuntimeError when the engine
    cannot vary parameters (it lacks Experiment.with_parameters).
    """
    from meedoen.distributed import dask_client, map_in_order

    if not isinstance(config, SensitivityConfig):
        config = read_config(config)
    model = model_function(config)

    with dask_client(scheduler, workers) as client:

        def on_cluster(function: Function, items: list[dict[str, float]]) -> list[Mapping[str, float]]:
            return map_in_order(client, function, items, progress, "sensitivity")

        result = analyse(
            model,
            config.parameters,
            config.method,
            config.samples,
            config.experiment.seed,
            on_cluster,
            second_order=config.second_order,
            levels=config.levels,
        )
    result.settings = config.settings()
    return result


def model_function(config: SensitivityConfig) -> ModelRun:
    """The ModelRun of a configuration: its baseline and scenario, outcomes and integer parameters."""
    experiment = config.experiment
    integer = frozenset(p["name"] for p in _core.parameters() if p["integer"])
    return ModelRun(
        _selected(experiment, config.baseline, config.scenario),
        config.outcomes,
        config.difference,
        integer & {p.name for p in config.parameters},
        origin=f"{config.path} [[sensitivity.parameter]]",
    )


def _selected(experiment: Experiment, baseline: str, scenario: str) -> Experiment:
    """The experiment of the baseline and the scenario only (the baseline alone if they are one)."""
    return experiment.select(list(dict.fromkeys([baseline, scenario])))


# --- diagnostics -------------------------------------------------------------------------------

TARGET_CONF = 0.05  # the half-width of a Sobol' index's interval the suggested samples aim at


def diagnose(result: SensitivityResult) -> list[str]:
    """What the indices of ``result`` cannot tell, one line each (empty when nothing): an outcome
    that is the same in every model run; Sobol' indices outside [0, 1] beyond their 95% interval
    (impossible: too few samples for the estimators); indices or mu* whose interval is wider than
    themselves. Each line about too few samples says how many would do: the interval's half-width
    shrinks as one over the square root of the samples."""
    samples = int(result.settings.get("samples", 0)) or _samples(result)
    lines = []
    for outcome, rows in result.table.groupby("outcome", sort=False):
        values = result.outputs[outcome].to_numpy(dtype=float)
        if not np.ptp(values) > 0:
            lines.append(
                f"{outcome} is {_number(values[0])} in every model run: no parameter changes it within "
                "these ranges, so it has no share of variance to give (its indices are empty)"
            )
        elif result.method == "sobol":
            lines += _sobol_warnings(str(outcome), rows, samples)
        else:
            lines += _morris_warnings(str(outcome), rows, samples)
    return lines


def _sobol_warnings(outcome: str, rows: pd.DataFrame, samples: int) -> list[str]:
    impossible, wide = [], []
    for row in rows.itertuples(index=False):
        for index in ("S1", "ST"):
            value, conf = getattr(row, index), getattr(row, f"{index}_conf")
            text = f"{index} of {row.parameter} is {value:.2f} ± {conf:.2f}"
            if value - conf > 1 or value + conf < 0:
                impossible.append((conf, text))
            elif conf > max(abs(value), TARGET_CONF):
                wide.append((conf, text))
    lines = []
    if impossible:
        widest = max(conf for conf, _ in impossible + wide)
        lines.append(
            f"{outcome}: {_indices(len(impossible), ('lies', 'lie'))} outside [0, 1], where none can be, "
            f"beyond the 95% interval ({impossible[0][1]}): {samples} samples are too few for the "
            f"estimators; try samples = {_more_samples(samples, widest, at_least=4)}"
        )
    if wide:
        widest = max(conf for conf, _ in wide)
        lines.append(
            f"{outcome}: {_indices(len(wide), ('has', 'have'))} a 95% interval wider than the index "
            f"itself ({wide[0][1]}), not to be told from 0; for intervals of ±{TARGET_CONF:g}, try "
            f"samples = {_more_samples(samples, widest)}"
        )
    return lines


def _morris_warnings(outcome: str, rows: pd.DataFrame, trajectories: int) -> list[str]:
    wide = rows[(rows.mu_star > 0) & (rows.mu_star_conf > rows.mu_star)]
    if wide.empty:
        return []
    ratio = float((2 * wide.mu_star_conf / wide.mu_star).max())  # to bring each within half of mu*
    row = wide.iloc[0]
    return [
        f"{outcome}: for {len(wide)} of its {len(rows)} parameters the 95% interval of mu* is wider than "
        f"mu* itself ({row.parameter}: {_number(row.mu_star)} ± {_number(row.mu_star_conf)}); try samples = "
        f"{min(MORRIS_TRAJECTORIES[1], math.ceil(trajectories * ratio**2))} trajectories"
    ]


def _more_samples(samples: int, conf: float, at_least: int = 1) -> int:
    """The power of 2 at which a half-width ``conf`` at ``samples`` would shrink to TARGET_CONF."""
    wanted = max(samples * at_least, samples * (conf / TARGET_CONF) ** 2)
    return min(SOBOL_SAMPLES[1], 2 ** math.ceil(math.log2(max(wanted, 1))))


def _indices(n: int, verbs: tuple[str, str]) -> str:
    return f"{n} {'index' if n == 1 else 'indices'} {verbs[n != 1]}"


def _samples(result: SensitivityResult) -> int:
    """N of an analysis without settings: the model runs over what each sample costs."""
    d = len(result.samples.columns)
    if result.method == "sobol":
        return len(result.samples) // (2 * d + 2 if result.second_order is not None else d + 2)
    return len(result.samples) // (d + 1)


def _number(value: float) -> str:
    return f"{value:.4g}"
