"""What an analysis cannot tell, said in words: Sobol' indices outside [0, 1] or with intervals
wider than themselves, outcomes that never change (field reports 14 and 15), with how many
samples would do."""

import re
from pathlib import Path

import numpy as np

from conftest import cli
from meedoen.sensitivity import TARGET_CONF, analyse, diagnose

RANGES = {name: (0.0, 1.0) for name in "abcd"}


def linear(values: dict[str, float]) -> dict[str, float]:
    return {"y": values["a"] + 0.1 * values["b"], "constant": 3.0}


def _outside(table) -> int:
    """Indices outside [0, 1] beyond their interval, counted from the table itself."""
    count = 0
    for index in ("S1", "ST"):
        value, conf = table[index], table[f"{index}_conf"]
        count += int(((value - conf > 1) | (value + conf < 0)).sum())
    return count


def test_too_few_samples_give_impossible_indices_and_a_warning_with_more_samples():
    """Four parameters and samples = 8, as in field report 14: S1 above 1."""
    result = analyse(linear, RANGES, samples=8, seed=2)
    y = result.table[result.table.outcome == "y"]
    assert _outside(y) > 0  # the estimators' failure this warns about
    lines = [line for line in diagnose(result) if line.startswith("y: ")]
    impossible = next(line for line in lines if "outside [0, 1]" in line)
    assert impossible.startswith(f"y: {_outside(y)} indices lie outside [0, 1], where none can be")
    suggested = int(re.search(r"try samples = (\d+)$", impossible)[1])
    assert suggested >= 4 * 8 and suggested & (suggested - 1) == 0  # a power of 2, at least 4 times
    assert "nan" not in " ".join(diagnose(result)).lower()


def test_enough_samples_give_no_warning_but_the_constant_outcome():
    result = analyse(linear, RANGES, samples=512, seed=2)
    assert _outside(result.table[result.table.outcome == "y"]) == 0
    assert diagnose(result) == [
        "constant is 3 in every model run: no parameter changes it within these ranges, so it has no "
        "share of variance to give (its indices are empty)"
    ]


def test_an_interval_wider_than_its_index_says_how_many_samples_would_narrow_it():
    def noisy(values: dict[str, float]) -> dict[str, float]:
        return {"y": values["a"] + np.random.default_rng(int(values["b"] * 1e6)).normal(0, 2)}

    result = analyse(noisy, RANGES, samples=16, seed=3)
    table = result.table
    wide = [
        float(conf)
        for index in ("S1", "ST")
        for value, conf in zip(table[index], table[f"{index}_conf"], strict=True)
        if conf > max(abs(value), TARGET_CONF) and not (value - conf > 1 or value + conf < 0)
    ]
    assert wide
    line = next(line for line in diagnose(result) if "wider than the index itself" in line)
    assert line.startswith(f"y: {len(wide)} ind")
    suggested = int(re.search(r"try samples = (\d+)$", line)[1])
    needed = 16 * (max(wide) / TARGET_CONF) ** 2  # the half-width shrinks as 1 / sqrt(samples)
    assert needed <= suggested < 2 * needed and suggested & (suggested - 1) == 0


def test_morris_with_intervals_wider_than_mu_star():
    def spike(values: dict[str, float]) -> dict[str, float]:
        return {"y": 100.0 if values["a"] > 0.5 and values["b"] > 0.5 else 0.0}

    result = analyse(spike, {"a": (0, 1), "b": (0, 1)}, method="morris", samples=4, seed=3)
    table = result.table
    wide = table[(table.mu_star_conf > table.mu_star) & (table.mu_star > 0)]
    assert len(wide) == 1  # one step of four that crosses the spike: an interval wider than mu*
    (line,) = diagnose(result)
    assert line.startswith("y: for 1 of its 2 parameters the 95% interval of mu* is wider than mu* itself")
    ratio = float((2 * wide.mu_star_conf / wide.mu_star).max())
    assert line.endswith(f"try samples = {int(np.ceil(4 * ratio**2))} trajectories")


SCENARIO = """\
[experiment]
name = "door"
weeks = 4
replicates = 1
seed = 1

[population]
scale = 0.02

[[scenario]]
name = "baseline"

[[scenario]]
name = "door"
  [[scenario.intervention]]
  type = "home_visits"
"""
CONFIG = """\
[sensitivity]
scenarios = "door.toml"
scenario = "door"
samples = 4
outcomes = ["intervention_cost", "persons_up"]

[[sensitivity.parameter]]
name = "peer_outreach.staff_hours"
min = 1
max = 8
"""


def test_the_command_says_which_outcomes_no_parameter_changes(tmp_path: Path):
    """Field report 15: a parameter of an intervention the scenario does not have."""
    (tmp_path / "door.toml").write_text(SCENARIO)
    (tmp_path / "config.toml").write_text(CONFIG)
    out = tmp_path / "s.csv"
    result = cli("sensitivity", tmp_path / "config.toml", "-o", out, "--workers", "1", "--quiet")
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert [w.split(" is ")[0] for w in warnings] == ["warning: intervention_cost", "warning: persons_up"]
    assert all("in every model run" in w for w in warnings)
    assert "nan" not in (result.stdout + result.stderr).lower()
