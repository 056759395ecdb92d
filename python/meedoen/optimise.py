"""Budget allocation: which interventions, how large, in which wijken, do the most for a budget.

A configuration file (docs/guide/optimise.md) names a scenario file and the scenario to start
from, a budget, the decision variables (per intervention: on or off per group of wijken, and
settings such as staff hours, places, a yearly pot or the start week, each between bounds in
steps) and an objective (OBJECTIVES: effects on the residents, or the balance of an actor as
meedoen compare --by-actor takes it). The budget holds the allocation's programmes' cost, or the
net cost to one actor (budget_cost). Every candidate allocation is a scenario: the start
scenario plus the chosen interventions, written as scenario file text and loaded by the engine,
so that what was evaluated is exactly the file that is written out.

The search is Optuna's TPE sampler with the budget as a constraint (``Trial.set_constraint``), or
exhaustive (every combination enqueued once) when every combination fits in the trials. Every
candidate runs with the same seed and replicates as the start scenario (common random numbers),
so its objective is a difference paired by replicate. The best few candidates (and, with
``front``, the cost-effect front) are run again on more replicates, ranked by their mean, with
paired 95% intervals against the best. The Optuna study is kept in a journal file beside the
output folder: re-running continues it.

    from meedoen.optimise import optimise, read_config
    result = optimise(read_config("configs/optimise_budget.toml"), "results/opt")
    result.table          # one row per allocation of the final stage
"""

import csv
import hashlib
import itertools
import json
import math
import os
import re
import shutil
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomllib

from meedoen import _core, interrupt, mkba
from meedoen.compare import ALL_WIJKEN, discount_factors
from meedoen.compare import ScenarioMetrics as CompareMetrics
from meedoen.config import ConfigFile, Section
from meedoen.errors import InputError, Problem
from meedoen.experiment import SEED_LIMITS, Experiment, load_experiment
from meedoen.summary import mean_interval

__all__ = [
    "ACTORS",
    "OBJECTIVES",
    "Candidate",
    "Choice",
    "Evaluation",
    "Objective",
    "OptimiseConfig",
    "OptimiseResult",
    "ScenarioMetrics",
    "balance",
    "budget_over_horizon",
    "optimise",
    "read_config",
    "scenario_text",
    "study_path",
]


# --- objectives ---------------------------------------------------------------------------------


class ScenarioMetrics(CompareMetrics):
    """compare's metrics of one scenario's run and, in ``items``, its ledger's present values per
    replicate and item (mkba.present_values), from which the balances per actor are taken. It
    keeps compare's name: every scenario that optimise runs is read into one."""

    def __init__(self, ds: Any) -> None:
        super().__init__(ds)
        self.items = mkba.present_values(ds).compute()


# The actors whose balance is an objective and whose net cost a budget may hold, by the word a
# configuration uses for them: mkba's actors, and society (mkba.SOCIETY, the sum over them).
ACTORS = {**{actor: actor for actor in mkba.ACTORS}, "society": mkba.SOCIETY}


def item_differences(c: ScenarioMetrics, b: ScenarioMetrics) -> Any:
    """Per replicate and ledger item, c's present value minus b's, as mkba.differences takes them:
    over the items of both (an item that one of them lacks counts 0 there)."""
    items = list(dict.fromkeys([*c.items["item"].values, *b.items["item"].values]))
    return c.items.reindex(item=items, fill_value=0.0) - b.items.reindex(item=items, fill_value=0.0)


def balance(c: ScenarioMetrics, b: ScenarioMetrics, actor: str) -> np.ndarray:
    """Per replicate: the balance of ``actor`` (one of mkba's actors, or mkba.SOCIETY) in c against
    b, its benefit minus its cost as mkba.by_actor splits them (mkba.actor_flows)."""
    cost, benefit = mkba.actor_flows(item_differences(c, b))[actor]
    return benefit - cost


@dataclass(frozen=True)
class Objective:
    """What an allocation is judged by, per replicate, paired against the start scenario; higher
    is better. ``actor``: whose money a balance is (None for an effect on residents)."""

    name: str
    label: str
    unit: str
    actor: str | None
    description: str
    values: Callable[[ScenarioMetrics, ScenarioMetrics], np.ndarray]


def _total(metrics: ScenarioMetrics, name: str) -> np.ndarray:
    return metrics.metrics[(name, ALL_WIJKEN)]


def _balance_objective(word: str, actor: str) -> Objective:
    whose = (
        "the sum over the actors (transfers between them cancel): the value of the residents' "
        "gains (net wages, wage taxes, well-being, care saved) minus the interventions' cost"
        if actor == mkba.SOCIETY
        else f"what the {word} gains from the residents' states (saves on what it pays, plus receives "
        "more) minus what it pays for the interventions"
    )
    return Objective(
        f"{word}_balance",
        f"balance of the {word}" if actor != mkba.SOCIETY else "balance of society",
        "euro",
        actor,
        f"meedoen compare --by-actor's balance against the start scenario, discounted: {whose}",
        lambda c, b: balance(c, b, actor),
    )


