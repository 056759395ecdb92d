"""Reading a pilot file: every problem at once, as ``FILE:LINE: column: what is wrong (what is
allowed)``, never repeating a value from the file."""

import csv
import difflib
import math
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from meedoen.errors import InputError, Problem, decode_utf8
from meedoen.pilot.format import (
    ALL,
    COLUMNS,
    COUNT_ALLOWED,
    COUNTS,
    DELIMITERS,
    DOCS,
    KEYS,
    MAX_COUNT,
    MAX_LABEL,
    MAX_WEEK,
    REQUIRED,
    RUNG_BLOCKS,
    TEXT_ALLOWED,
    WEEK_ALLOWED,
    WEEKS,
    Pilot,
    columns_text,
    model_wijken,
)
from meedoen.pilot.privacy import AGGREGATES_ONLY, personal_column, personal_value

NAME = re.compile(r"[A-Za-z0-9_-]+")
LABEL = re.compile(r"[A-Za-z0-9 _.+-]+")
LINE_END = re.compile(r"\r\n|\r|\n")
COMMENT = re.compile(r'\s*"?#')  # also a comment cell that a spreadsheet put in quotes
BLANK = re.compile(r"[\s,;]*")  # nothing but spaces and separators (a spreadsheet's empty row)
# A count or week is digits only. What else a number may look like, for the message:
WHOLE = re.compile(r"[0-9]+")
NEGATIVE = re.compile(r"-\s*[0-9.,]*[0-9][0-9.,]*")
GROUPED = re.compile(r"[0-9]{1,3}([.,' \u00a0\u202f][0-9]{3})+")  # 1.000, 1,000, 1 000: two readings
NUMBER = re.compile(r"\+?([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][+-]?[0-9]+)?")


def read_pilot(path: str | os.PathLike[str], wijken: Sequence[str] | None = None) -> Pilot:
    """Read and check the pilot file at ``path`` (docs/pilot-data.md).

    ``wijken`` are the wijk names a row may give besides ``all`` (default: those of the built-in
    population, data/leiden_wijken.csv; a calibration passes its population's). Raises
    meedoen.InputError with one line per problem, ``FILE:LINE: column: what is wrong (what is
    allowed)``, all problems at once; no line repeats a value from the file.
    """
    path = Path(path)
    name = os.fspath(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(name, 0, "(file)", f"does not exist (a pilot CSV file; {DOCS})")]) from None
    except IsADirectoryError:
        raise InputError([Problem(name, 0, "(file)", f"is a directory (a pilot CSV file; {DOCS})")]) from None
    except OSError as error:
        raise InputError([Problem(name, 0, "(file)", f"cannot be read: {error.strerror} (a pilot CSV file)")]) from None
    return _Reader(name, wijken).read(decode_utf8(data, name, "a pilot CSV file"), path)


