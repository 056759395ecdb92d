"""Scale as representation (docs/ODD.md section 8): at scale s one simulated resident stands for 1/s
residents, the interventions are scaled alike, and every reader of a results file shows persons and
euros in city units, so that a run at scale 0.2 estimates what a run at scale 1 does.

The agreement test runs every scenario of scenarios/leiden.toml for 104 weeks at scale 1 (10
replicates) and at scale 0.2 (50 replicates: one simulated resident in five, five times the
replicates, so that both estimates are about as precise), and asks, for each scenario, that the two
estimates of its paired difference to the baseline in participation, persons moved up, intervention
cost and net savings (and of the baseline's own participation and persons moved up) agree within
their intervals: the two estimates are independent, so their difference over its standard error is
t-distributed (Welch), and each of the 26 comparisons must lie within the Bonferroni bound of a 95%
family-wise interval, widened by 3% of the estimate: a programme with a handful of places or visits
a week at scale 0.2 fills them a little less fully than the city's twenty (its queue pools fewer
people; docs/ODD.md section 8 gives the figures: about 2% less spent by the activation centre and
the geluksbudget, 1% by the combined scenario, over 104 weeks). A negative control shows that the test has power: a run at scale 0.2 whose
interventions keep the city's capacities (every capacity parameter times 1/0.2, as before scale was
representation) fails it.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import meedoen
from conftest import LEIDEN
from meedoen import _core
from meedoen.app.job import Job
from meedoen.compare import ALL_WIJKEN, compare, discount_factors
from meedoen.mkba import is_intervention
from meedoen.optimise import added_cost
from meedoen.report import render_report
from meedoen.results import OUTPUTS, city_units, read_program
from meedoen.runner import precision_widths
from meedoen.scale_note import scale_note

WEEKS = 104
REPLICATES = {1.0: 10, 0.2: 50}
SEEDS = {1.0: 101, 0.2: 202}  # other chance events at each scale: the two estimates are independent
PAIRED = ["participation_rate", "persons_up", "intervention_cost", "net_savings"]
LEVELS = ["participation_rate", "persons_up"]  # the baseline's own
FAMILY_LEVEL = 0.05
REPRESENTATION = 0.03  # what small capacities may cost in fill (see above), as a share of the estimate
# The capacity parameters of the Leiden scenarios' interventions: times 1/s they undo the scaling.
CAPACITIES = [
    "home_visits.list_size",
    "home_visits.staff_hours",
    "peer_outreach.staff_hours",
    "peer_outreach.fixed_cost_year",
    "signalling_meeting.participants",
    "walk_in.opening_hours",
    "walk_in.reference_hours",  # with the opening hours: the same finding rate, five times the cost
    "walk_in.fixed_cost_year",
    "geluksbudget.staff_hours",
    "activation_centre.staff_hours",
    "activation_centre.places",
    "poverty_signalling.staff_hours",
]
POT = "yearly_pot = 33750"  # set per scenario in scenarios/leiden.toml


def leiden_run(scale: float, replicates: int, seed: int, text: str | None = None) -> meedoen.Results:
    experiment = meedoen.load_experiment(LEIDEN) if text is None else _core.parse_experiment(text, str(LEIDEN))
    return meedoen.run(experiment, replicates=replicates, weeks=WEEKS, scale=scale, seed=seed, threads=2)


def estimates(results: meedoen.Results) -> pd.DataFrame:
    """Per (scenario, metric): compare's estimate, its standard error and its degrees of freedom;
    the paired difference to the baseline for the scenarios, the level for the baseline."""
    table = compare(results)
    city = table[table.wijk == ALL_WIJKEN].set_index(["scenario", "metric"])
    n = int(results.attrs["replicates"])
    t = stats.t.ppf(0.975, n - 1)
    rows = []
    for scenario in results.scenarios:
        own = scenario == results.scenarios[0]
        for metric in LEVELS if own else PAIRED:
            row = city.loc[(scenario, metric)]
            columns = ["mean", "ci_low", "ci_high"] if own else ["diff_mean", "diff_ci_low", "diff_ci_high"]
            mean, low, high = (float(row[c]) for c in columns)
            rows.append((scenario, metric, mean, (high - low) / 2 / t, n - 1))
    return pd.DataFrame(rows, columns=["scenario", "metric", "estimate", "se", "df"]).set_index(
        ["scenario", "metric"]
    )


def disagreements(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """The comparisons whose two estimates differ by more than the Bonferroni bound (Welch's t)
    times their standard error plus REPRESENTATION of the estimate. A number without chance
    variation (the cost of a programme that pays only staff hours) meets the second alone."""
    var_a, var_b = a.se**2, b.se**2
    df = ((var_a + var_b) ** 2 / (var_a**2 / a.df + var_b**2 / b.df)).fillna(min(a.df.min(), b.df.min()))
    bound = stats.t.ppf(1 - FAMILY_LEVEL / (2 * len(a)), df)
    allowed = bound * np.sqrt(var_a + var_b) + REPRESENTATION * a.estimate.abs()
    gap = (a.estimate - b.estimate).abs()
    out = pd.DataFrame({"full": a.estimate, "scaled": b.estimate, "gap": gap, "allowed": allowed})
    return out[~(gap <= allowed)]


@pytest.fixture(scope="module")
def full() -> pd.DataFrame:
    return estimates(leiden_run(1.0, REPLICATES[1.0], SEEDS[1.0]))


def test_scale_02_and_scale_1_agree_on_every_leiden_scenario(full: pd.DataFrame) -> None:
    scaled = leiden_run(0.2, REPLICATES[0.2], SEEDS[0.2])
    assert scaled.scale == 0.2
    found = estimates(scaled)
    assert len(found) == 26
    wrong = disagreements(full, found)
    assert wrong.empty, f"scale 0.2 and scale 1 disagree:\n{wrong.to_string()}"
    # The precision note's claim: the intervals widen about as 1/sqrt(s) (here with 5x the replicates,
    # so about as wide): the median ratio of the standard errors is near 1.
    varies = (found.se > 0) & (full.se > 0)
    ratio = float(np.median(found.se[varies] / full.se[varies]))
    assert 0.5 < ratio < 2, ratio


def test_unscaled_capacities_fail_the_agreement_test(full: pd.DataFrame) -> None:
    """The negative control: capacities as the city's at scale 0.2 give five times the costs."""
    text = LEIDEN.read_text()
    assert text.count(POT) == 2
    text = text.replace(POT, "yearly_pot = 168750")
    leiden = meedoen.load_experiment(LEIDEN)
    text += "\n[parameters]\n" + "".join(f"{name} = {leiden.parameter(name) / 0.2:g}\n" for name in CAPACITIES)
    unscaled = estimates(leiden_run(0.2, 10, SEEDS[0.2], text))
    wrong = disagreements(full, unscaled)
    costs = wrong.xs("intervention_cost", level="metric")
    assert len(costs) == 6, wrong.to_string()  # every scenario with interventions
    assert (costs.scaled > 2 * costs.full).all()  # up to five times: staff hours, places, fixed costs


# ---- city units in every reader of a results file ------------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """scenarios/leiden.toml at scale 0.05, 12 weeks, 3 replicates."""
    out = tmp_path_factory.mktemp("scale") / "small.h5"
    meedoen.run_to_file(meedoen.load_experiment(LEIDEN), out, replicates=3, weeks=12, scale=0.05, seed=9)
    return out


def test_results_show_city_units_and_keep_the_raw_counts(small: Path) -> None:
    results = meedoen.open_results(small)
    assert results.scale == 0.05
    for name, spec in OUTPUTS.items():
        if not spec["per_scenario"]:
            continue
        raw, city = results.variable(name, raw=True), results.variable(name)
        factor = 1 / 0.05 if spec["scales_with_population"] else 1.0
        np.testing.assert_allclose(city.values, raw.values * factor, rtol=1e-12, err_msg=name)
        assert raw.dtype == np.dtype(spec["type"]), name
        for scenario in results.scenarios:
            ds, stored = results[scenario], results.dataset(scenario, raw=True)
            np.testing.assert_allclose(ds[name].values, stored[name].values * factor, rtol=1e-12)
            assert ds[name].attrs.keys() == stored[name].attrs.keys() and ds.attrs.keys() == stored.attrs.keys()
    # Adults at the start: the city's, not a twentieth of it (109,486 at scale 1, ODD section 5).
    adults = results.rung_counts.isel(week=0).sum(["wijk", "rung"])
    assert (abs(adults - 109_486) < 0.02 * 109_486).all()
    scenario = results.scenarios[-1]
    program = read_program(small, scenario)
    np.testing.assert_allclose(program.values, results[scenario].program.values)
    # At scale 1 the city units are the counts as stored.
    assert city_units(results.variable("rung_counts", raw=True), 1.0).equals(results.variable("rung_counts", raw=True))


def test_compare_optimise_and_precision_give_city_units(small: Path) -> None:
    results = meedoen.open_results(small)
    table = compare(results).set_index(["scenario", "wijk", "metric"])
    raw = results.dataset("combined", raw=True)
    persons_up = raw.persons_up.sum("wijk").values / 0.05
    assert table.loc[("combined", ALL_WIJKEN, "persons_up"), "mean"] == pytest.approx(persons_up.mean())
    rate = json.loads(raw.attrs["parameters"])["costs.discount_rate"]
    ledger = (raw.ledger * discount_factors(raw.week, rate)).isel(week=slice(1, None))
    interventions = [str(i) for i in ledger["item"].values if is_intervention(str(i))]
    cost = ledger.sel(item=interventions).sum(["item", "week"]).values / 0.05
    assert table.loc[("combined", ALL_WIJKEN, "intervention_cost"), "mean"] == pytest.approx(cost.mean())
    # optimise's budget: the same euros
    assert added_cost(results["combined"], interventions) == pytest.approx(list(cost))
    # --precision's widths: compare's half-widths of the paired difference in persons
    width, _ = precision_widths(small, {"persons_up": 1.0})["persons_up"]
    halves = (table.xs(("persons_up", ALL_WIJKEN), level=("metric", "wijk")).eval("(diff_ci_high - diff_ci_low) / 2"))
    assert width == pytest.approx(halves.drop(results.scenarios[0]).max())


def test_report_and_app_give_city_units_and_say_how_precise(small: Path, tmp_path: Path) -> None:
    results = meedoen.open_results(small)
    page = render_report(results, lang="en")
    assert scale_note(0.05, "en") in page
    assert "stands for 20 residents" in page and "about 4.5 times as wide" in page
    for words in ("not for conclusions", "keep their full size", "budget answers"):
        assert words not in page
    assert "Op schaal 0,05 staat één gesimuleerde inwoner voor 20 inwoners" in render_report(results, lang="nl")
    # The app runs and compares as compare does: its table holds city units.
    experiment = meedoen.load_experiment(LEIDEN).select(["baseline", "project_door"]).with_overrides(
        replicates=2, weeks=6, scale=0.05, seed=3
    )
    job = Job(experiment, "", tmp_path, "en").start()
    job.wait(300)
    assert job.finished is not None, job.error
    done = job.finished
    table = done.table.set_index(["scenario", "wijk", "metric"])
    raw = done.results.dataset("baseline", raw=True)
    isolated = raw.rung_counts.isel(week=-1).sel(rung=1).sum("wijk").values / 0.05
    assert table.loc[("baseline", ALL_WIJKEN, "isolated"), "mean"] == pytest.approx(isolated.mean())
    assert scale_note(1.0) == ""