OBJECTIVES: dict[str, Objective] = {
    o.name: o
    for o in (
        Objective(
            "persons_up",
            "extra adults moved up",
            "persons",
            None,
            "adults on a higher rung at the last week than at week 0, minus the start scenario's",
            lambda c, b: _total(c, "persons_up") - _total(b, "persons_up"),
        ),
        Objective(
            "fewer_isolated",
            "fewer isolated adults",
            "persons",
            None,
            "adults on rung 1 at the last week in the start scenario minus in the allocation",
            lambda c, b: _total(b, "isolated") - _total(c, "isolated"),
        ),
        Objective(
            "net_savings",
            "net savings (ledger balance)",
            "euro",
            "all payers of the ledger's provisions together",
            "meedoen compare's net_savings against the start scenario: the five provision costs "
            "saved minus the allocation's intervention cost above the start's, discounted, whoever pays "
            "or saves",
            lambda c, b: c.net_savings(b).sum(axis=1),
        ),
        *(_balance_objective(word, actor) for word, actor in ACTORS.items()),
    )
}
BUDGET_PER = ("horizon", "year")


# --- decision variables -------------------------------------------------------------------------


@dataclass(frozen=True)
class Range:
    """A setting between ``low`` and ``high`` in steps of ``step`` (None: any number)."""

    low: float
    high: float
    step: float | None
    integer: bool

    def size(self) -> float:
        return math.inf if self.step is None else round((self.high - self.low) / self.step) + 1