class _Reader:
    """One pass over a pilot file, collecting problems."""

    def __init__(self, name: str, wijken: Sequence[str] | None) -> None:
        self.name = name
        self.wijken = tuple(wijken) if wijken is not None else model_wijken()
        self.problems: list[Problem] = []

    def problem(self, line: int | None, column: str, what: str) -> None:
        self.problems.append(Problem(self.name, line or 0, column, what))

    def read(self, text: str, path: Path) -> Pilot:
        lines = list(enumerate(LINE_END.split(text), start=1))
        content = [(n, line) for n, line in lines if not BLANK.fullmatch(line) and not COMMENT.match(line)]
        if not content:
            self.problem(
                None,
                "(file)",
                f"has no header row and no data (a header row, then one row per "
                f"programme, wijk and period; {DOCS})",
            )
            raise InputError(self.problems)
        header_line, header_text = content[0]
        delimiter = self.delimiter(header_line, header_text)
        header = self.cells(header_line, header_text, delimiter) or []
        columns = self.check_header(header_line, header)
        rows = []
        for n, line in content[1:]:
            cells = self.cells(n, line, delimiter)
            row = None if cells is None else self.check_row(n, header, columns, cells)
            if row is not None:
                rows.append(row)
        if len(content) == 1:
            self.problem(
                header_line,
                "(file)",
                f"no rows after the header (one row per programme, wijk and period; {DOCS})",
            )
        self.check_groups(rows)
        if self.problems:
            raise InputError(self.problems)
        return Pilot(path, _table(rows))

    def delimiter(self, line: int, header: str) -> str:
        """The separator of the file: the one of DELIMITERS its header holds (names hold none)."""
        found = [d for d in DELIMITERS if d in header]
        if len(found) > 1:
            self.problem(
                line,
                "(header)",
                f"mixes the separators {' and '.join(found)} (one separator for the whole file: "
                f"commas, or semicolons as Dutch Excel writes)",
            )
        return found[0] if found else DELIMITERS[0]

    def cells(self, line: int, text: str, delimiter: str) -> list[str] | None:
        """One line's values, read by the csv module (double quotes around a value allowed),
        without the spaces around them; None, with a problem, when a quote is not closed."""
        try:
            return [cell.strip() for cell in next(csv.reader([text], delimiter=delimiter, strict=True))]
        except csv.Error:
            self.problem(
                line,
                "(row)",
                'has a quote that is not closed (a value in double quotes ends with a double quote '
                "on the same line)",
            )
            return None

    def check_header(self, line: int, header: list[str]) -> dict[int, str]:
        """The known columns by position; a problem per personal, unknown, repeated or missing one."""
        columns: dict[int, str] = {}
        seen: set[str] = set()
        for i, cell in enumerate(header):
            if personal_value(cell):
                self.problem(
                    line,
                    f"column {i + 1}",
                    f"the header looks like personal data "
                    f"({personal_value(cell)}), not a column name; {AGGREGATES_ONLY}",
                )
                continue
            what = personal_column(cell)
            column = cell.lower()
            if what and column not in COLUMNS:
                self.problem(line, cell, f"looks like personal data ({what}); {AGGREGATES_ONLY}")
            elif not cell:
                self.problem(line, f"column {i + 1}", f"has no name (one of the columns of {DOCS})")
            elif column not in COLUMNS:
                near = difflib.get_close_matches(column, COLUMNS, n=1)
                hint = f"did you mean {near[0]}? " if near else ""
                self.problem(line, cell, f"unknown column ({hint}the columns: {columns_text()})")
            elif column in seen:
                self.problem(line, cell, "appears twice in the header (each column once)")
            else:
                seen.add(column)
                columns[i] = column
        for column in REQUIRED:
            if column not in seen:
                self.problem(
                    line,
                    column,
                    f"missing column (every pilot file has the columns {', '.join(REQUIRED)}; {DOCS})",
                )
        for block, names in RUNG_BLOCKS.items():
            present = [c for c in names if c in seen]
            for column in names:
                if present and column not in seen:
                    self.problem(
                        line,
                        column,
                        f"missing column (the {block} block has all six columns "
                        f"{names[0]} to {names[-1]}, or none)",
                    )
        return columns

    def check_row(
        self, line: int, header: list[str], columns: dict[int, str], cells: list[str]
    ) -> dict | None:
        if len(cells) != len(header):
            self.problem(
                line,
                "(row)",
                f"has {len(cells)} values for {len(header)} columns (one value per "
                f"column, empty when not observed)",
            )
            return None
        row: dict[str, object] = {"line": line}
        before = len(self.problems)
        for i, column in columns.items():
            value = cells[i]
            what = personal_value(value)
            if what:
                self.problem(
                    line,
                    column,
                    f"the value looks like personal data ({what}) and is not "
                    f"repeated here; {AGGREGATES_ONLY}",
                )
                continue
            if column in KEYS:
                row[column] = self.text(line, column, value)
            elif column in WEEKS:
                row[column] = self.week(line, column, value)
            else:
                row[column] = self.count(line, column, value)
        first, last = row.get("first_week"), row.get("last_week")
        if isinstance(first, int) and isinstance(last, int) and first > last:
            self.problem(line, "last_week", "is before first_week (a week at or after first_week)")
        for block, names in RUNG_BLOCKS.items():
            filled = [c for c in names if row.get(c) is not None]
            empty = [c for c in names if c in row and row[c] is None]
            if filled and empty:
                self.problem(
                    line,
                    empty[0],
                    f"is empty while {', '.join(filled)} "
                    f"{'is' if len(filled) == 1 else 'are'} filled (fill all six {block} columns, "
                    f"or leave all six empty)",
                )
        observed = [
            c for c in (*COUNTS, *RUNG_BLOCKS["before"], *RUNG_BLOCKS["after"]) if row.get(c) is not None
        ]
        if not observed and len(self.problems) == before:
            self.problem(
                line,
                "(row)",
                "has no observed count (at least one of found, visited, accepted, "
                "enrolled, referred, or a before or after block; leave out a row the pilot did not "
                "observe)",
            )
        return row if len(self.problems) == before else None

    def text(self, line: int, column: str, value: str) -> str | None:
        allowed = TEXT_ALLOWED[column]
        if not value:
            self.problem(line, column, f"is empty ({allowed})")
            return None
        if column == "programme" and not NAME.fullmatch(value):
            self.problem(line, column, f"is not a valid name ({allowed})")
            return None
        if column == "period" and (not LABEL.fullmatch(value) or len(value) > MAX_LABEL):
            self.problem(line, column, f"is not a valid label ({allowed})")
            return None
        if column == "wijk":
            if value.casefold() == ALL:
                return ALL
            if value not in self.wijken:
                folded = {w.casefold(): w for w in self.wijken}
                near = difflib.get_close_matches(value.casefold(), list(folded), n=1, cutoff=0.6)
                hint = f"did you mean {folded[near[0]]}? " if near else ""
                self.problem(
                    line,
                    column,
                    f"is not a wijk of the model ({hint}the wijken: {', '.join(self.wijken)}; or all)",
                )
                return None
        return value

    def week(self, line: int, column: str, value: str) -> int | None:
        allowed = WEEK_ALLOWED[column]
        number = self.number(line, column, value, allowed)
        if number is None:
            return None
        if not 1 <= number <= MAX_WEEK:
            self.problem(line, column, f"is out of range ({allowed})")
            return None
        return number

    def count(self, line: int, column: str, value: str) -> int | None:
        if not value:
            return None
        number = self.number(line, column, value, COUNT_ALLOWED)
        if number is not None and number > MAX_COUNT:
            self.problem(line, column, f"is out of range ({COUNT_ALLOWED})")
            return None
        return number

    def number(self, line: int, column: str, value: str, allowed: str) -> int | None:
        """A whole number written with digits only, or a problem saying what else it is."""
        if not value:
            self.problem(line, column, f"is empty ({allowed})")
            return None
        if WHOLE.fullmatch(value):
            return int(value)
        self.problem(line, column, f"{_not_digits_only(value)} ({allowed})")
        return None

    def check_groups(self, rows: list[dict]) -> None:
        """Across rows: no duplicate, one week range per programme and period, 'all' alone, counts
        observed in every wijk row of a programme and period or in none."""
        seen: dict[tuple, int] = {}
        groups: dict[tuple[str, str], list[dict]] = {}
        for row in rows:
            key = (row.get("programme"), row.get("wijk"), row.get("period"))
            if None in key:
                continue
            if key in seen:
                self.problem(
                    row["line"],
                    "(row)",
                    f"has the same programme, wijk and period as line "
                    f"{seen[key]} (one row per programme, wijk and period)",
                )
                continue
            seen[key] = row["line"]
            groups.setdefault((key[0], key[2]), []).append(row)
        for group in groups.values():
            first = group[0]
            wijken = [row["wijk"] for row in group]
            if ALL in wijken and len(wijken) > 1:
                other = next(row for row in group if (row["wijk"] == ALL) != (first["wijk"] == ALL))
                self.problem(
                    other["line"],
                    "wijk",
                    f"mixes all and single wijken for the same programme and "
                    f"period as line {first['line']} (one row with all, or one row per wijk)",
                )
            for row in group[1:]:
                for column in WEEKS:
                    if column in first and row.get(column) != first.get(column):
                        self.problem(
                            row["line"],
                            column,
                            f"differs from line {first['line']} for the same "
                            f"programme and period (every row of a programme and period covers the "
                            f"same weeks)",
                        )
                for column in (*COUNTS, RUNG_BLOCKS["before"][0], RUNG_BLOCKS["after"][0]):
                    here, there = row.get(column) is not None, first.get(column) is not None
                    if here == there:
                        continue
                    what = "is" if column in COUNTS else f"the {column.split('_')[0]} block is"
                    state = "observed here but empty" if here else "empty here but observed"
                    self.problem(
                        row["line"],
                        column,
                        f"{what} {state} on line {first['line']} of the same programme and period "
                        f"(the rows are added up: observe it in every wijk row of a programme and "
                        f"period, or in none)",
                    )


