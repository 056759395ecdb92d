"""Pilot data: aggregated counts of a real programme, read, checked and summarised for calibration.

A pilot file is a CSV file of aggregated counts per programme, wijk and period
(docs/pilot-data.md): how many people a programme found, visited, accepted,
enrolled and referred, and on which rung of the participation ladder its
participants were when they started and when they finished. ``read_pilot``
reads and checks one, reporting every problem at once as ``FILE:LINE: column:
what is wrong (what is allowed)``; a file with personal data (a column such as
``bsn`` or ``geboortedatum``, or a value that looks like a postcode, a
burgerservicenummer or a date) is refused, and no error repeats a value from
the file. ``pilot_summaries`` and ``model_summaries`` turn a pilot file and one
scenario's ``program`` results into summaries with the same keys, for a
calibration to compare.

Nothing from a pilot file but the aggregate columns is kept: comments, unknown
or refused columns and the file's text are dropped after checking.
"""

import csv
import difflib
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import xarray as xr

from meedoen import _core
from meedoen.errors import InputError

__all__ = [
    "ALL",
    "COLUMNS",
    "COUNTS",
    "COUNT_METRICS",
    "LEIDEN_WIJKEN",
    "RUNGS",
    "RUNG_BLOCKS",
    "RUNG_METRICS",
    "Pilot",
    "Window",
    "model_summaries",
    "pilot_summaries",
    "read_pilot",
    "write_pilot",
]

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

# The wijken of the built-in population (data/leiden_wijken.csv, CBS 2024), as the model names them.
LEIDEN_WIJKEN = (
    "Binnenstad-Zuid",
    "Binnenstad-Noord",
    "Stationsdistrict",
    "Leiden-Noord",
    "Roodenburgerdistrict",
    "Bos- en Gasthuisdistrict",
    "Morsdistrict",
    "Boerhaavedistrict",
    "Merenwijkdistrict",
    "Stevenshofdistrict",
)

MAX_COUNT = 1_000_000  # far above any count of persons in Leiden (about 130,000 residents)
MAX_WEEK = int(_core.limits["weeks"][1])
MAX_LABEL = 40
DOCS = "see docs/pilot-data.md"
AGGREGATES_ONLY = f"a pilot file holds aggregated counts only ({DOCS})"
NAME = re.compile(r"[A-Za-z0-9_-]+")
LABEL = re.compile(r"[A-Za-z0-9 _.+-]+")
WHOLE = re.compile(r"[0-9]+")
NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")

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


# --- personal data -----------------------------------------------------------------------------

# Column names that identify a person, matched on the name folded to lower-case letters and
# digits (accents, spaces, _, - and . removed): (what it is, patterns matched anywhere in the name).
PERSONAL_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("a burgerservicenummer", ("burgerservicenummer", "sofinummer", "sofinr", "socialsecurity")),
    ("a date of birth", ("geboorte", "dateofbirth", "birthdate", "birthday", "gebdat", "geboren")),
    ("an e-mail address", ("email",)),
    ("a postcode", ("postcode", "postalcode", "zipcode")),
    (
        "an address",
        ("adres", "address", "straat", "street", "huisnummer", "huisnr", "housenumber", "housenr"),
    ),
    ("a phone number", ("telefoon", "phone", "mobiel", "mobile", "telnr")),
    (
        "a name",
        (
            "voornaam",
            "achternaam",
            "familienaam",
            "geslachtsnaam",
            "meisjesnaam",
            "roepnaam",
            "voorletter",
            "tussenvoegsel",
            "firstname",
            "lastname",
            "surname",
            "givenname",
            "fullname",
            "volledigenaam",
            "initialen",
            "initials",
        ),
    ),
)
# Whole words (or whole folded names) that identify a person on their own.
PERSONAL_WORDS = {
    "bsn": "a burgerservicenummer",
    "dob": "a date of birth",
    "naam": "a name",
    "name": "a name",
    "tel": "a phone number",
    "gsm": "a phone number",
    "mail": "an e-mail address",
    "zip": "a postcode",
    "pc4": "a postcode",
    "pc6": "a postcode",
    "id": "an identifier (a client or record number)",
    "geb": "a date of birth",
}
# Words whose name is not a person's ("wijk naam").
THING_WORDS = {
    "wijk",
    "buurt",
    "district",
    "programme",
    "program",
    "programma",
    "project",
    "period",
    "periode",
}
# A person's number: one of these words with one of the next.
PERSON_WORDS = ("client", "klant", "deelnemer", "participant", "patient", "persoon", "person", "dossier")
NUMBER_WORDS = ("nummer", "nr", "number", "no", "id", "code", "naam", "name")

