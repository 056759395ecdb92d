"""meedoen report: one self-contained HTML page whose numbers are those of compare(), in Dutch or English;
bad input; and the page in a real browser."""

import base64
import math
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import h5py
import pandas as pd
import pytest
from markupsafe import escape
from PIL import Image

import meedoen
from conftest import LEIDEN, cli
from meedoen.cli import main
from meedoen.compare import compare
from meedoen.outcomes import decimals, fixed
from meedoen.report import TEXT, render_report
from test_plots import INTERVENTIONS, leiden_small_run

PROBLEM = re.compile(r"^[^:\n]+(:\d+)?: [^:\s]+: .+\(.+\)$")
HEADLINE = [
    "participation_rate",
    "isolated",
    "persons_up",
    "intervention_cost",
    "net_savings",
    "cost_per_person_up",
    "break_even_week",
]
LEVELS = ["participation_rate", "isolated", "persons_up", "intervention_cost", "provision_cost"]

TINY = """\
[experiment]
name = "tiny"
weeks = 6
replicates = 2
seed = 5

[population]
scale = 0.02

[parameters]
network.friend_contacts = 5

[[scenario]]
name = "baseline"

[[scenario]]
name = "other"
  [scenario.parameters]
  ladder.up_rate = [0.31, 0.25, 0.12, 0.08, 0.25]
  [[scenario.intervention]]
  type = "home_visits"
  start_week = 2
  acceptance = 0.5
"""


class Page(HTMLParser):
    """The start tags of a page with their attributes, and the cells that carry a number (data-metric)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.cells: list[dict] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if "data-metric" in attributes:
            self.cells.append(attributes | {"text": ""})

    def handle_data(self, data: str) -> None:
        if self.cells and "done" not in self.cells[-1]:
            self.cells[-1]["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.cells:
            self.cells[-1]["done"] = True

    def attribute(self, name: str) -> list[str]:
        return [attrs[name] for _, attrs in self.tags if name in attrs]


@pytest.fixture(scope="module")
def leiden_small(tmp_path_factory):
    """The small run of scenarios/leiden.toml that test_plots uses: its path and Results."""
    return leiden_small_run(tmp_path_factory)


@pytest.fixture(scope="module")
def reports(leiden_small, tmp_path_factory):
    """The small run's report written by the meedoen command, in Dutch (the default) and in English."""
    folder = tmp_path_factory.mktemp("reports")
    paths = {"nl": folder / "rapport.html", "en": folder / "report.html"}
    for lang, path in paths.items():
        result = cli("report", leiden_small[0], "-o", path, *(["--lang", "en"] if lang == "en" else []))
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"report written to {path}\n" and result.stderr == ""
    assert sorted(folder.iterdir()) == sorted(paths.values())  # no temporary file left
    return {lang: path.read_text(encoding="utf-8") for lang, path in paths.items()} | {"path": paths["nl"]}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_report_refers_to_nothing_outside_itself(reports, lang):
    text = reports[lang]
    for external in ("http:", "https:", 'src="/', "<link", "<script", "url(", "@import", "file:"):
        assert external not in text
    page = Page(text)
    images = page.attribute("src")
    assert len(images) == 8  # seven plots and who pays, who gains
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    ids = set(page.attribute("id"))
    assert {"headline", "baseline-levels", "assumptions", "provenance", "scale-note"} <= ids
    assert all(href.startswith("#") and href[1:] in ids for href in page.attribute("href"))


@pytest.fixture(scope="module")
def table(leiden_small):
    return compare(leiden_small[1]).set_index(["scenario", "wijk", "metric"])