def _not_digits_only(value: str) -> str:
    """What is wrong with a count or week that is not digits only (never repeating it)."""
    if NEGATIVE.fullmatch(value):
        return "is negative"
    if GROUPED.fullmatch(value):
        return (
            "has a dot, comma or space between its digits, which reads as a thousands separator "
            "or as a decimal mark; write digits only, 1000 for one thousand"
        )
    if not NUMBER.fullmatch(value):
        return "is not a number"
    number = float(value.replace(",", "."))
    if not math.isfinite(number) or not number.is_integer():
        return "is not a whole number"
    return "is not written with digits only; no sign, decimals or exponent: 1000 for one thousand"


def _table(rows: list[dict]) -> pd.DataFrame:
    """The aggregate table: every column of COLUMNS, indexed by line."""
    data: dict[str, Iterable] = {}
    for column in COLUMNS:
        values = [row.get(column) for row in rows]
        if column in KEYS:
            data[column] = pd.array(values, dtype=object)
        elif column in WEEKS:
            data[column] = np.array(values, dtype=np.int64)
        else:
            data[column] = pd.array([pd.NA if v is None else v for v in values], dtype="Int64")
    index = pd.Index([row["line"] for row in rows], name="line", dtype=np.int64)
    return pd.DataFrame(data, index=index, columns=list(COLUMNS))
