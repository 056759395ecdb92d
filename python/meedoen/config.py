"""Strict reading of the TOML configuration files of `meedoen calibrate` and `meedoen sensitivity`.

tomllib parses the file; this module checks every key and value against what is
allowed and reports each problem as a meedoen.errors.Problem (``FILE:LINE: key:
what is wrong (what is allowed)``), all at once, as one meedoen.InputError. tomllib keeps no line
numbers, so the line of a key is found again in the text (its table header,
then the key within that table).
"""

import difflib
import math
import re
from dataclasses import dataclass
from pathlib import Path

import tomllib

from meedoen import _core
from meedoen.errors import InputError, Problem, decode_utf8

__all__ = ["ConfigFile", "ParameterRange", "Section", "read_parameter_ranges"]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_.-]+)\s*=")


class ConfigFile:
    """A TOML file read whole; ``problems`` collects what is wrong with it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.problems: list[Problem] = []
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            missing = Problem(path, 0, "(file)", "does not exist (a TOML configuration file)")
            raise InputError([missing]) from None
        except OSError as error:
            raise InputError([Problem(path, 0, "(file)", f"cannot be read ({error})")]) from None
        self.text = decode_utf8(data, str(path), "a TOML configuration file")
        try:
            self.data = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as error:
            match = re.search(r"\(at line (\d+), column \d+\)", str(error))
            line = int(match.group(1)) if match else 1
            message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
            raise InputError([Problem(path, line, "(file)", f"{message} (a TOML file)")]) from None
        self._lines = self.text.splitlines()

    def section(self, name: str, required: bool = True) -> "Section":
        """The top-level table ``name`` (an empty one, with a problem if required, when missing)."""
        table = self.data.get(name)
        if table is None and required:
            self.problems.append(Problem(self.path, 1, f"[{name}]", f"is missing (a [{name}] table)"))
        if table is not None and not isinstance(table, dict):
            self.problems.append(Problem(self.path, self.line_of((name,)), name, "is not a table"))
            table = None
        return Section(self, (name,), table or {})

    def check_top_level(self, allowed: list[str]) -> None:
        """A problem for each top-level key other than ``allowed``."""
        Section(self, (), self.data).only(allowed)

    def raise_problems(self) -> None:
        """Raise InputError with every problem found so far (if any): this file's in the order of
        its lines, then the others (such as those of a scenario file it names) as they came."""
        if self.problems:

            def ours(problem: Problem) -> bool:
                return problem.file == str(self.path)

            mine = sorted(filter(ours, self.problems), key=lambda p: p.line)
            raise InputError(mine + [p for p in self.problems if not ours(p)])

    def line_of(self, keys: tuple) -> int:
        """The line of a key path such as ("sensitivity", "parameter", 1, "min") (1 if not found).

        A string is a key, an int the index of an array-of-tables entry.
        """
        tables, key = _split(keys)
        header_line, seen = 0, {}
        in_table = not tables
        for number, line in enumerate(self._lines, start=1):
            header = _HEADER.match(line)
            if header:
                name = tuple(part.strip().strip("\"'") for part in header.group(2).split("."))
                seen[name] = seen.get(name, -1) + 1
                in_table = _header_matches(name, header.group(1) == "[[", seen[name], tables)
                if in_table:
                    header_line = number
                continue
            if in_table and key is not None:
                match = _KEY.match(line)
                if match and match.group(1).strip("\"'") == key:
                    return number
        return header_line or 1


def _split(keys: tuple) -> tuple[list, str | None]:
    """Key path → (table path with indices, the last key or None when the path names a table)."""
    keys = list(keys)
    if keys and isinstance(keys[-1], str) and len(keys) > 1:
        return keys[:-1], keys[-1]
    if len(keys) == 1:
        return [], keys[0]
    return keys, None


def _header_matches(name: tuple, is_array: bool, occurrence: int, tables: list) -> bool:
    names = [t for t in tables if isinstance(t, str)]
    if list(name) != names:
        return False
    index = next((t for t in tables if isinstance(t, int)), None)
    return index is None or (is_array and occurrence == index)


@dataclass
class Section:
    """One table of a ConfigFile, with typed readers that record problems instead of raising."""

    config: ConfigFile
    keys: tuple
    table: dict

    def problem(self, key: str | None, message: str) -> None:
        path = (*self.keys, key) if key is not None else self.keys
        dotted = ".".join(str(k) if isinstance(k, str) else f"[{k + 1}]" for k in path).replace(".[", "[")
        self.config.problems.append(Problem(self.config.path, self.config.line_of(path), dotted, message))

    def only(self, allowed: list[str]) -> None:
        """A problem for every key not in ``allowed`` (with a did-you-mean hint)."""
        for key in self.table:
            if key not in allowed:
                near = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean '{near[0]}'? " if near else ""
                self.problem(key, f"unknown key ({hint}allowed: {', '.join(allowed)})")

    def _get(self, key: str, default: object, allowed: str) -> tuple[bool, object]:
        """(present, value); a problem when a required key (default None) is missing."""
        if key in self.table:
            return True, self.table[key]
        if default is None:
            self.problem(key, f"is missing ({allowed})")
        return False, default

    def integer(self, key: str, default: int | None, low: int, high: int) -> int | None:
        allowed = f"an integer from {low} to {high}"
        present, value = self._get(key, default, allowed)
        if present and (isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high):
            self.problem(key, f"is {_show(value)} ({allowed})")
            return default
        return value  # type: ignore[return-value]

    def number(self, key: str, default: float | None, low: float, high: float) -> float | None:
        allowed = f"a number from {low:g} to {high:g}"
        present, value = self._get(key, default, allowed)
        if not present:
            return default
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or not low <= value <= high:  # type: ignore[operator]
            self.problem(key, f"is {_show(value)} ({allowed})")
            return default
        return float(value)  # type: ignore[arg-type]

    def boolean(self, key: str, default: bool | None) -> bool | None:
        present, value = self._get(key, default, "true or false")
        if present and not isinstance(value, bool):
            self.problem(key, f"is {_show(value)} (true or false)")
            return default
        return value  # type: ignore[return-value]

    def text(self, key: str, default: str | None, choices: list[str] | None = None) -> str | None:
        allowed = f"one of {', '.join(choices)}" if choices else "a text in quotes"
        present, value = self._get(key, default, allowed)
        if present and (not isinstance(value, str) or (choices is not None and value not in choices)):
            self.problem(key, f"is {_show(value)} ({allowed})")
            return default
        return value  # type: ignore[return-value]

    def texts(self, key: str, default: list[str], choices: list[str]) -> list[str]:
        value = self.table.get(key, default)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            self.problem(key, f"is {_show(value)} (a list of one or more of {', '.join(choices)})")
            return default
        bad = [v for v in value if v not in choices]
        for v in bad:
            self.problem(key, f"'{v}' is not known (one of {', '.join(choices)})")
        return [v for v in value if v in choices]

    def file(self, key: str) -> Path | None:
        """A path relative to the configuration file's folder; it must exist."""
        value = self.text(key, None)
        if value is None:
            return None
        path = Path(value) if Path(value).is_absolute() else self.config.path.parent / value
        if not path.is_file():
            folder = self.config.path.parent
            self.problem(key, f"'{value}' does not exist (a path relative to {folder})")
            return None
        return path

    def tables(self, key: str) -> list["Section"]:
        """The entries of an array of tables ([[section.key]])."""
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(key, f"is {_show(value)} (one or more [[{'.'.join(self.keys)}.{key}]] tables)")
            return []
        return [Section(self.config, (*self.keys, key, k), v) for k, v in enumerate(value)]


