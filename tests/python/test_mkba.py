"""Who pays and who gains (meedoen.mkba, compare --by-actor, the report's section), and every cost,
saving and ratio as the difference to any reference scenario (compare --baseline)."""

import io
import json
import re

import numpy as np
import pandas as pd
import pytest

from conftest import cli, run_scenario
from meedoen import _core
from meedoen.compare import compare
from meedoen.mkba import (
    ACTORS,
    SOCIETY,
    actor_flows,
    by_actor,
    by_item,
    differences,
    is_intervention,
    item_actors,
)
from meedoen.report import render_report

# The kind of example of issue 14: today's pilot (Door) as the reference, a scenario that doubles it
# and adds a second programme, and a programme that costs but has no effect at all.
SCENARIOS = """
[experiment]
name = "mkba test"
weeks = 26
replicates = 4
seed = 7
[population]
scale = 0.05
[[scenario]]
name = "baseline"
[[scenario]]
name = "door"
  [[scenario.intervention]]
  type = "home_visits"
[[scenario]]
name = "door_plus"
  [[scenario.intervention]]
  type = "home_visits"
  staff_hours = 80
  [[scenario.intervention]]
  type = "peer_outreach"
  staff_hours = 40
  finding_rate = 0.01
  effect_up = 1.5
[[scenario]]
name = "no_effect"
  [[scenario.intervention]]
  type = "peer_outreach"
  staff_hours = 40
  finding_rate = 0.01
  effect_up = 0
  referral_effect_up = 0
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_scenario(tmp_path_factory.mktemp("mkba"), SCENARIOS, "--threads", "2", stem="mkba")


def present_value(ds, items):
    """The formula, straight from the raw ledger: sum over weeks 1..W and the items of euros times
    (1 + r) ** (-week / 52), per replicate."""
    rate = json.loads(ds.attrs["parameters"])["costs.discount_rate"]
    weeks = ds.week.values
    ledger = ds.ledger.sel(item=items).values  # replicate x week x item
    factors = (1 + rate) ** (-weeks / 52.0)
    return (ledger[:, 1:, :] * factors[None, 1:, None]).sum(axis=(1, 2))


def test_every_item_has_its_actors_declared_once_in_the_engine():
    declared = _core.ledger_items()
    names = [d["name"] for d in declared]
    assert len(names) == len(set(names)) == 8
    assert sum(d["provision"] for d in declared) == 5
    actors = item_actors([*names, "my_programme"])
    assert actors["provision.bijstand_benefit"] == ("gemeente", "deelnemers")  # a transfer
    assert actors["provision.ggz"] == ("zorgverzekeraar", "")
    assert actors["benefit.wage_taxes"] == ("", "rijk")
    assert actors["my_programme"] == ("gemeente", "") and is_intervention("my_programme")
    assert {a for pair in actors.values() for a in pair} == {"", *ACTORS}


def test_the_ledger_holds_the_new_items_in_the_declared_order(run):
    results, _ = run
    items = [str(i) for i in results["door_plus"]["item"].values]
    assert items[:2] == ["home_visits", "peer_outreach"]
    assert items[2:] == [d["name"] for d in _core.ledger_items()]


def test_actor_totals_add_up_to_the_ledger_exactly(run):
    results, _ = run
    base = results["baseline"]
    for name, delta in differences(results, "baseline").items():
        ds = results[name]
        flows = actor_flows(delta)
        cost = sum(flows[a][0] for a in ACTORS)
        benefit = sum(flows[a][1] for a in ACTORS)
        np.testing.assert_allclose(cost, flows[SOCIETY][0], rtol=1e-12, atol=1e-6)
        np.testing.assert_allclose(benefit, flows[SOCIETY][1], rtol=1e-12, atol=1e-6)
        # Society's cost is the interventions' present value (the baseline has none), by the formula.
        own = [str(i) for i in ds["item"].values if is_intervention(str(i))]
        np.testing.assert_allclose(flows[SOCIETY][0], present_value(ds, own), rtol=1e-12)
        # Its benefit: what is made (wages, taxes) less the resources used, transfers cancel.
        made = ["benefit.net_wages", "benefit.wage_taxes"]
        used = [d["name"] for d in _core.ledger_items() if d["payer"] and not d["receiver"]]
        expected = (present_value(ds, made) - present_value(base, made)) - (
            present_value(ds, used) - present_value(base, used)
        )
        np.testing.assert_allclose(flows[SOCIETY][1], expected, rtol=1e-9, atol=1e-6)
        # Read once: actor_flows takes it apart item by item, each a read of the file when lazy.
        assert isinstance(delta.data, np.ndarray)


def test_the_bijstand_benefit_moves_between_gemeente_and_participants(run):
    results, _ = run
    items = by_item(results).set_index(["scenario", "item"])
    saved = -items.loc[("door_plus", "provision.bijstand_benefit"), "mean"]
    delta = differences(results, "baseline")["door_plus"]
    gemeente = delta.sel(item="provision.bijstand_benefit").values
    flows = actor_flows(delta.where(delta["item"] == "provision.bijstand_benefit", 0.0))
    assert flows["gemeente"][1].mean() == pytest.approx(saved)
    assert flows["deelnemers"][1].mean() == pytest.approx(-saved)
    np.testing.assert_allclose(flows[SOCIETY][1], 0.0, atol=1e-9 * max(1.0, np.abs(gemeente).max()))


def test_a_programme_without_effect_never_pays_off_for_the_gemeente(run):
    results, _ = run
    flows = actor_flows(differences(results, "baseline")["no_effect"])
    cost, benefit = flows["gemeente"]
    assert (cost > 0).all()
    assert (benefit - cost <= 0).all()
    table = by_actor(results).set_index(["scenario", "actor", "quantity"])
    assert table.loc[("no_effect", "gemeente", "balance"), "mean"] < 0


def test_the_table_by_actor_has_intervals_and_the_ratio_of_society(run):
    results, _ = run
    table = by_actor(results)
    assert set(table.actor) == {*ACTORS, SOCIETY}
    finite = table.dropna()
    assert (finite.ci_low <= finite["mean"] + 1e-9).all() and (finite["mean"] <= finite.ci_high + 1e-9).all()
    rows = table.set_index(["scenario", "actor", "quantity"])
    for name in results.scenarios:
        for actor in (*ACTORS, SOCIETY):
            balance = rows.loc[(name, actor, "benefit"), "mean"] - rows.loc[(name, actor, "cost"), "mean"]
            assert rows.loc[(name, actor, "balance"), "mean"] == pytest.approx(balance, abs=1e-6)
    cost = rows.loc[("door_plus", SOCIETY, "cost"), "mean"]
    ratio = rows.loc[("door_plus", SOCIETY, "ratio"), "mean"]
    assert cost > 0 and ratio == pytest.approx(rows.loc[("door_plus", SOCIETY, "benefit"), "mean"] / cost)
    assert np.isnan(rows.loc[("baseline", SOCIETY, "ratio"), "mean"])  # no cost: no ratio
    assert (table[table.scenario == "baseline"][["mean"]].fillna(0) == 0).all().all()


def test_the_ratio_interval_is_the_percentiles_of_the_resampled_ratios_or_none():
    from meedoen.mkba import BOOTSTRAP_DRAWS, BOOTSTRAP_SEED, _ratio_interval

    benefit = np.array([90.0, 140.0, 60.0, 120.0, 100.0, 75.0])
    cost = np.array([50.0, 55.0, 45.0, 60.0, 52.0, 48.0])
    draws = np.random.default_rng(BOOTSTRAP_SEED).integers(0, len(cost), size=(BOOTSTRAP_DRAWS, len(cost)))
    ratios = benefit[draws].mean(axis=1) / cost[draws].mean(axis=1)
    mean, low, high = _ratio_interval(benefit, cost)
    assert mean == pytest.approx(benefit.mean() / cost.mean(), rel=1e-12)
    assert (low, high) == pytest.approx(tuple(np.percentile(ratios, [2.5, 97.5])), rel=1e-12)
    # One replicate that costs less than the reference: some resamples have no ratio, so no interval
    # (leaving them out would give one narrower than the replicates support); the mean stays.
    cost[2] = -30.0
    mean, low, high = _ratio_interval(benefit, cost)
    assert mean == pytest.approx(benefit.mean() / cost.mean(), rel=1e-12)
    assert np.isnan(low) and np.isnan(high)


def test_against_a_reference_every_cost_saving_and_ratio_is_the_difference_to_it(run):
    results, _ = run
    base = compare(results).set_index(["scenario", "wijk", "metric"])
    door = compare(results, baseline="door").set_index(["scenario", "wijk", "metric"])
    # The reference's own differences are all zero; its own cost is still in the table.
    own = door.xs("door", level="scenario")
    assert (own.diff_mean.dropna() == 0).all()
    assert door.loc[("door", "all", "net_savings"), "mean"] == 0
    assert door.loc[("door", "all", "intervention_cost"), "mean"] > 0

    def level(table, name, metric):
        return table.loc[(name, "all", metric), "mean"]

    for name in ("baseline", "door_plus", "no_effect"):
        saving = level(door, "door", "provision_cost") - level(door, name, "provision_cost")
        extra_cost = level(door, name, "intervention_cost") - level(door, "door", "intervention_cost")
        assert level(door, name, "net_savings") == pytest.approx(saving - extra_cost, rel=1e-9, abs=1e-6)
        # The same as the difference of the two scenarios' net savings against the baseline.
        against_base = level(base, name, "net_savings") - level(base, "door", "net_savings")
        assert level(door, name, "net_savings") == pytest.approx(against_base, rel=1e-9, abs=1e-6)
    # Dropping the pilot saves its cost net of what the pilot saved (the sign the issue found wrong).
    assert level(door, "baseline", "net_savings") == pytest.approx(-level(base, "door", "net_savings"), rel=1e-9)
    extra_up = level(door, "door_plus", "persons_up") - level(door, "door", "persons_up")
    extra_cost = door.loc[("door_plus", "all", "intervention_cost"), "diff_mean"]
    assert extra_up > 0 and extra_cost > 0
    assert level(door, "door_plus", "cost_per_person_up") == pytest.approx(extra_cost / extra_up)
    # Cheaper than the reference: no cost per person moved up (whatever it moves up).
    assert np.isnan(level(door, "baseline", "cost_per_person_up"))
    # By actor, against the pilot: the pilot's own row is all zero.
    actors = by_actor(results, baseline="door")
    assert (actors[actors.scenario == "door"]["mean"].fillna(0) == 0).all()


def test_compare_by_actor_on_the_command_line(run):
    results, out = run
    csv = cli("compare", out, "--by-actor", "--format", "csv", "--baseline", "door")
    assert csv.returncode == 0, csv.stderr
    table = pd.read_csv(io.StringIO(csv.stdout), keep_default_na=True)
    expected = by_actor(results, baseline="door")
    pd.testing.assert_frame_equal(table, expected, check_exact=False, rtol=1e-12)
    shown = cli("compare", out, "--by-actor", "--baseline", "door")
    assert shown.returncode == 0, shown.stderr
    assert "Who pays and who gains: difference to door" in shown.stdout
    plain = cli("compare", out, "--baseline", "door")
    assert plain.returncode == 0, plain.stderr
    assert "door itself: its interventions cost" in plain.stdout


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_report_shows_the_numbers_of_by_actor_and_names_the_reference(run, lang):
    results, _ = run
    page = render_report(results, lang=lang, baseline="door")
    table = by_actor(results, baseline="door").set_index(["scenario", "actor", "quantity"])
    cells = re.findall(
        r'data-scenario="([^"]+)" data-actor="([^"]+)" data-quantity="([^"]+)" data-value="([^"]*)"', page
    )
    assert len(cells) == 3 * (4 * 3 + 4)  # three scenarios besides the reference
    for scenario, actor, quantity, value in cells:
        expected = table.loc[(scenario, actor, quantity), "mean"]
        assert float(value or "nan") == pytest.approx(expected, rel=1e-15, nan_ok=True)  # "": undefined
    assert ("Wie betaalt, wie profiteert" if lang == "nl" else "Who pays, who gains") in page
    assert "basislijn" not in page
    assert page.count("“door”") >= 4  # the question, the levels, the headline, who pays


def test_the_new_items_follow_the_states_as_their_prices_say(run):
    """Well-being lost counts the same adults as their extra healthcare; taxes the same wages as
    the net wages: each pair is in the ratio of its prices, every week of every replicate."""
    results, _ = run
    ds = results["door"]
    params = json.loads(ds.attrs["parameters"])

    def item(name):
        return ds.ledger.sel(item=name).values

    qaly = params["costs.qaly_value"] * params["costs.loneliness_qaly_loss"]
    np.testing.assert_allclose(
        item("cost.wellbeing_loss"), item("provision.healthcare_isolation") * qaly / params["costs.healthcare_isolation"],
        rtol=1e-12,
    )
    ratio = params["costs.wage_taxes"] / params["costs.net_wage"]
    np.testing.assert_allclose(item("benefit.wage_taxes"), item("benefit.net_wages") * ratio, rtol=1e-12)
    assert (item("benefit.net_wages") > 0).all()


def test_the_chart_shows_each_actors_balance(run):
    from matplotlib.container import BarContainer

    from meedoen import plots

    results, _ = run
    table = by_actor(results, baseline="door")
    (ax,) = plots.balance_by_actor(table, "door", lang="nl").axes
    others = [name for name in results.scenarios if name != "door"]
    assert [t.get_text() for t in ax.get_yticklabels()] == others
    bars = {c.get_label(): c for c in ax.containers if isinstance(c, BarContainer)}
    assert list(bars) == ["Gemeente", "Zorgverzekeraars", "Rijk", "Deelnemers", "Samenleving"]
    rows = table[table.quantity == "balance"].set_index(["scenario", "actor"])
    for label, actor in zip(bars, (*ACTORS, SOCIETY), strict=True):
        for k, name in enumerate(others):
            assert bars[label][k].get_width() == pytest.approx(rows.loc[(name, actor), "mean"])


def test_acceptability_probabilities_add_up_to_one_and_follow_the_net_benefit(run):
    from meedoen.mkba import acceptability

    results, _ = run
    table = acceptability(results, wtp=[0.0, 5e4, 1e9])
    assert ((table.probability >= 0) & (table.probability <= 1)).all()
    sums = table.groupby("wtp").probability.sum()
    np.testing.assert_allclose(sums.values, 1.0, rtol=1e-12)
    assert (table.groupby("wtp").frontier.sum() == 1).all()
    rows = table.set_index(["wtp", "scenario"])
    # Paying nothing for a person moved up: doing nothing (the reference, no cost) is best.
    assert rows.loc[(0.0, "baseline"), "probability"] == 1 and rows.loc[(0.0, "baseline"), "frontier"]
    # The frontier is the highest mean net benefit, recomputed here.
    up = {n: results[n].persons_up.sum("wijk").values - results["baseline"].persons_up.sum("wijk").values
          for n in results.scenarios}
    cost = {n: by_actor(results).set_index(["scenario", "actor", "quantity"]).loc[(n, SOCIETY, "cost"), "mean"]
            for n in results.scenarios}
    best = max(results.scenarios, key=lambda n: 5e4 * up[n].mean() - cost[n])
    assert rows.loc[(5e4, best), "frontier"]


def test_the_acceptability_chart_draws_the_table(run):
    from meedoen import plots
    from meedoen.mkba import acceptability

    results, _ = run
    table = acceptability(results)
    (ax,) = plots.acceptability_curves(table, "baseline").axes
    for name in results.scenarios:
        (line,) = [line for line in ax.get_lines() if line.get_gid() == name]
        np.testing.assert_allclose(line.get_ydata(), 100 * table[table.scenario == name].probability.values)