@dataclass(frozen=True)
class Choice:
    """One [[optimise.intervention]]: an intervention type, its name, the groups of wijken it may
    work in (each on or off; None: city-wide, on or off as a whole), its fixed settings and the
    settings it varies."""

    type: str
    name: str
    groups: tuple[tuple[str, ...], ...] | None
    fixed: dict[str, Any]
    ranges: dict[str, Range]

    def switches(self) -> list[str]:
        """The Optuna names of the on/off variables."""
        if self.groups is None:
            return [f"{self.name}:on"]
        return [f"{self.name}:{'+'.join(group)}" for group in self.groups]

    def setting(self, key: str) -> str:
        return f"{self.name}.{key}"

    def table(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """The [[scenario.intervention]] table for ``params`` (None: switched off)."""
        on = [int(params[s]) == 1 for s in self.switches()]
        if not any(on):
            return None
        table: dict[str, Any] = {"type": self.type, "name": self.name}
        if self.groups is not None:
            chosen = [w for group, is_on in zip(self.groups, on, strict=True) if is_on for w in group]
            table["wijken"] = list(dict.fromkeys(chosen))
        table |= self.fixed
        table |= {key: params[self.setting(key)] for key in self.ranges}
        return table


def distributions(choices: Sequence[Choice]) -> dict[str, Any]:
    """The Optuna search space: a 0/1 integer per switch, an int or float per varied setting."""
    from optuna.distributions import FloatDistribution, IntDistribution

    space: dict[str, Any] = {}
    for choice in choices:
        for switch in choice.switches():
            space[switch] = IntDistribution(0, 1)
        for key, r in choice.ranges.items():
            if r.integer:
                space[choice.setting(key)] = IntDistribution(int(r.low), int(r.high), step=int(r.step or 1))
            else:
                space[choice.setting(key)] = FloatDistribution(r.low, r.high, step=r.step)
    return space


def grid_size(choices: Sequence[Choice]) -> float:
    """How many points the search space has (inf with a continuous setting)."""
    size = 1.0
    for choice in choices:
        size *= 2 ** len(choice.switches())
        for r in choice.ranges.values():
            size *= r.size()
    return size


# --- the configuration --------------------------------------------------------------------------


@dataclass
class OptimiseConfig:
    """An optimisation configuration file, read and checked (see read_config)."""

    path: Path
    scenarios: Path
    experiment: Experiment  # the scenario file with the configuration's weeks, scale and seed
    start: str
    objective: str
    budget: float
    budget_per: str
    budget_actor: str | None  # a word of ACTORS: the budget holds its net cost; None: the programmes' cost
    front: bool
    trials: int
    replicates: int
    final_replicates: int
    finalists: int
    choices: list[Choice]
    source: dict[str, Any] = field(repr=False, default_factory=dict)  # the scenario file, parsed

    @property
    def horizon_budget(self) -> float:
        """The budget as a present value over the horizon (what a candidate's cost is held to)."""
        return budget_over_horizon(self.budget, self.budget_per, self.experiment.weeks, self.discount_rate)

    @property
    def cost_label(self) -> str:
        """What the cost held to the budget is (see budget_cost)."""
        if self.budget_actor is None:
            return "cost of the allocation's interventions, discounted"
        return f"net cost to the {self.budget_actor} (minus its balance), discounted"

    @property
    def discount_rate(self) -> float:
        return float(self.experiment.parameter("costs.discount_rate", self.start))

    def key(self) -> str:
        """What the search depends on (not trials or the final stage): a resumed study must match."""
        exp = self.experiment
        what = {
            "scenario_file": exp.source_text,
            "start": self.start,
            "objective": self.objective,
            "budget": [self.budget, self.budget_per, self.budget_actor],
            "front": self.front,
            "replicates": self.replicates,
            "settings": [exp.weeks, exp.scale, exp.seed],
            "choices": [repr(c) for c in self.choices],
        }
        return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


KEYS = [
    "scenarios",
    "scenario",
    "objective",
    "budget",
    "budget_per",
    "budget_actor",
    "front",
    "trials",
    "replicates",
    "final_replicates",
    "finalists",
    "weeks",
    "scale",
    "seed",
    "intervention",
]
RANGE_KEYS = ["min", "max", "step"]
TRIALS = (1, 100_000)
FINALISTS = (1, 100)
BUDGET = (0.0, 1e12)


def read_config(path: str | os.PathLike[str]) -> OptimiseConfig:
    """Read and check an optimisation configuration file (docs/guide/optimise.md).

    Raises meedoen.InputError with every problem, each as ``FILE:LINE: key: what is wrong (what
    is allowed)``. Each intervention is tried by the engine at the low and the high ends of its
    settings (all its wijken on), so that what the engine would refuse is reported here, at the
    line of the configuration.
    """
    config = ConfigFile(path)
    config.check_top_level(["optimise"])
    s = config.section("optimise")
    s.only(KEYS)
    objective = s.text("objective", "persons_up", list(OBJECTIVES))
    budget = s.number("budget", None, *BUDGET)
    budget_per = s.text("budget_per", "horizon", list(BUDGET_PER))
    budget_actor = s.text("budget_actor", "", list(ACTORS)) or None
    front = bool(s.boolean("front", False))
    trials = s.integer("trials", 50, *TRIALS)
    replicates = s.integer("replicates", 2, *_core.limits["replicates"])
    final_replicates = s.integer("final_replicates", max(10, replicates or 2), *_core.limits["replicates"])
    if replicates and final_replicates and final_replicates < replicates:
        s.problem("final_replicates", f"is {final_replicates} (at least replicates, {replicates})")
    finalists = s.integer("finalists", 3, *FINALISTS)
    weeks = s.integer("weeks", 0, *_core.limits["weeks"]) or None
    scale = s.number("scale", 0.0, *_core.limits["scale"]) or None
    seed = s.integer("seed", -1, *SEED_LIMITS)
    scenarios = s.file("scenarios")
    start = s.text("scenario", "")
    sections = s.tables("intervention")
    if not sections and "intervention" not in s.table:
        s.problem("intervention", "is missing (one or more [[optimise.intervention]] tables)")
    experiment, source = None, {}
    if scenarios is not None:
        try:
            experiment = load_experiment(scenarios)
            source = tomllib.loads(scenarios.read_text(encoding="utf-8"))
        except InputError as error:
            config.problems += error.problems
    choices: list[Choice] = []
    if experiment is not None:
        experiment = _with_settings(s, experiment, weeks, scale, seed if seed != -1 else None)
        names = experiment.scenario_names
        start = start or names[0]
        if start not in names:
            s.problem("scenario", f"'{start}' is not a scenario of {scenarios} (one of: {', '.join(names)})")
        else:
            choices = _read_choices(sections, experiment, start)
            if not config.problems:
                _probe(sections, choices, experiment, source, start)
    config.raise_problems()
    assert experiment is not None and scenarios is not None
    return OptimiseConfig(
        path=Path(path),
        scenarios=scenarios,
        experiment=experiment,
        start=start,  # type: ignore[arg-type]
        objective=objective,  # type: ignore[arg-type]
        budget=budget,  # type: ignore[arg-type]
        budget_per=budget_per,  # type: ignore[arg-type]
        budget_actor=budget_actor,
        front=front,
        trials=trials,  # type: ignore[arg-type]
        replicates=replicates,  # type: ignore[arg-type]
        final_replicates=final_replicates,  # type: ignore[arg-type]
        finalists=finalists,  # type: ignore[arg-type]
        choices=choices,
        source=source,
    )


def _with_settings(
    s: Section, experiment: Experiment, weeks: int | None, scale: float | None, seed: int | None
) -> Experiment:
    try:
        return experiment.with_overrides(weeks=weeks, scale=scale, seed=seed)
    except InputError as error:
        for problem in error.problems:  # the engine's --weeks -> the configuration's weeks
            s.problem(problem.key.removeprefix("--"), problem.message)
        return experiment.with_overrides(seed=seed)


def _read_choices(sections: list[Section], experiment: Experiment, start: str) -> list[Choice]:
    """The [[optimise.intervention]] tables as Choices; problems for what is wrong in them."""
    registry = {str(p["name"]): p for p in _core.parameters()}
    taken = {i["name"] for i in experiment.interventions(start)}
    wijken = experiment.wijk_names
    choices = []
    for s in sections:
        kind = s.text("type", None)
        if kind is None:
            continue
        name = s.text("name", kind) or kind
        if name in taken:
            s.problem(
                "name" if "name" in s.table else "type",
                f"'{name}' is taken (a name no other "
                f"intervention of scenario {start} or of this file has; set name = ...)",
            )
        taken.add(name)
        groups = _groups(s, wijken)
        fixed, ranges = {}, {}
        for key, value in s.table.items():
            if key in ("type", "name", "wijken"):
                continue
            spec = registry.get(f"{kind}.{key}")
            integer = key in ("start_week", "end_week") or bool(spec and spec["integer"])
            if isinstance(value, dict):
                line = s.config.line_of((*s.keys, key))
                r = _range(_Inline(s.config, (*s.keys, key), value, line), integer)
                if r is not None:
                    ranges[key] = r
            else:
                fixed[key] = value  # checked by the engine (_probe)
        choices.append(Choice(kind, name, groups, fixed, ranges))
    return choices


def _groups(s: Section, wijken: list[str]) -> tuple[tuple[str, ...], ...] | None:
    """``wijken``: a list whose items are a wijk or a list of wijken, each a group switched on or off."""
    if "wijken" not in s.table:
        return None
    value = s.table["wijken"]
    allowed = (
        'a list of groups, each a wijk name or a list of wijk names, such as ["Morsdistrict", '
        '["Leiden-Noord", "Roodenburgerdistrict"]]'
    )
    groups = []
    if not isinstance(value, list) or not value:
        s.problem("wijken", f"is not a list of groups ({allowed})")
        return None
    for item in value:
        group = [item] if isinstance(item, str) else item
        if not isinstance(group, list) or not group or not all(isinstance(w, str) for w in group):
            s.problem("wijken", f"has an item that is not a wijk or a list of wijken ({allowed})")
            return None
        for w in group:
            if w not in wijken:
                s.problem("wijken", f"'{w}' is not a wijk of the population (one of: {', '.join(wijken)})")
        groups.append(tuple(group))
    return tuple(groups)


@dataclass
class _Inline(Section):
    """An inline table (``staff_hours = { min = 36, max = 144 }``): its problems on its key's line."""

    line: int = 1

    def problem(self, key: str | None, message: str) -> None:
        path = (*self.keys, key) if key is not None else self.keys
        dotted = ".".join(str(k) if isinstance(k, str) else f"[{k + 1}]" for k in path).replace(".[", "[")
        self.config.problems.append(Problem(self.config.path, self.line, dotted, message))


def _range(s: Section, integer: bool) -> Range | None:
    """A {min, max, step} table: max > min; step > 0 and max - min a whole number of steps."""
    s.only(RANGE_KEYS)
    low = s.number("min", None, -1e12, 1e12)
    high = s.number("max", None, -1e12, 1e12)
    step = s.number("step", 1.0 if integer else 0.0, 0.0, 1e12) or None
    if low is None or high is None:
        return None
    if low >= high:
        s.problem("max", f"is {high:g}, not above min {low:g} (max > min)")
        return None
    if integer and (low != int(low) or high != int(high) or (step is not None and step != int(step))):
        s.problem("min", "is not a whole number (whole numbers for min, max and step of this setting)")
        return None
    if step is not None:
        steps = (high - low) / step
        if abs(steps - round(steps)) > 1e-9:
            s.problem(
                "step",
                f"is {step:g}: max - min = {high - low:g} is not a whole number of steps "
                "(a step that divides max - min)",
            )
            return None
    return Range(low, high, step, integer)


def _probe(
    sections: list[Section], choices: list[Choice], experiment: Experiment, source: dict, start: str
) -> None:
    """Let the engine check each intervention at the low and the high end of its settings, with
    all its wijken on; its problems go to the line of the configuration's key."""
    for s, choice in zip(sections, choices, strict=True):
        seen = set()
        for end in ("low", "high"):
            params = {switch: 1 for switch in choice.switches()}
            for key, r in choice.ranges.items():
                value = r.low if end == "low" else r.high
                params[choice.setting(key)] = int(value) if r.integer else value
            text = scenario_text(source, experiment, start, {"probe": [choice.table(params)]}, 1)
            try:
                _core.parse_experiment(text, experiment.source_path)
            except InputError as error:
                for problem in error.problems:
                    key = getattr(problem, "key", "").rsplit(".", 1)[-1]
                    message = getattr(problem, "message", str(problem))
                    if (key, message) not in seen:
                        seen.add((key, message))
                        s.problem(key if key in s.table else None, message)


def budget_over_horizon(budget: float, per: str, weeks: int, rate: float) -> float:
    """``budget`` over the horizon as a present value: as it is (``per`` "horizon"), or, per
    "year", spent evenly, a 52nd a week, over weeks 1 to ``weeks``, each discounted as compare
    does ((1 + rate) ** (-week / 52))."""
    if per == "horizon":
        return budget
    weeks_ = np.arange(1, weeks + 1, dtype=float)
    return float(np.sum(budget / 52.0 * (1.0 + rate) ** (-weeks_ / 52.0)))


# --- scenario files -----------------------------------------------------------------------------

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def scenario_text(
    source: dict[str, Any],
    experiment: Experiment,
    start: str,
    allocations: dict[str, list[dict[str, Any] | None]],
    replicates: int,
) -> str:
    """A scenario file: the source file's settings and parameters (with the experiment's weeks,
    scale and seed and ``replicates``), the start scenario first (the reference), then one
    scenario per allocation: the start scenario plus its intervention tables."""
    lines = [
        "# Written by meedoen optimise: the start scenario first (the reference), then the allocations.",
        "",
    ]
    tables = {k: v for k, v in source.items() if k != "scenario" and isinstance(v, dict)}
    tables["experiment"] = tables.get("experiment", {}) | {
        "weeks": experiment.weeks,
        "replicates": replicates,
        "seed": experiment.seed,
    }
    population = dict(tables.get("population", {}))
    population["scale"] = experiment.scale
    data = population.get("data", "leiden")
    if data != "leiden":  # a path relative to the source file: made absolute
        population["data"] = str((Path(experiment.source_path).parent / data).resolve())
    tables["population"] = population
    for name, table in tables.items():
        lines += [f"[{_key(name)}]", *_assignments(table), ""]
    start_table = next(s for s in source["scenario"] if s.get("name") == start)
    for name, added in {start: [], **allocations}.items():
        scenario = dict(start_table) | {"name": name}
        interventions = list(scenario.pop("intervention", [])) + [t for t in added if t is not None]
        parameters = scenario.pop("parameters", None)
        lines += ["[[scenario]]", *_assignments(scenario)]
        if parameters:
            lines += ["[scenario.parameters]", *_assignments(parameters)]
        for table in interventions:
            lines += ["[[scenario.intervention]]", *_assignments(table)]
        lines.append("")
    return "\n".join(lines)


def _assignments(table: dict[str, Any], prefix: str = "") -> list[str]:
    """``key = value`` lines, sub-tables as dotted keys."""
    lines = []
    for key, value in table.items():
        dotted = f"{prefix}{_key(key)}"
        if isinstance(value, dict):
            lines += _assignments(value, dotted + ".")
        else:
            lines.append(f"{dotted} = {_value(value)}")
    return lines


def _key(key: str) -> str:
    return key if _BARE.match(key) else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} to TOML")


