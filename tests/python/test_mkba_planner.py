"""What planners take away (issue 14, items 4, 6): parameter draws from the registry's ranges for the
acceptability curves, per-year figures beside the discounted totals, how far a programme is from
earning its cost back, the export for Excel, and the report's conclusion."""

import errno
import io
import math
import re
import resource
import signal
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import meedoen
from conftest import cli, meedoen_command
from meedoen.conclusion import money
from meedoen.cli.main import main
from meedoen.compare import compare
from meedoen.export import planner_table
from meedoen.outcomes import UNBOUNDED
from meedoen.mkba import (
    ACTORS,
    SOCIETY,
    _payback_year,
    acceptability,
    actor_flows,
    by_actor,
    payback,
    per_year,
)
from meedoen.ranges import RangeDraws, parse_ranges
from meedoen.report import render_report

# 60 weeks: a whole year and a short second one (weeks 53-60).
SCENARIOS = """
[experiment]
name = "planner test"
weeks = 60
replicates = 4
seed = 11
[population]
scale = 0.05
[[scenario]]
name = "baseline"
[[scenario]]
name = "door"
  [[scenario.intervention]]
  type = "home_visits"
[[scenario]]
name = "no_effect"
  [[scenario.intervention]]
  type = "peer_outreach"
  staff_hours = 40
  finding_rate = 0.01
  effect_up = 0
  referral_effect_up = 0
"""
DRAWN = "home_visits.effect_up"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planner")
    scenario = folder / "planner.toml"
    scenario.write_text(SCENARIOS)
    out = folder / "planner.h5"
    result = cli("run", scenario, "-o", out, "--quiet", "--threads", "2", "--ranges", f"{DRAWN}=0:1.5")
    assert result.returncode == 0, result.stderr
    return meedoen.open_results(out), out


def test_range_draws_fill_the_ranges_and_keep_their_rows_when_extended():
    draws = RangeDraws(["a", "b"], np.array([0.0, 10.0]), np.array([1.0, 20.0]))
    eight = draws.draw(seed=3, replicates=8)
    assert eight.shape == (8, 2)
    assert ((eight >= [0, 10]) & (eight <= [1, 20])).all()
    np.testing.assert_array_equal(draws.draw(seed=3, replicates=5), eight[:5])  # row r: (seed, r) only
    assert not np.array_equal(draws.draw(seed=4, replicates=8), eight)
    # A Sobol' sequence's first 2**m points are balanced: one in each eighth of each range.
    assert sorted(np.floor(8 * eight[:, 0]).astype(int)) == list(range(8))


def test_parse_ranges_takes_the_registry_range_or_a_narrower_one():
    draws, problems = parse_ranges(["home_visits.acceptance", "home_visits.effect_up=0:1.5"])
    assert problems == [] and draws.names == ["home_visits.acceptance", DRAWN]
    np.testing.assert_array_equal(draws.low, [0.0, 0.0])
    np.testing.assert_array_equal(draws.high, [1.0, 1.5])


@pytest.mark.parametrize(
    ("flag", "says"),
    [
        ("no_such.parameter", "'no_such.parameter' is not a parameter"),
        ("ladder.up_rate", "is not a parameter with one number"),
        ("home_visits.acceptance=0.5:2", "is not MIN:MAX within 0:1"),
        ("home_visits.acceptance=0.9:0.1", "is not MIN:MAX within 0:1"),
        ("home_visits.acceptance=a:b", "is not MIN:MAX within 0:1"),
        ("home_visits.acceptance=", "is not MIN:MAX within 0:1"),  # empty: not the registry's range
    ],
)
def test_a_bad_ranges_flag_is_one_line_and_writes_nothing(tmp_path, flag, says):
    scenario = tmp_path / "s.toml"
    scenario.write_text(SCENARIOS)
    out = tmp_path / "out.h5"
    result = cli("run", scenario, "-o", out, "--quiet", "--ranges", flag)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("command line:") and "--ranges" in lines[0], lines
    assert says in lines[0] and "Traceback" not in result.stderr
    assert not out.exists()


