"""meedoen sensitivity: SALib's Sobol' and Morris through meedoen.sensitivity.analyse, serially and on
Dask; the configuration file and its errors; the model function; the command line."""

import math
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import meedoen
from conftest import cli, meedoen_command, start_interruptible
from meedoen import cli as meedoen_cli
from meedoen.distributed import dask_client, map_in_order
from meedoen.sensitivity import ModelRun, analyse, model_runs, read_config, sensitivity

# The Ishigami function (Ishigami and Homma 1990) with a = 7, b = 0.1, on [-pi, pi]^3, and its
# Sobol' indices, known in closed form (e.g. Saltelli et al. 2008, Global Sensitivity Analysis).
A, B = 7.0, 0.1
ISHIGAMI_RANGES = {name: (-math.pi, math.pi) for name in ("x1", "x2", "x3")}
ISHIGAMI_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ISHIGAMI_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def ishigami(values: dict[str, float]) -> dict[str, float]:
    x1, x2, x3 = values["x1"], values["x2"], values["x3"]
    return {"y": math.sin(x1) + A * math.sin(x2) ** 2 + B * x3**4 * math.sin(x1)}


def with_inert_c(values: dict[str, float]) -> dict[str, float]:
    """Depends on a and b (non-linearly, with an interaction), not at all on c."""
    a, b = values["a"], values["b"]
    return {"y": a + 2 * b**2 + a * b, "z": 3 * a}


def indices(result) -> pd.DataFrame:
    return result.table.set_index(["outcome", "parameter"])


def test_ishigami_sobol_indices_match_their_known_values():
    # N = 1024 (5,120 evaluations without second-order indices). At this N the scrambled Sobol'
    # sequence estimates the Ishigami indices to within about 0.02 (seeds 1 to 5 give at most
    # 0.022 for S1, 0.006 for ST), and SALib's bootstrap half-widths are 0.03 to 0.09: a
    # tolerance of 0.05 is more than twice the error seen, and each known value must lie in its
    # estimate's 95% interval.
    result = analyse(ishigami, ISHIGAMI_RANGES, "sobol", 1024, seed=1)
    table = indices(result).loc["y"]
    for name in ISHIGAMI_RANGES:
        for index, known in (("S1", ISHIGAMI_S1[name]), ("ST", ISHIGAMI_ST[name])):
            estimate, half_width = table.loc[name, index], table.loc[name, f"{index}_conf"]
            assert abs(estimate - known) < 0.05, (name, index, estimate, known)
            assert abs(estimate - known) <= half_width, (name, index, estimate, half_width, known)
    assert len(result.samples) == len(result.outputs) == model_runs("sobol", 3, 1024) == 1024 * 5
    assert list(result.samples.columns) == list(ISHIGAMI_RANGES) and list(result.outputs.columns) == ["y"]
    assert result.samples.min().min() >= -math.pi and result.samples.max().max() <= math.pi
    # the outputs are the function at the samples, in order
    assert result.outputs.y.iloc[17] == ishigami(result.samples.iloc[17].to_dict())["y"]


def test_the_same_seed_gives_the_same_indices_and_second_order_adds_s2():
    first = analyse(ishigami, ISHIGAMI_RANGES, "sobol", 64, seed=3)
    again = analyse(ishigami, ISHIGAMI_RANGES, "sobol", 64, seed=3)
    other = analyse(ishigami, ISHIGAMI_RANGES, "sobol", 64, seed=4)
    pd.testing.assert_frame_equal(first.table, again.table)
    assert not first.samples.equals(other.samples)
    assert first.second_order is None
    second = analyse(ishigami, ISHIGAMI_RANGES, "sobol", 64, seed=3, second_order=True)
    assert len(second.samples) == model_runs("sobol", 3, 64, second_order=True) == 64 * 8
    pairs = second.second_order
    assert list(pairs.columns) == ["outcome", "parameter_1", "parameter_2", "S2", "S2_conf"]
    assert [tuple(p) for p in pairs[["parameter_1", "parameter_2"]].values] == [
        ("x1", "x2"),
        ("x1", "x3"),
        ("x2", "x3"),
    ]


def test_ishigami_on_a_local_dask_cluster_equals_the_serial_result():
    serial = analyse(ishigami, ISHIGAMI_RANGES, "sobol", 128, seed=2)
    with dask_client(workers=2) as client:
        assert len(client.scheduler_info()["workers"]) == 2

        def on_cluster(function, items):
            return map_in_order(client, function, items)

        distributed = analyse(ishigami, ISHIGAMI_RANGES, "sobol", 128, seed=2, map_function=on_cluster)
    pd.testing.assert_frame_equal(serial.outputs, distributed.outputs)
    pd.testing.assert_frame_equal(serial.table, distributed.table)