# --- evaluation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """An allocation: its Optuna parameter values and its intervention tables (None: off)."""

    params: dict[str, Any]
    tables: tuple[dict[str, Any] | None, ...]

    @property
    def key(self) -> str:
        """The same for allocations that run the same scenario (settings of an intervention that is
        off do not matter)."""
        return json.dumps([t for t in self.tables if t is not None], sort_keys=True)


@dataclass
class Evaluation:
    """Per replicate: each objective's value (paired against the start scenario) and the cost
    that the budget holds (discounted euros; budget_cost)."""

    objectives: dict[str, list[float]]
    cost: list[float]

    def mean(self, objective: str) -> float:
        return float(np.mean(self.objectives[objective]))


Evaluate = Callable[[list[Candidate], int], list[Evaluation]]


@dataclass
class ModelEvaluation:
    """One candidate's model run (picklable, for Dask): its scenario text, the allocation's scenario
    run alone on one thread (the start scenario is run once, by start_metrics)."""

    text: str
    source_path: str
    name: str
    added: tuple[str, ...]

    def __call__(self) -> tuple[ScenarioMetrics, list[float]]:
        from meedoen.runner import run

        experiment = _core.parse_experiment(self.text, self.source_path).select([self.name])
        results = run(experiment, threads=1)
        ds = results[self.name]
        return ScenarioMetrics(ds), added_cost(ds, self.added)


