"""The pilot file format (docs/pilot-data.md): its columns, what each allows, the checked table
(``Pilot``) and the writer."""

import csv
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from meedoen import _core

ALL = "all"  # the wijk value of a row that covers every wijk the programme works in
RUNGS = (1, 2, 3, 4, 5, 6)
KEYS = ("programme", "wijk", "period")
WEEKS = ("first_week", "last_week")
COUNTS = ("found", "visited", "accepted", "enrolled", "referred")
RUNG_BLOCKS = {
    "before": tuple(f"before_rung_{k}" for k in RUNGS),
    "after": tuple(f"after_rung_{k}" for k in RUNGS),
}
REQUIRED = KEYS + WEEKS
COLUMNS = REQUIRED + COUNTS + RUNG_BLOCKS["before"] + RUNG_BLOCKS["after"]

# The model's program metric each pilot count is compared with (Results.program, dim `metric`).
COUNT_METRICS = {count: count for count in COUNTS}
# The model's program metrics the rung blocks are compared with: the rung at enrolment of those
# enrolled in a week ("before") and the rung at completion of those completing in a week ("after").
# The one place to change when the engine names them otherwise.
RUNG_METRICS = {
    "before": tuple(f"enrolled_rung_{k}" for k in RUNGS),
    "after": tuple(f"completed_rung_{k}" for k in RUNGS),
}

MAX_COUNT = 1_000_000  # far above any count of persons in Leiden (about 130,000 residents)
MAX_WEEK = int(_core.limits["weeks"][1])
MAX_LABEL = 40
DOCS = "see docs/pilot-data.md"
# The separators a pilot file may use: the one its header holds (column names hold neither).
DELIMITERS = (",", ";")

DIGITS_ONLY = "written with digits only, without a sign, separator, decimals or exponent"
COUNT_ALLOWED = f"a whole number of persons from 0 to {MAX_COUNT}; empty when the pilot did not observe it"
WEEK_ALLOWED = {
    "first_week": f"a whole number from 1 to {MAX_WEEK}: the first simulated week of the period",
    "last_week": f"a whole number from 1 to {MAX_WEEK}: the last simulated week of the period",
}
TEXT_ALLOWED = {
    "programme": "the name of the intervention in the calibration scenario: letters, digits, _ and -",
    "wijk": "a wijk of the model, or all",
    "period": f"a label such as 2017 or year_1: letters, digits, spaces, _, -, + and ., "
    f"at most {MAX_LABEL} characters, not a date",
}


def model_wijken() -> tuple[str, ...]:
    """The wijk names of the built-in population (data/leiden_wijken.csv), as the engine reads them."""
    return tuple(_core.default_experiment().wijk_names)


def columns_text() -> str:
    """The columns of a pilot file, for messages."""
    return ", ".join((*REQUIRED, *COUNTS, "before_rung_1 to before_rung_6", "after_rung_1 to after_rung_6"))


class Window(NamedTuple):
    """One programme and period of a pilot file: the weeks it covers and the wijken of its rows."""

    programme: str
    period: str
    first_week: int
    last_week: int
    wijken: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Pilot:
    """A checked pilot file: its path and its aggregate table, nothing else.

    ``table`` has the columns ``COLUMNS`` (programme, wijk, period as strings; first_week,
    last_week as int64; every count as pandas' nullable Int64, <NA> where the pilot did not
    observe it) and is indexed by ``line``, the row's line in the file (for messages).
    Treat it as read-only.
    """

    path: Path
    table: pd.DataFrame

    def windows(self) -> list[Window]:
        """Each programme and period once, in file order, with its weeks and wijken."""
        windows: dict[tuple[str, str], Window] = {}
        for row in self.table.itertuples(index=False):
            key = (row.programme, row.period)
            if key in windows:
                window = windows[key]
                windows[key] = window._replace(wijken=(*window.wijken, row.wijk))
            else:
                windows[key] = Window(
                    row.programme, row.period, int(row.first_week), int(row.last_week), (row.wijk,)
                )
        return list(windows.values())

    def line(self, programme: str, period: str) -> int:
        """The line of the first row of a programme and period in the file."""
        rows = self.table[(self.table.programme == programme) & (self.table.period == period)]
        return int(rows.index[0])


def write_pilot(path: str | os.PathLike[str], table: pd.DataFrame, comments: Iterable[str] = ()) -> None:
    """Write a pilot file: ``comments`` as ``#`` lines, then the header and ``table``'s rows.

    ``table`` has the columns programme, wijk, period, first_week and last_week, and any of the
    count and rung columns (others are refused); a missing or <NA> value is written empty, a
    week or count as digits only (ValueError when it is not a whole number). Read it back with
    ``read_pilot`` to check it.
    """
    unknown = [c for c in table.columns if c not in COLUMNS]
    if unknown:
        raise ValueError(f"not columns of a pilot file: {', '.join(map(str, unknown))}")
    columns = [c for c in COLUMNS if c in table.columns]
    with open(path, "w", encoding="utf-8", newline="") as f:
        for comment in comments:
            for text in comment.splitlines() or [""]:
                f.write(f"# {text}".rstrip() + "\n")
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        for row in table[columns].itertuples(index=False):
            writer.writerow([_cell(column, value) for column, value in zip(columns, row, strict=True)])


def _cell(column: str, value: object) -> object:
    """A value as a pilot file holds it: empty when missing, a week or count as digits only."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if column in KEYS:
        return value
    number = float(value)  # type: ignore[arg-type]
    if not number.is_integer() or number < 0:
        raise ValueError(f"{column}: {value} is not a whole number of 0 or more")
    return int(number)
