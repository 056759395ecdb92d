"""Console output of the commands: tables, lines and numbers with their intervals.

Every piece of text goes to rich as a ``Text`` object, never as a string that rich
would read as markup: a scenario, wijk or experiment name such as ``Noord [/]`` or
``[versie 2]`` is printed as written.
"""

import math
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.table import Table
from rich.text import Text

from meedoen.errors import Problem
from meedoen.outcomes import OUTCOMES, UNBOUNDED, decimals, end_places, fixed, has_interval

__all__ = ["cell", "console", "percent", "print_problems", "say", "table"]

# Where stdout is not a terminal (a file, a pipe), nothing is cut to fit a width: a table is as
# wide as it needs (rich's default would be 80 columns).
WIDTH_WHEN_PIPED = 100_000


def console() -> Console:
    """The console on stdout: the terminal's width, or WIDTH_WHEN_PIPED when stdout is not a terminal."""
    return Console(width=None if sys.stdout.isatty() else WIDTH_WHEN_PIPED)


def table(title: str, columns: Sequence[str], first: str | Sequence[str]) -> Table:
    """A table with ``title``, the left-aligned columns ``first`` (one or more) that do not wrap,
    then ``columns`` aligned right. In a terminal too narrow for it a text wraps (folds), never
    ends in an ellipsis."""
    out = Table(title=Text(title))
    for name in [first] if isinstance(first, str) else first:
        out.add_column(Text(name), no_wrap=True, overflow="fold")
    for column in columns:
        out.add_column(Text(column), justify="right", overflow="fold")
    return out


def add_row(to: Table, cells: Iterable[str]) -> None:
    """A row of plain texts."""
    to.add_row(*(Text(c) for c in cells))


def say(out: Console, line: str) -> None:
    """One line of plain text (long ones wrap only where the terminal ends)."""
    out.print(Text(line), soft_wrap=True)


@contextmanager
def working(what: str) -> Iterator[None]:
    """A spinner with ``what`` on stderr while the block runs, where stderr is a terminal (so that
    a command that computes for seconds does not look stuck); gone when the block ends."""
    if not sys.stderr.isatty():
        yield
        return
    with Console(stderr=True).status(Text(what)):
        yield


def print_problems(problems: Iterable[Problem | str]) -> None:
    """Each problem on its own line on stderr, as written."""
    for problem in problems:
        print(problem, file=sys.stderr)


def cell(mean: float, low: float, high: float, unit: str, diff: bool = False) -> str:
    """A mean (or, ``diff``, a paired difference) with its interval, in ``unit`` (an outcome's
    name, or "euro" or "week"), rounded to the significant digits of the interval
    (outcomes.decimals, outcomes.end_places); an end at +inf (no upper end) as "∞"; "-" for no
    number."""
    show = has_interval(mean, low, high)
    if math.isnan(mean) and not show:
        return "-"
    fmt = _formatter(OUTCOMES[unit].unit if unit in OUTCOMES else unit, diff, low, high, mean, show)
    number = "-" if math.isnan(mean) else fmt(mean)
    return f"{number} [{fmt(low, end=True)}, {fmt(high, end=True)}]" if show else number


def _formatter(unit: str, diff: bool, low: float, high: float, mean: float, show: bool):  # noqa: ANN202
    sign = "+" if diff else ""
    if unit == "share":
        factor, default, suffix = 100, 2 if diff else 1, " pp" if diff else "%"
    elif unit == "euro":
        factor, default, suffix = 1 / 1000, 0, "k"
    elif unit == "week":
        return lambda v, end=False: UNBOUNDED if math.isinf(v) else f"week {v:.0f}"
    else:
        factor, default, suffix = 1, 1, ""
    places = decimals(default, factor * low, factor * high, factor * mean) if show else default

    def shown(v: float, end: bool = False) -> str:
        if math.isinf(v):
            return UNBOUNDED
        p = end_places(factor * v, places) if end else places
        text = fixed(factor * v, p, f"{sign},")
        if not text.lstrip("+-").strip("0.,"):  # rounds to zero: no minus sign (-0k)
            text = fixed(0.0, p, f"{sign},")
        return text + suffix

    return shown


def percent(mean: float, low: float, high: float) -> str:
    """The mean and the half-width of its (symmetric) interval, in percent."""
    if not has_interval(mean, low, high):
        return f"{mean:.1%}"
    places = max(0, decimals(1, 100 * low, 100 * high, 100 * mean))
    return f"{mean:.{places}%} ± {(high - low) / 2:.{places}%}"