def test_ishigami_on_an_existing_cluster_equals_the_serial_result(dask_scheduler):
    serial = analyse(ishigami, ISHIGAMI_RANGES, "morris", 20, seed=5)
    with dask_client(scheduler=dask_scheduler) as client:
        distributed = analyse(
            ishigami,
            ISHIGAMI_RANGES,
            "morris",
            20,
            seed=5,
            map_function=lambda f, items: map_in_order(client, f, items),
        )
        workers = {w["id"] for w in client.scheduler_info()["workers"].values()}
    assert len(workers) == 2
    pd.testing.assert_frame_equal(serial.table, distributed.table)


def test_morris_gives_an_inert_parameter_no_effect():
    ranges = {"a": (0.0, 1.0), "b": (-1.0, 1.0), "c": (0.0, 10.0)}
    result = analyse(with_inert_c, ranges, "morris", 40, seed=1)
    table = indices(result)
    assert len(result.samples) == model_runs("morris", 3, 40) == 40 * 4
    assert list(result.table.columns) == ["outcome", "parameter", "mu_star", "mu_star_conf", "mu", "sigma"]
    for outcome in ("y", "z"):
        assert table.loc[(outcome, "c"), ["mu_star", "mu_star_conf", "sigma"]].abs().max() < 1e-12
        assert table.loc[(outcome, "a"), "mu_star"] > 0.5
    assert table.loc[("y", "b"), "mu_star"] > 0.5
    assert table.loc[("z", "b"), "mu_star"] < 1e-12  # z does not depend on b
    # z = 3a is linear: every elementary effect of a is 3 (per unit), its spread 0
    assert table.loc[("z", "a"), "mu_star"] == pytest.approx(3.0)
    assert table.loc[("z", "a"), "sigma"] == pytest.approx(0.0, abs=1e-9)
    # y's effect of b depends on where b is (b**2, a*b): sigma > 0
    assert table.loc[("y", "b"), "sigma"] > 0.1


def test_an_outcome_that_never_changes_has_no_sobol_indices():
    def constant(values):
        return {"y": ishigami(values)["y"], "k": 1.0}

    table = indices(analyse(constant, ISHIGAMI_RANGES, "sobol", 16, seed=1))
    assert table.loc["k"].isna().all().all()
    assert table.loc["y"].notna().all().all()


@pytest.mark.parametrize(
    "args, message",
    [
        ({"method": "anova"}, "method is 'anova'"),
        ({"samples": 100}, "a power of 2"),
        ({"ranges": {"x1": (1.0, 1.0)}}, "low < high"),
        ({"function": lambda v: {"y": 1.0} if v["x1"] < 0 else {"z": 1.0}}, "the same each time"),
    ],
)
def test_analyse_refuses_bad_arguments(args, message):
    arguments = {"function": ishigami, "ranges": ISHIGAMI_RANGES, "method": "sobol", "samples": 16} | args
    with pytest.raises(ValueError, match=message):
        analyse(**arguments)


def test_the_plot_has_a_panel_per_outcome():
    sobol = analyse(with_inert_c, {"a": (0, 1), "b": (-1, 1), "c": (0, 1)}, "sobol", 16, seed=1)
    morris = analyse(with_inert_c, {"a": (0, 1), "b": (-1, 1), "c": (0, 1)}, "morris", 4, seed=1)
    for result in (sobol, morris):
        figure = result.plot("title")
        assert [ax.get_title() for ax in figure.axes] == ["y", "z"]
    bars = [p.get_width() for p in sobol.plot().axes[0].patches]
    assert bars == pytest.approx(list(sobol.table.S1[:3]) + list(sobol.table.ST[:3]))


# --- the configuration file ----------------------------------------------------------------------

SCENARIOS = """\
[experiment]
name = "sensitivity test"
weeks = 8
replicates = 3
seed = 11

[population]
scale = 0.02

[[scenario]]
name = "baseline"

[[scenario]]
name = "visits"
  [[scenario.intervention]]
  type = "home_visits"
  contact = 0.9
"""

CONFIG = """\
[sensitivity]
scenarios = "scenarios.toml"
scenario = "visits"
method = "sobol"
samples = 4
outcomes = ["persons_up", "net_savings"]
difference = true
replicates = 1
weeks = 6
seed = 3

[[sensitivity.parameter]]
name = "home_visits.effect_up"
min = 0.0
max = 2.0

[[sensitivity.parameter]]
name = "home_visits.staff_hours"
min = 10
max = 200
"""

