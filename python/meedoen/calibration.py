"""Calibration on pilot data: likelihood-free ABC-SMC (pyabc) of the parameters a config names.

A configuration file (TOML) names the scenario file, the scenario whose
interventions are the pilots' programmes, the parameters to fit with their
prior ranges (uniform; by default the parameter table's range) and the
settings of the sampler. Each particle is one model run of that scenario with
the particle's parameter values; its summaries (meedoen.pilot.model_summaries)
are compared with the pilot's (pilot_summaries) by an adaptive weighted
Euclidean distance, so that counts in the hundreds and shares below one weigh
alike. The posterior file holds every generation's particles, weights and
distances with the acceptance rates and effective sample sizes; ``meedoen run
--posterior`` draws each replicate's parameters from its last generation.

Only aggregates enter the posterior file: the pilot's summaries, never a row
of a pilot file.
"""

import dataclasses
import hashlib
import io
import json
import logging
import math
import os
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from meedoen import _core
from meedoen.config import ConfigFile, ParameterRange, check_relations, read_parameter_ranges
from meedoen.errors import InputError, Problem
from meedoen.experiment import SEED_LIMITS, Experiment, load_experiment
from meedoen.identifiability import Screening, diagnose, screen, width_ratios
from meedoen.pilot import Pilot, model_summaries, pilot_summaries, read_pilot
from meedoen.results import damage_reason
from meedoen.stats import weighted_quantiles

__all__ = [
    "CalibrationConfig",
    "Posterior",
    "apply_posterior",
    "calibrate",
    "read_calibration_config",
    "read_posterior",
    "simulate_summaries",
]

ALLOWED_KEYS = [
    "scenarios",
    "scenario",
    "population_size",
    "generations",
    "min_epsilon",
    "min_acceptance_rate",
    "replicates",
    "weeks",
    "scale",
    "seed",
    "screening",
    "parameter",
]

POSTERIOR = "a posterior file of meedoen calibrate"
GENERATION_FIELDS = ("generation", "epsilon", "samples", "particles", "acceptance_rate", "ess")
# What read_posterior needs of a posterior file, object by object (generation/T: generation T), as
# _write_posterior_file and _write_diagnostics write it: in messages, what is allowed.
POSTERIOR_LAYOUT = {
    "parameter": "a dataset of the calibrated parameters' names, each a scalar parameter of "
    "docs/parameters.md, once",
    "prior_min": "a dataset of one finite number per parameter, within its range and below prior_max",
    "prior_max": "a dataset of one finite number per parameter, within its range and above prior_min",
    "generations": "a table of one row per generation with the fields " + ", ".join(GENERATION_FIELDS)
    + ": finite numbers, the generations whole numbers from 0, each once",
    "generation": "a group of one group per generation of the table generations",
    "generation/T": "a group with the generation's particles and weights",
    "generation/T/particles": "a dataset of finite numbers, particle x parameter, each within its "
    "parameter's range",
    "generation/T/weights": "a dataset of one finite weight per particle, none negative, summing to 1",
    "screening": "a group with the screening's warnings, when there was a screening",
    "screening/warnings": "a dataset of text, one warning each",
    "diagnostics": "a group with the diagnostics' warnings",
    "diagnostics/warnings": "a dataset of text, one warning each",
}
POSTERIOR_OBJECTS = ("parameter", "prior_min", "prior_max", "generations", "generation")


@dataclass(frozen=True)
class CalibrationConfig:
    """A validated calibration configuration (see docs/guide/calibrate.md)."""

    path: Path
    text: str
    experiment: Experiment  # the chosen scenario only, with the config's overrides
    scenario: str
    parameters: list[ParameterRange]
    population_size: int = 100
    generations: int = 6
    min_epsilon: float = 0.0
    min_acceptance_rate: float = 0.005
    seed: int = 1
    screening: int = 4  # Morris trajectories of the screening before the calibration; 0: none