PERSONAL_VALUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an e-mail address", re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")),
    ("a postcode", re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{3} ?[A-Za-z]{2}(?![A-Za-z])")),
    ("a phone number", re.compile(r"(?<![0-9])(\+31|0031|0)[ -]?[1-9]([ -]?[0-9]){8}(?![0-9])")),
    ("a burgerservicenummer", re.compile(r"(?<![0-9])[0-9]([ .]?[0-9]){8}(?![0-9])")),
    (
        "a date",
        re.compile(
            r"(?<![0-9])([0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{2,4}|[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2})"
            r"(?![0-9])"
        ),
    ),
    (
        "a date",
        re.compile(
            r"(?<![0-9])[0-9]{1,2}[ .-]*(jan|feb|mrt|maa|mar|apr|mei|may|jun|jul|aug|sep|okt|oct|nov|dec)"
            r"[a-z]*\.?[ .-]*[0-9]{2,4}(?![0-9])",
            re.IGNORECASE,
        ),
    ),
    (
        "a date",
        re.compile(
            r"(?<![0-9])((19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])"
            r"|(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])(19|20)[0-9]{2})(?![0-9])"
        ),
    ),
)


def _fold(text: str) -> str:
    """Lower case without accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def personal_column(name: str) -> str | None:
    """What a column name looks like when it identifies a person (``"a name"``), else None."""
    folded = _fold(name)
    words = [w for w in re.split(r"[^a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", name).casefold()) if w]
    words = [_fold(w) for w in words]
    compact = re.sub(r"[^a-z0-9]", "", folded)
    if "postcode" in compact and ("huisnummer" in compact or "housenumber" in compact):
        return "a postcode with house number"
    for what, patterns in PERSONAL_COLUMNS:
        if any(p in compact for p in patterns):
            return what
    for word in [*words, compact]:
        if word in ("naam", "name") and THING_WORDS.intersection(words):
            continue  # the name of a wijk or a programme, not of a person
        if word in PERSONAL_WORDS:
            return PERSONAL_WORDS[word]
        if word.startswith("bsn") or word.endswith("bsn"):
            return PERSONAL_WORDS["bsn"]
    for person in PERSON_WORDS:
        for number in NUMBER_WORDS:
            if compact in (person + number, number + person) or (person in words and number in words):
                return f"{'a name' if number in ('naam', 'name') else 'a client or record number'}"
    return None


def personal_value(text: str) -> str | None:
    """What a value looks like when it may be personal data (``"a postcode"``), else None."""
    for what, pattern in PERSONAL_VALUES:
        if pattern.search(text):
            return what
    return None


# --- reading -----------------------------------------------------------------------------------


def read_pilot(path: str | os.PathLike[str], wijken: Sequence[str] = LEIDEN_WIJKEN) -> Pilot:
    """Read and check the pilot file at ``path`` (docs/pilot-data.md).

    ``wijken`` are the wijk names a row may give besides ``all`` (default: the model's Leiden
    wijken). Raises meedoen.InputError with one line per problem, ``FILE:LINE: column: what is
    wrong (what is allowed)``, all problems at once; no line repeats a value from the file.
    """
    path = Path(path)
    name = os.fspath(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError([f"{name}: (file): does not exist (a pilot CSV file; {DOCS})"]) from None
    except IsADirectoryError:
        raise InputError([f"{name}: (file): is a directory (a pilot CSV file; {DOCS})"]) from None
    except UnicodeDecodeError:
        raise InputError([f"{name}: (file): is not UTF-8 text (a pilot CSV file in UTF-8; {DOCS})"]) from None
    except OSError as error:
        raise InputError([f"{name}: (file): cannot be read: {error.strerror} (a pilot CSV file)"]) from None
    return _Reader(name, wijken).read(text, path)


class _Reader:
    """One pass over a pilot file, collecting problems."""

    def __init__(self, name: str, wijken: Sequence[str]) -> None:
        self.name = name
        self.wijken = tuple(wijken)
        self.problems: list[str] = []

    def problem(self, line: int | None, column: str, what: str) -> None:
        where = f"{self.name}:{line}" if line is not None else self.name
        self.problems.append(f"{where}: {column}: {what}")

    def read(self, text: str, path: Path) -> Pilot:
        lines = list(enumerate(re.split(r"\r\n|\r|\n", text), start=1))
        content = [(n, line) for n, line in lines if line.strip() and not line.lstrip().startswith("#")]
        if not content:
            self.problem(
                None,
                "(file)",
                f"has no header row and no data (a header row, then one row per "
                f"programme, wijk and period; {DOCS})",
            )
            raise InputError(self.problems)
        header_line, header_text = content[0]
        delimiter = "," if "," in header_text or ";" not in header_text else ";"
        header = [cell.strip() for cell in next(csv.reader([header_text], delimiter=delimiter))]
        columns = self.check_header(header_line, header)
        rows = []
        for n, line in content[1:]:
            cells = [cell.strip() for cell in next(csv.reader([line], delimiter=delimiter))]
            row = self.check_row(n, header, columns, cells)
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
                self.problem(line, cell, f"unknown column ({hint}the columns: {_columns_text()})")
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
        """A whole number of 0 or more, or a problem: empty, not a number, negative, a fraction."""
        if not value:
            self.problem(line, column, f"is empty ({allowed})")
            return None
        if WHOLE.fullmatch(value):
            return int(value)
        if not NUMBER.fullmatch(value):
            self.problem(line, column, f"is not a number ({allowed})")
            return None
        number = float(value)
        if number < 0:
            self.problem(line, column, f"is negative ({allowed})")
        elif not math.isfinite(number) or not number.is_integer():
            self.problem(line, column, f"is not a whole number ({allowed})")
        else:
            return int(number)
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


def _columns_text() -> str:
    return ", ".join((*REQUIRED, *COUNTS, "before_rung_1 to before_rung_6", "after_rung_1 to after_rung_6"))


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


def write_pilot(path: str | os.PathLike[str], table: pd.DataFrame, comments: Iterable[str] = ()) -> None:
    """Write a pilot file: ``comments`` as ``#`` lines, then the header and ``table``'s rows.

    ``table`` has the columns programme, wijk, period, first_week and last_week, and any of the
    count and rung columns (others are refused); a missing or <NA> value is written empty.
    Read it back with ``read_pilot`` to check it.
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
            writer.writerow(
                [
                    "" if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v
                    for v in row
                ]
            )


