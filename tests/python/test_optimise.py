"""meedoen optimise: the search on a toy objective with a known optimum, a small real problem
against a grid search, the budget, the written scenario files, the configuration's mistakes, and
resuming an interrupted study."""

import itertools
import json
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import meedoen
from conftest import LEIDEN, cli, meedoen_command, start_interruptible
from meedoen import cli as meedoen_cli
from meedoen.optimise import (
    OBJECTIVES,
    Evaluation,
    ScenarioMetrics,
    budget_over_horizon,
    front,
    optimise,
    read_config,
    study_path,
    write_output,
)

SMALL = {"weeks": 26, "scale": 0.1, "seed": 7}
WIJKEN = ["Leiden-Noord", "Morsdistrict"]


def write_config(folder: Path, body: str, **settings) -> Path:
    values = SMALL | settings
    head = "\n".join(f"{k} = {json.dumps(v)}" for k, v in values.items())
    path = folder / "opt.toml"
    path.write_text(f'[optimise]\nscenarios = "{LEIDEN}"\n{head}\n{body}', encoding="utf-8")
    return path


# Home visits in two wijken (each on or off) with 36 or 108 staff hours; the activation centre on
# or off with 10 or 30 places: 8 x 4 = 32 points, 7 x 3 = 21 different scenarios.
REAL = f"""
[[optimise.intervention]]
type = "home_visits"
wijken = {json.dumps(WIJKEN)}
staff_hours = {{ min = 36, max = 108, step = 72 }}

[[optimise.intervention]]
type = "activation_centre"
places = {{ min = 10, max = 30, step = 20 }}
"""


# --- a toy objective with a known optimum, through the same code path -----------------------------

TOY = """
[[optimise.intervention]]
type = "home_visits"
staff_hours = { min = 0, max = 200, step = 10 }

[[optimise.intervention]]
type = "activation_centre"
places = { min = 0, max = 50, step = 5 }
"""


def toy_evaluate(candidates, replicates):
    """Effect: a concave function of hours h and places p (each programme counts only when on),
    peaking at h = 140, p = 35; cost 1000 h + 4000 p. With a budget of 200,000 the peak (280,000)
    is out of reach, and the best within it is on the budget line."""
    out = []
    for c in candidates:
        on = [t is not None for t in c.tables]
        h = c.params["home_visits.staff_hours"] if on[0] else 0
        p = c.params["activation_centre.places"] if on[1] else 0
        effect = 60 * h - (h**2) / 5 + 200 * p - 3 * p**2
        cost = 1000.0 * h + 4000.0 * p
        out.append(Evaluation({n: [float(effect)] * replicates for n in OBJECTIVES}, [cost] * replicates))
    return out


def toy_optimum(budget: float) -> tuple[float, float]:
    best = max(
        (60 * h - h**2 / 5 + 200 * p - 3 * p**2, h, p)
        for h in range(0, 201, 10)
        for p in range(0, 51, 5)
        if 1000 * h + 4000 * p <= budget
    )
    return best[1], best[2]


def test_the_toy_optimum_is_found_within_the_budget(tmp_path: Path):
    path = write_config(
        tmp_path, TOY, budget=200000, trials=80, replicates=1, final_replicates=2, finalists=3
    )
    config = read_config(path)
    out = tmp_path / "out"
    result = optimise(config, out, evaluate=toy_evaluate)
    h, p = toy_optimum(200000)
    best = result.table.iloc[0]
    assert best.role == "best"
    assert (best["home_visits.staff_hours"], best["activation_centre.places"]) == (h, p)
    assert (result.table.cost_max <= 200000).all()
    assert not result.trials.feasible.all(), "the budget must have ruled out some trials"
    assert study_path(out).is_file() and not out.exists()  # optimise writes nothing under OUT


def test_budget_per_year_is_discounted_like_compare():
    weeks, rate = 104, 0.0225
    expected = sum(100.0 / 52 * (1 + rate) ** (-w / 52) for w in range(1, weeks + 1))
    assert budget_over_horizon(100.0, "year", weeks, rate) == pytest.approx(expected, rel=1e-12)
    assert budget_over_horizon(100.0, "horizon", weeks, rate) == 100.0
    assert 190 < expected < 200  # two years' budget, a little less for discounting


