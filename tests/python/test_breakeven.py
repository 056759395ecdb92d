"""The effect needed to break even (meedoen.breakeven, `meedoen breakeven`): the effect factor leaves
every output as it was at 1 and every resident as without the interventions at 0; at the reported
factor a re-run's balance is zero within its interval; a scenario without effects never pays off
for the gemeente; bad input gives one line each and exit 2."""

import math

import numpy as np
import pandas as pd
import pytest

import meedoen
from conftest import cli
from meedoen.breakeven import ACTORS, COLUMNS, FACTOR, break_even, read_table
from meedoen.mkba import actor_flows, differences, is_intervention
from meedoen.summary import mean_interval

# A cheap outreach with a strong effect (society gains from fewer isolated residents within the
# horizon), and the same outreach without any effect.
SCENARIOS = """
[experiment]
name = "break-even test"
weeks = 52
replicates = 4
seed = 11
[population]
scale = 0.05
[[scenario]]
name = "baseline"
[[scenario]]
name = "outreach"
  [[scenario.intervention]]
  type = "peer_outreach"
  staff_hours = 40
  hourly_rate = 10
  finding_rate = 0.02
  effect_up = 1.0
  referral_effect_up = 1.0
[[scenario]]
name = "no_effect"
  [[scenario.intervention]]
  type = "peer_outreach"
  staff_hours = 40
  hourly_rate = 10
  finding_rate = 0.02
  effect_up = 0
  referral_effect_up = 0
"""
SMALL = {"replicates": 4, "scale": 0.05, "threads": 2}


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("breakeven") / "breakeven.toml"
    path.write_text(SCENARIOS)
    return path


def run_at(path, factor, names=("baseline", "outreach")):
    experiment = meedoen.load_experiment(path).select(list(names))
    if factor is not None:
        experiment = experiment.with_parameters({FACTOR: factor}, "test")
    return meedoen.run(experiment, threads=2)


def balances(results, scenario):
    flows = actor_flows(differences(results, "baseline")[scenario])
    return {actor: benefit - cost for actor, (cost, benefit) in flows.items()}


def test_factor_one_leaves_every_output_as_without_it(scenario_file):
    plain, one = run_at(scenario_file, None), run_at(scenario_file, 1.0)
    for name in plain.scenarios:
        for var in plain[name].data_vars:
            assert np.array_equal(plain[name][var].values, one[name][var].values), (name, var)


def test_factor_zero_leaves_the_residents_as_without_interventions(scenario_file):
    results, effective = run_at(scenario_file, 0.0), run_at(scenario_file, 1.0)
    base, own = results["baseline"], results["outreach"]
    assert np.array_equal(own.persons_up.values, base.persons_up.values)
    assert np.array_equal(own.rung_counts.values, base.rung_counts.values)
    states = [str(i) for i in own["item"].values if not is_intervention(str(i))]
    assert np.array_equal(own.ledger.sel(item=states).values, base.ledger.sel(item=states).values)
    # It still costs, and at factor 1 it moves people up (the comparison is not vacuous).
    assert float(own.ledger.sel(item="peer_outreach").sum()) > 0
    up = effective["outreach"].persons_up.sum("wijk") - effective["baseline"].persons_up.sum("wijk")
    assert float(up.mean()) > 0


@pytest.fixture(scope="module")
def searched(scenario_file):
    """The break-even table of the outreach, as CSV (the factors to within 0.05: fewer runs)."""
    out = scenario_file.with_name("be.csv")
    break_even(scenario_file, scenarios=["outreach"], upper=8.0, xtol=0.05, **SMALL).to_csv(out, index=False)
    return out


def test_the_command_writes_the_table_and_prints_it(scenario_file, tmp_path):
    out = tmp_path / "be.csv"
    flags = ["--scenario", "no_effect", "--weeks", "8", "--replicates", "2", "--scale", "0.05", "--quiet"]
    result = cli("breakeven", scenario_file, "-o", out, *flags)
    assert result.returncode == 0, result.stderr
    assert "Municipality" in result.stdout and "not within [0, 5]" in result.stdout
    assert f"written to {out}" in result.stdout
    table = pd.read_csv(out)
    assert list(table.columns) == COLUMNS and list(table.actor) == list(ACTORS)
    assert (table.replicates == 2).all() and (table.weeks == 8).all() and (table.upper == 5).all()