def test_the_numbers_are_those_of_compare(reports, leiden_small, table):
    res = leiden_small[1]
    cells = Page(reports["nl"]).cells
    shown = {(c["data-scenario"], c["data-metric"]) for c in cells}
    others = res.scenarios[1:]
    assert shown == {("baseline", m) for m in LEVELS} | {(s, m) for s in others for m in HEADLINE}
    for cell in cells:
        row = table.loc[(cell["data-scenario"], "all", cell["data-metric"])]
        low, high = (
            ("ci_low", "ci_high") if cell["data-column"] == "mean" else ("diff_ci_low", "diff_ci_high")
        )
        expected = [row[cell["data-column"]], row[low], row[high]]
        found = [float(cell[f"data-{key}"] or "nan") for key in ("value", "low", "high")]  # "": undefined
        assert found == pytest.approx(expected, rel=1e-12, nan_ok=True)
    metrics = {c["data-metric"]: c["data-column"] for c in cells if c["data-scenario"] != "baseline"}
    assert metrics["participation_rate"] == "diff_mean" and metrics["net_savings"] == "mean"
    assert metrics["intervention_cost"] == "diff_mean"


def test_the_text_of_a_cell_says_its_number(reports, leiden_small, table):
    cells = {(c["data-scenario"], c["data-metric"]): c["text"] for c in Page(reports["en"]).cells}
    cost = table.loc[("combined", "all", "intervention_cost")]  # above the baseline's (none)
    places = decimals(0, cost.diff_ci_low, cost.diff_ci_high)  # whole euros, or fewer digits
    mean, low, high = (fixed(v, places) for v in (cost.diff_mean, cost.diff_ci_low, cost.diff_ci_high))
    assert cells[("combined", "intervention_cost")] == f"+€{mean}[+{low}, +{high}]"
    participation = 100 * table.loc[("combined", "all", "participation_rate"), "diff_mean"]
    assert cells[("combined", "participation_rate")].startswith(f"{participation:+.2f} pp")
    for name in leiden_small[1].scenarios[1:]:
        never = math.isnan(table.loc[(name, "all", "break_even_week"), "mean"])
        assert (cells[(name, "break_even_week")] == "not within the horizon") == never


@pytest.mark.parametrize(
    ("metric", "mean", "interval"),
    [("cost_per_person_up", 131_780.6, {"en": "[60,000, ∞]", "nl": "[60.000; ∞]"}),  # by 71,880
     ("break_even_week", 12.0, {"en": "[10, not within the horizon]", "nl": "[10; niet binnen de periode]"})],
)
def test_an_interval_without_an_upper_end_says_so(metric, mean, interval):
    from meedoen.report import _cell

    low = 59_900.3 if metric == "cost_per_person_up" else 10.0
    row = pd.Series({"mean": mean, "ci_low": low, "ci_high": math.inf})
    for lang in ("en", "nl"):
        cell = _cell(row, metric, "mean", TEXT[lang])
        assert cell["interval"] == interval[lang]
        assert (float(cell["low"]), float(cell["high"])) == (low, math.inf)  # "Infinity" for machines


def test_the_languages_differ_in_their_words_only(reports):
    nl, en = reports["nl"], reports["en"]
    assert '<html lang="nl">' in nl and '<html lang="en">' in en
    for key in ("question_head", "scenarios_head", "headline_head", "assumptions_head", "provenance_head"):
        dutch, english = (f"<h2>{escape(TEXT[lang][key])}</h2>" for lang in ("nl", "en"))
        assert dutch in nl and english in en and english not in nl and dutch not in en
    assert "Netto besparing" in nl and "Net savings" in en
    assert "€ " in nl and "%-punt" in nl and " pp" in en
    assert Page(nl).attribute("data-value") == Page(en).attribute("data-value")
    assert same_keys(TEXT["nl"], TEXT["en"])


def same_keys(a: dict, b: dict) -> bool:
    """Both dicts have the same keys, and so do the dicts under them."""
    return a.keys() == b.keys() and all(same_keys(a[k], b[k]) for k in a if isinstance(a[k], dict))


