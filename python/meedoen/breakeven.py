"""The effect needed to break even: how large the interventions' effects must be for a scenario to
pay for itself, for the gemeente and for society.

The model parameter ``interventions.effect_factor`` (FACTOR) multiplies every intervention's
effects on the residents (docs/ODD.md, "The effect needed to break even"); 1 is the effects as
assumed, 0 none (the interventions still cost). For a scenario and an actor (ACTORS), the balance
B(f) is the mean over the replicates of the actor's balance against the reference scenario
(meedoen.mkba: benefit minus cost, present values over the horizon, paired by replicate) when
both run with factor f. Every run uses the same seed, so the replicates meet the same chance
events at every factor (common random numbers) and B is a smooth-ish function of f.

- ``factor``: the root of B on [0, upper] (scipy.optimize.brentq, to within ``xtol``); NaN when
  B has the same sign at 0 and at ``upper`` (no break-even within the bracket);
- ``factor_ci_low``, ``factor_ci_high``: the factors nearest the root at which the paired 95%
  t-interval of the balance stops containing 0 (the roots of its bounds: the test-inversion
  interval, the factors that a paired t-test at 5% cannot reject as the break-even); 0 when the
  interval contains 0 down to factor 0, NaN when it does so up to ``upper``;
- ``balance``, ``balance_ci_low``, ``balance_ci_high``: the run at ``at`` (the root; ``upper``
  when there is none), with its paired 95% interval: at the root it contains 0.

    from meedoen.breakeven import break_even
    table = break_even("scenarios/leiden.toml", scenarios=["project_door"], progress=True)
"""

import functools
import math
import os
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Any

import numpy as np
import pandas as pd

from meedoen import _core
from meedoen.errors import InputError, Problem, flag_problem
from meedoen.experiment import Experiment, load_experiment
from meedoen.mkba import SOCIETY, actor_flows, differences
from meedoen.progress import progress_bar
from meedoen.runner import run
from meedoen.summary import mean_interval

__all__ = [
    "ACTORS",
    "COLUMNS",
    "DEFAULT_REPLICATES",
    "DEFAULT_SCALE",
    "FACTOR",
    "UPPER",
    "break_even",
    "read_table",
    "report_section",
]

FACTOR = "interventions.effect_factor"
ACTORS = ("gemeente", SOCIETY)
UPPER = 5.0  # the default bracket [0, UPPER]
XTOL = 0.01  # the factors are found to within this
# Modest runs by default: the factor is a ratio of effects, so a tenth of the city serves.
DEFAULT_REPLICATES = 10
DEFAULT_SCALE = 0.1
COLUMNS = [
    "scenario", "baseline", "actor", "factor", "factor_ci_low", "factor_ci_high",
    "at", "balance", "balance_ci_low", "balance_ci_high", "upper", "runs", "replicates", "weeks", "scale",
]  # fmt: skip

Balances = dict[str, np.ndarray]  # per actor: the balance per replicate


def break_even(
    experiment: Experiment | str | os.PathLike[str],
    baseline: str | None = None,
    scenarios: Sequence[str] | None = None,
    upper: float = UPPER,
    *,
    replicates: int | None = DEFAULT_REPLICATES,
    scale: float | None = DEFAULT_SCALE,
    weeks: int | None = None,
    seed: int | None = None,
    threads: int = 0,
    progress: bool = False,
    xtol: float = XTOL,
) -> pd.DataFrame:
    """Per scenario (default: every one but the reference) and actor of ACTORS: the effect factor
    at which the actor's balance against ``baseline`` (default: the experiment's first scenario)
    reaches zero, with its interval and the balance there (the module's doc). Columns: COLUMNS.

    ``replicates``, ``scale``, ``weeks`` and ``seed`` replace the file's settings (None: keep
    the file's). ``progress=True`` shows a bar of the model runs on stderr. Raises
    meedoen.InputError for bad input.
    """
    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    experiment = experiment.with_overrides(replicates=replicates, scale=scale, weeks=weeks, seed=seed)
    baseline, names = _check(experiment, baseline, scenarios, upper)
    rows = []
    # The bar counts the scenarios searched; how many runs a root search takes is not known ahead.
    with progress_bar("break-even", "scenarios") if progress else nullcontext(None) as update:
        for done, name in enumerate(names):

            def count(runs: int, done: int = done, name: str = name) -> None:
                if update is not None:
                    update(done, len(names), f"break-even {name}: {runs} runs")

            count(0)
            search = _Search(experiment.select([baseline, name]), baseline, name, threads, count)
            found = [search.row(actor, upper, xtol) for actor in ACTORS]
            settings = [upper, len(search.runs), experiment.replicates, experiment.weeks, experiment.scale]
            rows += [[*row, *settings] for row in found]
            if update is not None:
                update(done + 1, len(names))
    return pd.DataFrame(rows, columns=COLUMNS)


