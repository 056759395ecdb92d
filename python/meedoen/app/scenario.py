"""The app's form as a scenario file, and back: what the browser edits, without the browser.

A ``Form`` holds the settings, one changed assumption and up to ``MAX_SCENARIOS`` scenarios,
each with its interventions (type, wijken, weeks, levers and any other settings it came with).
``to_toml`` writes the form as the text of a scenario file, remembering which field each line
comes from; ``check`` has the engine read that text and returns its problems by field, so that
the browser shows each one beside its field. The intervention types, their levers, the wijken,
the ranges, units and sources all come from the engine (meedoen.parameters() and the
Experiment): nothing here repeats them.
"""

import json
import math
from dataclasses import dataclass, field
from functools import cache

from meedoen import _core
from meedoen.errors import InputError, Problem
from meedoen.experiment import Experiment

__all__ = [
    "GENERAL",
    "LEVER_KEYS",
    "MAX_SCENARIOS",
    "Form",
    "InterventionForm",
    "ScenarioForm",
    "Settings",
    "assumption_parameters",
    "check",
    "from_experiment",
    "intervention_types",
    "levers",
    "to_toml",
]

MAX_SCENARIOS = 4  # scenarios beside the baseline
# The main levers of an intervention type: its keys that set its capacity (staff hours, places, pot).
LEVER_KEYS = (
    "staff_hours", "opening_hours", "training_hours", "meeting_hours", "places", "list_size", "yearly_pot"
)
GENERAL = "general"  # the field of a problem that belongs to no field (the whole file)
BASELINE = "baseline"


@dataclass
class Settings:
    name: str
    weeks: float | None
    replicates: float | None
    seed: float | None
    scale: float | None
    population_data: str


@dataclass
class InterventionForm:
    type: str
    name: str
    wijken: list[str]
    start_week: float | None = 1
    end_week: float | None = None  # None: to the end
    levers: dict[str, float | None] = field(default_factory=dict)
    other: dict[str, object] = field(default_factory=dict)  # settings it came with, kept as they are


@dataclass
class ScenarioForm:
    name: str
    interventions: dict[str, InterventionForm]  # by type: each type at most once
    parameters: dict[str, object] = field(default_factory=dict)  # its own, kept as they are


@dataclass
class Form:
    settings: Settings
    scenarios: list[ScenarioForm]
    assumption: tuple[str, str] | None = None  # (parameter name, value as typed)
    source_path: str = "scenario.toml"  # where relative data paths are read from


@cache
def _parameter_table() -> dict[str, dict]:
    return {p["name"]: p for p in _core.parameters()}


def parameter_info(name: str) -> dict:
    """The registry's row of a parameter: unit, default, min, max, source, description, labels."""
    return _parameter_table()[name]


@cache
def intervention_types() -> tuple[str, ...]:
    """The intervention types the engine knows: the prefixes of the parameter table that the
    engine accepts as a scenario's intervention type."""
    prefixes = dict.fromkeys(name.split(".")[0] for name in _parameter_table())
    return tuple(p for p in prefixes if _is_type(p))


def _is_type(prefix: str) -> bool:
    text = f'[[scenario]]\nname = "x"\n[[scenario.intervention]]\ntype = {json.dumps(prefix)}\n'
    try:
        _core.parse_experiment(text, "probe.toml")
    except InputError as error:
        return not any(getattr(p, "key", "").endswith(".type") for p in error.problems)
    return True


def levers(kind: str) -> list[str]:
    """The main levers of an intervention type, as keys within the type (staff_hours, ...)."""
    return [key for key in LEVER_KEYS if f"{kind}.{key}" in _parameter_table()]


def assumption_parameters() -> list[str]:
    """The parameters of the model itself (not of an intervention type), the assumptions."""
    types = set(intervention_types())
    return [name for name in _parameter_table() if name.split(".")[0] not in types]


def from_experiment(experiment: Experiment, scenario: str | None) -> ScenarioForm:
    """A scenario of the experiment as a form (``None``: the baseline, no interventions)."""
    if scenario is None:
        return ScenarioForm("scenario", {})
    interventions = {}
    for spec in experiment.interventions(scenario):
        if spec["type"] in interventions:
            continue  # the form has one of each type
        own = _own_settings(experiment, scenario, spec)
        kind = spec["type"]
        interventions[kind] = InterventionForm(
            kind,
            spec["name"],
            list(spec["wijken"]),
            spec["start_week"],
            spec["end_week"],
            {key: experiment.parameter(f"{kind}.{key}", scenario, spec["name"]) for key in levers(kind)},
            {key: value for key, value in own.items() if key not in LEVER_KEYS},
        )
    baseline = experiment.scenario_names[0]
    parameters = {
        name: experiment.parameter(name, scenario)
        for name in assumption_parameters()
        if experiment.parameter(name, scenario) != experiment.parameter(name, baseline)
    }
    return ScenarioForm(scenario, interventions, parameters)


def _own_settings(experiment: Experiment, scenario: str, spec: dict) -> dict[str, object]:
    prefix = spec["type"] + "."
    own = {}
    for name in _parameter_table():
        if name.startswith(prefix):
            value = experiment.parameter(name, scenario, spec["name"])
            if value != experiment.parameter(name, scenario):
                own[name.removeprefix(prefix)] = value
    return own