def test_at_the_reported_factor_a_rerun_balances_within_its_interval(scenario_file, searched):
    out = searched
    table = pd.read_csv(out)
    assert list(table.columns) == COLUMNS
    assert list(table.actor) == list(ACTORS)
    found = table[table.factor.notna()]
    assert len(found) >= 1, table  # society breaks even within [0, 8]
    for row in found.itertuples():
        again = balances(run_at(scenario_file, row.factor), "outreach")[row.actor]
        mean, low, high = mean_interval(again)
        assert low <= 0 <= high, row
        assert (mean, low, high) == pytest.approx((row.balance, row.balance_ci_low, row.balance_ci_high))
        assert row.factor_ci_low <= row.factor
        assert math.isnan(row.factor_ci_high) or row.factor <= row.factor_ci_high
        assert row.at == row.factor
    # Below the root the balance is negative, above it positive (the root is one).
    row = found.iloc[0]
    below = balances(run_at(scenario_file, row.factor / 4), "outreach")[row.actor].mean()
    above = balances(run_at(scenario_file, min(8.0, row.factor * 4)), "outreach")[row.actor].mean()
    assert below < 0 < above


def test_a_scenario_without_effects_never_pays_off_for_the_gemeente(scenario_file):
    for factor in (0.0, 1.0, 10.0):
        gemeente = balances(run_at(scenario_file, factor, ("baseline", "no_effect")), "no_effect")["gemeente"]
        assert (gemeente < 0).all(), factor
    table = break_even(scenario_file, scenarios=["no_effect"], upper=10.0, weeks=26, **SMALL)
    row = table.set_index("actor").loc["gemeente"]
    assert math.isnan(row.factor) and row["at"] == 10.0 and row.balance < 0 and row.balance_ci_high < 0


def test_the_progress_counts_the_scenarios_out_of_their_total(scenario_file, monkeypatch):
    import contextlib

    import meedoen.breakeven

    calls = []

    @contextlib.contextmanager
    def recording(what, unit):
        yield lambda done, total, what=None: calls.append((done, total, what))

    monkeypatch.setattr(meedoen.breakeven, "progress_bar", recording)
    names = ["outreach", "no_effect"]
    table = break_even(scenario_file, scenarios=names, upper=2.0, weeks=8, xtol=0.5, progress=True, **SMALL)
    assert {total for _, total, _ in calls} == {2}
    assert [done for done, _, _ in calls] == sorted(done for done, _, _ in calls)
    assert calls[-1][:2] == (2, 2)
    for name in names:
        runs = table.set_index("scenario").loc[name, "runs"].iloc[0]
        assert (0, 1)[names.index(name)] == next(d for d, _, w in calls if w and name in w)
        assert f"break-even {name}: {runs} runs" in [w for _, _, w in calls]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--baseline", "nope"], "command line: --baseline: no scenario nope (one of: baseline, outreach, "),
        (["--scenario", "nope"], "command line: --scenario: no scenario nope to compare (one of: outreach, "),
        (["--upper", "0"], "command line: --upper: value 0 is out of range (a number above 0, at most 10"),
        (["--upper", "11"], "command line: --upper: value 11 is out of range (a number above 0, at most 10"),
        (["--upper", "x"], "command line: --upper: value x is not a number (a number above 0)"),
        (["--replicates", "1"], "command line: --replicates: value 1 is too few (2 or more"),
        (["--replicates", "x"], "command line: --replicates: "),
    ],
)
def test_bad_flags_give_one_line_and_exit_2(scenario_file, tmp_path, flags, expected):
    out = tmp_path / "be.csv"
    result = cli("breakeven", scenario_file, "-o", out, "--weeks", "4", "--quiet", *flags)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), result.stderr
    assert not out.exists() and result.stdout == ""


def test_every_bad_flag_is_named_at_once(scenario_file, tmp_path):
    flags = ["--quiet", "--upper", "20", "--replicates", "1"]
    result = cli("breakeven", scenario_file, "-o", tmp_path / "be.csv", *flags)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert [line.split(":")[1].strip() for line in lines] == ["--upper", "--replicates"], result.stderr