def _check(
    experiment: Experiment, baseline: str | None, scenarios: Sequence[str] | None, upper: float
) -> tuple[str, list[str]]:
    """The reference and the scenarios to search; InputError naming every problem."""
    known = experiment.scenario_names
    baseline = baseline or known[0]
    problems = []
    if baseline not in known:
        problems.append(flag_problem("--baseline", f"no scenario {baseline} (one of: {', '.join(known)})"))
    names = list(scenarios) if scenarios else [n for n in known if n != baseline]
    for name in names:
        if name not in known or name == baseline:
            allowed = ", ".join(n for n in known if n != baseline) or "none"
            problems.append(flag_problem("--scenario", f"no scenario {name} to compare (one of: {allowed})"))
    if not names:
        problems.append(flag_problem("--scenario", "none to compare (the file has only the reference)"))
    largest, allowed = _largest_factor()
    if not 0 < upper <= largest:
        problems.append(flag_problem("--upper", f"value {upper:g} is out of range ({allowed})"))
    if experiment.replicates < 2:
        message = f"value {experiment.replicates} is too few (2 or more: the intervals need them)"
        problems.append(flag_problem("--replicates", message))
    if experiment.file_sets(FACTOR):
        problems.append(
            Problem(
                experiment.source_path,
                _line_of(experiment.source_text, FACTOR),
                FACTOR,
                "is set in the scenario file (the break-even search varies it: remove it there)",
            )
        )
    if problems:
        raise InputError(problems)
    return baseline, names


def _line_of(text: str, key: str) -> int:
    """The first line of ``text`` that names ``key`` (0 if none)."""
    return next((n for n, line in enumerate(text.splitlines(), 1) if key in line), 0)


class _Search:
    """The runs of one scenario beside its reference, one per factor (kept: every root search of
    both actors reads them), and the rows of the table."""

    def __init__(
        self, experiment: Experiment, baseline: str, scenario: str, threads: int, count: Callable[[int], None]
    ) -> None:
        self.experiment, self.baseline, self.scenario = experiment, baseline, scenario
        self.threads, self.count = threads, count
        self.runs: dict[float, Balances] = {}

    def balances(self, factor: float) -> Balances:
        """Each actor's balance per replicate when both scenarios run with ``factor``."""
        factor = float(factor)
        if factor not in self.runs:
            exp = self.experiment.with_parameters({FACTOR: factor}, "break-even")
            results = run(exp, threads=self.threads)
            flows = actor_flows(differences(results, self.baseline)[self.scenario])
            self.runs[factor] = {actor: benefit - cost for actor, (cost, benefit) in flows.items()}
            self.count(len(self.runs))
        return self.runs[factor]

    def bound(self, actor: str, which: int) -> Callable[[float], float]:
        """The balance's mean (which 0), lower (1) or upper (2) 95% bound as a function of f."""
        return lambda f: mean_interval(self.balances(f)[actor])[which]

    def row(self, actor: str, upper: float, xtol: float) -> list:
        """The table's row of ``actor``: the root, its interval, and the run at the root."""
        from scipy.optimize import brentq  # here, not above: `meedoen` starts without scipy

        mean = self.bound(actor, 0)
        at_zero, at_upper = mean(0.0), mean(upper)
        root = low = high = math.nan
        if at_zero == 0:
            root = 0.0
        elif at_zero * at_upper <= 0:
            root = brentq(mean, 0.0, upper, xtol=xtol)
        if not math.isnan(root):
            rising = at_upper > at_zero
            bottom, top = self.bound(actor, 1), self.bound(actor, 2)
            near, far = (top, bottom) if rising else (bottom, top)  # the bounds that cross 0 below, above
            low = _end(near, root, 0.0, rising, xtol, beyond=0.0)
            high = _end(far, root, upper, not rising, xtol, beyond=math.nan)
        at = upper if math.isnan(root) else root
        balance = mean_interval(self.balances(at)[actor])
        return [self.scenario, self.baseline, actor, root, low, high, at, *balance]


