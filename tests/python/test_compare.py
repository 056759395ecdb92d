"""meedoen compare and the ensemble runner: paired differences, costs, discounting, resume, precision."""

import json
import math
import os
import signal
import subprocess
import time

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import meedoen
from conftest import LEIDEN, cli, meedoen_command
from meedoen.compare import (
    ALL_WIJKEN,
    COLUMNS,
    ScenarioMetrics,
    _bootstrap_rows,
    compare,
    discount_factors,
    to_json,
)
from meedoen.mkba import BOOTSTRAP_DRAWS, BOOTSTRAP_SEED, PROVISIONS, is_intervention, percentiles

TWO_SCENARIOS = """
[experiment]
name = "compare test"
weeks = 30
replicates = 12  # the brigade's fall in isolation is about 2 of its standard errors at 6
seed = 99
[population]
scale = 0.1
[[scenario]]
name = "baseline"
[[scenario]]
name = "same"
  [[scenario.intervention]]
  type = "home_visits"
  staff_hours = 0
[[scenario]]
name = "brigade"
  [[scenario.intervention]]
  type = "peer_outreach"
  staff_hours = 40
  finding_rate = 0.01
  effect_up = 1.5
"""


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    scenario = folder / "two.toml"
    scenario.write_text(TWO_SCENARIOS)
    out = folder / "two.h5"
    result = cli("run", scenario, "-o", out, "--quiet", "--threads", "2")
    assert result.returncode == 0, result.stderr
    return meedoen.open_results(out), out