def added_cost(ds: Any, names: Sequence[str]) -> list[float]:
    """Per replicate: the discounted ledger of the interventions ``names`` over weeks 1 to the end,
    as compare discounts (costs.discount_rate of the scenario)."""
    rate = float(json.loads(ds.attrs["parameters"])["costs.discount_rate"])
    ledger = (ds.ledger * discount_factors(ds.week, rate)).isel(week=slice(1, None))
    items = [str(i) for i in ledger["item"].values if str(i) in names]
    if not items:
        return [0.0] * ds.sizes["replicate"]
    return [float(v) for v in ledger.sel(item=items).sum(["item", "week"]).values]


def start_metrics(text: str, source_path: str, start: str) -> ScenarioMetrics:
    from meedoen.runner import run

    import dask

    experiment = _core.parse_experiment(text, source_path).select([start])
    # Read here, where the results file is, even when a cluster's Client is Dask's default.
    with dask.config.set(scheduler="synchronous"):
        return ScenarioMetrics(run(experiment, threads=1)[start])


# --- the search ---------------------------------------------------------------------------------


def study_path(out: str | os.PathLike[str]) -> Path:
    """The Optuna study's journal file beside the output folder OUT: OUT.study.jsonl."""
    out = Path(out)
    return out.with_name(out.name + ".study.jsonl")


@dataclass
class OptimiseResult:
    """What the optimisation found.

    ``trials``: one row per completed trial of the search (its parameter values, objective mean,
    cost mean and largest cost over the replicates, feasible). ``table``: one row per allocation
    of the final stage (best first): name, role (best, finalist, front), objective mean with its
    95% interval, its paired difference to the best with 95% interval, cost, the mean of every
    objective, feasible, file. ``texts``: the scenario file of each allocation by name.
    """

    config: OptimiseConfig
    trials: pd.DataFrame
    table: pd.DataFrame
    texts: dict[str, str]
    sampler: str

    def plot(self) -> Any:
        """Cost against effect: every trial of the search, the budget, and the allocations of the
        final stage with their 95% intervals (the front joined by a line), as a matplotlib Figure."""
        return front_plot(self)


def optimise(
    config: OptimiseConfig,
    out: str | os.PathLike[str],
    evaluate: Evaluate | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = False,
) -> OptimiseResult:
    """Search the configuration's allocations, re-run the best on more replicates, return them.

    The study is kept (and continued) in study_path(out). ``evaluate(candidates, replicates)``
    replaces the model (a toy objective in the tests); by default the model runs in this process
    (``workers`` 1 without ``scheduler``) or on Dask (a local cluster of ``workers`` processes, or
    the cluster at ``scheduler``). Writes nothing under ``out``: see write_output.
    """
    if evaluate is not None:
        return _optimise(config, out, evaluate, progress, 1)
    if scheduler is None and workers == 1:
        return _optimise(config, out, model_evaluator(config, None), progress, 1)
    from meedoen.distributed import dask_client

    with dask_client(scheduler, workers) as client:
        batch = max(1, len(client.scheduler_info().get("workers", {})))
        return _optimise(config, out, model_evaluator(config, client), progress, batch)