def read_calibration_config(path: str | os.PathLike[str]) -> CalibrationConfig:
    """Read and check a calibration configuration; InputError lists every problem."""
    config = ConfigFile(path)
    config.check_top_level(["calibration"])
    s = config.section("calibration")
    s.only(ALLOWED_KEYS)
    scenario_file = s.file("scenarios")
    scenario = s.text("scenario", None)
    population_size = s.integer("population_size", 100, 10, 100000)
    generations = s.integer("generations", 6, 1, 100)
    min_epsilon = s.number("min_epsilon", 0.0, 0.0, math.inf)
    min_acceptance_rate = s.number("min_acceptance_rate", 0.005, 0.0, 1.0)
    replicates = s.integer("replicates", 1, 1, 1000)
    weeks = s.integer("weeks", 0, 1, _core.limits["weeks"][1]) or None
    scale = s.number("scale", 0.0, *_core.limits["scale"]) or None
    seed = s.integer("seed", 1, *SEED_LIMITS)
    screening = s.integer("screening", 4, 0, 1000)
    ranges = read_parameter_ranges(s.tables("parameter"), s)
    experiment = None
    if scenario_file is not None:
        try:
            experiment = load_experiment(scenario_file)
        except InputError as error:
            config.problems += error.problems
        if experiment is not None and scenario is not None:
            if scenario not in experiment.scenario_names:
                s.problem(
                    "scenario",
                    f"'{scenario}' is not a scenario of {scenario_file} "
                    f"(one of {', '.join(experiment.scenario_names)})",
                )
            else:
                experiment = experiment.select([scenario])
                check_relations(s.tables("parameter"), experiment, ranges)
                for section in s.tables("parameter"):
                    name = section.table.get("name")
                    if any(r.name == name for r in ranges) and experiment.file_sets(name):
                        section.problem(
                            "name",
                            f"'{name}' is set in {scenario_file}, so calibrating it "
                            "would change nothing (remove it from the scenario file)",
                        )
                try:
                    experiment = experiment.with_overrides(replicates=replicates, weeks=weeks, scale=scale)
                except InputError as error:  # weeks before an intervention's end: say where
                    for problem in error.problems:
                        s.problem("weeks" if weeks else "scale", problem.message)
    config.raise_problems()
    assert experiment is not None and scenario is not None
    experiment = experiment.with_overrides(seed=seed)
    return CalibrationConfig(
        Path(path),
        config.text,
        experiment,
        scenario,
        ranges,
        population_size,
        generations,  # type: ignore[arg-type]
        min_epsilon,
        min_acceptance_rate,
        seed,  # type: ignore[arg-type]
        screening,  # type: ignore[arg-type]
    )


def check_pilots_match(config: CalibrationConfig, pilots: list[Pilot]) -> None:
    """InputError when a pilot's programme is not an intervention of the scenario, has rows for
    wijken where that intervention does not work, or a period beyond the simulated weeks."""
    interventions = {i["name"]: i for i in config.experiment.interventions(config.scenario)}
    problems = []
    for pilot in pilots:
        for window in pilot.windows():
            line = pilot.line(window.programme, window.period)
            intervention = interventions.get(window.programme)
            if intervention is None:
                problems.append(
                    Problem(
                        pilot.path,
                        line,
                        "programme",
                        f"{window.programme} is not an intervention of scenario "
                        f"{config.scenario} (one of {', '.join(interventions) or 'none'})",
                    )
                )
                continue
            works_in = set(intervention["wijken"])
            outside = sorted(set(window.wijken) - works_in - {"all"})
            if outside:
                problems.append(
                    Problem(
                        pilot.path,
                        line,
                        "wijk",
                        f"{', '.join(outside)} is not where {window.programme} works "
                        f"in the scenario ({', '.join(sorted(works_in))})",
                    )
                )
            if window.last_week > config.experiment.weeks:
                problems.append(
                    Problem(
                        pilot.path,
                        line,
                        "last_week",
                        f"{window.last_week} is beyond the simulated weeks "
                        f"(1 to {config.experiment.weeks}: weeks in the config or scenario file)",
                    )
                )
    if problems:
        raise InputError(problems)


