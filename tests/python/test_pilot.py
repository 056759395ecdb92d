"""Pilot data: reading and checking pilot files, refusing personal data, and the summaries."""

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from conftest import REPO
from meedoen import InputError
from meedoen.pilot import (
    COLUMNS,
    COUNTS,
    RUNG_BLOCKS,
    RUNG_METRICS,
    Pilot,
    Window,
    model_summaries,
    model_wijken,
    pilot_summaries,
    read_pilot,
    write_pilot,
)

PILOT_DIR = REPO / "data" / "pilot"
EXAMPLES = sorted(PILOT_DIR.glob("*.csv"))
PROGRAMMES = {"vliegende_brigade", "walk_in", "project_door", "geluksbudget"}
HEADER = "programme,wijk,period,first_week,last_week,found,visited,accepted,enrolled,referred"
BEFORE = ",".join(RUNG_BLOCKS["before"])
AFTER = ",".join(RUNG_BLOCKS["after"])
COMMENTS = "# Source: a test\n#\n"  # two comment lines: the header is line 3, the first row line 4
ROW = "project_door,Leiden-Noord,2017,1,52,250,113,,,"
ALLOWED = "a pilot file holds aggregated counts only (see docs/pilot-data.md)"


def write(tmp_path: Path, text: str, name: str = "pilot.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        read_pilot(path)
    return caught.value.problems


# --- the example files -------------------------------------------------------------------------


def test_there_are_the_four_example_files():
    assert {p.name for p in EXAMPLES} == {f"{name}.csv" for name in PROGRAMMES}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_file_reads_cleanly_and_names_its_source(path):
    pilot = read_pilot(path)
    assert {w.programme for w in pilot.windows()} == {path.stem}
    summaries = pilot_summaries(pilot)
    assert summaries and all(math.isfinite(v) and v >= 0 for v in summaries.values())
    comments = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert any("Source" in line for line in comments), "an example file names its source"
    assert path.name in (PILOT_DIR / "README.md").read_text(encoding="utf-8")


def test_example_figures():
    assert pilot_summaries(read_pilot(PILOT_DIR / "vliegende_brigade.csv")) == {
        "vliegende_brigade/year_1/visited": 20.0,
        "vliegende_brigade/year_1/referred": 10.0,
    }
    door = read_pilot(PILOT_DIR / "project_door.csv")
    assert door.windows() == [
        Window("project_door", "2016", 1, 52, ("Roodenburgerdistrict", "Bos- en Gasthuisdistrict"))
    ]
    assert pilot_summaries(door) == {"project_door/2016/found": 250.0, "project_door/2016/visited": 113.0}
    assert pilot_summaries(read_pilot(PILOT_DIR / "geluksbudget.csv")) == {
        "geluksbudget/trial/enrolled": 58.0
    }
    assert pilot_summaries(read_pilot(PILOT_DIR / "walk_in.csv")) == {"walk_in/year_1/enrolled": 10.0}


def test_the_wijken_come_from_the_population_data():
    with open(REPO / "data" / "leiden_wijken.csv", newline="", encoding="utf-8") as f:
        names = tuple(row["name"] for row in csv.DictReader(f))
    assert model_wijken() == names
    source = "".join(p.read_text(encoding="utf-8") for p in (REPO / "python/meedoen/pilot").glob("*.py"))
    assert not any(name in source for name in names), "the wijk names are read, not written out"


def test_a_pilot_takes_the_wijk_names_it_is_given(tmp_path):
    path = write(tmp_path, HEADER + "\nproject_door,Noord [/],2017,1,52,5,,,,\n")
    with pytest.raises(InputError, match="is not a wijk of the model"):
        read_pilot(path)
    pilot = read_pilot(path, wijken=["Noord [/]", "Zuid"])
    assert pilot.windows()[0].wijken == ("Noord [/]",)


def test_docs_describe_every_column_and_are_linked():
    docs = (REPO / "docs" / "pilot-data.md").read_text(encoding="utf-8")
    for column in (*COLUMNS[:10], "before_rung_1", "before_rung_6", "after_rung_1", "after_rung_6"):
        assert f"`{column}`" in docs, column
    assert "pilot-data.md" in (REPO / "docs" / "README.md").read_text(encoding="utf-8")


# --- reading -----------------------------------------------------------------------------------


def test_a_good_file_gives_the_aggregate_table_only(tmp_path):
    text = (
        f"# Source: the pilot's report, with a note that is not kept\n{HEADER},{BEFORE},{AFTER},\n".replace(
            ",\n", "\n"
        )
        + "# a comment between rows\n"
        + "project_door,Leiden-Noord,2017,1,52,10,8,,5,,1,2,0,0,0,0,,,,,,\n"
        + "\n"
        + "project_door,Roodenburgerdistrict,2017,1,52,6,4,,3,,2,1,1,0,0,0,,,,,,\n"
    )
    pilot = read_pilot(write(tmp_path, text))
    assert isinstance(pilot, Pilot)
    assert list(pilot.table.columns) == list(COLUMNS)
    assert list(pilot.table.index) == [4, 6]
    assert pilot.table.index.name == "line"
    assert pilot.table.loc[4, "found"] == 10
    assert pd.isna(pilot.table.loc[4, "accepted"])
    assert pilot.windows() == [
        Window("project_door", "2017", 1, 52, ("Leiden-Noord", "Roodenburgerdistrict"))
    ]
    kept = [str(value) for value in pilot.table.to_numpy().ravel()]
    assert not any("note" in value or "Source" in value for value in kept)
    assert set(vars(pilot)) == {"path", "table"}


def test_columns_may_be_left_out_are_case_insensitive_and_semicolons_work(tmp_path):
    text = "Programme;Wijk;Period;First_Week;Last_Week;Enrolled\ngeluksbudget;all;trial;1;52;58\n"
    pilot = read_pilot(write(tmp_path, text))
    assert pilot_summaries(pilot) == {"geluksbudget/trial/enrolled": 58.0}
    assert pilot.table.loc[2, "wijk"] == "all"


MISTAKES = [
    # (id, file text, the expected problem after "FILE:")
    ("no header", "# only a comment\n\n", " (file): has no header row and no data"),
    ("no rows", COMMENTS + HEADER + "\n", "3: (file): no rows after the header"),
    (
        "missing column",
        COMMENTS + "programme,wijk,period,first_week,found\nproject_door,all,2017,1,5\n",
        "3: last_week: missing column (every pilot file has the columns programme, wijk, period, "
        "first_week, last_week; see docs/pilot-data.md)",
    ),
    (
        "unknown column",
        COMMENTS + HEADER + ",vistied\n" + ROW + ",3\n",
        "3: vistied: unknown column (did you mean visited? ",
    ),
    ("column twice", COMMENTS + HEADER + ",found\n" + ROW + ",3\n", "3: found: appears twice in the header"),
    ("column without name", COMMENTS + HEADER + ",\n" + ROW + ",\n", "3: column 11: has no name"),
    (
        "partial rung block columns",
        COMMENTS + HEADER + ",before_rung_1,before_rung_2\n" + ROW + ",1,2\n",
        "3: before_rung_3: missing column (the before block has all six columns before_rung_1 to "
        "before_rung_6, or none)",
    ),
    (
        "not a number",
        COMMENTS + HEADER + "\nproject_door,all,2017,1,52,many,,,,\n",
        "4: found: is not a number (a whole number of persons from 0 to 1000000; empty when the pilot "
        "did not observe it)",
    ),
    ("negative", COMMENTS + HEADER + "\nproject_door,all,2017,1,52,,-3,,,\n", "4: visited: is negative ("),
    (
        "fraction",
        COMMENTS + HEADER + "\nproject_door,all,2017,1,52,,,2.5,,\n",
        "4: accepted: is not a whole number (",
    ),
    (
        "too large",
        COMMENTS + HEADER + "\nproject_door,all,2017,1,52,,,,2000000,\n",
        "4: enrolled: is out of range (",
    ),
    (
        "first after last",
        COMMENTS + HEADER + "\nproject_door,all,2017,30,20,5,,,,\n",
        "4: last_week: is before first_week (a week at or after first_week)",
    ),
    (
        "week 0",
        COMMENTS + HEADER + "\nproject_door,all,2017,0,20,5,,,,\n",
        "4: first_week: is out of range (a whole number from 1 to 5200: the first simulated week of the "
        "period)",
    ),
    ("week empty", COMMENTS + HEADER + "\nproject_door,all,2017,,20,5,,,,\n", "4: first_week: is empty ("),
    (
        "week a fraction",
        COMMENTS + HEADER + "\nproject_door,all,2017,1,20.5,5,,,,\n",
        "4: last_week: is not a whole number (",
    ),
    (
        "duplicate row",
        COMMENTS + HEADER + "\n" + ROW + "\n# a comment\n" + ROW + "\n",
        "6: (row): has the same programme, wijk and period as line 4 (one row per programme, wijk and "
        "period)",
    ),
    (
        "nothing observed",
        COMMENTS + HEADER + "\nproject_door,all,2017,1,52,,,,,\n",
        "4: (row): has no observed count (at least one of found, visited, accepted, enrolled, referred, or "
        "a before or after block; leave out a row the pilot did not observe)",
    ),
    (
        "unknown wijk",
        COMMENTS + HEADER + "\nproject_door,Leidn-Noord,2017,1,52,5,,,,\n",
        "4: wijk: is not a wijk of the model (did you mean Leiden-Noord? the wijken: Binnenstad-Zuid, ",
    ),
    (
        "empty wijk",
        COMMENTS + HEADER + "\nproject_door,,2017,1,52,5,,,,\n",
        "4: wijk: is empty (a wijk of the model, or all)",
    ),
    (
        "bad programme",
        COMMENTS + HEADER + "\nproject door,all,2017,1,52,5,,,,\n",
        "4: programme: is not a valid name (the name of the intervention in the calibration scenario: "
        "letters, digits, _ and -)",
    ),
    (
        "bad period",
        COMMENTS + HEADER + "\nproject_door,all,2017/1,1,52,5,,,,\n",
        "4: period: is not a valid label (",
    ),
    (
        "short row",
        COMMENTS + HEADER + "\nproject_door,all,2017,1,52,5\n",
        "4: (row): has 6 values for 10 columns (",
    ),
    (
        "partial rung block",
        COMMENTS + HEADER + "," + BEFORE + "\n" + ROW + ",1,2,3,,,\n",
        "4: before_rung_4: is empty while before_rung_1, before_rung_2, before_rung_3 are filled (fill all "
        "six before columns, or leave all six empty)",
    ),
    (
        "all with single wijken",
        COMMENTS + HEADER + "\n" + ROW + "\nproject_door,all,2017,1,52,250,113,,,\n",
        "5: wijk: mixes all and single wijken for the same programme and period as line 4",
    ),
    (
        "weeks differ between wijken",
        COMMENTS + HEADER + "\n" + ROW + "\nproject_door,Morsdistrict,2017,1,26,250,113,,,\n",
        "5: last_week: differs from line 4 for the same programme and period",
    ),
    (
        "count observed in one wijk only",
        COMMENTS + HEADER + "\n" + ROW + "\nproject_door,Morsdistrict,2017,1,52,,113,,,\n",
        "5: found: is empty here but observed on line 4 of the same programme and period (the rows are "
        "added up: observe it in every wijk row of a programme and period, or in none)",
    ),
    (
        "rung block in one wijk only",
        COMMENTS
        + HEADER
        + ","
        + AFTER
        + "\n"
        + ROW
        + ",,,,,,\nproject_door,Morsdistrict,2017,1,52,250,113,,,,1,1,1,1,1,1\n",
        "5: after_rung_1: the after block is observed here but empty on line 4 of the same programme",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_each_mistake_gives_its_file_line_column_message(tmp_path, text, expected):
    path = write(tmp_path, text)
    found = problems(path)
    assert any(p.startswith(f"{path}:{expected}") for p in found), found


def test_a_missing_file(tmp_path):
    path = tmp_path / "nowhere.csv"
    assert problems(path) == [f"{path}: (file): does not exist (a pilot CSV file; see docs/pilot-data.md)"]


def test_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\nproject_door,all,cliënt,1,52,5,,,,\n").encode("latin-1"))
    assert problems(path) == [
        f"{path}:2: (file): is not UTF-8 text (a pilot CSV file in UTF-8; save it as UTF-8)"
    ]


def test_windows_line_endings_and_a_byte_order_mark_keep_the_line_numbers(tmp_path):
    path = tmp_path / "excel.csv"
    text = COMMENTS + HEADER + "\n" + ROW + "\nproject_door,all,2018,1,52,,-1,,,\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    found = problems(path)
    assert len(found) == 1 and found[0].startswith(f"{path}:5: visited: is negative")


def test_every_problem_is_reported_at_once(tmp_path):
    text = (
        COMMENTS
        + HEADER
        + ",vistied\n"
        + "project_door,all,2017,1,52,many,,,,,\n"
        + "project_door,all,2018,9,8,5,-1,,,,\n"
    )
    path = write(tmp_path, text)
    found = problems(path)
    assert [p.split(": ")[0:2] for p in found] == [
        [f"{path}:3", "vistied"],
        [f"{path}:4", "found"],
        [f"{path}:5", "visited"],
        [f"{path}:5", "last_week"],
    ]


# --- numbers and CSV dialects ------------------------------------------------------------------

DATA = Path(__file__).parent / "data"
DIGITS_ONLY = "write digits only, 1000 for one thousand"
NOT_A_COUNT = [
    # (value in a ;-separated file, the problem after "column: ")
    (
        "1.000",
        "has a dot, comma or space between its digits, which reads as a thousands separator or as a "
        f"decimal mark; {DIGITS_ONLY}",
    ),
    ("1,000", "has a dot, comma or space between its digits"),
    ("12.345.678", "has a dot, comma or space between its digits"),
    ("1 000", "has a dot, comma or space between its digits"),
    ("1,5", "is not a whole number"),
    ("2.5", "is not a whole number"),
    (".5", "is not a whole number"),
    ("1e3", "is not written with digits only; no sign, decimals or exponent"),
    ("5.0", "is not written with digits only"),
    ("+5", "is not written with digits only"),
    ("1.000,5", "is not a number"),
    ("-1.000", "is negative"),
    ("-3", "is negative"),
    ("NaN", "is not a number"),
    ("inf", "is not a number"),
    ("0x10", "is not a number"),
]


def test_the_dutch_excel_file_of_the_field_report_is_refused_at_its_count():
    """BOM, semicolons and CRLF are read; the count 1.000 is neither 1 nor 1000 but refused."""
    path = DATA / "dutch_excel.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b";1.000;" in raw
    assert problems(path) == [
        f"{path}:6: found: has a dot, comma or space between its digits, which reads as a thousands "
        f"separator or as a decimal mark; {DIGITS_ONLY} (a whole number of persons from 0 to 1000000; "
        "empty when the pilot did not observe it)"
    ]


def test_the_same_file_with_digits_only_reads_every_count(tmp_path):
    path = tmp_path / "digits.csv"
    path.write_bytes((DATA / "dutch_excel.csv").read_bytes().replace(b";1.000;", b";1000;"))
    pilot = read_pilot(path)
    assert pilot_summaries(pilot) == {"project_door/2016/found": 1117.0, "project_door/2016/visited": 113.0}
    assert list(pilot.table.index) == [6, 7]  # comment lines counted, as an editor counts them


@pytest.mark.parametrize("delimiter", [",", ";"])
@pytest.mark.parametrize("column", ["found", "first_week"])
@pytest.mark.parametrize(("value", "expected"), NOT_A_COUNT, ids=[v for v, _ in NOT_A_COUNT])
def test_a_count_or_week_is_digits_only(tmp_path, delimiter, column, value, expected):
    values = dict(zip(HEADER.split(","), ROW.split(","), strict=True))
    values[column] = value
    quoted = [f'"{v}"' if delimiter in v else v for v in values.values()]
    path = write(tmp_path, f"{COMMENTS}{delimiter.join(HEADER.split(','))}\n{delimiter.join(quoted)}\n")
    found = problems(path)
    assert [p for p in found if p.startswith(f"{path}:4: {column}: {expected}")], found
    assert all(value not in p.removeprefix(str(path)).split("(")[0] for p in found), found


def test_leading_zeros_and_spaces_around_a_count_are_one_reading(tmp_path):
    path = write(tmp_path, f"{HEADER}\nproject_door,all,2017,01,52, 0250 ,,,,\n")
    pilot = read_pilot(path)
    assert pilot.table.loc[2, "found"] == 250 and pilot.table.loc[2, "first_week"] == 1


def test_excel_rows_comments_in_quotes_and_quoted_values(tmp_path):
    text = (
        '"# Source: the report; table 3";;;;;;;;;\r\n'
        "programme;wijk;period;first_week;last_week;found;visited;accepted;enrolled;referred\r\n"
        ";;;;;;;;;\r\n"  # an empty row as Excel writes it
        '"project_door";"Bos- en Gasthuisdistrict";"2017";1;52;"250";113;;;\r\n'
    )
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    pilot = read_pilot(path)
    assert list(pilot.table.index) == [4]
    assert pilot_summaries(pilot) == {"project_door/2017/found": 250.0, "project_door/2017/visited": 113.0}


def test_a_quoted_wijk_name_with_the_separator_in_it(tmp_path):
    path = write(tmp_path, f'{HEADER}\nproject_door,"Binnenstad, Zuid",2017,1,52,5,,,,\n')
    pilot = read_pilot(path, wijken=["Binnenstad, Zuid"])
    assert pilot.windows()[0].wijken == ("Binnenstad, Zuid",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "programme,wijk;period,first_week,last_week,found\nproject_door,all,2017,1,52,5\n",
            "1: (header): mixes the separators , and ; (one separator for the whole file",
        ),
        (
            f'{HEADER}\nproject_door,"all,2017,1,52,5,,,,\n',
            "2: (row): has a quote that is not closed (",
        ),
    ],
    ids=["mixed separators", "unclosed quote"],
)
def test_what_a_csv_reader_cannot_read_is_a_problem_at_its_line(tmp_path, text, expected):
    path = write(tmp_path, text)
    assert any(p.startswith(f"{path}:{expected}") for p in problems(path)), problems(path)


def test_write_pilot_writes_whole_numbers_as_digits(tmp_path):
    row = {"programme": "p", "wijk": "all", "period": "x", "first_week": 1.0, "last_week": 52}
    table = pd.DataFrame([row | {"found": 1000.0}])
    path = tmp_path / "p.csv"
    write_pilot(path, table)
    assert path.read_text().splitlines()[1] == "p,all,x,1,52,1000"
    with pytest.raises(ValueError, match="found: 2.5 is not a whole number"):
        write_pilot(path, table.assign(found=2.5))


# --- personal data -----------------------------------------------------------------------------

PERSONAL_COLUMNS = [
    ("bsn", "a burgerservicenummer"),
    ("BSN-nummer", "a burgerservicenummer"),
    ("Burgerservicenummer", "a burgerservicenummer"),
    ("sofinummer", "a burgerservicenummer"),
    ("naam", "a name"),
    ("Voornaam", "a name"),
    ("achternaam", "a name"),
    ("first name", "a name"),
    ("Last_Name", "a name"),
    ("naam deelnemer", "a name"),
    ("adres", "an address"),
    ("straat", "an address"),
    ("huisnummer", "an address"),
    ("house number", "an address"),
    ("geboortedatum", "a date of birth"),
    ("date of birth", "a date of birth"),
    ("Birth-Date", "a date of birth"),
    ("DOB", "a date of birth"),
    ("postcode", "a postcode"),
    ("postcode_huisnummer", "a postcode with house number"),
    ("e-mail", "an e-mail address"),
    ("telefoon", "a phone number"),
    ("phone", "a phone number"),
    ("cliëntnummer", "a client or record number"),
    ("Client ID", "an identifier (a client or record number)"),
    ("klant_nr", "a client or record number"),
]


@pytest.mark.parametrize(("column", "what"), PERSONAL_COLUMNS, ids=[c for c, _ in PERSONAL_COLUMNS])
def test_an_identifier_column_is_refused(tmp_path, column, what):
    path = write(tmp_path, f"{HEADER},{column}\n{ROW},secret\n")
    found = problems(path)
    assert f"{path}:1: {column}: looks like personal data ({what}); {ALLOWED}" in found
    assert not any("secret" in p for p in found)


def test_the_brief_example_and_one_line_per_personal_column(tmp_path):
    path = write(tmp_path, f"bsn,{HEADER},geboortedatum\n123456782,{ROW},12-03-1980\n")
    found = problems(path)
    assert found == [
        f"{path}:1: bsn: looks like personal data (a burgerservicenummer); a pilot file holds aggregated "
        "counts only (see docs/pilot-data.md)",
        f"{path}:1: geboortedatum: looks like personal data (a date of birth); a pilot file holds aggregated "
        "counts only (see docs/pilot-data.md)",
    ]


def test_aggregate_column_names_are_not_taken_for_personal_data():
    from meedoen.pilot import personal_column

    assert all(personal_column(c) is None for c in COLUMNS)
    assert personal_column("wijk naam") is None  # the name of a wijk: an unknown column, not personal data


PERSONAL_VALUES = [
    ("2312 AB 12", "a postcode"),
    ("2312AB", "a postcode"),
    ("2312 ab", "a postcode"),
    ("123456782", "a burgerservicenummer"),
    ("1234.56.782", "a burgerservicenummer"),
    ("12-03-1980", "a date"),
    ("1980-03-12", "a date"),
    ("12/3/80", "a date"),
    ("3 maart 1975", "a date"),
    ("19800312", "a date"),
    ("0612345678", "a phone number"),
    ("j.jansen@example.nl", "an e-mail address"),
]


@pytest.mark.parametrize("column", ["programme", "wijk", "period", "found", "first_week"])
@pytest.mark.parametrize(("value", "what"), PERSONAL_VALUES, ids=[v for v, _ in PERSONAL_VALUES])
def test_a_personal_value_is_refused_without_repeating_it(tmp_path, column, value, what):
    values = dict(zip(HEADER.split(","), ROW.split(","), strict=True))
    values[column] = value
    row = ",".join(f'"{v}"' if "," in v else v for v in values.values())
    path = write(tmp_path, f"{COMMENTS}{HEADER}\n{row}\n")
    found = problems(path)
    assert any(
        p.startswith(f"{path}:4: {column}: the value looks like personal data ({what}) and is not repeated")
        for p in found
    ), found
    for p in found:
        message = p.removeprefix(str(path))
        assert value not in message
        assert not any(
            part in message for part in value.replace("-", " ").replace(".", " ").split() if len(part) > 2
        )


def test_labels_that_are_not_personal_are_accepted(tmp_path):
    rows = [
        f"project_door,all,{period},1,52,5,,,,"
        for period in ("2017", "2017H1", "year_1", "weeks 1-52", "2016-2017")
    ]
    pilot = read_pilot(write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n"))
    assert [w.period for w in pilot.windows()] == ["2017", "2017H1", "year_1", "weeks 1-52", "2016-2017"]


# --- summaries ---------------------------------------------------------------------------------

TWO_WIJKEN = (
    "# two wijken of one programme and period, and a second period\n"
    f"{HEADER},{BEFORE},{AFTER}\n"
    "prog_a,Leiden-Noord,p1,2,4,10,8,,5,,1,2,0,0,0,0,0,1,1,1,0,0\n"
    "prog_a,Morsdistrict,p1,2,4,6,4,,3,,2,1,1,0,0,0,0,0,2,0,0,0\n"
    "prog_a,all,p2,5,6,,,,,4,,,,,,,0,0,0,0,0,0\n"
)


def test_pilot_summaries_add_up_wijken(tmp_path):
    summaries = pilot_summaries(read_pilot(write(tmp_path, TWO_WIJKEN)))
    expected = {
        "prog_a/p1/found": 16.0,
        "prog_a/p1/visited": 12.0,
        "prog_a/p1/enrolled": 8.0,
        "prog_a/p1/before_share_1": 3 / 7,
        "prog_a/p1/before_share_2": 3 / 7,
        "prog_a/p1/before_share_3": 1 / 7,
        "prog_a/p1/before_share_4": 0.0,
        "prog_a/p1/before_share_5": 0.0,
        "prog_a/p1/before_share_6": 0.0,
        "prog_a/p1/after_share_1": 0.0,
        "prog_a/p1/after_share_2": 1 / 5,
        "prog_a/p1/after_share_3": 3 / 5,
        "prog_a/p1/after_share_4": 1 / 5,
        "prog_a/p1/after_share_5": 0.0,
        "prog_a/p1/after_share_6": 0.0,
        "prog_a/p2/referred": 4.0,
        **{f"prog_a/p2/after_share_{k}": 0.0 for k in range(1, 7)},  # nobody observed: shares 0
    }
    assert list(summaries) == list(expected)
    assert summaries == pytest.approx(expected)


METRICS = [
    "found",
    "visited",
    "accepted",
    "enrolled",
    "referred",
    "completed",
    "active",
    "waiting",
    "budget_euros",
    *RUNG_METRICS["before"],
    *RUNG_METRICS["after"],
]


def program(replicates: int = 2, weeks: int = 6) -> xr.DataArray:
    """A zero program array of one scenario, dims (replicate, week, intervention, metric), uint32."""
    return xr.DataArray(
        np.zeros((replicates, weeks + 1, 2, len(METRICS)), dtype=np.uint32),
        dims=("replicate", "week", "intervention", "metric"),
        coords={
            "replicate": np.arange(replicates),
            "week": np.arange(weeks + 1),
            "intervention": ["prog_a", "prog_b"],
            "metric": METRICS,
        },
        name="program",
    )


def set_weeks(data: xr.DataArray, replicate: int, metric: str, values: list[int]) -> None:
    """prog_a's metric in weeks 1..len(values) of one replicate."""
    data.loc[{"replicate": replicate, "intervention": "prog_a", "metric": metric}][1 : len(values) + 1] = (
        values
    )


SYNTHETIC_PILOT = f"{HEADER},{BEFORE},{AFTER}\nprog_a,all,p1,2,4,7,,,,,1,1,0,0,0,0,1,0,0,0,0,0\n"


def test_model_summaries_against_hand_computed_numbers(tmp_path):
    data = program()
    set_weeks(data, 0, "found", [100, 2, 3, 4, 100, 100])  # weeks 2-4: 9
    set_weeks(data, 1, "found", [100, 0, 0, 0, 100, 100])  # weeks 2-4: 0; mean 4.5
    set_weeks(data, 0, "enrolled_rung_1", [9, 1, 0, 1, 9, 9])  # weeks 2-4: 2
    set_weeks(data, 0, "enrolled_rung_2", [9, 0, 1, 0, 9, 9])  # 1
    set_weeks(data, 1, "enrolled_rung_2", [9, 1, 1, 1, 9, 9])  # 3; means: rung 1: 1, rung 2: 2
    data.loc[{"intervention": "prog_b"}] = 50  # another intervention: not counted
    pilot = read_pilot(write(tmp_path, SYNTHETIC_PILOT))
    summaries = model_summaries(data, pilot)
    expected = {
        "prog_a/p1/found": 4.5,
        "prog_a/p1/before_share_1": 1 / 3,
        "prog_a/p1/before_share_2": 2 / 3,
        **{f"prog_a/p1/before_share_{k}": 0.0 for k in (3, 4, 5, 6)},
        **{f"prog_a/p1/after_share_{k}": 0.0 for k in range(1, 7)},  # nobody completed: shares 0, no NaN
    }
    assert list(summaries) == list(pilot_summaries(pilot)) == list(expected)
    assert summaries == pytest.approx(expected)
    assert model_summaries(data.isel(replicate=1, drop=True), pilot)["prog_a/p1/found"] == 0.0


def test_model_summaries_problems(tmp_path):
    path = write(tmp_path, "# x\n" + SYNTHETIC_PILOT.replace("prog_a", "prog_x"))
    with pytest.raises(InputError) as caught:
        model_summaries(program(), read_pilot(path))
    assert caught.value.problems == [
        f"{path}:3: programme: prog_x is not an intervention of the scenario "
        "(the interventions: prog_a, prog_b)"
    ]
    path = write(tmp_path, SYNTHETIC_PILOT.replace(",2,4,", ",2,9,"), "late.csv")
    with pytest.raises(InputError) as caught:
        model_summaries(program(), read_pilot(path))
    assert caught.value.problems[0].startswith(f"{path}:2: last_week: is beyond the simulation's last week 6")
    without_rungs = program().sel(metric=METRICS[:9])
    with pytest.raises(InputError, match="no metric enrolled_rung_1, enrolled_rung_2"):
        model_summaries(without_rungs, read_pilot(write(tmp_path, SYNTHETIC_PILOT)))
    with pytest.raises(ValueError, match="scenario dimension"):
        model_summaries(program().expand_dims(scenario=["a"]), read_pilot(write(tmp_path, SYNTHETIC_PILOT)))


def test_round_trip_a_pilot_written_from_model_counts(tmp_path):
    rng = np.random.default_rng(7)
    data = program(replicates=1, weeks=20)
    data.values[:, 1:] = rng.integers(0, 9, size=data.values[:, 1:].shape)
    windows = [("year_a", 1, 10), ("year_b", 11, 20)]
    rows = []
    for period, first, last in windows:
        totals = data.sel(intervention="prog_a", week=slice(first, last)).sum("week").isel(replicate=0)
        values = {
            **{c: int(totals.sel(metric=c)) for c in COUNTS},
            **{
                c: int(totals.sel(metric=m))
                for c, m in zip(RUNG_BLOCKS["before"], RUNG_METRICS["before"], strict=True)
            },
            **{
                c: int(totals.sel(metric=m))
                for c, m in zip(RUNG_BLOCKS["after"], RUNG_METRICS["after"], strict=True)
            },
        }
        # split over two wijken: the summaries add them up again
        north = {c: v // 2 for c, v in values.items()}
        south = {c: v - north[c] for c, v in values.items()}
        for wijk, counts in (("Leiden-Noord", north), ("Morsdistrict", south)):
            rows.append(
                {
                    "programme": "prog_a",
                    "wijk": wijk,
                    "period": period,
                    "first_week": first,
                    "last_week": last,
                    **counts,
                }
            )
    table = pd.DataFrame(rows)
    table.loc[0:1, "accepted"] = pd.NA  # an unobserved count, in both wijk rows of year_a
    path = tmp_path / "round.csv"
    write_pilot(path, table, comments=["Written from model counts", "for a round trip"])
    assert path.read_text(encoding="utf-8").startswith("# Written from model counts\n# for a round trip\n")
    pilot = read_pilot(path)
    model = model_summaries(data, pilot)
    piloted = pilot_summaries(pilot)
    assert "prog_a/year_a/accepted" not in piloted and "prog_a/year_b/accepted" in piloted
    assert list(model) == list(piloted)
    assert model == pytest.approx(piloted, abs=1e-12)


def test_write_pilot_refuses_other_columns(tmp_path):
    with pytest.raises(ValueError, match="not columns of a pilot file: bsn"):
        write_pilot(tmp_path / "x.csv", pd.DataFrame({"programme": ["a"], "bsn": [1]}))
