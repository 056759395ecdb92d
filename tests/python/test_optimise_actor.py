"""meedoen optimise per actor: the balances of the gemeente and of society as objectives, equal to
meedoen.mkba's for the written scenario files; a budget for the gemeente's net cost, never
exceeded; the optimum under society's balance against a grid run by hand over the same
replicates; the configuration's mistakes in the new keys."""

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import meedoen
from conftest import LEIDEN
from meedoen import _core, mkba
from meedoen import cli as meedoen_cli
from meedoen.optimise import ACTORS, OBJECTIVES, optimise, read_config, study_path, write_output
from test_optimise import SMALL, TOY, toy_evaluate, write_config

WIJKEN = ["Leiden-Noord", "Morsdistrict"]
PLACES = (10, 30)
# Home visits in two wijken (each on or off), free and strong so that society gains from them
# within the short run; the activation centre on or off with 10 or 30 places, strong and at its
# price: 4 x 4 = 16 points (every one tried), 4 x 3 = 12 different scenarios.
HOME_VISITS = {"staff_hours": 72, "hourly_rate": 0, "effect_up": 3.0}
CENTRE = {"effect_up": 3.0}
BODY = f"""
[[optimise.intervention]]
type = "home_visits"
wijken = {json.dumps(WIJKEN)}
{chr(10).join(f"{k} = {v}" for k, v in HOME_VISITS.items())}

[[optimise.intervention]]
type = "activation_centre"
places = {{ min = {PLACES[0]}, max = {PLACES[1]}, step = {PLACES[1] - PLACES[0]} }}
{chr(10).join(f"{k} = {v}" for k, v in CENTRE.items())}
"""
SETTINGS = SMALL | {"weeks": 52}
REPLICATES = 2


def grid_points() -> list[dict]:
    """Every point of BODY's search space, by the names of its variables."""
    points = []
    for north, mors, on, places in itertools.product((0, 1), (0, 1), (0, 1), PLACES):
        points.append(
            {
                "home_visits:Leiden-Noord": north,
                "home_visits:Morsdistrict": mors,
                "activation_centre:on": on,
                "activation_centre.places": places,
            }
        )
    return points


def scenario_lines(name: str, point: dict) -> list[str]:
    """The [[scenario]] of a point, written here (not by meedoen.optimise)."""
    lines = ["[[scenario]]", f'name = "{name}"']
    wijken = [w for w in WIJKEN if point[f"home_visits:{w}"]]
    if wijken:
        lines += ["[[scenario.intervention]]", 'type = "home_visits"', f"wijken = {json.dumps(wijken)}"]
        lines += [f"{k} = {v}" for k, v in HOME_VISITS.items()]
    if point["activation_centre:on"]:
        lines += ["[[scenario.intervention]]", 'type = "activation_centre"']
        lines.append(f"places = {point['activation_centre.places']}")
        lines += [f"{k} = {v}" for k, v in CENTRE.items()]
    return lines


def net_cost(results: meedoen.Results, name: str, actor: str) -> np.ndarray:
    """Per replicate: the scenario's net cost to ``actor`` against the first scenario, from mkba."""
    cost, benefit = mkba.actor_flows(mkba.differences(results, results.scenarios[0])[name])[actor]
    return cost - benefit


@pytest.fixture(scope="module")
def grid() -> pd.DataFrame:
    """Every point run by hand in one scenario file, on the same replicates as the search: per
    point, society's balance (mkba.by_actor) and the gemeente's largest net cost."""
    points = grid_points()
    lines = [
        '[experiment]\nname = "grid"',
        f"weeks = {SETTINGS['weeks']}\nreplicates = {REPLICATES}\nseed = {SETTINGS['seed']}",
        f"[population]\nscale = {SETTINGS['scale']}",
        '[[scenario]]\nname = "baseline"',
    ]
    for k, point in enumerate(points):
        lines += scenario_lines(f"point_{k}", point)
    results = meedoen.run(_core.parse_experiment("\n".join(lines), str(LEIDEN)), threads=2)
    table = mkba.by_actor(results)
    society = table[(table.actor == mkba.SOCIETY) & (table.quantity == "balance")].set_index("scenario")
    rows = []
    for k, point in enumerate(points):
        name = f"point_{k}"
        gemeente = net_cost(results, name, "gemeente").max()
        rows.append(point | {"society": society.loc[name, "mean"], "gemeente_max": gemeente})
    return pd.DataFrame(rows)


def halfway_budget(grid: pd.DataFrame) -> float:
    """A budget for the gemeente's net cost between two of the grid's, about half of them within."""
    costs = np.unique(grid.gemeente_max)
    k = len(costs) // 2
    return float((costs[k - 1] + costs[k]) / 2)


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory, grid: pd.DataFrame):
    """The search under society's balance with a budget for the gemeente's net cost, written out."""
    folder = tmp_path_factory.mktemp("actor")
    budget = halfway_budget(grid)
    path = write_config(
        folder,
        BODY,
        objective="society_balance",
        budget=budget,
        budget_actor="gemeente",
        trials=16,
        replicates=REPLICATES,
        final_replicates=3,
        finalists=2,
        weeks=SETTINGS["weeks"],
    )
    out = folder / "out"
    result = optimise(read_config(path), out, workers=1)
    write_output(result, out)
    return budget, out, result