@dataclass
class _Summaries:
    """One model run of the calibrated scenario with parameter values and a seed → its summaries.

    A picklable callable: Dask ships it to the worker processes.
    """

    experiment: Experiment
    scenario: str
    pilots: list[Pilot]

    def __call__(self, values: dict[str, float], seed: int) -> dict[str, float]:
        engine = dict(zip(values, as_engine_values(list(values), list(values.values())), strict=True))
        experiment = self.experiment.with_parameters(engine, "calibration")
        return simulate_summaries(experiment, self.scenario, self.pilots, seed)


@dataclass
class _Simulator:
    """A particle → its summaries, for pyabc: one model run with new chance events.

    The run's seed comes from NumPy's global generator, which the sampler (meedoen.abc_sampler)
    seeds for each job from the configuration's seed.
    """

    summaries: _Summaries
    names: list[str]

    def __call__(self, particle: dict) -> dict[str, float]:
        seed = int(np.random.randint(1, 2**62))
        return self.summaries({n: particle[n] for n in self.names}, seed)


def simulate_summaries(
    experiment: Experiment, scenario: str, pilots: list[Pilot], seed: int
) -> dict[str, float]:
    """Run ``experiment`` (one thread) with ``seed`` and summarise ``scenario`` as the pilots are."""
    from meedoen.results import read_program
    from meedoen.runner import run_to_file

    with tempfile.TemporaryDirectory(prefix="meedoen-") as tmp:
        out = Path(tmp) / "results.h5"
        run_to_file(experiment, out, threads=1, seed=seed)
        program = read_program(out, scenario)
    return {key: value for pilot in pilots for key, value in model_summaries(program, pilot).items()}


def observed_summaries(pilots: list[Pilot]) -> dict[str, float]:
    """The pilots' summaries together; InputError when two files hold the same programme and period."""
    summaries: dict[str, float] = {}
    seen: dict[tuple[str, str], Path] = {}
    problems = []
    for pilot in pilots:
        for window in pilot.windows():
            key = (window.programme, window.period)
            if key in seen:
                problems.append(
                    Problem(
                        pilot.path,
                        pilot.line(*key),
                        "period",
                        f"{window.programme} {window.period} is also in {seen[key]} "
                        "(each programme and period in one file)",
                    )
                )
            seen[key] = pilot.path
        summaries |= pilot_summaries(pilot)
    if problems:
        raise InputError(problems)
    return summaries


@dataclass(frozen=True)
class Posterior:
    """A calibration's result: every generation's particles, and the settings that made them.

    ``particles``: the last generation (particle x parameter); ``weights`` sum
    to one; ``generations``: per generation epsilon, samples, particles,
    acceptance_rate and ess (effective sample size).
    """

    path: Path
    names: list[str]
    low: np.ndarray
    high: np.ndarray
    particles: np.ndarray
    weights: np.ndarray
    generations: pd.DataFrame
    attrs: dict
    digest: str
    screening: list[str] = dataclasses.field(default_factory=list)
    diagnostics: list[str] = dataclasses.field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """Per parameter: prior range, posterior mean, the 5%, 50% and 95% weighted quantiles and
        ``width_ratio``, the 90% interval's width over the prior's (1: the data did not narrow it)."""
        rows = []
        ratios = width_ratios(self.particles, self.weights, self.low, self.high)
        for k, name in enumerate(self.names):
            x = self.particles[:, k]
            q05, q50, q95 = weighted_quantiles(x, self.weights, [0.05, 0.5, 0.95])
            mean = float(np.sum(self.weights * x))
            rows.append((name, self.low[k], self.high[k], mean, q05, q50, q95, float(ratios[k])))
        columns = ["parameter", "prior_min", "prior_max", "mean", "q05", "median", "q95", "width_ratio"]
        return pd.DataFrame(rows, columns=columns)

    def draw(self, seed: int, replicates: int) -> np.ndarray:
        """Row r: the parameter values of replicate r, a particle drawn by weight.

        Row r depends only on (seed, r), so a run extended with more replicates
        keeps the draws of the replicates it had.
        """
        rows = np.empty((replicates, len(self.names)))
        for r in range(replicates):
            rng = np.random.default_rng([seed, r, 0x0D3E])
            rows[r] = self.particles[rng.choice(len(self.weights), p=self.weights)]
        return rows

    @property
    def origin(self) -> str:
        """How the engine names these draws (in errors and in the run's fingerprint)."""
        return f"posterior {self.path.name} (sha256 {self.digest[:16]})"