def test_the_report_holds_scenarios_assumptions_file_and_provenance(reports, leiden_small):
    text, res = reports["nl"], leiden_small[1]
    page = Page(text)
    rows = [attrs["data-scenario"] for tag, attrs in page.tags if tag == "tr" and "data-scenario" in attrs]
    assert rows == res.scenarios
    assert all(f"<strong>{name}</strong>" in text for name in INTERVENTIONS)
    assumptions = {p["name"] for p in meedoen.parameters() if p["assumption"]}
    assert set(page.attribute("data-parameter")) == assumptions
    assert escape(LEIDEN.read_text()) in text
    for value in ("12345", "30", "3", "0.05", res.attrs["git_commit"], res.attrs["created_utc"]):
        assert f"<td>{value}</td>" in text
    assert "schaal 0,05" in text  # the note on the scaled population
    assert "van de inwoners van Leiden" in text  # the embedded population is named as Leiden


def test_assumptions_show_the_value_as_used_and_mark_differences(tmp_path):
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(TINY)
    out = tmp_path / "tiny.h5"
    assert cli("run", scenario, "-o", out, "--quiet").returncode == 0
    with h5py.File(out, "r+") as f:
        f.attrs["scale"] = 1.0  # as if at full scale: no note
    text = render_report(meedoen.open_results(out), lang="en")
    rows = {
        name: bool(mark)
        for mark, name in re.findall(r'<tr( class="differs")? data-parameter="([^"]+)">', text)
    }
    assert rows["ladder.up_rate"] and rows["home_visits.acceptance"]
    assert not rows["network.friend_contacts"] and not rows["home_visits.staff_hours"]
    assert "other: 1-&gt;2: 0.31; 2-&gt;3: 0.25" in text and "other: 0.5" in text
    assert "Assumptions changed for every scenario: network.friend_contacts = 5." in text
    assert "weeks 2 to the end; <code>acceptance = 0.5</code>" in text and 'id="scale-note"' not in text


@pytest.fixture
def results_copy(leiden_small, tmp_path):
    path = tmp_path / "results.h5"
    shutil.copy(leiden_small[0], path)
    return path