# --- summaries ---------------------------------------------------------------------------------


def _key(window: Window, what: str) -> str:
    return f"{window.programme}/{window.period}/{what}"


def pilot_summaries(pilot: Pilot) -> dict[str, float]:
    """The pilot's summaries: per programme and period (rows added over wijken), each observed
    count (``PROGRAMME/PERIOD/found``) and, for an observed rung block, the share of each rung
    (``PROGRAMME/PERIOD/before_share_3``: before_rung_3 over the sum of before_rung_1..6; every
    share 0 when that sum is 0). In window order; only what the pilot observed."""
    summaries: dict[str, float] = {}
    table = pilot.table
    for window in pilot.windows():
        rows = table[(table.programme == window.programme) & (table.period == window.period)]
        for count in COUNTS:
            if rows[count].notna().all():
                summaries[_key(window, count)] = float(rows[count].sum())
        for block, names in RUNG_BLOCKS.items():
            if rows[names[0]].notna().all():
                totals = [float(rows[c].sum()) for c in names]
                summaries.update(_shares(window, block, totals))
    return summaries


def _shares(window: Window, block: str, counts: Sequence[float]) -> dict[str, float]:
    total = float(sum(counts))
    return {
        _key(window, f"{block}_share_{k}"): (count / total if total > 0 else 0.0)
        for k, count in zip(RUNGS, counts, strict=True)
    }


def model_summaries(program: xr.DataArray, pilot: Pilot) -> dict[str, float]:
    """The model's summaries with the same keys as ``pilot_summaries(pilot)``.

    ``program`` is one scenario's program data (``results[scenario].program``: dims replicate,
    week, intervention, metric; ``replicate`` may be absent). Per programme and period: each
    count the pilot observed, summed over the weeks first_week..last_week and averaged over the
    replicates; for an observed rung block, the shares of the rung metrics (RUNG_METRICS) summed
    over those weeks and averaged over the replicates (every share 0 when the model has nobody).
    Raises meedoen.InputError when a programme is not an intervention of ``program``, a period
    lies beyond its weeks or a metric it needs is missing.
    """
    if "scenario" in program.dims:
        raise ValueError("program has a scenario dimension: pass one scenario's, e.g. results[name].program")
    wanted = pilot_summaries(pilot)
    interventions = [str(i) for i in program.intervention.values]
    metrics = {str(m) for m in program.metric.values}
    last_week = int(program.week.max())
    problems = []
    windows = []
    for window in pilot.windows():
        line = pilot.line(window.programme, window.period)
        where = f"{pilot.path}:{line}"
        if window.programme not in interventions:
            problems.append(
                f"{where}: programme: {window.programme} is not an intervention of the scenario "
                f"(the interventions: {', '.join(interventions) or 'none'})"
            )
            continue
        if window.last_week > last_week:
            problems.append(
                f"{where}: last_week: is beyond the simulation's last week {last_week} "
                f"(weeks 1 to {last_week}: simulate as many weeks as the pilot covers)"
            )
            continue
        needed = [COUNT_METRICS[c] for c in COUNTS if _key(window, c) in wanted]
        for block in RUNG_BLOCKS:
            if _key(window, f"{block}_share_1") in wanted:
                needed += RUNG_METRICS[block]
        missing = [m for m in needed if m not in metrics]
        if missing:
            problems.append(
                f"{where}: programme: the model's program data has no metric "
                f"{', '.join(missing)} (its metrics: {', '.join(sorted(metrics))})"
            )
            continue
        windows.append(window)
    if problems:
        raise InputError(problems)
    summaries: dict[str, float] = {}
    for window in windows:
        part = program.sel(intervention=window.programme, week=slice(window.first_week, window.last_week))
        totals = part.astype(np.float64).sum("week")
        if "replicate" in totals.dims:
            totals = totals.mean("replicate")
        for count in COUNTS:
            if _key(window, count) in wanted:
                summaries[_key(window, count)] = float(totals.sel(metric=COUNT_METRICS[count]))
        for block in RUNG_BLOCKS:
            if _key(window, f"{block}_share_1") in wanted:
                counts = [float(totals.sel(metric=m)) for m in RUNG_METRICS[block]]
                summaries.update(_shares(window, block, counts))
    return {key: summaries[key] for key in wanted}