def test_json_has_the_documented_keys_and_intervals_hold_the_mean(two):
    _, out = two
    result = cli("compare", out, "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows and all(list(row) == COLUMNS for row in rows)
    metrics = {row["metric"] for row in rows}
    assert {
        "participation_rate",
        "isolated",
        "persons_up",
        "intervention_cost",
        "provision_cost",
        "net_savings",
        "cost_per_person_up",
        "break_even_week",
    } <= metrics
    for row in rows:
        for mean, low, high in (("mean", "ci_low", "ci_high"), ("diff_mean", "diff_ci_low", "diff_ci_high")):
            if row[low] is not None and row[mean] is not None:  # a high of null: no upper end
                assert row[low] <= row[mean] <= (math.inf if row[high] is None else row[high]), row


def test_a_scenario_identical_to_the_baseline_has_every_difference_exactly_zero(two):
    results, _ = two
    table = compare(results)
    same = table[(table.scenario == "same") & table.diff_mean.notna()]
    assert len(same) > 10
    assert (same[["diff_mean", "diff_ci_low", "diff_ci_high"]] == 0).all().all()


def test_paired_differences_are_much_sharper_than_unpaired_ones(two):
    results, _ = two
    rate = meedoen.summary.participation_rate(results.rung_counts.isel(week=-1))
    base, brigade = rate.sel(scenario="baseline").values, rate.sel(scenario="brigade").values
    paired = np.var(brigade - base, ddof=1)
    unpaired = np.var(brigade, ddof=1) + np.var(base, ddof=1)
    assert paired < 0.25 * unpaired


def test_ledger_totals_are_the_sum_of_their_parts(two):
    results, _ = two
    table = compare(results).set_index(["scenario", "wijk", "metric"])
    for name in results.scenarios:
        ds = results[name]
        rate = json.loads(ds.attrs["parameters"])["costs.discount_rate"]
        spent = [i for i in ds["item"].values if is_intervention(str(i)) or str(i) in PROVISIONS]
        ledger = ds.ledger.sel(item=spent)
        total = (
            float((ledger * discount_factors(ds.week, rate)).isel(week=slice(1, None)).sum())
            / ds.sizes["replicate"]
        )
        parts = (
            table.loc[(name, "all", "intervention_cost"), "mean"]
            + table.loc[(name, "all", "provision_cost"), "mean"]
        )
        assert parts == pytest.approx(total, rel=1e-12)
        base = table.loc[("baseline", "all", "provision_cost"), "mean"]
        saved = (
            base
            - table.loc[(name, "all", "provision_cost"), "mean"]
            - table.loc[(name, "all", "intervention_cost"), "mean"]
        )
        assert table.loc[(name, "all", "net_savings"), "mean"] == pytest.approx(saved, rel=1e-9, abs=1e-6)


def test_discounting_equals_its_formula(two):
    weeks = xr.DataArray(np.array([0, 26, 52, 104]), dims="week")
    assert discount_factors(weeks, 0.0225).values == pytest.approx([1, 1.0225**-0.5, 1 / 1.0225, 1.0225**-2])
    # The brigade's cost is the same every week: hours x rate + fixed / 52, discounted week by week.
    results, _ = two
    params = json.loads(results["brigade"].attrs["parameters"])
    weekly = 40 * params["peer_outreach.hourly_rate"] + params["peer_outreach.fixed_cost_year"] / 52
    expected = sum(weekly * (1 + params["costs.discount_rate"]) ** (-w / 52) for w in range(1, 31))
    row = (
        compare(results)
        .set_index(["scenario", "wijk", "metric"])
        .loc[("brigade", "all", "intervention_cost")]
    )
    assert row["mean"] == pytest.approx(expected, rel=1e-12)


def test_the_brigade_moves_people_up(two):
    table = compare(two[0]).set_index(["scenario", "wijk", "metric"])
    assert table.loc[("brigade", "all", "persons_up"), "diff_ci_low"] > 0
    assert table.loc[("brigade", "all", "isolated"), "diff_ci_high"] < 0


def test_compare_table_and_csv(two):
    _, out = two
    table = cli("compare", out)
    assert table.returncode == 0, table.stderr
    assert "brigade" in table.stdout and "net_savings" in table.stdout
    csv = cli("compare", out, "--format", "csv", "--baseline", "same")
    assert csv.returncode == 0 and csv.stdout.splitlines()[0] == ",".join(COLUMNS)


@pytest.mark.parametrize(
    "args, message",
    [
        (["nothing.h5"], "nothing.h5: (file): does not exist"),
        (["{out}", "--baseline", "nope"], "command line: --baseline: no scenario nope"),
    ],
)
def test_compare_bad_input(two, args, message):
    _, out = two
    result = cli("compare", *[a.format(out=out) for a in args])
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def _datasets(path):
    results = meedoen.open_results(path)
    return {name: results[name] for name in results.scenarios}


def test_resume_after_sigkill_equals_an_uninterrupted_run(tmp_path):
    # Replicates of about half a second each, so that the kill lands between the second and the last.
    args = [
        "--scale",
        "0.5",
        "--weeks",
        "104",
        "--replicates",
        "8",
        "--seed",
        "5",
        "--threads",
        "1",
        "--quiet",
    ]
    whole = tmp_path / "whole.h5"
    assert cli("run", LEIDEN, *args, "-o", whole).returncode == 0
    out = tmp_path / "killed.h5"
    parts = tmp_path / "killed.h5.parts"
    process = subprocess.Popen(
        [meedoen_command(), "run", str(LEIDEN), *args, "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 300
    while time.time() < deadline and len(list(parts.glob("*.part"))) < 2:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not out.exists()
    finished = len(list(parts.glob("*.part")))
    assert 2 <= finished < 8, "the run should have been killed halfway"
    resumed = cli("run", "--resume", out, "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert not parts.exists()
    a, b = _datasets(whole), _datasets(out)
    assert list(a) == list(b)
    for name in a:
        xr.testing.assert_identical(a[name], b[name])


def test_resume_without_an_interrupted_run_is_an_input_error(tmp_path):
    result = cli("run", "--resume", tmp_path / "none.h5")
    assert result.returncode == 2
    assert "there is no interrupted run" in result.stderr


def test_resume_does_not_take_other_settings(tmp_path):
    result = cli("run", LEIDEN, "--resume", tmp_path / "x.h5", "--seed", "3")
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    clash = "command line: --resume: cannot be combined with --seed, SCENARIO.toml (a resumed run keeps its own)"
    assert lines == [clash]


def test_resume_does_not_take_new_draws_and_names_its_own_flag(tmp_path):
    (tmp_path / "post.h5").write_bytes(b"")
    result = cli("run", "--resume", tmp_path / "x.h5", "--posterior", tmp_path / "post.h5")
    assert result.stderr.splitlines() == [
        "command line: --resume: cannot be combined with --posterior (a resumed run keeps its own)"
    ]
    (tmp_path / "x.h5").mkdir()  # a folder where the results file should be: the flag given is named
    result = cli("run", "--resume", tmp_path / "x.h5")
    assert result.returncode == 2 and result.stderr.startswith("command line: --resume: "), result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_precision_adds_replicates_until_the_intervals_are_narrow(tmp_path):
    out = tmp_path / "precise.h5"
    result = cli(
        "run",
        LEIDEN,
        "--scale",
        "0.05",
        "--weeks",
        "8",
        "--replicates",
        "3",
        "--quiet",
        "--precision",
        "0.004",
        "--max-replicates",
        "40",
        "-o",
        out,
    )
    assert result.returncode == 0, result.stderr
    n = int(result.stdout.split("--precision 0.004: ")[1].split()[0])
    if n < 40:
        assert "(reached)" in result.stdout
    results = meedoen.open_results(out)
    assert results.attrs["replicates"] == n
    widths = meedoen.runner.paired_half_widths(results)
    assert n == 40 or max(widths.values()) < 0.004
    assert not (tmp_path / "precise.h5.parts").exists()
    assert not math.isnan(max(widths.values()))


def test_precision_names_the_outcome_it_applies_to(tmp_path):
    out = tmp_path / "precise.h5"
    flags = ["--scale", "0.05", "--weeks", "8", "--replicates", "3", "--quiet", "--max-replicates", "12"]
    result = cli("run", LEIDEN, *flags, "--precision", "persons_up=4", "-o", out)
    assert result.returncode == 0, result.stderr
    line = result.stdout.splitlines()[0]
    n = int(line.split("--precision persons_up=4: ")[1].split()[0])
    assert "participation_rate" not in line and "persons_up" in line and "(target 4)" in line
    results = meedoen.open_results(out)
    assert results.attrs["replicates"] == n
    table = meedoen.compare(results).set_index(["scenario", "wijk", "metric"])
    rows = [table.loc[(s, "all", "persons_up")] for s in results.scenarios[1:]]
    widths = [(row.diff_ci_high - row.diff_ci_low) / 2 for row in rows]
    assert (max(widths) < 4) == ("(reached)" in line)
    assert n == 12 or max(widths) < 4


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (["nope=1"], "command line: --precision: unknown outcome 'nope'"),
        (["persons_up=many"], "command line: --precision: value persons_up=many is not a number"),
        (["0.01", "persons_up=3"], "command line: --precision: a plain X only once and alone"),
        (["0"], "command line: --precision: value 0 is out of range"),
        (["isolated=5", "isolated=6"], "command line: --precision: isolated is given twice"),
    ],
)
def test_bad_precision(tmp_path, items, expected):
    flags = [arg for item in items for arg in ("--precision", item)]
    result = cli("run", LEIDEN, *flags, "-o", tmp_path / "out.h5")
    assert result.returncode == 2
    assert any(line.startswith(expected) for line in result.stderr.splitlines()), result.stderr
    assert list(tmp_path.iterdir()) == []


def test_precision_half_widths_of_counts_that_fall_below_the_baseline():
    """persons_up is stored unsigned: a scenario below the baseline in some replicate must give a
    negative difference, not one wrapped round to 4e9 (the run then never reached its target)."""
    from scipy import stats

    from meedoen.runner import _half_widths

    counts = np.array([[10, 12, 11, 9], [9, 14, 10, 11]], dtype=np.uint32)
    values = xr.DataArray(counts, dims=["scenario", "replicate"], coords={"scenario": ["baseline", "s"]})
    diff = counts[1].astype(float) - counts[0]
    half = stats.t.ppf(0.975, 3) * diff.std(ddof=1) / 2
    assert _half_widths(values, ["baseline", "s"])["s"] == pytest.approx(half, rel=1e-12)


# The bootstrap intervals of cost_per_person_up and break_even_week, on replicates made up here.

WEEKS = 10


def made_up(up: list[float], cost: float, saved_per_week: list[list[float]] | None = None) -> ScenarioMetrics:
    """A scenario's metrics per replicate as compare() reads them: adults moved up, a fixed
    intervention cost (spread over the weeks) and a weekly saving on provisions per replicate."""
    n = len(up)
    s = ScenarioMetrics.__new__(ScenarioMetrics)
    s.weeks = np.arange(1, WEEKS + 1)
    s.intervention = np.full((n, WEEKS), cost / WEEKS)
    s.provision = -np.array(saved_per_week, dtype=float) if saved_per_week else np.zeros((n, WEEKS))
    s.metrics = {
        ("persons_up", ALL_WIJKEN): np.array(up, dtype=float),
        ("intervention_cost", ALL_WIJKEN): s.intervention.sum(axis=1),
    }
    return s


def bootstrap_row(s: ScenarioMetrics, base: ScenarioMetrics, metric: str) -> tuple[float, float, float]:
    rows = {row[2]: row[3:6] for row in _bootstrap_rows("s", s, base)}
    return rows[metric]


def resampled_means(values: np.ndarray) -> np.ndarray:
    """The mean of ``values`` (per replicate) in each of the bootstrap's resamples."""
    n = len(values)
    draws = np.random.default_rng(BOOTSTRAP_SEED).integers(0, n, size=(BOOTSTRAP_DRAWS, n))
    return values[draws].mean(axis=1)


def test_the_cost_per_person_up_interval_is_the_percentiles_of_the_resampled_ratios():
    up = [12, 15, 9, 11, 14, 10, 13, 8, 12, 16]
    base, s = made_up([0] * 10, 0.0), made_up(up, 50_000.0)
    mean, low, high = bootstrap_row(s, base, "cost_per_person_up")
    ratios = 50_000.0 / resampled_means(np.array(up, dtype=float))
    assert mean == pytest.approx(50_000.0 / np.mean(up), rel=1e-12)
    assert (low, high) == pytest.approx(tuple(np.percentile(ratios, [2.5, 97.5])), rel=1e-12)


def test_a_cost_per_person_up_that_may_buy_no_one_has_no_upper_end():
    """Adults moved up that are about zero on average: in more than 2.5% of the resamples the
    money moves no one more up, so no cost per person is high enough (the interval used to leave
    those resamples out, and ended at a number)."""
    up = [3, -2, 1, 0, 2, -1, 1, 2, -2, 1]
    base, s = made_up([0] * 10, 0.0), made_up(up, 50_000.0)
    mean, low, high = bootstrap_row(s, base, "cost_per_person_up")
    means = resampled_means(np.array(up, dtype=float))
    assert (means <= 0).mean() > 0.025
    assert mean == pytest.approx(50_000.0 / np.mean(up), rel=1e-12)
    assert high == math.inf
    ratios = np.full(len(means), math.inf)
    ratios[means > 0] = 50_000.0 / means[means > 0]
    assert low == pytest.approx(np.percentile(ratios, 2.5), rel=1e-12)
    assert low < mean


def test_a_scenario_that_may_not_pay_for_itself_has_no_upper_break_even_week():
    """Half the replicates save 3,000 a week, half 800, against a cost of 1,800 a week: on
    average it pays for itself, in the resamples with fewer than three 3,000s (a third) it does not."""
    saved = [[3_000.0] * WEEKS if k % 2 else [800.0] * WEEKS for k in range(6)]
    base, s = made_up([0] * 6, 0.0), made_up([1] * 6, 18_000.0, saved)
    mean, low, high = bootstrap_row(s, base, "break_even_week")
    assert mean == 1.0  # every week's mean saving (1,900) is above its cost (1,800)
    assert (low, high) == (1.0, math.inf)


def test_a_scenario_equal_to_the_baseline_has_no_ratio_and_no_break_even_week():
    base = made_up([0] * 5, 0.0)
    for metric in ("cost_per_person_up", "break_even_week"):
        assert all(math.isnan(v) for v in bootstrap_row(made_up([0] * 5, 0.0), base, metric))


def test_json_has_no_infinity():
    row = ["s", ALL_WIJKEN, "cost_per_person_up", 5.0, 2.0, math.inf, math.nan, math.nan, math.nan]
    table = pd.DataFrame([row], columns=COLUMNS)
    text = to_json(table)
    assert "Infinity" not in text and "NaN" not in text
    assert json.loads(text)[0]["ci_high"] is None and json.loads(text)[0]["ci_low"] == 2.0


def test_percentiles_rank_infinity_last():
    rng = np.random.default_rng(5)
    values = rng.normal(size=200)
    q = [2.5, 50, 97.5]
    assert percentiles(values, q) == pytest.approx(np.percentile(values, q), rel=1e-15)
    values[:4] = math.inf  # 2% of them: the 97.5th percentile lies among the numbers
    assert percentiles(values, q)[2] == pytest.approx(np.percentile(values[4:], 97.5 * 199 / 195), rel=1e-12)
    values[:6] = math.inf  # 3%: it reaches +inf
    assert list(percentiles(values, q)[1:]) == [np.percentile(values, 50), math.inf]
    assert np.isnan(percentiles(np.array([]), q)).all()