def test_a_file_that_sets_the_factor_is_refused_with_its_line(tmp_path):
    path = tmp_path / "sets.toml"
    path.write_text(SCENARIOS.replace("[[scenario]]\nname = \"baseline\"", f"[parameters]\n{FACTOR} = 2\n"
                                      "[[scenario]]\nname = \"baseline\"", 1))  # fmt: skip
    line = path.read_text().splitlines().index(f"{FACTOR} = 2") + 1
    result = cli("breakeven", path, "-o", tmp_path / "be.csv", "--quiet")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"{path}:{line}: {FACTOR}: is set in the scenario file "
        "(the break-even search varies it: remove it there)"
    )
    missing = cli("breakeven", tmp_path / "missing.toml", "--quiet")
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1


def test_the_report_shows_the_table_against_its_baseline(scenario_file, searched, tmp_path):
    out = searched
    results = tmp_path / "run.h5"
    ran = cli("run", scenario_file, "-o", results, "--replicates", "2", "--quiet")  # the search's horizon
    assert ran.returncode == 0, ran.stderr
    page = tmp_path / "report.html"
    made = cli("report", results, "-o", page, "--lang", "en", "--break-even", out)
    assert made.returncode == 0, made.stderr
    html = page.read_text()
    table = pd.read_csv(out)
    assert 'id="breakeven"' in html and "How large must the effect be?" in html
    for row in table[table.factor.notna()].itertuples():
        assert f"{row.factor:.2f} [{row.factor_ci_low:.2f}," in html
    # Against another baseline, or a file that is no such table: one line, exit 2, no page.
    other = tmp_path / "other.html"
    wrong = cli("report", results, "-o", other, "--baseline", "no_effect", "--break-even", out)
    assert wrong.returncode == 2 and not other.exists()
    assert wrong.stderr.strip() == (
        "command line: --break-even: the table is against baseline, the report against no_effect "
        "(the same --baseline for both)"
    )
    # A table of other scenarios or of another horizon than the results': one line each.
    mismatched = tmp_path / "mismatched.csv"
    table.assign(scenario="nope", weeks=9).to_csv(mismatched, index=False)
    wrong = cli("report", results, "-o", other, "--break-even", mismatched)
    assert wrong.returncode == 2 and not other.exists()
    assert wrong.stderr.strip().splitlines() == [
        "command line: --break-even: the table has scenarios that the results do not (nope)",
        "command line: --break-even: the table is of 9 weeks, the results of 52 (the same horizon for both)",
    ]
    garbage = tmp_path / "garbage.csv"
    garbage.write_text("a,b\n1,2\n")
    bad = cli("report", results, "-o", other, "--break-even", garbage)
    assert bad.returncode == 2 and not other.exists()
    assert bad.stderr.strip().startswith(f"{garbage}:1: (file): lacks the columns scenario, baseline, ")


# --- a table that is not as `meedoen breakeven` writes it: file, line and column, exit 2 ----------

# As the command writes it: a factor with its interval (gemeente), and none within [0, 5] (society).
TABLE = [
    {"scenario": "project_door", "baseline": "baseline", "actor": "gemeente", "factor": "1.2",
     "factor_ci_low": "0.8", "factor_ci_high": "2.5", "at": "1.2", "balance": "-100.5",
     "balance_ci_low": "-5000", "balance_ci_high": "4800", "upper": "5.0", "runs": "23",
     "replicates": "2", "weeks": "10", "scale": "0.05"},
    {"scenario": "project_door", "baseline": "baseline", "actor": "samenleving", "factor": "",
     "factor_ci_low": "", "factor_ci_high": "", "at": "5.0", "balance": "-3000",
     "balance_ci_low": "-4000", "balance_ci_high": "-2000", "upper": "5.0", "runs": "23",
     "replicates": "2", "weeks": "10", "scale": "0.05"},
]  # fmt: skip


def write_table(path, **edits):
    """TABLE, its first row (line 2) with ``edits``, as CSV at ``path``."""
    rows = [TABLE[0] | edits, TABLE[1]]
    pd.DataFrame(rows, columns=COLUMNS, dtype=str).to_csv(path, index=False)
    return path