def test_the_search_finds_the_grid_optimum_under_society_balance(grid, searched):
    budget, _, result = searched
    within = grid[grid.gemeente_max <= budget]
    assert 0 < len(within) < len(grid), "the budget must rule out part of the grid"
    assert result.sampler.startswith("exhaustive") and len(result.trials) == len(grid)
    best = result.trials[result.trials.feasible].sort_values("objective", ascending=False).iloc[0]
    assert best.objective == within.society.max() > 0  # not the empty allocation
    assert within.society.nunique() > 2, "the grid must tell the allocations apart"
    table = result.table
    assert (table.role == "best").sum() == 1 and table.objective.iloc[0] == table.objective.max()


def test_every_trial_has_the_numbers_of_the_grid_run_by_hand(grid, searched):
    budget, _, result = searched
    merged = result.trials.merge(grid, on=list(grid_points()[0]), validate="one_to_one")
    assert len(merged) == len(grid)
    assert (merged.objective == merged.society).all()
    assert (merged.cost_max == merged.gemeente_max).all()  # the budget holds the gemeente's net cost
    assert (merged.feasible == (merged.gemeente_max <= budget)).all()


def test_no_returned_allocation_exceeds_the_gemeente_budget(searched):
    budget, out, result = searched
    table = result.table
    assert len(table) >= 2 and table.feasible.all() and (table.cost_max <= budget).all()
    assert (table.cost_mean == -table.mean_gemeente_balance).all()
    for row in pd.read_csv(out / "allocations.csv").itertuples():
        results = meedoen.run(out / row.file, threads=1)
        assert net_cost(results, row.name, "gemeente").max() <= budget


def test_each_balance_objective_equals_mkba_by_actor_for_the_written_file(searched):
    _, out, _ = searched
    table = pd.read_csv(out / "allocations.csv")
    for row in table.itertuples():
        results = meedoen.run(out / row.file, threads=1)
        assert results.scenarios == ["baseline", row.name]
        balances = mkba.by_actor(results)
        mine = balances[(balances.scenario == row.name) & (balances.quantity == "balance")]
        by_actor = mine.set_index("actor")["mean"]
        for word, actor in ACTORS.items():
            assert getattr(row, f"mean_{word}_balance") == by_actor[actor], word
    assert table.mean_society_balance.nunique() == len(table)  # the check can tell rows apart


def test_the_balance_objectives_are_one_per_actor():
    balances = {o.actor: name for name, o in OBJECTIVES.items() if name.endswith("_balance")}
    assert balances == {actor: f"{word}_balance" for word, actor in ACTORS.items()}
    assert {"gemeente_balance", "society_balance"} <= set(OBJECTIVES)
    assert set(ACTORS.values()) == {*mkba.ACTORS, mkba.SOCIETY}


def test_the_budget_actor_is_part_of_the_study(tmp_path: Path):
    path = write_config(tmp_path, TOY, budget=200000, trials=4, replicates=1, final_replicates=1)
    config = read_config(path)
    assert config.budget_actor is None and "interventions" in config.cost_label
    out = tmp_path / "out"
    optimise(config, out, evaluate=toy_evaluate)
    other = read_config(write_config(tmp_path, TOY, budget=200000, budget_actor="gemeente", trials=4))
    assert other.budget_actor == "gemeente" and "gemeente" in other.cost_label
    with pytest.raises(meedoen.InputError, match="another configuration"):
        optimise(other, out, evaluate=toy_evaluate)
    assert study_path(out).is_file()


@pytest.mark.parametrize(
    ("settings", "key", "allowed"),
    [
        ({"budget_actor": "burgers"}, "optimise.budget_actor", "one of gemeente, zorgverzekeraar"),
        ({"budget_actor": 1}, "optimise.budget_actor", "one of gemeente"),
        ({"budget_actor": ""}, "optimise.budget_actor", "society"),
        ({"objective": "gemeente_saldo"}, "optimise.objective", "gemeente_balance, "),
        ({"objective": "samenleving_balance"}, "optimise.objective", "society_balance"),
    ],
)
def test_each_mistake_in_the_new_keys_is_one_line_and_exit_2(tmp_path: Path, capsys, settings, key, allowed):
    path = write_config(tmp_path, BODY, budget=1000, **settings)
    status = meedoen_cli.main(["optimise", str(path), "-o", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1, err
    assert err[0].startswith(f"{path}:") and f": {key}: " in err[0] and allowed in err[0], err[0]
    line = path.read_text().splitlines()[int(err[0].split(":")[1]) - 1]
    assert line.startswith(key.rsplit(".", 1)[-1]), line
    assert not (tmp_path / "out").exists() and not study_path(tmp_path / "out").exists()


def test_the_realistic_configuration_offers_every_programme_of_the_hand_made_scenarios():
    config = read_config(Path(__file__).resolve().parents[2] / "configs" / "optimise_leiden.toml")
    offered = {choice.type for choice in config.choices}
    experiment = config.experiment
    used = {i["type"] for name in experiment.scenario_names for i in experiment.interventions(name)}
    assert used and used <= offered, used - offered


def test_a_best_allocation_that_funds_nothing_is_said_in_words(searched, capsys):
    """When funding nothing is best (every programme off), the printed result says so in a sentence
    instead of leaving the reader to find "off" in every column."""
    import dataclasses

    from meedoen.cli.optimise import print_result

    _, _, result = searched
    print_result(result, [])
    assert "funds none of the programmes" not in capsys.readouterr().out
    table = result.table.copy()
    for choice in result.config.choices:
        table.loc[table.role == "best", choice.name] = "off"
    print_result(dataclasses.replace(result, table=table), [])
    assert "The best allocation funds none of the programmes" in " ".join(capsys.readouterr().out.split())