def _show(value: object) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    return str(value)


@dataclass(frozen=True)
class ParameterRange:
    """A model parameter and the interval it is varied over (prior or sampling range)."""

    name: str
    low: float
    high: float


def read_parameter_ranges(sections: list[Section], where: Section) -> list[ParameterRange]:
    """[[...parameter]] tables (name, optional min and max) as ranges within the registry's.

    Only scalar parameters; min and max default to the registry's range and must
    lie within it, min < max; each parameter once.
    """
    registry = {p["name"]: p for p in _core.parameters()}
    ranges: list[ParameterRange] = []
    if not sections:
        where.problem("parameter", "is missing (one or more [[...parameter]] tables with a name)")
    for s in sections:
        s.only(["name", "min", "max"])
        name = s.text("name", None)
        if name is None:
            continue
        spec = registry.get(name)
        if spec is None:
            near = difflib.get_close_matches(name, list(registry), n=3)
            hint = f"did you mean {', '.join(near)}? " if near else ""
            s.problem("name", f"'{name}' is not a model parameter ({hint}see docs/parameters.md)")
            continue
        if spec["labels"]:
            s.problem("name", f"'{name}' is a vector parameter (a scalar parameter; see docs/parameters.md)")
            continue
        if any(r.name == name for r in ranges):
            s.problem("name", f"'{name}' is named twice (each parameter once)")
            continue
        lo, hi = float(spec["min"]), float(spec["max"])
        low = s.number("min", lo, lo, hi)
        high = s.number("max", hi, lo, hi)
        if low is not None and high is not None and low >= high:
            s.problem("max", f"is {high:g}, not above min {low:g} (max > min)")
            continue
        if low is not None and high is not None:
            ranges.append(ParameterRange(name, low, high))
    return ranges


def check_relations(sections: list[Section], experiment: _core.Experiment, ranges: list[ParameterRange]) -> None:
    """A problem for each relation between parameters (min_budget at most max_budget, declared
    once in the engine: _core.parameter_relations()) that the ranges allow to break, at the
    [[...parameter]] table of a bound they vary. The engine judges the worst corner: the lower
    bound at its max, the upper at its min, the other values as the scenario file has them."""
    varied = {r.name: r for r in ranges}
    for relation in _core.parameter_relations():
        lower, upper = varied.get(str(relation["lower"])), varied.get(str(relation["upper"]))
        corner = {**({lower.name: lower.high} if lower else {}), **({upper.name: upper.low} if upper else {})}
        if not corner:
            continue
        try:
            experiment.with_parameters(corner, origin="ranges")
        except InputError as error:
            why = error.problems[0].split(": ", 2)[-1]
            name, key = (lower.name, "max") if lower else (upper.name, "min")  # type: ignore[union-attr]
            table = next(s for s in sections if s.table.get("name") == name)
            table.problem(key, f"lets {relation['lower']} exceed {relation['upper']}: {why}")