def _end(
    bound: Callable[[float], float],
    root: float,
    edge: float,
    positive_at_root: bool,
    xtol: float,
    beyond: float,
) -> float:
    """Where ``bound`` (a bound of the balance's interval, on the side of 0 given by
    ``positive_at_root`` at the root) crosses 0 between the root and ``edge``: ``beyond`` when it
    does not (the interval holds 0 up to the edge), the root when it is on the other side there."""
    sign = 1.0 if positive_at_root else -1.0
    at_root, at_edge = sign * bound(root), sign * bound(edge)
    if at_root < 0:
        return root
    if at_edge >= 0:
        return beyond
    from scipy.optimize import brentq

    a, b = sorted((root, edge))
    return brentq(bound, a, b, xtol=xtol)


# --- the table in the report (`meedoen report --break-even OUT.csv`) ------------------------------

REPORT_TEXT = {
    "nl": {
        "head": "Hoe groot moet het effect zijn?",
        "intro": (
            "Alle effecten van de interventies zijn aannames. Per scenario: hoeveel keer de aangenomen "
            "effecten nodig zijn om het saldo van de gemeente, en van de samenleving, tegenover "
            "“{baseline}” op nul te brengen (1: de effecten zoals aangenomen; onder 1: het scenario "
            "verdient zich ook met kleinere effecten terug). Met het 95%-interval, en het saldo van een "
            "run bij die factor."
        ),
        "columns": ("scenario", "partij", "factor", "saldo bij die factor"),
        "none": "niet binnen [0; {upper}]",
        "above": "> {upper}",
        "interval": "[{low}; {high}]",
        "at": " (bij factor {at})",
        "settings": (
            "Gevonden met meedoen breakeven: {replicates} herhalingen van {weeks} weken per run, schaal "
            "{scale}, dezelfde toevalsgetallen bij elke factor."
        ),
        "decimal": ",",
        "thousands": ".",
    },
    "en": {
        "head": "How large must the effect be?",
        "intro": (
            "Every effect of the interventions is an assumption. Per scenario: how many times the "
            "assumed effects it takes for the balance of the municipality, and of society, against "
            "“{baseline}” to reach zero (1: the effects as assumed; below 1: the scenario pays for "
            "itself with smaller effects too). With the 95% interval, and the balance of a run at that "
            "factor."
        ),
        "columns": ("scenario", "actor", "factor", "balance at that factor"),
        "none": "not within [0, {upper}]",
        "above": "> {upper}",
        "interval": "[{low}, {high}]",
        "at": " (at factor {at})",
        "settings": (
            "Found with meedoen breakeven: {replicates} replicates of {weeks} weeks per run, scale "
            "{scale}, the same random numbers at every factor."
        ),
        "decimal": ".",
        "thousands": ",",
    },
}
TABLE_ALLOWED = "(a CSV table written by meedoen breakeven)"


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The table that ``meedoen breakeven`` wrote to ``path``, its columns COLUMNS; InputError naming
    the file when it cannot be read as one, and the file, line and column of every value that is
    not as the command writes it (an empty name, an unknown actor, a number that is not one, not
    finite, not whole or out of its range, an interval that does not hold its value)."""
    name = str(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)  # "nan" and "inf" as written
    except FileNotFoundError:
        raise InputError([Problem(name, 0, "(file)", f"does not exist {TABLE_ALLOWED}")]) from None
    except (OSError, ValueError, UnicodeDecodeError) as error:
        problem = Problem(name, 0, "(file)", f"cannot be read ({error}) {TABLE_ALLOWED}")
        raise InputError([problem]) from None
    if missing := [c for c in COLUMNS if c not in table.columns]:
        problem = Problem(name, 1, "(file)", f"lacks the columns {', '.join(missing)} {TABLE_ALLOWED}")
        raise InputError([problem])
    if table.empty:
        raise InputError([Problem(name, 0, "(file)", f"has no rows {TABLE_ALLOWED}")])
    rows, problems = [], []
    for line, cells in enumerate(table[COLUMNS].fillna("").to_dict("records"), start=2):  # a short row
        row = _Row(cells)
        rows.append(row.values)
        problems += [Problem(name, line, column, message) for column, message in row.problems]
    if problems:
        raise InputError(problems)
    return pd.DataFrame(rows, columns=COLUMNS)


@functools.cache
def _largest_factor() -> tuple[float, str]:
    """The largest value of FACTOR the model takes, and the range of --upper (and of a table's
    upper) in words."""
    largest = float(next(p["max"] for p in _core.parameters() if p["name"] == FACTOR))
    return largest, f"a number above 0, at most {largest:g}: the largest {FACTOR}"


class _Row:
    """One row of a break-even table read (read_table): ``values`` by column (NaN for a number that
    is empty or bad) and ``problems``, (column, message) for each value that is not as
    ``meedoen breakeven`` writes it."""

    def __init__(self, cells: dict[str, str]) -> None:
        self.cells = cells
        self.values: dict[str, object] = {}
        self.problems: list[tuple[str, str]] = []
        for column in ("scenario", "baseline"):
            self.values[column] = cells[column]
            if not cells[column].strip():
                self.problems.append((column, "is empty (the name of a scenario)"))
        actor = self.values["actor"] = cells["actor"]
        if actor not in ACTORS:
            shown = f"{actor} is" if actor.strip() else "is empty,"
            self.problems.append(("actor", f"{shown} not an actor (one of: {', '.join(ACTORS)})"))
        largest, allowed = _largest_factor()
        upper = self.number("upper", allowed, 0, largest)
        top = largest if math.isnan(upper) else upper  # the factors' range
        self.number("runs", "a whole number, 1 or more: the model runs of the search", 1, math.inf, True)
        for column in ("replicates", "weeks"):
            low, high = _core.limits[column]
            low = 2 if column == "replicates" else low  # the intervals need 2
            allowed = f"a whole number from {low} to {high}: the {column} of each run"
            self.number(column, allowed, low, high, True)
        low, high = _core.limits["scale"]
        self.number("scale", f"a number from {low:g} to {high:g}: the scale of each run", low, high)
        factors = f"a number from 0 to {top:g}, the upper end of the search"
        none = "empty when there is none"
        factor = self.number("factor", f"{factors}; {none}", 0, top, required=False)
        self.number("factor_ci_low", f"{factors}; {none}", 0, top, required=not math.isnan(factor))
        self.number("factor_ci_high", f"{factors}; empty when it reaches that end", 0, top, required=False)
        self.number("at", f"{factors}: the factor of the run whose balance follows", 0, top)
        for column in ("balance", "balance_ci_low", "balance_ci_high"):
            self.number(column, "a finite number of euros", -math.inf, math.inf)
        self.interval("factor")
        self.interval("balance")

    def number(
        self, column: str, allowed: str, low: float, high: float, whole: bool = False, required: bool = True
    ) -> float:
        """The number in ``column`` (NaN when it is empty or not as ``allowed``): finite, whole if
        ``whole``, from ``low`` to ``high``; empty only if not ``required``."""
        text = self.cells[column].strip()
        self.values[column] = math.nan
        if not text:
            if required:
                self.problems.append((column, f"is empty ({allowed})"))
            return math.nan
        try:
            value = float(text)
        except ValueError:
            self.problems.append((column, f"value {text!r} is not a number {TABLE_ALLOWED}"))
            return math.nan
        if not math.isfinite(value):
            wrong = "is not a finite number"
        elif whole and not value.is_integer():
            wrong = "is not a whole number"
        elif not low <= value <= high or (column == "upper" and value == 0):  # upper: above 0
            wrong = "is out of range"
        else:
            self.values[column] = int(value) if whole else value
            return value
        self.problems.append((column, f"value {text} {wrong} ({allowed})"))
        return math.nan

    def interval(self, column: str) -> None:
        """A problem when the 95% interval in COLUMN_ci_low and COLUMN_ci_high does not hold the
        value of ``column`` (not checked where one of them is empty or bad)."""
        value: float = self.values[column]  # type: ignore[assignment]
        for side, where in (("low", "above"), ("high", "below")):
            end = f"{column}_ci_{side}"
            bound: float = self.values[end]  # type: ignore[assignment]
            if bound > value if side == "low" else bound < value:  # False where either is NaN
                shown, of = self.cells[end].strip(), self.cells[column].strip()
                self.problems.append((end, f"value {shown} is {where} {column}, {of} (its 95% interval)"))


def report_section(table: pd.DataFrame, lang: str) -> dict:
    """What the report's section shows of ``table`` (read_table, not empty) in ``lang``: its texts
    and a row per scenario and actor."""
    from meedoen.mkba import LABELS

    say = _Words(REPORT_TEXT[lang])
    rows = []
    for row in table.itertuples(index=False):
        at = "" if row.at == row.factor else say.words["at"].format(at=say.short(row.at))
        interval = say.interval(say.euros(row.balance_ci_low), say.euros(row.balance_ci_high))
        balance = f"{say.euros(row.balance)} {interval}{at}"
        actor = LABELS[lang][row.actor]
        rows.append({"scenario": row.scenario, "actor": actor, "factor": say.factor(row), "balance": balance})
    first = table.iloc[0]
    settings = say.words["settings"].format(
        replicates=int(first.replicates), weeks=int(first.weeks), scale=say.short(first.scale)
    )
    return {
        "head": say.words["head"],
        "intro": say.words["intro"].format(baseline=first.baseline),
        "columns": say.words["columns"],
        "rows": rows,
        "settings": settings,
    }


class _Words:
    """Numbers as the report's language writes them (REPORT_TEXT[lang])."""

    def __init__(self, words: dict) -> None:
        self.words = words

    def number(self, value: float, places: int) -> str:
        text = f"{value:,.{places}f}".replace(",", "_").replace(".", self.words["decimal"])
        return text.replace("_", self.words["thousands"]).replace("-", "−")

    def short(self, value: float) -> str:
        return f"{value:g}".replace(".", self.words["decimal"])

    def interval(self, low: str, high: str) -> str:
        return self.words["interval"].format(low=low, high=high)

    def euros(self, value: float) -> str:
        """Thousands of euros, the sign before the euro sign."""
        return ("−" if round(value / 1000) < 0 else "") + f"€{self.number(abs(value) / 1000, 0)}k"

    def factor(self, row: Any) -> str:
        """The factor with its interval, or that there is none within [0, upper]."""
        upper = self.short(row.upper)
        if math.isnan(row.factor):
            return self.words["none"].format(upper=upper)
        high = self.words["above"].format(upper=upper)
        if not math.isnan(row.factor_ci_high):
            high = self.number(row.factor_ci_high, 2)
        return f"{self.number(row.factor, 2)} {self.interval(self.number(row.factor_ci_low, 2), high)}"
