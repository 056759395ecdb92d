"""Can the pilot data inform the calibrated parameters? The screening before a calibration and
the diagnostics of its posterior (field report 16: a pilot whose only count is 0)."""

import shutil
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from conftest import cli
from meedoen.calibration import read_posterior
from meedoen.config import ParameterRange
from meedoen.identifiability import (
    CHANCE_FACTOR,
    FLAT_SHARE,
    WIDTH_WARNING,
    Screening,
    diagnose,
    screen,
    width_ratios,
)

DATA = Path(__file__).parent / "data"
RANGES = [ParameterRange("a", 0.0, 1.0), ParameterRange("inert", 0.0, 10.0)]


def summaries(values: dict[str, float], seed: int) -> dict[str, float]:
    """A model: `count` follows a, with chance noise of SD 1 that depends on the seed only;
    `zero` is always 0; `inert` changes nothing."""
    noise = np.random.default_rng(seed).normal(0, 1)
    return {"count": 100 * values["a"] + noise, "zero": 0.0}


def serial(function, items):
    return [function(item) for item in items]


def test_the_screening_finds_the_parameter_and_the_summary_that_carry_nothing():
    result = screen(summaries, RANGES, trajectories=4, seed=1, map_function=serial)
    assert result.mu_star.loc["a", "count"] == pytest.approx(100)  # linear: its change over the prior
    assert result.mu_star.loc["inert"].eq(0).all() and result.mu_star["zero"].eq(0).all()
    assert 0 < result.chance_sd["count"] < 3 and result.chance_sd["zero"] == 0
    assert result.steps.to_dict() == {"a": 4, "inert": 4} and result.moving.to_dict() == {"a": 4, "inert": 0}
    assert result.informs.to_dict() == {
        "count": {"a": True, "inert": False},
        "zero": {"a": False, "inert": False},
    }
    lines = result.warnings()
    assert len(lines) == 2
    assert lines[0].startswith("inert moves none of the pilot summaries beyond chance over its prior")
    assert lines[1].startswith("the pilot summary zero does not change beyond chance with any calibrated")


def test_a_change_within_chance_is_not_information():
    mu_star = pd.DataFrame({"count": [1.5, 3.0]}, index=["small", "large"])
    every_step = pd.Series({"small": 4, "large": 4})
    screening = Screening(mu_star, pd.Series({"count": 1.0}), every_step, every_step)
    assert CHANCE_FACTOR == 2.0
    assert screening.informs["count"].to_dict() == {"small": False, "large": True}
    assert [line.split(" ")[0] for line in screening.warnings()] == ["small"]


def test_a_parameter_that_acts_over_part_of_its_prior_only_is_flat_elsewhere():
    """As home_visits.contact above 0.5, where staff hours cap the visits (field report 16)."""

    def capped(values: dict[str, float], seed: int) -> dict[str, float]:
        return {"visits": 200 * min(values["a"], 0.3) + np.random.default_rng(seed).normal(0, 1)}

    result = screen(capped, RANGES[:1], trajectories=8, seed=2, map_function=serial)
    assert result.informs.loc["a", "visits"]  # it moves the summary somewhere
    assert 0 < result.moving["a"] < FLAT_SHARE * result.steps["a"]
    (line,) = result.warnings()
    assert line.startswith(f"a moves the pilot summaries beyond chance in only {result.moving['a']} of its 8")


def test_width_ratios_against_their_definition():
    particles = np.linspace(0, 1, 1001)[:, None]
    weights = np.full(1001, 1 / 1001)
    low, high = np.array([0.0]), np.array([1.0])
    assert width_ratios(particles, weights, low, high)[0] == pytest.approx(1, abs=0.01)
    assert width_ratios(particles / 10, weights, low, high)[0] == pytest.approx(0.1, abs=0.01)


def test_the_diagnostics_of_an_uninformed_posterior():
    generations = pd.DataFrame(
        [(0, 0.0, 10, 10, 1.0, 10.0)],
        columns=["generation", "epsilon", "samples", "particles", "acceptance_rate", "ess"],
    )
    first = pd.DataFrame({"p/x/found": [0.0] * 10, "p/x/visited": np.arange(10.0)})
    lines = diagnose(["a", "b"], np.array([0.95, 0.3]), generations, first)
    assert lines == [
        "the summary p/x/found was the same for every particle of the first generation: over the prior "
        "it does not vary and cannot tell particles apart",
        "generation 0 accepted 10 of 10 particles at epsilon 0: the distance did not discriminate between "
        "them",
        "a: its 90% posterior interval is 95% as wide as the prior's: the data narrowed it little (a "
        "posterior about equal to the prior)",
    ]
    assert WIDTH_WARNING == 0.8
    informed = generations.assign(epsilon=0.5, samples=30, acceptance_rate=1 / 3)
    assert diagnose(["a"], np.array([0.3]), informed, first.drop(columns="p/x/found")) == []


def test_a_calibration_the_data_cannot_inform_says_so_and_records_it(tmp_path: Path):
    """Field report 16: a pilot whose only count is 0, which the model gives for any value."""
    for name in ("zero_pilot.csv", "zero_pilot_calibration.toml", "zero_pilot_scenario.toml"):
        shutil.copy(DATA / name, tmp_path / name)
    out = tmp_path / "posterior.h5"
    result = cli(
        "calibrate",
        tmp_path / "zero_pilot_calibration.toml",
        "--pilot",
        tmp_path / "zero_pilot.csv",
        "-o",
        out,
        "--workers",
        "1",
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    warnings = [line.removeprefix("warning: ") for line in lines if line.startswith("warning: ")]
    assert warnings[0].startswith("home_visits.contact moves none of the pilot summaries beyond chance")
    assert warnings[1].startswith("the pilot summary project_door/late/found does not change")
    assert any(w.startswith("the summary project_door/late/found was the same for every") for w in warnings)
    assert any(w.startswith("generation 0 accepted 10 of 10 particles at epsilon 0") for w in warnings)
    assert any(w.startswith("home_visits.contact: its 90% posterior interval is") for w in warnings)
    posterior = read_posterior(out)
    assert posterior.screening + posterior.diagnostics == warnings
    assert posterior.summary().width_ratio.iloc[0] >= WIDTH_WARNING
    with h5py.File(out) as f:
        assert f["screening/mu_star"].shape == (1, 1) and f["screening/mu_star"][0, 0] == 0
        assert f["diagnostics/width_ratio"][0] == pytest.approx(posterior.summary().width_ratio.iloc[0])
    assert "width / prior's" in result.stdout