def apply_posterior(experiment: Experiment, posterior: Posterior, rows: int | None = None) -> Experiment:
    """``experiment`` with replicate r's parameters drawn from ``posterior`` (Posterior.draw with the
    experiment's seed); ``rows`` replicates are drawn for (default: the experiment's)."""
    draws = posterior.draw(experiment.seed, rows or experiment.replicates)
    draws = np.array([as_engine_values(posterior.names, row) for row in draws]).reshape(draws.shape)
    return experiment.with_replicate_parameters(posterior.names, draws, posterior.origin)


def as_engine_values(names: list[str], values) -> list[float]:
    """The values as the engine takes them: whole-number parameters rounded (the particles of a
    uniform prior are real numbers)."""
    integer = {p["name"] for p in _core.parameters() if p["integer"]}
    return [float(round(v)) if n in integer else float(v) for n, v in zip(names, values, strict=True)]


def calibrate(
    config: CalibrationConfig | str | os.PathLike[str],
    pilot_paths: list[str | os.PathLike[str]],
    out_path: str | os.PathLike[str],
    scheduler: str | None = None,
    workers: int | None = None,
    quiet: bool = True,
    warn: Callable[[str], None] | None = None,
) -> Posterior:
    """Calibrate with ABC-SMC and write the posterior file ``out_path`` (via .partial, then renamed).

    ``pilot_paths``: one or more pilot CSV files (docs/pilot-data.md). The
    model runs on a Dask LocalCluster of ``workers`` processes, or on the
    cluster of ``scheduler``. First a screening (meedoen.identifiability) checks that each
    parameter moves the pilot summaries; then ABC-SMC; then the posterior's diagnostics. Each
    warning of the screening and the diagnostics goes to ``warn`` (default: a line ``warning:
    ...`` on stderr) when it is found, and into the posterior file. pyabc's own log lines below
    WARNING (a few per generation) show only when ``quiet`` is False. Raises InputError for a bad
    config or pilot file.
    """
    import pyabc

    from meedoen.abc_sampler import SeededDaskSampler
    from meedoen.distributed import dask_client

    if not isinstance(config, CalibrationConfig):
        config = read_calibration_config(config)
    pilots = _read_pilots(pilot_paths, config.experiment.wijk_names)
    check_pilots_match(config, pilots)
    observed = observed_summaries(pilots)
    names = [p.name for p in config.parameters]
    prior = pyabc.Distribution(
        **{p.name: pyabc.RV("uniform", p.low, p.high - p.low) for p in config.parameters}
    )
    summaries = _Summaries(config.experiment, config.scenario, pilots)
    warn = warn or _warn_on_stderr
    logging.getLogger("ABC").setLevel(logging.WARNING if quiet else logging.INFO)  # every pyabc logger's parent
    with dask_client(scheduler, workers) as client, tempfile.TemporaryDirectory(prefix="meedoen-abc-") as tmp:
        screening = _screen(config, summaries, client) if config.screening else None
        for line in screening.warnings() if screening else []:
            warn(line)
        abc = pyabc.ABCSMC(
            _Simulator(summaries, names),
            prior,
            pyabc.AdaptivePNormDistance(p=2, scale_function=pyabc.distance.mad_or_cmad),
            population_size=config.population_size,
            sampler=SeededDaskSampler(client, config.seed),
        )
        abc.new("sqlite:///" + os.path.join(tmp, "abc.db"), observed)
        history = abc.run(
            minimum_epsilon=config.min_epsilon,
            max_nr_populations=config.generations,
            min_acceptance_rate=config.min_acceptance_rate,
        )
        _write_posterior(out_path, config, pilots, observed, history, screening)
    posterior = read_posterior(out_path)
    for line in posterior.diagnostics:
        warn(line)
    return posterior