def test_front_keeps_only_what_nothing_beats():
    points = [(1, 1), (2, 3), (2, 2), (3, 3), (0.5, 0), (4, 5)]
    assert front(points) == [0, 1, 4, 5]


# --- a small real problem, against a grid search ------------------------------------------------


def grid_allocations():
    """Every different scenario of REAL: (home_visits table or None, activation_centre table or None)."""
    visits = [None] + [
        {"type": "home_visits", "wijken": w, "staff_hours": h}
        for w in (["Leiden-Noord"], ["Morsdistrict"], WIJKEN)
        for h in (36, 108)
    ]
    centre = [None] + [{"type": "activation_centre", "places": p} for p in (10, 30)]
    return list(itertools.product(visits, centre))


def run_by_hand(tables, replicates: int) -> tuple[np.ndarray, np.ndarray]:
    """persons_up of an allocation minus the baseline's, per replicate, and the allocation's
    intervention cost: from a scenario file written here, not by meedoen.optimise."""
    lines = [
        '[experiment]\nname = "grid"',
        f"weeks = {SMALL['weeks']}\nreplicates = {replicates}\nseed = {SMALL['seed']}",
        f"[population]\nscale = {SMALL['scale']}",
        '[[scenario]]\nname = "baseline"\n[[scenario]]\nname = "allocation"',
    ]
    for t in tables:
        if t is not None:
            lines.append("[[scenario.intervention]]")
            lines += [f"{k} = {json.dumps(v)}" for k, v in t.items()]
    results = meedoen.run(meedoen.experiment._core.parse_experiment("\n".join(lines), str(LEIDEN)), threads=2)
    base, alloc = ScenarioMetrics(results["baseline"]), ScenarioMetrics(results["allocation"])
    return OBJECTIVES["persons_up"].values(alloc, base), alloc.metrics[("intervention_cost", "all")]


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory):
    """The small real problem, optimised with TPE (16 of 21 scenarios tried) and written out."""
    folder = tmp_path_factory.mktemp("real")
    path = write_config(
        folder, REAL, budget=90000, trials=16, replicates=2, final_replicates=3, finalists=2, front=True
    )
    out = folder / "out"
    result = optimise(read_config(path), out, workers=1)
    write_output(result, out)
    return path, out, result


def test_the_best_found_is_as_good_as_a_grid_search(real):
    _, _, result = real
    grid = []
    for tables in grid_allocations():
        values, cost = run_by_hand(tables, replicates=2)
        if cost.max() <= 90000:
            grid.append(values.mean())
    assert len(grid) < len(grid_allocations()), "the budget must rule out part of the grid"
    searched = result.trials[result.trials.feasible]
    assert searched.objective.max() >= max(grid)
    assert result.sampler.startswith("TPE")


def test_no_allocation_is_over_the_budget_and_infeasible_trials_are_marked(real):
    _, _, result = real
    assert len(result.table) >= 2 and (result.table.cost_max <= 90000).all() and result.table.feasible.all()
    assert (~result.trials.feasible).any() and (result.trials[~result.trials.feasible].cost_max > 90000).all()
    assert result.table.role.iloc[0] == "best" and result.table.diff_to_best.iloc[0] == 0
    assert (result.table.objective.diff().dropna() <= 0).all()  # ranked


def test_written_scenario_files_validate_and_reproduce_their_numbers(real):
    _, out, _ = real
    table = pd.read_csv(out / "allocations.csv")
    assert {p.name for p in out.iterdir()} >= {"allocations.csv", "trials.csv", "front.png"}
    for row in table.itertuples():
        file = out / row.file
        assert cli("validate", file).returncode == 0
        results = meedoen.run(file, threads=1)
        names = results.scenarios
        assert names == ["baseline", row.name]
        base, alloc = ScenarioMetrics(results[names[0]]), ScenarioMetrics(results[names[1]])
        for objective in OBJECTIVES.values():
            assert np.mean(objective.values(alloc, base)) == getattr(row, f"mean_{objective.name}")
        assert float(np.mean(alloc.metrics[("intervention_cost", "all")])) == row.cost_mean