def field_id(slot: int, kind: str = "", what: str = "") -> str:
    """The id of a form field: ``s1_name``, ``s1_home_visits_wijken``, ``s1_home_visits_staff_hours``."""
    return "_".join(part for part in (f"s{slot}", kind, what) if part)


def to_toml(form: Form) -> tuple[str, dict[int, str], dict[str, str]]:
    """The form as scenario-file text; the field of each line (by line number); and the fields
    that cannot be written at all (an empty number), with their message."""
    writer = _Writer()
    s = form.settings
    writer.line("# Made with `meedoen app`.")
    writer.line("[experiment]")
    writer.value("name", s.name, "name")
    for key in ("weeks", "replicates", "seed"):
        writer.number(key, getattr(s, key), key, integer=True)
    writer.line("\n[population]")
    writer.value("data", s.population_data, GENERAL)
    writer.number("scale", s.scale, "scale")
    if form.assumption and form.assumption[1].strip():
        name, typed = form.assumption
        writer.line("\n[parameters]")
        writer.raw(f"{name} = {_typed_value(typed)}", "assumption_value")
    writer.line(f'\n[[scenario]]\nname = "{BASELINE}"')
    for slot, scenario in enumerate(form.scenarios, start=1):
        _write_scenario(writer, slot, scenario)
    return "\n".join(writer.lines) + "\n", writer.fields, writer.empty


def _write_scenario(writer: "_Writer", slot: int, scenario: ScenarioForm) -> None:
    writer.line("\n[[scenario]]")
    writer.value("name", scenario.name, field_id(slot, what="name"))
    if scenario.parameters:
        writer.line("  [scenario.parameters]")
        for name, value in scenario.parameters.items():
            writer.raw(f"  {name} = {_toml(value)}", field_id(slot, what="name"))
    for kind, i in scenario.interventions.items():
        if not i.wijken:
            continue  # switched on in no wijk: off
        writer.line("  [[scenario.intervention]]")
        writer.value("  type", kind, field_id(slot, kind, "wijken"))
        if i.name != kind:
            writer.value("  name", i.name, field_id(slot, kind, "wijken"))
        writer.raw(f"  wijken = {_toml(i.wijken)}", field_id(slot, kind, "wijken"))
        writer.number("  start_week", i.start_week, field_id(slot, kind, "start_week"), integer=True)
        if i.end_week is not None and not (isinstance(i.end_week, float) and math.isnan(i.end_week)):
            writer.number("  end_week", i.end_week, field_id(slot, kind, "end_week"), integer=True)
        for key, value in i.levers.items():
            integer = bool(parameter_info(f"{kind}.{key}")["integer"])
            writer.number(f"  {key}", value, field_id(slot, kind, key), integer=integer)
        for key, value in i.other.items():
            writer.raw(f"  {key} = {_toml(value)}", field_id(slot, kind, "wijken"))


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.fields: dict[int, str] = {}
        self.empty: dict[str, str] = {}

    def line(self, text: str) -> None:
        self.lines.extend(text.split("\n"))

    def raw(self, text: str, field_name: str) -> None:
        self.lines.append(text)
        self.fields[len(self.lines)] = field_name

    def value(self, key: str, value: str, field_name: str) -> None:
        self.raw(f"{key} = {json.dumps(value, ensure_ascii=False)}", field_name)

    def number(self, key: str, value: float | None, field_name: str, integer: bool = False) -> None:
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            self.empty[field_name] = "empty"
            return
        if integer and float(value).is_integer():
            value = int(value)
        self.raw(f"{key} = {_toml(value)}", field_name)


def _toml(value: object) -> str:
    """A TOML value: a string, a number or a list of them."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def _typed_value(typed: str) -> str:
    """A value typed in the browser as TOML: a number, or numbers separated by commas (a list).
    Anything else is written as a string, which the engine refuses with its own message."""
    parts = [part.strip() for part in typed.split(",")]
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        return json.dumps(typed)
    values = [int(n) if n.is_integer() and "." not in p else n for n, p in zip(numbers, parts, strict=True)]
    return _toml(values if len(values) > 1 else values[0])


def check(form: Form) -> tuple[str, Experiment | None, dict[str, list[str]]]:
    """The form's text, its Experiment when the engine accepts it, and the problems by field
    (GENERAL for those of no field)."""
    text, fields, empty = to_toml(form)
    problems: dict[str, list[str]] = {name: [message] for name, message in empty.items()}
    if problems:
        return text, None, problems
    try:
        return text, _core.parse_experiment(text, form.source_path), {}
    except InputError as error:
        for problem in error.problems:
            where = fields.get(problem.line, GENERAL) if isinstance(problem, Problem) else GENERAL
            problems.setdefault(where, []).append(_message(problem))
        return text, None, problems


def _message(problem: Problem | str) -> str:
    """What the browser shows of a problem: its key and message (the line is the form's own)."""
    if isinstance(problem, Problem):
        return f"{problem.key.rsplit('.', 1)[-1]}: {problem.message}"
    return str(problem)