# name: (replace this in CONFIG, by this, the start of the problem after "FILE:")
CONFIG_ERRORS = {
    "unknown key": ("difference = true", "diference = true", "7: sensitivity.diference: unknown key"),
    "bad method": ('"sobol"', '"anova"', "4: sensitivity.method: is 'anova' (one of sobol, morris)"),
    "samples not a power of 2": (
        "samples = 4",
        "samples = 48",
        "5: sensitivity.samples: is 48 (a power of 2",
    ),
    "unknown outcome": ('"net_savings"]', '"savings"]', "6: sensitivity.outcomes: 'savings' is not known"),
    "unknown parameter": (
        '"home_visits.effect_up"',
        '"home_visits.efect_up"',
        "13: sensitivity.parameter[1].name: 'home_visits.efect_up' is not a model parameter",
    ),
    "vector parameter": (
        '"home_visits.effect_up"',
        '"ladder.up_rate"',
        "13: sensitivity.parameter[1].name: 'ladder.up_rate' is a vector parameter",
    ),
    "min not below max": (
        "max = 2.0",
        "max = 0.0",
        "15: sensitivity.parameter[1].max: is 0, not above min 0",
    ),
    "out of the registry range": (
        "max = 200",
        "max = 20000",
        "20: sensitivity.parameter[2].max: is 20000 (a number from 0 to 10000)",
    ),
    "missing scenario file": (
        '"scenarios.toml"',
        '"nowhere.toml"',
        "2: sensitivity.scenarios: 'nowhere.toml' does not exist",
    ),
    "scenario not in the file": (
        'scenario = "visits"',
        'scenario = "visit"',
        "3: sensitivity.scenario: 'visit' is not a scenario of",
    ),
    "the baseline's difference to itself": (
        'scenario = "visits"',
        'scenario = "baseline"',
        "3: sensitivity.scenario: 'baseline' is the baseline",
    ),
    "weeks before an end_week": (
        "weeks = 6",
        "weeks = 4",
        "9: sensitivity.weeks: value 4 is before week 5, the end_week of intervention 'home_visits'",
    ),
}


def write_config(folder: Path, config: str = CONFIG, scenarios: str = SCENARIOS) -> Path:
    (folder / "scenarios.toml").write_text(scenarios)
    path = folder / "sensitivity.toml"
    path.write_text(config)
    return path


def test_the_example_configuration_is_valid():
    config = read_config(Path(__file__).parents[2] / "configs" / "sensitivity_door.toml")
    assert (config.scenario, config.baseline, config.method) == ("project_door", "baseline", "sobol")
    assert config.runs == 32 * (4 + 2)


def test_a_configuration_is_read_with_its_settings(tmp_path):
    config = read_config(write_config(tmp_path))
    assert [(p.name, p.low, p.high) for p in config.parameters] == [
        ("home_visits.effect_up", 0.0, 2.0),
        ("home_visits.staff_hours", 10.0, 200.0),
    ]
    exp = config.experiment
    assert (exp.weeks, exp.replicates, exp.seed, exp.scale) == (6, 1, 3, 0.02)  # scale: the file's
    assert (config.baseline, config.scenario, config.outcomes) == ("baseline", "visits", CONFIG_OUTCOMES)
    assert config.runs == 4 * 4


CONFIG_OUTCOMES = ["persons_up", "net_savings"]


@pytest.mark.parametrize("case", CONFIG_ERRORS)
def test_configuration_errors_exit_2_with_file_line_and_key(tmp_path, monkeypatch, capsys, case):
    old, new, expected = CONFIG_ERRORS[case]
    scenarios = SCENARIOS.replace("contact = 0.9", "contact = 0.9\n  end_week = 5")
    path = write_config(tmp_path, CONFIG.replace(old, new, 1), scenarios)
    before = sorted(tmp_path.iterdir())
    monkeypatch.chdir(tmp_path)
    status = meedoen_cli.main(["sensitivity", str(path), "--quiet"])
    lines = capsys.readouterr().err.splitlines()
    assert status == 2
    assert any(line.startswith(f"{path}:{expected}") for line in lines), lines
    assert all(line.startswith(f"{path}:") for line in lines), lines
    assert sorted(tmp_path.iterdir()) == before  # no results/, no output