BAD_INPUTS = {
    # name: (arguments after the results file, the results file, the expected start of a line)
    "missing results file": ([], "nope.h5", "{folder}/nope.h5: (file): does not exist"),
    "not a results file": ([], "notes.txt", "{folder}/notes.txt: (file): not a readable Meedoen results file (not an HDF5 file)"),
    "--lang xx": (["--lang", "xx"], "results.h5", "command line: --lang: value xx is not"),
    "--baseline unknown": (
        ["--baseline", "nope"],
        "results.h5",
        "command line: --baseline: no scenario nope",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_exits_2_and_leaves_an_existing_report_alone(results_copy, capsys, case):
    flags, results, expected = BAD_INPUTS[case]
    folder = results_copy.parent
    (folder / "notes.txt").write_text("not HDF5")
    out = folder / "report.html"
    out.write_bytes(b"an earlier report")
    before = sorted(folder.iterdir())
    assert main(["report", str(folder / results), "-o", str(out), *flags]) == 2
    assert_problems(capsys.readouterr(), expected.format(folder=folder))
    assert out.read_bytes() == b"an earlier report"
    assert sorted(folder.iterdir()) == before


@pytest.mark.parametrize("where", ["missing directory", "a directory", "the results file"])
def test_an_output_that_cannot_be_written_exits_2(results_copy, capsys, where):
    folder = results_copy.parent
    out = {
        "missing directory": folder / "missing" / "r.html",
        "a directory": folder,
        "the results file": results_copy,
    }
    content = results_copy.read_bytes()
    assert main(["report", str(results_copy), "-o", str(out[where])]) == 2
    assert_problems(capsys.readouterr(), "command line: -o: ")
    assert sorted(folder.iterdir()) == [results_copy] and results_copy.read_bytes() == content


def assert_problems(captured, expected_start: str) -> None:
    """Nothing on stdout; on stderr one problem per line, the expected one among them."""
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines and all(PROBLEM.match(line) for line in lines), lines
    assert any(line.startswith(expected_start) for line in lines), lines


def test_the_command_reports_bad_input_without_a_traceback(tmp_path):
    result = cli("report", tmp_path / "nope.h5", "-o", tmp_path / "r.html", "--lang", "xx")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 2
    assert list(tmp_path.iterdir()) == []


def chromium() -> str | None:
    """The headless browser: Debian's chromium (the Makefile installs it), or another Chromium build."""
    return next(filter(None, map(shutil.which, ["chromium", "chromium-browser", "google-chrome"])), None)


@pytest.mark.skipif(chromium() is None, reason="no chromium binary found (Debian package chromium)")
def test_a_real_browser_shows_the_report_without_errors(reports, tmp_path):
    browser = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    url = Path(reports["path"]).as_uri()
    shot = tmp_path / "report.png"
    flags = ["--enable-logging=stderr", "--v=0", f"--screenshot={shot}", "--window-size=1280,4000"]
    result = subprocess.run([*browser, *flags, url], capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr
    errors = [line for line in result.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert errors == []
    with Image.open(shot) as image:
        assert image.format == "PNG" and image.size == (1280, 4000)
        assert (
            len(image.convert("RGB").getcolors(maxcolors=100_000) or range(100_000)) > 100
        )  # not a blank page
    dom = subprocess.run(
        [*browser, "--dump-dom", url], capture_output=True, text=True, timeout=180, check=False
    )
    assert dom.returncode == 0, dom.stderr
    assert dom.stdout.count("<img ") == 8 and 'id="headline"' in dom.stdout and "</footer>" in dom.stdout


PROBE = (
    "<script>document.body.dataset.widths = "
    "document.documentElement.scrollWidth + ' ' + window.innerWidth;</script></body>"
)


@pytest.mark.skipif(chromium() is None, reason="no chromium binary found (Debian package chromium)")
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_report_fits_a_window_1280_pixels_wide(reports, tmp_path, lang):
    """No sideways scrolling: the page is no wider than the window (a copy of the report with a
    script that measures it; the report itself has none)."""
    probe = tmp_path / "probe.html"
    probe.write_text(reports[lang].replace("</body>", PROBE), encoding="utf-8")
    browser = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'p'}"]
    flags = ["--window-size=1280,900", "--dump-dom"]
    command = [*browser, *flags, probe.as_uri()]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert dom.returncode == 0, dom.stderr
    widths = re.search(r'data-widths="(\d+) (\d+)"', dom.stdout)
    assert widths, dom.stdout[-2000:]
    scroll, window = map(int, widths.groups())
    assert window == 1280
    assert scroll <= window


def test_one_differing_assumption_is_one_row(tmp_path):
    scenario = tmp_path / "one.toml"
    scenario.write_text(TINY.replace("  acceptance = 0.5\n", ""))
    out = tmp_path / "one.h5"
    assert cli("run", scenario, "-o", out, "--quiet").returncode == 0
    results = meedoen.open_results(out)
    assert "(1 regel)" in render_report(results, lang="nl") and "(1 row)" in render_report(results, lang="en")


def test_the_scenarios_come_from_the_engine(tmp_path):
    """The report reads the scenarios and interventions as the engine has them: a scenario file
    in another folder, with its own population file beside it, and wijk names with markup."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    cases = Path(__file__).parent / "cases"
    shutil.copy(cases / "markup-wijken.csv", folder)
    scenario = folder / "case.toml"
    scenario.write_text((cases / "markup-in-names.toml").read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "case.h5"
    assert cli("run", scenario, "-o", out, "--quiet").returncode == 0
    text = render_report(meedoen.open_results(out), lang="en")
    assert "<script" not in text and "<iframe" not in text
    assert "<strong>walk_in</strong>, in Noord [/]" in text
    # The population simulated is named: this file's, not Leiden's.
    assert "the population in markup-wijken.csv" in text and "residents of Leiden" not in text
    dutch = render_report(meedoen.open_results(out), lang="nl")
    assert "de populatie in markup-wijken.csv" in dutch and "inwoners van Leiden" not in dutch