def model_evaluator(config: OptimiseConfig, client: Any) -> Evaluate:
    """The model as an Evaluate: each candidate's scenario run (on ``client``, or here), paired
    with the start scenario run once per number of replicates."""
    bases: dict[int, ScenarioMetrics] = {}
    names = tuple(c.name for c in config.choices)

    def evaluate(candidates: list[Candidate], replicates: int) -> list[Evaluation]:
        texts = [_text(config, {"allocation": list(c.tables)}, replicates) for c in candidates]
        jobs = [ModelEvaluation(t, config.experiment.source_path, "allocation", names) for t in texts]
        if replicates not in bases:
            text = _text(config, {}, replicates)
            bases[replicates] = start_metrics(text, config.experiment.source_path, config.start)
        if client is None:
            runs = [job() for job in jobs]
        else:
            from meedoen.distributed import map_in_order

            runs = map_in_order(client, _call, jobs)
        base = bases[replicates]
        return [
            Evaluation(
                {n: [float(v) for v in o.values(m, base)] for n, o in OBJECTIVES.items()},
                budget_cost(config, m, base, cost),
            )
            for m, cost in runs
        ]

    return evaluate


def budget_cost(
    config: OptimiseConfig, m: ScenarioMetrics, base: ScenarioMetrics, added: list[float]
) -> list[float]:
    """Per replicate, the cost that the budget holds: ``added``, the allocation's own programmes'
    discounted cost (added_cost); or, with ``budget_actor``, the net cost to that actor against
    the start scenario, minus its balance (what it pays for the interventions above the start's
    minus what it gains from the residents' states)."""
    if config.budget_actor is None:
        return added
    return [float(-v) for v in balance(m, base, ACTORS[config.budget_actor])]


def _call(job: ModelEvaluation) -> tuple[ScenarioMetrics, list[float]]:
    return job()


def _text(config: OptimiseConfig, allocations: dict[str, list], replicates: int) -> str:
    return scenario_text(config.source, config.experiment, config.start, allocations, replicates)


def _optimise(
    config: OptimiseConfig, out: Any, evaluate: Evaluate, progress: bool, batch: int
) -> OptimiseResult:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study, sampler = _study(config, study_path(out))
    space = distributions(config.choices)
    cache = {t.user_attrs["key"]: t for t in _complete(study)}
    from contextlib import nullcontext

    from optuna.trial import TrialState

    from meedoen.progress import progress_bar

    with progress_bar("optimising", "allocations") if progress else nullcontext(None) as update:
        while not _searched(config, study, cache):
            interrupt.check()
            if update is not None:
                update(min(len(cache), config.trials), config.trials)
            waiting = len(study.get_trials(deepcopy=False, states=(TrialState.WAITING,)))
            trials = [study.ask(space) for _ in range(max(1, min(batch, waiting) if waiting else batch))]
            candidates = [candidate(config, t.params) for t in trials]
            new = {c.key: c for c in candidates if c.key not in cache}
            found = dict(zip(new, evaluate(list(new.values()), config.replicates), strict=True))
            for trial, c in zip(trials, candidates, strict=True):
                attrs = dict(cache[c.key].user_attrs) if c.key in cache else _attrs(config, c, found[c.key])
                for name, value in attrs.items():
                    trial.set_user_attr(name, value)
                trial.set_constraint("budget", attrs["cost_max"] - config.horizon_budget)
                values = [attrs["cost_mean"], attrs["objective"]] if config.front else attrs["objective"]
                cache[c.key] = study.tell(trial, values)
    trials_table = _trials_table(config, study)
    table, texts = _final(config, study, evaluate)
    interrupt.check()
    return OptimiseResult(config, trials_table, table, texts, sampler)


def _attrs(config: OptimiseConfig, c: Candidate, e: Evaluation) -> dict[str, Any]:
    return {
        "key": c.key,
        "objective": e.mean(config.objective),
        "cost_mean": float(np.mean(e.cost)),
        "cost_max": float(np.max(e.cost)),
        "values": e.objectives[config.objective],
    }


def candidate(config: OptimiseConfig, params: dict[str, Any]) -> Candidate:
    return Candidate(dict(params), tuple(c.table(params) for c in config.choices))


def _complete(study: Any) -> list[Any]:
    from optuna.trial import TrialState

    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


def _study(config: OptimiseConfig, path: Path) -> tuple[Any, str]:
    """The study in the journal file at ``path``: continued when it is there (its running trials,
    left by an interruption, marked failed), else created. InputError when it was made from
    another configuration."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend
    from optuna.trial import TrialState

    seed = config.experiment.seed % 2**32
    startup = max(5, min(10, config.trials // 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup, multivariate=True)
    name = "TPE" + (" (multi-objective)" if config.front else "") + " with the budget as a constraint"
    if exhaustive(config):
        name = "exhaustive: every combination"
    storage = JournalStorage(_UninterruptedJournal(JournalFileBackend(str(path))))
    directions = ["minimize", "maximize"] if config.front else ["maximize"]
    study = optuna.create_study(
        storage=storage, study_name="optimise", sampler=sampler, directions=directions, load_if_exists=True
    )
    known = study.user_attrs.get("config")
    if known is None:
        study.set_user_attr("config", config.key())
    elif known != config.key():
        message = (
            f"the study {path} was made from another configuration (delete it, or write to "
            "another -o, to start a new one)"
        )
        raise InputError([Problem("command line", 0, "-o", message)])
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        study.tell(trial.number, state=TrialState.FAIL)  # interrupted: proposed again
        study.enqueue_trial(trial.params)
    if exhaustive(config) and not study.trials:
        for params in grid(distributions(config.choices)):
            study.enqueue_trial(params)
    return study, name


class _UninterruptedJournal:
    """Optuna's journal file with its appends shielded from Ctrl-C (``interrupt.deferred``): an
    append takes a lock file and releases it, and optuna's lock, interrupted halfway, leaves the
    lock behind or fails on its own clean-up (FileNotFoundError on ``<study>.lock<uuid>.rename``)."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend

    def read_logs(self, log_number_from: int) -> Any:
        return self._backend.read_logs(log_number_from)

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        with interrupt.deferred():
            self._backend.append_logs(logs)