# --- the configuration's mistakes ---------------------------------------------------------------

GOOD = REAL


@pytest.mark.parametrize(
    ("settings", "body", "key", "allowed"),
    [
        ({"budget": 1000, "bogus": 1}, GOOD, "optimise.bogus", "allowed:"),
        ({"budget": 1000, "objective": "happiness"}, GOOD, "optimise.objective", "one of persons_up"),
        ({}, GOOD, "optimise.budget", "is missing"),
        ({"budget": 1000, "trials": 0}, GOOD, "optimise.trials", "an integer from 1"),
        (
            {"budget": 1000, "replicates": 4, "final_replicates": 2},
            GOOD,
            "optimise.final_replicates",
            "at least",
        ),
        ({"budget": 1000, "scenario": "nope"}, GOOD, "optimise.scenario", "one of: baseline"),
        (
            {"budget": 1000},
            GOOD.replace("Morsdistrict", "Mors"),
            "optimise.intervention[1].wijken",
            "not a wijk",
        ),
        (
            {"budget": 1000},
            GOOD.replace("max = 108", "max = 20"),
            "optimise.intervention[1].staff_hours.max",
            "max > min",
        ),
        (
            {"budget": 1000},
            GOOD.replace("step = 72", "step = 50"),
            "optimise.intervention[1].staff_hours.step",
            "divides",
        ),
        (
            {"budget": 1000},
            GOOD.replace("staff_hours", "staff_hour"),
            "optimise.intervention[1].staff_hour",
            "staff_hours",
        ),
        (
            {"budget": 1000},
            GOOD.replace("max = 108", "max = 10044"),
            "optimise.intervention[1].staff_hours",
            "10000",
        ),
        (
            {"budget": 1000},
            GOOD.replace('"activation_centre"', '"activation_center"'),
            "optimise.intervention[2].type",
            "activation_centre",
        ),
    ],
)
def test_each_mistake_is_one_line_and_exit_2(tmp_path: Path, capsys, settings, body, key, allowed):
    path = write_config(tmp_path, body, **settings)
    status = meedoen_cli.main(["optimise", str(path), "-o", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1, err
    assert err[0].startswith(f"{path}:") and f": {key}: " in err[0] and allowed in err[0], err[0]
    line = path.read_text().splitlines()[int(err[0].split(":")[1]) - 1]
    last = key.rsplit(".", 1)[-1]
    assert (last in line) if "missing" not in allowed else line == "[optimise]", line
    assert not (tmp_path / "out").exists() and not study_path(tmp_path / "out").exists()


# --- interrupting and resuming ------------------------------------------------------------------


def test_an_interrupted_study_continues_where_it_stopped(tmp_path: Path):
    path = write_config(tmp_path, TOY, budget=200000, trials=20, replicates=1, final_replicates=2)
    config = read_config(path)
    out = tmp_path / "out"
    seen: list[str] = []

    def stops_after_8(candidates, replicates):
        if len(seen) >= 8:
            raise KeyboardInterrupt
        seen.extend(c.key for c in candidates)
        return toy_evaluate(candidates, replicates)

    with pytest.raises(KeyboardInterrupt):
        optimise(config, out, evaluate=stops_after_8)
    assert not out.exists()
    first = seen[:]
    again: list[str] = []

    def counting(candidates, replicates):
        if replicates == config.replicates:
            again.extend(c.key for c in candidates)
        return toy_evaluate(candidates, replicates)

    result = optimise(config, out, evaluate=counting)
    assert len(first) == 8 and not set(first) & set(again), "nothing is evaluated twice"
    assert len(first) + len(again) == 20 == result.trials.key.nunique()
    # a study made from another configuration is not continued
    other = write_config(tmp_path, TOY, budget=100000, trials=20, replicates=1, final_replicates=2)
    with pytest.raises(meedoen.InputError, match="another configuration"):
        optimise(read_config(other), out, evaluate=toy_evaluate)


def test_the_example_configuration_is_valid():
    config = read_config(Path(__file__).resolve().parents[2] / "configs" / "optimise_budget.toml")
    assert len(config.choices) == 4 and config.front


def test_ctrl_c_writes_nothing_and_the_same_command_continues(tmp_path: Path):
    path = write_config(tmp_path, REAL, budget=90000, trials=40, replicates=1, final_replicates=2)
    out = tmp_path / "out"
    command = [meedoen_command(), "optimise", str(path), "-o", str(out), "--workers", "1", "--quiet"]
    process = start_interruptible(command, stderr=subprocess.PIPE, text=True)
    study = study_path(out)
    while process.poll() is None and (not study.exists() or study.read_text().count('"trial_id"') < 3):
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "interrupted" in err and not out.exists()
    path.write_text(path.read_text().replace("trials = 40", "trials = 3"))  # not part of the search
    again = cli("optimise", path, "-o", out, "--workers", "1", "--quiet")
    assert again.returncode == 0, again.stderr
    trials = pd.read_csv(out / "trials.csv")
    assert trials.key.nunique() >= 3 and (out / "allocations.csv").is_file()


def test_on_a_dask_cluster_the_numbers_are_those_of_a_run_here(tmp_path: Path, dask_scheduler: str):
    from dask.distributed import Client

    from meedoen.optimise import candidate, model_evaluator

    path = write_config(tmp_path, REAL, budget=90000, trials=4, replicates=1, final_replicates=2, finalists=1)
    config = read_config(path)
    on = {"home_visits:Leiden-Noord": 1, "home_visits:Morsdistrict": 0, "home_visits.staff_hours": 36.0}
    candidates = [
        candidate(config, on | {"activation_centre:on": k, "activation_centre.places": 10}) for k in (0, 1)
    ]
    with Client(dask_scheduler) as client:
        there = model_evaluator(config, client)(candidates, 2)
    assert there == model_evaluator(config, None)(candidates, 2)
    result = optimise(config, tmp_path / "out", scheduler=dask_scheduler)
    assert result.trials.key.nunique() >= 4 and result.table.role.iloc[0] == "best"


def test_a_grid_that_fits_in_the_trials_is_searched_whole(tmp_path: Path):
    body = TOY.replace("max = 200, step = 10", "max = 200, step = 50").replace(
        "max = 50, step = 5", "max = 50, step = 25"
    )
    path = write_config(tmp_path, body, budget=200000, trials=100, replicates=1, final_replicates=1)
    result = optimise(read_config(path), tmp_path / "out", evaluate=toy_evaluate)
    assert result.sampler.startswith("exhaustive") and len(result.trials) == 2 * 5 * 2 * 3
    hours = [0, 50, 100, 150, 200]
    best = max(
        (60 * h - h**2 / 5 + 200 * p - 3 * p**2, h, p)
        for h in hours
        for p in (0, 25, 50)
        if 1000 * h + 4000 * p <= 200000
    )
    row = result.table.iloc[0]
    assert (row["home_visits.staff_hours"], row["activation_centre.places"]) == (best[1], best[2])


def test_the_budget_counts_only_the_programmes_the_allocation_adds(tmp_path: Path):
    body = '[[optimise.intervention]]\ntype = "activation_centre"\nname = "centre"\n'
    path = write_config(
        tmp_path,
        body,
        scenario="project_door",
        budget=1e6,
        trials=2,
        replicates=1,
        final_replicates=1,
        weeks=8,
    )
    result = optimise(read_config(path), tmp_path / "out", workers=1)
    off = result.table[result.table.centre == "off"].iloc[0]
    assert off.cost_max == 0 and off.mean_persons_up == 0  # the start scenario itself
    assert off.mean_net_savings == 0  # against itself: compare counts costs above the start's only
    assert (result.table[result.table.centre != "off"].cost_mean > 0).all()
