"""`meedoen calibrate` and `meedoen run --posterior`: recovery of known parameters, the posterior
file, the draws per replicate, and every kind of bad input.

The recovery check: pilot counts made by the model itself with known parameter values, at a
reduced scale, are calibrated on; the 90% posterior interval of each parameter must hold its
true value.
"""

import json
import re
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

import meedoen
from conftest import cli
from meedoen.abc_sampler import job_seed
from meedoen.calibration import (
    Posterior,
    as_engine_values,
    calibrate,
    read_calibration_config,
    read_posterior,
    simulate_summaries,
)
from meedoen.errors import InputError
from meedoen.pilot import pilot_summaries, read_pilot, write_pilot
from meedoen.stats import weighted_quantiles

SCENARIO = """\
[experiment]
name = "recovery"
weeks = 26
replicates = 1
seed = 5

[population]
scale = 0.1

[[scenario]]
name = "pilot"
  [[scenario.intervention]]
  name = "door"
  type = "home_visits"
  list_size = 1000
  staff_hours = 720    # a tenth at scale 0.1: every one on the list is visited within weeks
  wijken = ["Leiden-Noord", "Stevenshofdistrict", "Merenwijkdistrict", "Roodenburgerdistrict"]
"""
TRUE = {"home_visits.contact": 0.5, "home_visits.acceptance": 0.75}
CONFIG = """\
[calibration]
scenarios = "pilot.toml"
scenario = "pilot"
population_size = 40
generations = 3
seed = 3

[[calibration.parameter]]
name = "home_visits.contact"
min = 0.1
max = 1.0

[[calibration.parameter]]
name = "home_visits.acceptance"
min = 0.1
max = 1.0
"""
PROBLEM = re.compile(r"^[^:\n]+(:\d+)?: [^:\s]+: .+\(.+\)$")


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the scenario file, the config and a pilot file made by the model at TRUE."""
    folder = tmp_path_factory.mktemp("calibration")
    (folder / "pilot.toml").write_text(SCENARIO)
    (folder / "config.toml").write_text(CONFIG)
    experiment = meedoen.load_experiment(folder / "pilot.toml").with_parameters(TRUE, "truth")
    program = meedoen.run(experiment, seed=99, threads=1)["pilot"].program.isel(replicate=0)
    counts = program.sel(intervention="door", week=slice(1, 26)).sum("week")
    row = {"programme": "door", "wijk": "all", "period": "half_year", "first_week": 1, "last_week": 26}
    row |= {m: int(counts.sel(metric=m)) for m in ("found", "visited", "accepted", "enrolled")}
    write_pilot(folder / "pilot.csv", pd.DataFrame([row]), ["made by the model at " + json.dumps(TRUE)])
    return folder


@pytest.fixture(scope="module")
def posterior_path(setup: Path) -> Path:
    out = setup / "posterior.h5"
    calibrate(setup / "config.toml", [setup / "pilot.csv"], out, workers=2, quiet=True)
    return out


def test_the_pilot_is_informative(setup: Path):
    observed = pilot_summaries(read_pilot(setup / "pilot.csv"))
    assert observed["door/half_year/found"] > 50  # enough people for shares to mean something
    assert 0.3 < observed["door/half_year/visited"] / observed["door/half_year/found"] <= 0.7


def test_the_90_percent_interval_holds_the_true_values(posterior_path: Path):
    posterior = read_posterior(posterior_path)
    summary = posterior.summary().set_index("parameter")
    for name, value in TRUE.items():
        assert summary.loc[name, "q05"] <= value <= summary.loc[name, "q95"], summary
    # and the data taught something: the interval is narrower than the prior's middle 90%
    widths = summary.q95 - summary.q05
    assert (widths < 0.9 * (summary.prior_max - summary.prior_min)).all(), summary


def test_the_posterior_file_holds_every_generation(posterior_path: Path):
    posterior = read_posterior(posterior_path)
    g = posterior.generations
    assert list(g.generation) == list(range(len(g))) and 1 <= len(g) <= 3
    assert (g.particles == 40).all()
    assert np.allclose(g.acceptance_rate, g.particles / g.samples)
    assert ((g.ess > 1) & (g.ess <= g.particles + 1e-9)).all()
    # epsilon is in the units of each generation's adaptive distance, so it need not shrink
    assert (np.isfinite(g.epsilon) & (g.epsilon > 0)).all() and (g.acceptance_rate <= 1).all()
    with h5py.File(posterior_path) as f:
        for t in g.generation:
            weights = f[f"generation/{t}/weights"][()]
            assert np.isclose(weights.sum(), 1.0)
            assert f[f"generation/{t}/particles"].shape == (40, 2)
            # every particle lies within its prior
            assert (f[f"generation/{t}/particles"][()] >= f["prior_min"][()]).all()
            assert (f[f"generation/{t}/particles"][()] <= f["prior_max"][()]).all()
        assert sorted(f) == [
            "diagnostics", "generation", "generations", "parameter", "prior_max", "prior_min", "screening"
        ]


def test_only_aggregates_of_the_pilot_are_stored(setup: Path, posterior_path: Path):
    with h5py.File(posterior_path) as f:
        stored = json.loads(f.attrs["pilot_summaries"])
    assert stored == pilot_summaries(read_pilot(setup / "pilot.csv"))
    # the pilot file's comment (free text a pilot might fill with anything) is not in the file
    assert b"made by the model" not in posterior_path.read_bytes()


def test_weighted_quantiles_against_their_definition():
    x = np.array([3.0, 1.0, 2.0, 4.0])
    w = np.array([0.1, 0.2, 0.3, 0.4])  # sorted: 1 (0.2), 2 (0.3), 3 (0.1), 4 (0.4); cdf 0.2 0.5 0.6 1
    assert weighted_quantiles(x, w, [0.1, 0.2, 0.3, 0.55, 0.61, 1.0]) == [1.0, 1.0, 2.0, 3.0, 4.0, 4.0]


def test_whole_number_parameters_are_rounded_for_the_engine():
    names = ["home_visits.list_size", "home_visits.contact", "home_visits.min_age"]
    assert as_engine_values(names, [249.6, 0.37, 30.4]) == [250.0, 0.37, 30.0]


def _posterior(particles: list[list[float]], weights: list[float]) -> Posterior:
    p = np.array(particles, dtype=float)
    return Posterior(
        Path("p.h5"),
        ["home_visits.contact", "home_visits.acceptance"],
        np.zeros(2),
        np.ones(2),
        p,
        np.array(weights),
        pd.DataFrame(),
        {},
        "0" * 64,
    )


def test_draws_follow_the_weights_and_depend_only_on_seed_and_replicate():
    posterior = _posterior([[0.1, 0.2], [0.5, 0.6], [0.9, 0.8]], [0.2, 0.0, 0.8])
    rows = posterior.draw(seed=7, replicates=4000)
    assert np.array_equal(rows[:100], posterior.draw(seed=7, replicates=100))  # extending keeps draws
    assert not np.array_equal(rows[:100], posterior.draw(seed=8, replicates=100))
    first = np.isclose(rows[:, 0], 0.1).mean()
    assert not np.isclose(rows[:, 0], 0.5).any()  # weight 0: never drawn
    assert abs(first - 0.2) < 4 * np.sqrt(0.2 * 0.8 / 4000)  # binomial: within 4 standard errors


def test_run_with_a_posterior_at_the_defaults_equals_a_plain_run(tmp_path: Path, setup: Path):
    defaults = {p["name"]: p["default"] for p in meedoen.parameters()}
    posterior = _posterior([[defaults["home_visits.contact"], defaults["home_visits.acceptance"]]], [1.0])
    from meedoen.calibration import apply_posterior

    experiment = meedoen.load_experiment(setup / "pilot.toml").with_overrides(replicates=2)
    plain = meedoen.run(experiment, threads=1)
    drawn = meedoen.run(apply_posterior(experiment, posterior), threads=1)
    for variable in ("rung_counts", "program", "ledger"):
        assert np.array_equal(plain["pilot"][variable].values, drawn["pilot"][variable].values)
    assert drawn.parameter_draws.shape == (2, 2)


def test_run_with_the_posterior_draws_each_replicates_values(tmp_path: Path, setup: Path, posterior_path):
    out = tmp_path / "drawn.h5"
    result = cli(
        "run",
        setup / "pilot.toml",
        "--posterior",
        posterior_path,
        "--replicates",
        "6",
        "--weeks",
        "8",
        "--quiet",
        "-o",
        out,
    )
    assert result.returncode == 0, result.stderr
    posterior = read_posterior(posterior_path)
    draws = meedoen.open_results(out).parameter_draws
    expected = posterior.draw(seed=5, replicates=6)
    assert np.array_equal(draws.sel(parameter=posterior.names).values, expected)
    # each row is one of the posterior's particles
    for row in expected:
        assert np.isclose(posterior.particles, row).all(axis=1).any()


def test_the_summaries_of_a_model_run_are_those_of_its_counts(setup: Path):
    pilot = read_pilot(setup / "pilot.csv")
    experiment = meedoen.load_experiment(setup / "pilot.toml").with_parameters(TRUE, "truth")
    summaries = simulate_summaries(experiment, "pilot", [pilot], seed=99)
    assert summaries == pilot_summaries(pilot)  # the pilot was made from this very run


# name: (config text change, expected start of the line after FILE:)
BAD_CONFIGS = {
    "unknown key": (("population_size", "populaton_size"), ":4: calibration.populaton_size: unknown key"),
    "too few particles": (
        ("population_size = 40", "population_size = 3"),
        ":4: calibration.population_size: is 3",
    ),
    "unknown parameter": (
        ('name = "home_visits.contact"', 'name = "home_visits.contakt"'),
        ":9: calibration.parameter[1].name: 'home_visits.contakt' is not a model parameter",
    ),
    "vector parameter": (
        ('name = "home_visits.contact"', 'name = "ladder.up_rate"'),
        ":9: calibration.parameter[1].name: 'ladder.up_rate' is a vector",
    ),
    "min above max": (
        (
            'min = 0.1\nmax = 1.0\n\n[[calibration.parameter]]\nname = "home_visits.acc',
            'min = 0.9\nmax = 0.2\n\n[[calibration.parameter]]\nname = "home_visits.acc',
        ),
        ":11: calibration.parameter[1].max: is 0.2, not above min 0.9",
    ),
    "outside the parameter's range": (("max = 1.0", "max = 2.0"), ":11: calibration.parameter[1].max: is 2"),
    "missing scenario file": (
        ('"pilot.toml"', '"nowhere.toml"'),
        ":2: calibration.scenarios: 'nowhere.toml'",
    ),
    "unknown scenario": (('scenario = "pilot"', 'scenario = "pilots"'), ":3: calibration.scenario: 'pilots'"),
    "TOML syntax": (("seed = 3", "seed = = 3"), ":6: (file): "),
}


@pytest.mark.parametrize("case", BAD_CONFIGS, ids=list(BAD_CONFIGS))
def test_bad_configs_are_refused_before_anything_runs(tmp_path: Path, setup: Path, case: str):
    (old, new), expected = BAD_CONFIGS[case]
    assert old in CONFIG
    (tmp_path / "pilot.toml").write_text(SCENARIO)
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.replace(old, new, 1))
    out = tmp_path / "posterior.h5"
    result = cli("calibrate", config, "--pilot", setup / "pilot.csv", "-o", out)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"{config}{expected}"), result.stderr
    assert all(PROBLEM.match(line) for line in result.stderr.splitlines()), result.stderr
    assert not out.exists() and not Path(f"{out}.partial").exists()


def test_a_parameter_the_scenario_file_sets_is_refused(tmp_path: Path, setup: Path):
    (tmp_path / "pilot.toml").write_text(
        SCENARIO.replace("list_size = 1000", "list_size = 1000\n  contact = 0.4")
    )
    (tmp_path / "config.toml").write_text(CONFIG)
    with pytest.raises(
        InputError, match=r"config.toml:\d+: calibration.parameter.*home_visits.contact.*is set"
    ):
        read_calibration_config(tmp_path / "config.toml")


PILOT_MISMATCHES = {
    "programme": ("door,all", "doors,all", r":2: programme: doors is not an intervention of scenario pilot"),
    "wijk": ("door,all", "door,Binnenstad-Noord", r":2: wijk: Binnenstad-Noord is not where door works"),
    "weeks": (",1,26,", ",1,60,", r":2: last_week: 60 is beyond the simulated weeks"),
}


@pytest.mark.parametrize("case", PILOT_MISMATCHES, ids=list(PILOT_MISMATCHES))
def test_a_pilot_that_does_not_fit_the_scenario_is_refused(tmp_path: Path, setup: Path, case: str):
    old, new, expected = PILOT_MISMATCHES[case]
    lines = [line for line in (setup / "pilot.csv").read_text().splitlines() if not line.startswith("#")]
    assert old in lines[1]
    pilot = tmp_path / "pilot.csv"
    pilot.write_text("\n".join([lines[0], lines[1].replace(old, new)]) + "\n")
    out = tmp_path / "posterior.h5"
    result = cli("calibrate", setup / "config.toml", "--pilot", pilot, "-o", out)
    assert result.returncode == 2, result.stderr
    assert re.search(re.escape(str(pilot)) + expected, result.stderr), result.stderr
    assert not out.exists()


def test_a_pilot_file_with_personal_data_is_refused(tmp_path: Path, setup: Path):
    pilot = tmp_path / "pilot.csv"
    text = (setup / "pilot.csv").read_text().replace("programme,", "bsn,programme,", 1)
    text = "\n".join(
        line if line.startswith("#") or line.startswith("bsn") else "123456782," + line
        for line in text.splitlines()
    )
    pilot.write_text(text + "\n")
    out = tmp_path / "posterior.h5"
    result = cli("calibrate", setup / "config.toml", "--pilot", pilot, "-o", out)
    assert result.returncode == 2
    assert "bsn: looks like personal data" in result.stderr
    assert "123456782" not in result.stderr
    assert not out.exists()


def test_the_same_programme_and_period_in_two_files_is_refused(tmp_path: Path, setup: Path):
    out = tmp_path / "posterior.h5"
    copy = tmp_path / "copy.csv"
    copy.write_text((setup / "pilot.csv").read_text())
    result = cli(
        "calibrate", setup / "config.toml", "--pilot", setup / "pilot.csv", "--pilot", copy, "-o", out
    )
    assert result.returncode == 2
    assert "is also in" in result.stderr and not out.exists()


def test_a_file_that_is_not_a_posterior_is_refused(tmp_path: Path, setup: Path):
    bad = tmp_path / "bad.h5"
    bad.write_text("not hdf5")
    result = cli("run", setup / "pilot.toml", "--posterior", bad, "--quiet", "-o", tmp_path / "out.h5")
    assert result.returncode == 2
    assert result.stderr.startswith(f"{bad}: (file): is not a posterior file"), result.stderr
    assert not (tmp_path / "out.h5").exists()


def test_the_dutch_excel_pilot_of_the_field_report_is_refused_before_anything_runs(tmp_path: Path):
    data = Path(__file__).parent / "data"
    out = tmp_path / "posterior.h5"
    pilot = data / "dutch_excel.csv"
    result = cli("calibrate", data / "dutch_excel_calibration.toml", "--pilot", pilot, "-o", out, "--quiet")
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"{pilot}:6: found: has a dot, comma or space between its digits, which reads as a thousands "
        "separator or as a decimal mark; write digits only, 1000 for one thousand (a whole number of "
        "persons from 0 to 1000000; empty when the pilot did not observe it)"
    ]
    assert not out.exists() and not Path(f"{out}.partial").exists()


TINY_SCENARIO = """\
[experiment]
name = "tiny"
weeks = 4
seed = 1