def exhaustive(config: OptimiseConfig) -> bool:
    """Whether the trials cover every combination of the decision variables (then each is tried
    once, in order, instead of sampled)."""
    return grid_size(config.choices) <= config.trials


MAX_ASKS = 20  # per trial: a search that keeps proposing allocations it has tried stops there


def _searched(config: OptimiseConfig, study: Any, cache: dict) -> bool:
    """Whether the search is done: ``trials`` different allocations evaluated (every point of the
    grid told, when exhaustive), or MAX_ASKS proposals per trial made."""
    told = len(_complete(study))
    if exhaustive(config):
        return told >= grid_size(config.choices)
    return len(cache) >= config.trials or told >= MAX_ASKS * config.trials


def grid(space: dict[str, Any]) -> list[dict[str, Any]]:
    """Every combination of the values of a discrete search space."""
    values = []
    for d in space.values():
        n = round((d.high - d.low) / d.step) + 1
        values.append(
            [
                type(d.low)(d.low + k * d.step) if isinstance(d.low, int) else d.low + k * d.step
                for k in range(n)
            ]
        )
    return [dict(zip(space, combination, strict=True)) for combination in itertools.product(*values)]


def _trials_table(config: OptimiseConfig, study: Any) -> pd.DataFrame:
    budget = config.horizon_budget
    rows = []
    for t in _complete(study):
        a = t.user_attrs
        rows.append(
            {
                "trial": t.number,
                **t.params,
                "objective": a["objective"],
                "cost_mean": a["cost_mean"],
                "cost_max": a["cost_max"],
                "feasible": a["cost_max"] <= budget,
                "key": a["key"],
            }
        )
    return pd.DataFrame(rows)


def front(points: list[tuple[float, float]]) -> list[int]:
    """The indices of the points (cost, effect) that no other point beats: cheaper or as cheap
    and more effective, or as effective and cheaper."""
    keep = []
    for i, (c, e) in enumerate(points):
        dominated = any((c2 <= c and e2 >= e) and (c2 < c or e2 > e) for c2, e2 in points)
        if not dominated:
            keep.append(i)
    return keep


def _final(config: OptimiseConfig, study: Any, evaluate: Evaluate) -> tuple[pd.DataFrame, dict[str, str]]:
    """Re-run the best feasible allocations (and the front) on final_replicates; rank them."""
    budget = config.horizon_budget
    unique: dict[str, Any] = {}
    ranked = sorted(
        _complete(study), key=lambda t: (-t.user_attrs["objective"], t.user_attrs["cost_mean"], t.number)
    )
    for t in ranked:
        if t.user_attrs["cost_max"] <= budget:
            unique.setdefault(t.user_attrs["key"], t)
    feasible = list(unique.values())
    roles = {t.user_attrs["key"]: "finalist" for t in feasible[: config.finalists]}
    if config.front:
        points = [(t.user_attrs["cost_mean"], t.user_attrs["objective"]) for t in feasible]
        for i in front(points):
            roles.setdefault(feasible[i].user_attrs["key"], "front")
    chosen = [t for t in feasible if t.user_attrs["key"] in roles]
    if not chosen:
        return pd.DataFrame(), {}
    candidates = [candidate(config, t.params) for t in chosen]
    evaluations = dict(
        zip([t.number for t in chosen], evaluate(candidates, config.final_replicates), strict=True)
    )
    rows = [
        _row(config, t, c, evaluations[t.number], roles[c.key], budget)
        for t, c in zip(chosen, candidates, strict=True)
    ]
    table = pd.DataFrame(rows).sort_values(  # ties: the cheaper first
        ["feasible", "objective", "cost_mean"], ascending=[False, False, True], kind="stable"
    )
    table = table.reset_index(drop=True)
    best = np.asarray(evaluations[table.trial.iloc[0]].objectives[config.objective])
    diffs = [
        mean_interval(np.asarray(evaluations[n].objectives[config.objective]) - best) for n in table.trial
    ]
    table["diff_to_best"], table["diff_ci_low"], table["diff_ci_high"] = zip(*diffs, strict=True)
    if table.feasible.iloc[0]:
        table.loc[0, "role"] = "best"
    table.insert(0, "name", [f"allocation_{k + 1}" for k in range(len(table))])
    tables = {t.number: c.tables for t, c in zip(chosen, candidates, strict=True)}
    texts = {
        row.name: _text(config, {row.name: list(tables[row.trial])}, config.final_replicates)
        for row in table.itertuples()
    }
    return table, texts