def _warn_on_stderr(line: str) -> None:
    print(f"warning: {line}", file=sys.stderr)


def _screen(config: CalibrationConfig, summaries: _Summaries, client) -> Screening:
    """The screening of the configuration's parameters on the cluster of ``client``."""
    from meedoen.distributed import map_in_order

    return screen(
        summaries,
        config.parameters,
        config.screening,
        config.seed,
        lambda function, items: map_in_order(client, function, items),
    )


def _read_pilots(paths: list[str | os.PathLike[str]], wijken: list[str]) -> list[Pilot]:
    """The pilot files, read with the wijk names of the calibration's population."""
    pilots, problems = [], []
    for path in paths:
        try:
            pilots.append(read_pilot(path, wijken))
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(problems)
    return pilots


def _write_posterior(
    out_path, config: CalibrationConfig, pilots: list[Pilot], observed: dict, history, screening
) -> None:
    out = Path(out_path)
    partial = Path(f"{out}.partial")
    try:
        _write_posterior_file(partial, config, pilots, observed, history)
        _write_diagnostics(partial, config, history, screening)
        partial.replace(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _write_posterior_file(
    partial: Path, config: CalibrationConfig, pilots: list[Pilot], observed: dict, history
) -> None:
    names = [p.name for p in config.parameters]
    populations = history.get_all_populations()
    populations = populations[populations.t >= 0]
    rows = []
    with h5py.File(partial, "w") as f:
        f.attrs["meedoen_version"] = _core.__version__
        f.attrs["created_utc"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        f.attrs["config"] = config.text
        f.attrs["config_path"] = str(config.path)
        f.attrs["scenario"] = config.scenario
        f.attrs["scenario_file"] = config.experiment.source_text
        f.attrs["weeks"] = config.experiment.weeks
        f.attrs["scale"] = config.experiment.scale
        f.attrs["replicates_per_particle"] = config.experiment.replicates
        f.attrs["seed"] = config.seed
        f.attrs["pilot_files"] = "\n".join(str(p.path) for p in pilots)
        f.attrs["pilot_summaries"] = json.dumps(observed)  # aggregates only
        f.create_dataset("parameter", data=np.array(names, dtype=h5py.string_dtype()))
        f.create_dataset("prior_min", data=[p.low for p in config.parameters])
        f.create_dataset("prior_max", data=[p.high for p in config.parameters])
        for _, pop in populations.iterrows():
            t = int(pop.t)
            frame, weights = history.get_distribution(m=0, t=t)
            distances = history.get_weighted_distances(t=t)
            g = f.create_group(f"generation/{t}")
            g.create_dataset("particles", data=frame[names].to_numpy(dtype=float))
            g.create_dataset("weights", data=np.asarray(weights, dtype=float))
            g.create_dataset("distances", data=distances["distance"].to_numpy(dtype=float))
            ess = float(np.sum(weights) ** 2 / np.sum(np.square(weights)))
            rows.append(
                (
                    t,
                    float(pop.epsilon),
                    int(pop.samples),
                    int(pop.particles),
                    int(pop.particles) / int(pop.samples),
                    ess,
                )
            )
        table = np.array(
            rows,
            dtype=[
                ("generation", "i8"),
                ("epsilon", "f8"),
                ("samples", "i8"),
                ("particles", "i8"),
                ("acceptance_rate", "f8"),
                ("ess", "f8"),
            ],
        )
        f.create_dataset("generations", data=table)


def read_posterior(path: str | os.PathLike[str]) -> Posterior:
    """Read and check a posterior file of ``meedoen calibrate`` (its layout: _write_posterior_file).

    Raises InputError with one problem naming the file: ``FILE: (file): ...`` when it does not
    exist, cannot be read or is not such a file at all (not HDF5, damaged bytes, none of its
    objects); ``FILE: KEY: ...``, KEY the object's path in the file (``parameter``,
    ``generation/3/weights``, ...), when an object it relies on is missing, of the other kind
    (group or dataset), of another type or shape, or holds numbers that are not finite, names a
    parameter the model does not have (or a vector one, or one twice), a prior range outside the
    parameter's range, particles outside it, or weights that are negative or do not sum to 1.
    Particles of whole-number parameters may be fractions: a calibration draws them from a
    uniform prior and the engine gets them rounded (as_engine_values).
    """
    path = Path(path)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(path, 0, "(file)", f"does not exist ({POSTERIOR})")]) from None
    except OSError as error:
        raise InputError([Problem(path, 0, "(file)", f"cannot be read ({error})")]) from None
    try:
        with h5py.File(io.BytesIO(content), "r") as f:  # the bytes of the digest
            posterior = _read_posterior_file(f, path, hashlib.sha256(content).hexdigest())
    except _Damaged as error:
        allowed = POSTERIOR_LAYOUT[re.sub(r"^generation/[^/]+", "generation/T", error.key)]
        raise InputError([Problem(path, 0, error.key, f"{error} (in {POSTERIOR}: {allowed})")]) from None
    except Exception as error:  # whatever h5py and NumPy make of damaged bytes
        reason = str(error) if type(error) is ValueError else damage_reason(error)  # ValueError: ours
        raise InputError([Problem(path, 0, "(file)", f"is not {POSTERIOR} ({reason})")]) from None
    return posterior