[population]
scale = 0.02

[[scenario]]
name = "pilot"
  [[scenario.intervention]]
  name = "door"
  type = "home_visits"
  list_size = 100000   # city units: at scale 0.02 everyone eligible
  staff_hours = 3600   # 72 at scale 0.02
"""
TINY_CONFIG = """\
[calibration]
scenarios = "tiny.toml"
scenario = "pilot"
population_size = 10
generations = {generations}
seed = {seed}

[[calibration.parameter]]
name = "home_visits.contact"

[[calibration.parameter]]
name = "home_visits.acceptance"
"""
TINY_PILOT = "programme,wijk,period,first_week,last_week,visited,accepted\ndoor,all,weeks,1,4,1000,600\n"


def _datasets(path: Path) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}
    with h5py.File(path) as f:
        f.visititems(lambda name, item: found.update({name: item[()]}) if isinstance(item, h5py.Dataset) else None)
    return found


def test_the_configuration_seed_makes_a_calibration_repeatable_bit_for_bit(tmp_path: Path):
    """Every random choice (prior draws, perturbations, each particle's model seed) comes from the
    configuration's seed: one worker twice, and two workers, give the same posterior; another
    seed another."""
    (tmp_path / "tiny.toml").write_text(TINY_SCENARIO)
    (tmp_path / "pilot.csv").write_text(TINY_PILOT)
    runs = {}
    for name, seed, workers in (("first", 4, 1), ("again", 4, 1), ("two_workers", 4, 2), ("other", 5, 1)):
        config = tmp_path / f"config{seed}.toml"
        config.write_text(TINY_CONFIG.format(seed=seed, generations=2 if seed == 4 else 1))
        out = tmp_path / f"{name}.h5"
        calibrate(config, [tmp_path / "pilot.csv"], out, workers=workers, quiet=True)
        runs[name] = _datasets(out)
    first = runs["first"]
    assert len(read_posterior(tmp_path / "first.h5").generations) == 2  # a perturbed generation too
    for name in ("again", "two_workers"):
        assert runs[name].keys() == first.keys()
        for key, values in first.items():
            assert np.array_equal(runs[name][key], values), (name, key)
    assert not np.array_equal(runs["other"]["generation/0/particles"], first["generation/0/particles"])


def test_each_job_has_its_own_seed():
    seeds = {job_seed(4, t, k) for t in (-1, 0, 1) for k in range(100)}
    assert len(seeds) == 300 and job_seed(4, 0, 7) == job_seed(4, 0, 7) != job_seed(5, 0, 7)