def test_ranges_and_a_posterior_are_one_source_of_draws_too_many(tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text(SCENARIOS)
    out = tmp_path / "out.h5"
    result = cli("run", scenario, "-o", out, "--quiet", "--ranges", DRAWN, "--posterior", tmp_path / "p.h5")
    assert result.returncode == 2 and "--ranges: cannot be combined with --posterior" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not out.exists()


def test_a_parameter_the_scenario_file_sets_cannot_be_drawn(tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text(SCENARIOS)  # no_effect's peer_outreach sets staff_hours
    out = tmp_path / "out.h5"
    result = cli("run", scenario, "-o", out, "--quiet", "--ranges", "peer_outreach.staff_hours")
    assert result.returncode == 2 and "the scenario file sets peer_outreach.staff_hours" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not out.exists()


def test_the_run_records_its_range_draws(run):
    results, _ = run
    draws = results.parameter_draws
    assert draws is not None and list(draws["parameter"].values) == [DRAWN]
    values = draws.sel(parameter=DRAWN).values
    assert ((values >= 0) & (values <= 1.5)).all() and len(set(values)) == len(values) == 4
    assert "ranges" in str(draws.attrs["origin"]) and "Sobol" in str(draws.attrs["origin"])


def test_acceptability_with_range_draws_adds_up_to_one_at_every_willingness_to_pay(run):
    results, _ = run
    table = acceptability(results)
    assert ((table.probability >= 0) & (table.probability <= 1)).all()
    np.testing.assert_allclose(table.groupby("wtp").probability.sum().values, 1.0, rtol=1e-12)
    assert (table.groupby("wtp").frontier.sum() == 1).all()
    # A programme without effect costs money and moves nobody up: never the best buy.
    assert (table[table.scenario == "no_effect"].probability == 0).all()


def undiscounted_totals(results, name):
    """Per actor the undiscounted (cost, benefit) per replicate, straight from the raw ledger."""
    own, base = results[name].ledger, results["baseline"].ledger
    items = list(dict.fromkeys([*own["item"].values, *base["item"].values]))
    delta = own.reindex(item=items, fill_value=0.0).isel(week=slice(1, None)).sum("week") - base.reindex(
        item=items, fill_value=0.0
    ).isel(week=slice(1, None)).sum("week")
    return actor_flows(delta.compute())


def test_per_year_figures_add_up_to_the_totals(run):
    results, _ = run
    table = per_year(results)
    assert sorted(table.year.unique()) == [1, 2]
    assert sorted(table.groupby("year").weeks.first()) == [8, 52]
    sums = table.groupby(["scenario", "actor", "quantity", "discounted"])["mean"].sum()
    totals = by_actor(results).set_index(["scenario", "actor", "quantity"])["mean"]
    paid_totals = by_actor(results, discounted=False).set_index(["scenario", "actor", "quantity"])
    for name in results.scenarios:
        flows = undiscounted_totals(results, name)
        for actor in (*ACTORS, SOCIETY):
            cost, benefit = flows[actor]
            paid = {"cost": cost, "benefit": benefit, "balance": benefit - cost}
            for quantity in ("cost", "benefit", "balance"):
                scale = 1.0 + abs(paid[quantity].mean())
                assert sums[(name, actor, quantity, True)] == pytest.approx(
                    totals[(name, actor, quantity)], abs=1e-9 * scale
                )
                assert sums[(name, actor, quantity, False)] == pytest.approx(
                    paid[quantity].mean(), abs=1e-9 * scale
                )
                # The total as paid, with the t-interval of the per-replicate totals, by its formula.
                mean, low, high = paid_totals.loc[(name, actor, quantity)]
                n = len(paid[quantity])
                half = stats.t.ppf(0.975, n - 1) * paid[quantity].std(ddof=1) / math.sqrt(n)
                assert mean == pytest.approx(paid[quantity].mean(), abs=1e-9 * scale)
                assert (low, high) == pytest.approx((mean - half, mean + half), abs=1e-9 * scale)
    # Discounting makes a later euro worth less: a cost paid in year 2 is smaller discounted.
    rows = table.set_index(["scenario", "actor", "quantity", "year", "discounted"])["mean"]
    assert 0 < rows[("door", SOCIETY, "cost", 2, True)] < rows[("door", SOCIETY, "cost", 2, False)]


@pytest.mark.parametrize(
    ("pv", "last", "rate", "expected"),
    [
        ([-100.0, 150.0], 150.0, 0.02, (2.0, "within")),
        ([50.0, 10.0], 10.0, 0.02, (1.0, "within")),
        ([-100.0, 30.0], 30.0, 0.0, (5.0, "later")),  # 70 short, 30 a year: 3 more years
        ([-100.0, -10.0], -10.0, 0.03, (math.nan, "never")),
        ([-200.0, 1.0], 1.0, 0.03, (math.nan, "never")),  # 199 short: at most 1 / 0.03 = 33 more
    ],
)
def test_the_payback_year(pv, last, rate, expected):
    year, outlook = _payback_year(np.array(pv), last, rate)
    assert outlook == expected[1]
    assert (math.isnan(year) and math.isnan(expected[0])) or year == expected[0]


def test_the_payback_year_after_the_horizon_is_the_first_with_enough_discounted_years():
    pv, last, rate = np.array([-500.0, 40.0]), 40.0, 0.04
    year, outlook = _payback_year(pv, last, rate)
    assert outlook == "later"
    deficit, q = 460.0, 1 / 1.04
    added = np.cumsum([last * q**k for k in range(1, 100)])
    assert year == 2 + int(np.argmax(added >= deficit)) + 1


def test_a_programme_without_effect_never_pays_back_for_the_gemeente(run):
    results, _ = run
    table = payback(results).set_index(["scenario", "actor"])
    assert table.loc[("no_effect", "gemeente"), "outlook"] == "never"
    assert table.loc[("no_effect", "gemeente"), "total"] < 0
    sums = per_year(results)
    balance = sums[(sums.quantity == "balance") & sums.discounted & (sums.actor == "gemeente")]
    assert table.loc[("door", "gemeente"), "total"] == pytest.approx(
        balance[balance.scenario == "door"]["mean"].sum()
    )


def test_the_xlsx_export_reads_back_with_the_same_numbers_and_says_its_units(run, tmp_path):
    results, out = run
    path = tmp_path / "planners.xlsx"
    done = cli("compare", out, "--export", path)
    assert done.returncode == 0, done.stderr
    sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl")
    assert list(sheets) == ["Per jaar", "Terugverdienen", "Vergelijking", "Toelichting"]
    read = sheets["Per jaar"]
    expected = planner_table(results, "baseline")
    assert list(read.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(read, expected, check_exact=False, rtol=1e-12, check_dtype=False)
    headers = " ".join(read.columns)
    assert (
        "jaar 1 (€, zoals betaald)" in headers and "totaal jaar 1-2, 60 weken (€, zoals betaald)" in headers
    )
    assert "disconteringsvoet 2,25% per jaar" in headers
    # The discounted total is by_actor's, the years' sum is per_year's.
    totals = by_actor(results).set_index(["scenario", "actor", "quantity"])
    row = read[(read.scenario == "door") & (read.partij == "Gemeente") & (read.post == "saldo")].iloc[0]
    assert row.iloc[-3] == pytest.approx(totals.loc[("door", "gemeente", "balance"), "mean"], rel=1e-12)
    assert row.iloc[5] == pytest.approx(row.iloc[3] + row.iloc[4], rel=1e-12)
    paid = by_actor(results, discounted=False).set_index(["scenario", "actor", "quantity"])
    assert tuple(row.iloc[5:8]) == pytest.approx(tuple(paid.loc[("door", "gemeente", "balance")]), rel=1e-12)
    assert row.iloc[6] < row.iloc[5] < row.iloc[7]  # the total as paid has its interval
    from openpyxl import load_workbook

    sheet = load_workbook(path)["Per jaar"]
    assert sheet["D2"].number_format == "#,##0" and isinstance(sheet["D2"].value, float)
    # An interval without an upper end (no_effect's cost per person up) has the sign of the report.
    high = compare(results, "baseline").ci_high.to_numpy()
    shown = sheets["Vergelijking"]["95%-interval bovengrens"]
    assert np.isposinf(high).any()
    assert [v == UNBOUNDED for v in shown] == list(np.isposinf(high))


def test_the_csv_export_has_semicolons_and_decimal_commas(run, tmp_path):
    results, out = run
    path = tmp_path / "planners.csv"
    done = cli("compare", out, "--export", path)
    assert done.returncode == 0, done.stderr
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte order mark: Excel reads the euro sign
    text = raw.decode("utf-8-sig")
    header, first = text.splitlines()[:2]
    assert header.startswith("scenario;partij;post;jaar 1 (€")
    assert re.search(r";-?\d+,\d+", first) and "." not in first.split(";", 3)[3]
    assert not re.search(r",\d{3}", text.split("\n", 1)[1])  # euros to the cent at most
    read = pd.read_csv(io.StringIO(text), sep=";", decimal=",")
    expected = planner_table(results, "baseline")
    pd.testing.assert_frame_equal(read, expected, check_exact=False, rtol=0, atol=0.005)


@pytest.mark.parametrize("name", ["out.txt", "missing/out.xlsx"])
def test_a_bad_export_is_one_line_and_writes_nothing(run, tmp_path, name):
    _, out = run
    path = tmp_path / name
    result = cli("compare", out, "--export", path)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "--export" in result.stderr
    assert not path.exists()


def _at_most_1_kib() -> None:
    """For a child process: files of at most 1 KiB, and SIGXFSZ ignored (a write past the limit
    fails with 'File too large', as on a full disk)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_export_on_a_full_disk_is_one_line_and_leaves_the_old_file(run, tmp_path, suffix):
    """Field report: on a full disk --export ended in a traceback (OSError: No space left on device)."""
    _, out = run
    path = tmp_path / f"planners{suffix}"
    path.write_text("keep\n")
    command = [meedoen_command(), "compare", str(out), "--export", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, preexec_fn=_at_most_1_kib, timeout=600)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [f"meedoen: cannot write {path}: File too large"]
    assert result.stdout == "" and path.read_text() == "keep\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_export_that_cannot_replace_its_target_is_one_line_and_leaves_it(
    run, tmp_path, suffix, monkeypatch, capsys
):
    """Field report: an export onto a file that cannot be replaced (chattr +i) ended in a traceback
    (PermissionError: 'FILE.partial' -> 'FILE'). Here the rename fails as it did there."""
    _, out = run
    path = tmp_path / f"planners{suffix}"
    path.write_text("keep\n")

    def refused(self, target):
        raise PermissionError(errno.EPERM, "Operation not permitted", str(self), str(target))

    monkeypatch.setattr(Path, "replace", refused)
    status = main(["compare", str(out), "--export", str(path)])
    captured = capsys.readouterr()
    assert status == 1
    assert captured.err.splitlines() == [f"meedoen: cannot write {path}: Operation not permitted"]
    assert captured.out == ""
    assert path.read_text() == "keep\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_compare_per_year_on_the_command_line(run):
    results, out = run
    csv = cli("compare", out, "--per-year", "--format", "csv")
    assert csv.returncode == 0, csv.stderr
    pd.testing.assert_frame_equal(
        pd.read_csv(io.StringIO(csv.stdout)), per_year(results), check_exact=False, rtol=1e-12
    )
    shown = cli("compare", out, "--per-year")
    assert shown.returncode == 0, shown.stderr
    assert "Balance per actor and year" in shown.stdout
    assert "no_effect, municipality: balance" in shown.stdout and "never" in shown.stdout


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_report_shows_the_per_year_numbers_and_a_conclusion_from_them(run, lang):
    results, _ = run
    page = render_report(results, lang=lang)
    years = per_year(results)
    paid = (
        years[(years.quantity == "balance") & ~years.discounted]
        .set_index(["scenario", "actor", "year"])["mean"]
        .sort_index()
    )
    totals = by_actor(results).set_index(["scenario", "actor", "quantity"])["mean"]
    table = re.search(r'<table id="per-year">.*?</table>', page, re.S).group(0)
    cells = re.findall(
        r'data-scenario="([^"]+)" data-actor="([^"]+)" data-column="(\d)" data-value="([^"]+)"', table
    )
    assert len(cells) == 2 * 5 * 4  # two scenarios, five actors, two years + two totals
    for scenario, actor, column, value in cells:
        column = int(column)
        if column <= 2:
            expected = paid[(scenario, actor, column)]
        elif column == 3:
            expected = paid[(scenario, actor)].sum()  # the mean of the totals as paid
        else:
            expected = totals[(scenario, actor, "balance")]
        assert float(value) == pytest.approx(expected, rel=1e-12, abs=1e-9)
    paid_totals = by_actor(results, discounted=False).set_index(["scenario", "actor", "quantity"])
    lows = re.findall(r'data-scenario="([^"]+)" data-actor="([^"]+)" data-column="3" [^>]*data-low="([^"]+)"', table)
    assert len(lows) == 2 * 5  # the total as paid has its interval too
    for scenario, actor, low in lows:
        assert float(low) == pytest.approx(paid_totals.loc[(scenario, actor, "balance"), "ci_low"], rel=1e-12)
    conclusion = re.search(r'<section id="conclusion">.*?</section>', page, re.S).group(0)
    rows = by_actor(results).set_index(["scenario", "actor", "quantity"])
    for name in ("door", "no_effect"):
        mean, low, high = rows.loc[(name, SOCIETY, "balance")]
        balance = money(mean, lang, low, high)  # rounded to its interval
        assert f"“{name}”" in conclusion and balance in conclusion
    assert ("ranges" in conclusion) and ("Sobol" in conclusion)  # the draws are named among the caveats
    words = {"nl": "niet terug", "en": "does not earn it back"}[lang]
    assert words in conclusion  # no_effect never earns it back


@pytest.mark.parametrize(
    ("up", "nl", "en"),
    [
        (1.2, "1 volwassene meer", "1 more adult"),
        (2.5, "3 volwassenen meer", "3 more adults"),
        (0.4, "0 volwassenen meer", "0 more adults"),
        (-3.0, "3 volwassenen minder", "3 fewer adults"),
        (1234.0, "1.234 volwassenen meer", "1,234 more adults"),
    ],
)
def test_the_conclusion_counts_adults_in_words(up, nl, en):
    from meedoen.conclusion import WORDS, _adults

    assert _adults(up, WORDS["nl"]) == nl
    assert _adults(up, WORDS["en"]) == en


def test_scenarios_that_move_more_up_for_no_more_money_come_before_the_cheapest():
    """Against a reference that costs more (meedoen compare --baseline), a scenario can move more
    adults up for less: it has no cost per person, and "the cheapest" would name a worse one."""
    from meedoen.conclusion import WORDS, _cheapest

    costs = {"a": 8_000.0, "b": math.nan, "c": math.nan, "d": 20_000.0}
    up = {"a": 10.0, "b": 30.0, "c": -2.0, "d": 5.0}  # b: more up, no more money; c: none up
    dominant = _cheapest(costs, up, list(costs), "ref", WORDS["en"], "en")
    assert dominant == [
        "More adults moved up a rung than with “ref”, for no more money on interventions: “b”."
    ]
    cheapest = _cheapest(costs, {**up, "b": 0.0}, list(costs), "ref", WORDS["nl"], "nl")
    assert cheapest == [
        "Per extra volwassene die een trede omhoog gaat, is “a” het goedkoopst: € 8.000."
    ]
    assert _cheapest({"c": math.nan}, {"c": -2.0}, ["c"], "ref", WORDS["en"], "en") == []


@pytest.mark.parametrize(("cost", "en"), [(331_000.0, "costs the municipality €331,000"),
                                          (-331_000.0, "saves the municipality €331,000")])
def test_a_scenario_cheaper_than_the_reference_saves_the_municipality_its_money(cost, en):
    from meedoen.conclusion import WORDS, _scenario

    cells = pd.DataFrame(
        {"mean": [cost, -cost, -cost], "ci_low": math.nan, "ci_high": math.nan},
        index=pd.MultiIndex.from_tuples(
            [("s", "gemeente", "cost"), ("s", "gemeente", "balance"), ("s", SOCIETY, "balance")]
        ),
    )
    outlook = pd.Series({"outlook": "within", "year": 1.0, "last_year": 0.0})
    line = _scenario(cells, outlook, "s", 3.0, WORDS["en"], "en")
    assert line.startswith(f"“s” {en}, moves 3 more adults up a rung")
    assert "-€" not in line.split(",")[0]


@pytest.mark.parametrize(
    ("mean", "low", "high", "en", "nl"),
    [
        # No interval: to the thousand, millions to two decimals.
        (-131_400.0, math.nan, math.nan, "-€131,000", "-€ 131.000"),
        (1_234_567.0, math.nan, math.nan, "€1.23 million", "€ 1,23 mln"),
        (999_700.0, math.nan, math.nan, "€1.00 million", "€ 1,00 mln"),
        (-400.0, math.nan, math.nan, "€0", "€ 0"),
        # The interval's digits where it supports fewer (half-width 160,000: two digits, 10,000s),
        # as the report's table shows it: -130k [-290k, +30k].
        (-131_400.0, -290_000.0, 30_000.0, "-€130,000", "-€ 130.000"),
        (2_240_000.0, 1_500_000.0, 2_900_000.0, "€2.2 million", "€ 2,2 mln"),
        (-964_300.0, -973_000.0, -956_000.0, "-€964,000", "-€ 964.000"),  # never finer than 1,000
    ],
)
def test_money_in_the_conclusion_is_rounded_as_its_interval_allows(mean, low, high, en, nl):
    assert money(mean, "en", low, high) == en
    assert money(mean, "nl", low, high) == nl


def test_actor_names_within_a_sentence_keep_the_rijk_a_proper_noun():
    from meedoen.conclusion import _in_sentence

    nl = [_in_sentence(a, "nl") for a in ("gemeente", "rijk", "samenleving")]
    assert nl == ["gemeente", "Rijk", "samenleving"]
    assert [_in_sentence(a, "en") for a in ("zorgverzekeraar", "rijk")] == ["health insurers", "State"]


@pytest.mark.parametrize(
    ("saved", "named"),
    [(0.0, False), (-2_000.0, False), (120.0, False), (40_000.0, True)],
)
def test_the_bijstand_caveat_names_a_scenario_only_where_one_saves_something(saved, named):
    """Savings on the bijstand benefit small against the cost: the caveat gives the largest and its
    scenario, unless that rounds to nothing (then no scenario is named as saving "at most EUR 0")."""
    from meedoen.conclusion import BIJSTAND, _caveats

    others = ["a", "b"]
    rows = {
        (n, actor, what): {"mean": 1e6 if what == "cost" else 10.0, "ci_low": 5.0, "ci_high": 15.0}
        for n in others
        for actor in ("gemeente", SOCIETY)
        for what in ("cost", "balance")
    }
    cells = pd.DataFrame.from_dict(rows, orient="index")
    cells.index = pd.MultiIndex.from_tuples(cells.index)
    items = pd.DataFrame(
        {"scenario": others, "item": [BIJSTAND] * 2, "mean": [-saved, 0.0], "ci_low": math.nan, "ci_high": math.nan}
    )
    for lang in ("nl", "en"):
        caveats = _caveats(cells, items, others, "5", 20, None, lang)
        first = caveats[0]
        assert ("“a”" in first) is named, first
        assert ("bijstand" in first) and (money(0.0, lang) not in first), first