class _Damaged(ValueError):
    """An object of a posterior file that is not as meedoen calibrate writes it: ``key``, its path
    in the file, and what is wrong with it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _read_posterior_file(f: h5py.File, path: Path, digest: str) -> Posterior:
    """The posterior in the open file ``f``, checked object by object (read_posterior)."""
    if not any(name in f for name in POSTERIOR_OBJECTS):
        raise ValueError(f"it has no {', '.join(POSTERIOR_OBJECTS[:-1])} or {POSTERIOR_OBJECTS[-1]}")
    registry = {p["name"]: p for p in _core.parameters()}
    names = _parameter_names(f, registry)
    bounds = np.array([[registry[n]["min"], registry[n]["max"]] for n in names], dtype=float)
    low, high = (_numbers(f, key, (len(names),)) for key in ("prior_min", "prior_max"))
    for key, values in (("prior_min", low), ("prior_max", high)):
        _within(key, values, bounds, names)
    if (bad := np.flatnonzero(low >= high)).size:
        k = bad[0]
        raise _Damaged("prior_max", f"{high[k]:g} is not above prior_min {low[k]:g} for {names[k]}")
    table = _generations(f)
    _object(f, "generation", h5py.Group)
    generations = {t: _generation(f, t, names, bounds) for t in table.generation}
    particles, weights = generations[table.generation.max()]
    attrs = {k: (v.decode(errors="replace") if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
    screening, diagnostics = _texts(f, "screening/warnings"), _texts(f, "diagnostics/warnings")
    return Posterior(path, names, low, high, particles, weights, table, attrs, digest, screening, diagnostics)


def _object(f: h5py.File, key: str, kind: type) -> h5py.Group | h5py.Dataset:
    """The object at ``key`` in ``f``, a ``kind`` (h5py.Group or h5py.Dataset); _Damaged at the first
    object on the way that is missing or not of its kind."""
    parts = key.split("/")
    found: h5py.Group | h5py.Dataset = f
    for k, part in enumerate(parts):
        where, want = "/".join(parts[: k + 1]), kind if k == len(parts) - 1 else h5py.Group
        found = found.get(part)  # type: ignore[union-attr]  # a group here: checked below
        if found is None:
            raise _Damaged(where, "is missing")
        if not isinstance(found, want):
            raise _Damaged(where, f"is {_kind_of(found)}, not {_kind_of(want)}")
    return found


def _kind_of(thing: object) -> str:
    """What an HDF5 object (or h5py's class of one) is, in words."""
    kind = thing if isinstance(thing, type) else type(thing)
    return {h5py.Group: "a group", h5py.Dataset: "a dataset"}.get(kind, kind.__name__)


def _dtype_text(dtype: np.dtype) -> str:
    """A dataset's type, in words."""
    if h5py.check_string_dtype(dtype):
        return "text"
    return f"a table ({', '.join(dtype.names)})" if dtype.names else f"{dtype}"


def _parameter_names(f: h5py.File, registry: dict[str, dict]) -> list[str]:
    """The dataset ``parameter``: text, each a scalar parameter of the model, once."""
    data = _object(f, "parameter", h5py.Dataset)
    if not h5py.check_string_dtype(data.dtype):
        raise _Damaged("parameter", f"holds {_dtype_text(data.dtype)}, not text")
    if data.ndim != 1 or data.shape[0] == 0:
        raise _Damaged("parameter", f"has shape {data.shape}, not a list of one or more names")
    names = [n.decode(errors="replace") if isinstance(n, bytes) else str(n) for n in data[()]]
    for k, name in enumerate(names):
        if name not in registry:
            raise _Damaged("parameter", f"'{name}' is not a model parameter")
        if registry[name]["labels"]:
            raise _Damaged("parameter", f"'{name}' is a vector parameter")
        if name in names[:k]:
            raise _Damaged("parameter", f"'{name}' is named twice")
    return names


def _numbers(f: h5py.File, key: str, shape: tuple[int, ...]) -> np.ndarray:
    """The dataset at ``key`` as floats: numbers (not text, a table or booleans) of ``shape``, each
    finite."""
    data = _object(f, key, h5py.Dataset)
    if data.dtype.kind not in "iuf":
        raise _Damaged(key, f"holds {_dtype_text(data.dtype)}, not numbers")
    if data.shape != shape:
        raise _Damaged(key, f"has shape {data.shape}, not {shape}")
    values = np.asarray(data[()], dtype=float)
    if (bad := np.argwhere(~np.isfinite(values))).size:
        raise _Damaged(key, f"holds {values[tuple(bad[0])]} at {_index(bad[0])}, not a finite number")
    return values


def _index(index: np.ndarray) -> str:
    """A position in a dataset, in words: ``row 3`` or ``row 3, column 1``."""
    return ", ".join(f"{word} {i}" for word, i in zip(("row", "column"), index.tolist(), strict=False))


def _within(key: str, values: np.ndarray, bounds: np.ndarray, names: list[str]) -> None:
    """_Damaged unless each value (a row of values per column, or one per column) lies within its
    parameter's range (``bounds``: min, max per parameter)."""
    outside = (values < bounds[:, 0]) | (values > bounds[:, 1])
    if (bad := np.argwhere(outside)).size:
        k = int(bad[0][-1])
        raise _Damaged(
            key,
            f"{names[k]} is {values[tuple(bad[0])]:g} at {_index(bad[0])}, outside its range "
            f"{bounds[k, 0]:g} to {bounds[k, 1]:g}",
        )


def _generations(f: h5py.File) -> pd.DataFrame:
    """The dataset ``generations``: a table of one or more rows with GENERATION_FIELDS, numbers that
    are finite, the generations whole numbers from 0, each once."""
    data = _object(f, "generations", h5py.Dataset)
    fields = data.dtype.names or ()
    missing = [name for name in GENERATION_FIELDS if name not in fields]
    if missing:
        message = f"holds {_dtype_text(data.dtype)}, without the fields {', '.join(missing)}"
        raise _Damaged("generations", message)
    if data.ndim != 1 or data.shape[0] == 0:
        raise _Damaged("generations", f"has shape {data.shape}, not one or more rows")
    for name in GENERATION_FIELDS:
        if data.dtype[name].kind not in ("iu" if name == "generation" else "iuf"):
            wanted = "whole numbers" if name == "generation" else "numbers"
            message = f"its field {name} holds {_dtype_text(data.dtype[name])}, not {wanted}"
            raise _Damaged("generations", message)
    table = pd.DataFrame(data[()])
    values = table[list(GENERATION_FIELDS)].to_numpy(dtype=float)
    if (bad := np.argwhere(~np.isfinite(values))).size:
        row, column = bad[0]
        message = f"its field {GENERATION_FIELDS[column]} is {values[row, column]} in row {row}"
        raise _Damaged("generations", f"{message}, not a finite number")
    if (table.generation < 0).any() or table.generation.duplicated().any():
        raise _Damaged("generations", "its field generation has a negative number or one twice")
    return table


def _generation(f: h5py.File, t: int, names: list[str], bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Generation ``t``'s particles (particle x parameter, within the parameters' ranges) and
    weights (one per particle, none negative, summing to 1; returned normalised)."""
    key = f"generation/{t}"
    _object(f, key, h5py.Group)
    stored = _object(f, f"{key}/weights", h5py.Dataset)
    if stored.ndim != 1 or stored.shape[0] == 0:
        raise _Damaged(f"{key}/weights", f"has shape {stored.shape}, not one or more weights")
    weights = _numbers(f, f"{key}/weights", stored.shape)
    particles = _numbers(f, f"{key}/particles", (len(weights), len(names)))
    if (bad := np.flatnonzero(weights < 0)).size:
        raise _Damaged(f"{key}/weights", f"holds {weights[bad[0]]:g} at row {bad[0]}, a negative weight")
    if not np.isclose(weights.sum(), 1.0):
        raise _Damaged(f"{key}/weights", f"they sum to {weights.sum():g}, not 1")
    _within(f"{key}/particles", particles, bounds, names)
    return particles, weights / weights.sum()


def _texts(f: h5py.File, name: str) -> list[str]:
    """The dataset of text ``name`` (``screening/warnings``) as a list; empty when the file has no
    group ``screening`` (an older posterior file, or no screening)."""
    if name.split("/")[0] not in f:
        return []
    data = _object(f, name, h5py.Dataset)
    if not h5py.check_string_dtype(data.dtype) or data.ndim != 1:
        raise _Damaged(name, f"holds {_dtype_text(data.dtype)} of shape {data.shape}, not a list of text")
    return [t.decode(errors="replace") if isinstance(t, bytes) else str(t) for t in data[()]]


def _write_diagnostics(path: Path, config: CalibrationConfig, history, screening: Screening | None) -> None:
    """The screening (group ``screening``) and the posterior's diagnostics (group
    ``diagnostics``) into the posterior file at ``path``."""
    text = h5py.string_dtype()
    with h5py.File(path, "r+") as f:
        generations = pd.DataFrame(f["generations"][()])
        last = f[f"generation/{int(generations.generation.max())}"]
        low, high = f["prior_min"][()], f["prior_max"][()]
        ratios = width_ratios(last["particles"][()], last["weights"][()], low, high)
        _, first = history.get_weighted_sum_stats(t=0)
        names = [p.name for p in config.parameters]
        lines = diagnose(names, ratios, generations, pd.DataFrame(first))
        g = f.create_group("diagnostics")
        g.create_dataset("width_ratio", data=ratios)
        g.create_dataset("warnings", data=np.array(lines, dtype=text))
        if screening is not None:
            g = f.create_group("screening")
            g.create_dataset("summary", data=np.array(list(screening.mu_star.columns), dtype=text))
            g.create_dataset("mu_star", data=screening.mu_star.to_numpy(dtype=float))
            g.create_dataset("chance_sd", data=screening.chance_sd.to_numpy(dtype=float))
            g.create_dataset("steps", data=screening.steps.to_numpy(dtype=np.int64))
            g.create_dataset("moving", data=screening.moving.to_numpy(dtype=np.int64))
            g.create_dataset("warnings", data=np.array(screening.warnings(), dtype=text))
            g.attrs["trajectories"] = config.screening