def test_a_table_as_the_command_writes_it_reads_back(tmp_path):
    table = read_table(write_table(tmp_path / "be.csv"))
    assert list(table.columns) == COLUMNS and list(table.actor) == list(ACTORS)
    assert table.factor[0] == 1.2 and math.isnan(table.factor[1]) and math.isnan(table.factor_ci_high[1])
    assert list(table.replicates) == [2, 2] and table.weeks.dtype.kind == "i" and table.balance[0] == -100.5


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("balance", "inf", "value inf is not a finite number (a finite number of euros)"),
        ("balance", "nan", "value nan is not a finite number (a finite number of euros)"),
        ("balance", "", "is empty (a finite number of euros)"),
        ("balance_ci_low", "-inf", "value -inf is not a finite number (a finite number of euros)"),
        ("balance_ci_low", "-99", "value -99 is above balance, -100.5 (its 95% interval)"),
        ("balance_ci_high", "-101", "value -101 is below balance, -100.5 (its 95% interval)"),
        ("replicates", "-1", "value -1 is out of range (a whole number from 2 to 100000: the replicates "),
        ("replicates", "1", "value 1 is out of range (a whole number from 2 to "),
        ("replicates", "2.5", "value 2.5 is not a whole number (a whole number from 2 to "),
        ("runs", "0", "value 0 is out of range (a whole number, 1 or more: the model runs of the search)"),
        ("weeks", "", "is empty (a whole number from 1 to 5200: the weeks of each run)"),
        ("scale", "0", "value 0 is out of range (a number from 0.001 to 150: the scale of each run)"),
        ("upper", "0", f"value 0 is out of range (a number above 0, at most 10: the largest {FACTOR})"),
        ("upper", "11", "value 11 is out of range (a number above 0, at most 10"),
        ("upper", "inf", "value inf is not a finite number (a number above 0, at most 10"),
        ("factor", "6", "value 6 is out of range (a number from 0 to 5, the upper end of the search; "),
        ("factor", "-0.5", "value -0.5 is out of range (a number from 0 to 5"),
        ("factor_ci_low", "", "is empty (a number from 0 to 5, the upper end of the search; "),
        ("factor_ci_low", "1.5", "value 1.5 is above factor, 1.2 (its 95% interval)"),
        ("factor_ci_high", "nan", "value nan is not a finite number (a number from 0 to 5"),
        ("at", "x", "value 'x' is not a number (a CSV table written by meedoen breakeven)"),
        ("scenario", "", "is empty (the name of a scenario)"),
        ("actor", "", "is empty, not an actor (one of: gemeente, samenleving)"),
    ],
)
def test_a_bad_value_in_the_table_names_its_line_and_column(tmp_path, column, value, expected):
    path = write_table(tmp_path / "be.csv", **{column: value})
    with pytest.raises(meedoen.InputError) as caught:
        read_table(path)
    (problem,) = caught.value.problems
    assert problem.startswith(f"{path}:2: {column}: {expected}"), problem


def test_every_bad_value_is_named_at_once(tmp_path):
    path = write_table(tmp_path / "be.csv", upper="0", replicates="-1")
    rows = path.read_text().splitlines()
    path.write_text("\n".join([*rows[:2], rows[2].replace(",-3000,", ",inf,")]) + "\n")
    with pytest.raises(meedoen.InputError) as caught:
        read_table(path)
    found = [(p.line, p.key) for p in caught.value.problems]
    assert found == [(2, "upper"), (2, "replicates"), (3, "balance")]


@pytest.mark.parametrize(("column", "value"), [("balance", "inf"), ("balance", "nan"), ("replicates", "-1")])
def test_the_report_refuses_a_bad_table_in_one_line(small_run, tmp_path, column, value):
    """Field report: a balance of inf or nan ended `meedoen report --break-even` in a traceback
    (OverflowError, ValueError), and -1 replicates went into the page."""
    path = write_table(tmp_path / "be.csv", **{column: value})
    page = tmp_path / "report.html"
    result = cli("report", small_run, "-o", page, "--break-even", path)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"{path}:2: {column}: value {value} is "), result.stderr
    assert not page.exists() and result.stdout == ""