def _row(config: OptimiseConfig, t: Any, c: Candidate, e: Evaluation, role: str, budget: float) -> dict:
    mean, low, high = mean_interval(np.asarray(e.objectives[config.objective]))
    wijken = {
        ch.name: ", ".join(tab.get("wijken", ["all"])) if tab else "off"
        for ch, tab in zip(config.choices, c.tables, strict=True)
    }
    settings = {
        ch.setting(k): c.params[ch.setting(k)] if tab else None
        for ch, tab in zip(config.choices, c.tables, strict=True)
        for k in ch.ranges
    }
    return {
        "role": role,
        "trial": t.number,
        "objective": mean,
        "ci_low": low,
        "ci_high": high,
        "cost_mean": float(np.mean(e.cost)),
        "cost_max": float(np.max(e.cost)),
        "feasible": float(np.max(e.cost)) <= budget,
        **{f"mean_{n}": e.mean(n) for n in OBJECTIVES},
        **wijken,
        **settings,
    }


# --- output -------------------------------------------------------------------------------------


WRITTEN = ("allocations.csv", "trials.csv", "front.png")  # with one NAME.toml per allocation


def output_problem(out: str | os.PathLike[str]) -> str | None:
    """Why write_output may not write the folder ``out``, or None: it is a file, or a folder that
    holds anything write_output did not write there (it is replaced whole)."""
    out = Path(out)
    if not out.exists():
        return None
    if not out.is_dir():
        return f"{out} is a file (a folder for the allocations, new or written before)"
    try:
        with open(out / "allocations.csv", newline="", encoding="utf-8") as table:
            ours = set(WRITTEN) | {row.get("file") for row in csv.DictReader(table)}
    except (OSError, UnicodeDecodeError, csv.Error):
        ours = set()
    if others := sorted(p.name for p in out.iterdir() if p.name not in ours):
        return (
            f"{out} holds files that meedoen optimise did not write ({', '.join(others[:3])}"
            f"{', ...' if len(others) > 3 else ''}); it would be replaced whole (a new folder, or "
            "one optimise wrote)"
        )
    return None


def write_output(result: OptimiseResult, out: str | os.PathLike[str]) -> list[Path]:
    """Write OUT/: allocations.csv (the table), trials.csv, front.png (the plot) and one scenario
    file per allocation (NAME.toml). Written into OUT.partial and renamed when whole; an
    existing OUT is replaced only then, and only when it is one that write_output wrote
    (InputError otherwise: see output_problem)."""
    out = Path(out)
    if problem := output_problem(out):
        raise InputError([Problem(str(out), 0, "(file)", problem)])
    partial = out.with_name(out.name + ".partial")
    old = out.with_name(out.name + ".old")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        table = result.table.copy()
        table["file"] = [f"{name}.toml" for name in table.name]
        table.to_csv(partial / "allocations.csv", index=False)
        result.trials.to_csv(partial / "trials.csv", index=False)
        for name, text in result.texts.items():
            (partial / f"{name}.toml").write_text(text, encoding="utf-8")
        figure = result.plot()
        figure.savefig(partial / "front.png", dpi=120, format="png")
        if out.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out, old)
        os.replace(partial, out)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return sorted(out.iterdir())


def front_plot(result: OptimiseResult) -> Any:
    """See OptimiseResult.plot."""
    from matplotlib.figure import Figure

    config, trials, table = result.config, result.trials, result.table
    objective = OBJECTIVES[config.objective]
    figure = Figure(figsize=(8, 5), layout="constrained")
    ax = figure.add_subplot()
    if len(trials):
        ok = trials.feasible.astype(bool)
        ax.scatter(
            trials.cost_mean[ok] / 1e3, trials.objective[ok], s=12, color="0.6", label="trials (search)"
        )
        ax.scatter(
            trials.cost_mean[~ok] / 1e3,
            trials.objective[~ok],
            s=12,
            marker="x",
            color="0.75",
            label="trials over the budget",
        )
    ax.axvline(config.horizon_budget / 1e3, color="tab:red", linestyle="--", label="budget")
    if len(table):
        error = [table.objective - table.ci_low, table.ci_high - table.objective]
        ax.errorbar(
            table.cost_mean / 1e3,
            table.objective,
            yerr=error,
            fmt="o",
            color="tab:blue",
            capsize=3,
            label=f"re-run on {config.final_replicates} replicates (95% interval)",
        )
        on_front = table.iloc[front(list(zip(table.cost_mean, table.objective, strict=True)))]
        on_front = on_front.sort_values("cost_mean")
        ax.plot(on_front.cost_mean / 1e3, on_front.objective, color="tab:blue", linewidth=1)
        best = table[table.role == "best"]
        ax.scatter(
            best.cost_mean / 1e3,
            best.objective,
            s=150,
            marker="*",
            color="tab:orange",
            zorder=3,
            label="best",
        )
        for row in table.itertuples():
            ax.annotate(
                row.name.removeprefix("allocation_"),
                (row.cost_mean / 1e3, row.objective),
                textcoords="offset points",
                xytext=(5, 5),
                fontsize=8,
            )
    ax.set_xlabel(f"{config.cost_label} (thousand euro)")
    ax.set_ylabel(f"{objective.label} ({objective.unit})")
    ax.set_title(f"{config.path.name}: {objective.label} against cost")
    ax.legend(fontsize=8)
    return figure