def test_the_command_reports_every_problem_in_line_order_and_writes_nothing(tmp_path):
    text = (
        CONFIG.replace('"sobol"', '"anova"').replace("max = 200", "max = 20000").replace("difference", "diff")
    )
    path = write_config(tmp_path, text)
    out = tmp_path / "out.csv"
    out.write_text("an earlier table")
    result = cli(
        "sensitivity", path, "-o", out, "--plot", tmp_path / "missing" / "plot.png", "--workers", "0"
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert [line.split(": ")[1] for line in lines] == [
        "sensitivity.method",
        "sensitivity.diff",
        "sensitivity.parameter[2].max",
        "--workers",
        "--plot",
    ], lines
    assert out.read_text() == "an earlier table"
    assert not (tmp_path / "results").exists()


# --- the model -----------------------------------------------------------------------------------


def test_a_parameter_the_scenario_file_sets_is_refused(tmp_path):
    path = write_config(
        tmp_path,
        CONFIG.replace("home_visits.staff_hours", "home_visits.contact")
        .replace("max = 200", "max = 1")
        .replace("min = 10", "min = 0.5"),
    )
    with pytest.raises(meedoen.InputError) as error:
        read_config(path)
    where = f"{path}:18: sensitivity.parameter[2].name"
    wins = "which wins over the sampled value (a parameter the scenario file leaves to its default)"
    assert error.value.problems == [
        f"{where}: 'home_visits.contact' is set in {tmp_path / 'scenarios.toml'}, {wins}"
    ]


def test_the_model_function_applies_the_values_and_measures_the_difference(tmp_path):
    path = write_config(tmp_path)
    experiment = meedoen.load_experiment(tmp_path / "scenarios.toml").with_overrides(
        weeks=20, replicates=2, seed=3
    )
    outcomes = ["persons_up", "intervention_cost", "net_savings", "participation_rate"]
    model = ModelRun(
        experiment.select(["baseline", "visits"]),
        outcomes,
        difference=True,
        integer=frozenset({"home_visits.staff_hours"}),
    )
    nothing = model({"home_visits.staff_hours": 0.2, "home_visits.effect_up": 1.0})  # rounds to 0 hours
    assert nothing == {name: 0.0 for name in outcomes}
    strong = model({"home_visits.staff_hours": 300.0, "home_visits.effect_up": 5.0})
    assert strong["persons_up"] > 0 and strong["intervention_cost"] > 0
    own = ModelRun(experiment, outcomes, difference=False)(
        {"home_visits.staff_hours": 300.0, "home_visits.effect_up": 5.0}
    )
    assert own["persons_up"] > strong["persons_up"]  # the baseline moves people up too
    assert own["intervention_cost"] == strong["intervention_cost"]  # the baseline spends nothing
    assert own["net_savings"] == strong["net_savings"]  # a difference to the baseline either way
    assert read_config(path).outcomes == CONFIG_OUTCOMES


def test_sensitivity_runs_the_model_on_an_existing_cluster(tmp_path, dask_scheduler):
    path = write_config(tmp_path)
    start = time.monotonic()
    result = sensitivity(path, scheduler=dask_scheduler)
    assert len(result.samples) == 16 and list(result.outputs.columns) == CONFIG_OUTCOMES
    assert result.settings["runs"] == 16 and result.settings["weeks"] == 6
    assert list(result.table.parameter.unique()) == ["home_visits.effect_up", "home_visits.staff_hours"]
    assert np.isfinite(result.outputs.to_numpy()).all()
    print(f"16 model runs on the test cluster in {time.monotonic() - start:.1f} s")


def test_the_command_runs_a_small_analysis_on_an_existing_cluster(tmp_path, dask_scheduler):
    """The `meedoen sensitivity` command, as its own process."""
    path = write_config(
        tmp_path, CONFIG.replace('method = "sobol"\nsamples = 4', 'method = "morris"\nsamples = 3')
    )
    out, runs = tmp_path / "table.csv", tmp_path / "runs.csv"
    args = ["sensitivity", path, "-o", out, "--runs", runs, "--scheduler", dask_scheduler, "--quiet"]
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out)
    assert list(table.columns) == ["outcome", "parameter", "mu_star", "mu_star_conf", "mu", "sigma"]
    assert len(table) == 2 * 2 and len(pd.read_csv(runs)) == 3 * 3
    assert (tmp_path / "table.png").stat().st_size > 1000
    assert "home_visits.effect_up" in result.stdout and f"written to {out}" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "runs.csv",
        "scenarios.toml",
        "sensitivity.toml",
        "table.csv",
        "table.png",
    ]


def test_ctrl_c_stops_an_analysis_and_writes_nothing(tmp_path, dask_scheduler):
    path = write_config(tmp_path, CONFIG.replace("samples = 4", "samples = 64"))
    out = tmp_path / "table.csv"
    command = [meedoen_command(), "sensitivity", str(path), "-o", str(out), "--scheduler", dask_scheduler]
    process = start_interruptible(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert "model runs on the cluster" in process.stderr.readline()  # checked, and about to run
    time.sleep(2)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "interrupted; no output written" in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenarios.toml", "sensitivity.toml"]
