"""The field reports of issue 12, kinds 1, 2, 8 and 9, where the user meets them: `meedoen validate`
and `meedoen run` (one line FILE:LINE: key: ..., exit status 2, nothing written), the Python API
(InputError), and the sensitivity and calibration configurations. The examples are copies in
tests/data/faults; the variants are written here."""

import re
import shutil
from pathlib import Path

import pytest
from conftest import cli

import meedoen
from meedoen import _core
from meedoen.calibration import read_calibration_config
from meedoen.sensitivity import read_config

FAULTS = Path(__file__).resolve().parents[1] / "data" / "faults"
PROBLEM = re.compile(r"^[^:\n]+(:\d+)?: [^:\s]+: .+\(.+\)$")


@pytest.fixture
def faults(tmp_path: Path) -> Path:
    """A copy of tests/data/faults, where runs may write."""
    folder = tmp_path / "faults"
    shutil.copytree(FAULTS, folder)
    return folder


def assert_refused(result, expected: str, out: Path | None = None) -> None:
    """Exit status 2, one problem line (starting with `expected`), no traceback, nothing written."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), result.stderr
    assert PROBLEM.match(lines[0]), lines[0]
    assert out is None or not out.exists()


# Kind 1: population files -------------------------------------------------------------------------

HEADER = "code,name,inhabitants,men,women,dwellings,land_ha"


def scenario_with(folder: Path, csv_text: str, encoding: str = "utf-8") -> Path:
    (folder / "w.csv").write_bytes(csv_text.encode(encoding))
    path = folder / "s.toml"
    path.write_text('[experiment]\nname = "t"\nweeks = 4\n[population]\ndata = "w.csv"\n[[scenario]]\nname = "baseline"\n')
    return path


def test_a_quoted_wijk_name_with_a_comma_is_read(tmp_path: Path):
    path = scenario_with(tmp_path, f'{HEADER}\nWK1,"Binnenstad, Zuid",900,400,500,450,12.5\n')
    assert meedoen.load_experiment(path).wijk_names == ["Binnenstad, Zuid"]
    result = cli("validate", path)
    assert result.returncode == 0 and result.stdout.startswith("OK: 1 scenario,"), result.stderr


def test_a_dutch_excel_population_file_is_read(tmp_path: Path):
    text = "code;name;inhabitants;men;women;dwellings;land_ha\r\nWK1;\"Noord; Oost\";1000;400;600;500;12.5\r\n"
    path = scenario_with(tmp_path, text, "utf-8-sig")
    assert meedoen.load_experiment(path).wijk_names == ["Noord; Oost"]


@pytest.mark.parametrize("count", ["1.000", "1,5", "2.5", "1e3"])
def test_a_count_written_another_way_is_refused_at_its_line_and_column(tmp_path: Path, count: str):
    path = scenario_with(tmp_path, f'{HEADER}\nWK1,Noord,100,40,60,50,1\nWK2,Zuid,"{count}",4,6,5,1\n')
    result = cli("validate", path)
    assert_refused(result, f"{tmp_path / 'w.csv'}:3: inhabitants: '{count}' is not a count (a whole number")
    with pytest.raises(meedoen.InputError):
        meedoen.load_experiment(path)


def test_a_decimal_comma_in_an_area_is_refused(tmp_path: Path):
    path = scenario_with(tmp_path, "code;name;inhabitants;men;women;dwellings;land_ha\nWK1;Noord;1;1;0;1;2,5\n")
    assert_refused(cli("validate", path), f"{tmp_path / 'w.csv'}:2: land_ha: '2,5' is not an area")


# Kind 2: settings that contradict each other -------------------------------------------------------


def test_min_budget_above_max_budget_is_refused_by_validate_and_run(faults: Path):
    expected = "24-min-above-max.toml:23: scenario[2].intervention[1].min_budget: value 450 is above geluksbudget.max_budget (100)"
    assert_refused(cli("validate", "24-min-above-max.toml", cwd=faults), expected)
    out = faults / "out24.h5"
    assert_refused(cli("run", "24-min-above-max.toml", "-o", out, "--quiet", cwd=faults), expected, out)


def test_the_relations_are_exposed_once():
    relations = {(r["lower"], r["upper"]): r["strict"] for r in _core.parameter_relations()}
    assert relations[("geluksbudget.min_budget", "geluksbudget.max_budget")] is False
    assert relations[("home_visits.min_age", "age.pension")] is True
    assert len(relations) == len(_core.parameter_relations())  # each once
    docs = (Path(__file__).resolve().parents[2] / "docs" / "parameters.md").read_text()
    assert "at most `geluksbudget.max_budget`" in docs and "at least `geluksbudget.min_budget`" in docs


def test_with_parameters_keeps_the_relations(faults: Path):
    experiment = meedoen.load_experiment(faults / "09-valid.toml")
    with pytest.raises(meedoen.InputError, match=r"^test: geluksbudget.min_budget: value 400 is above"):
        experiment.with_parameters({"geluksbudget.min_budget": 400, "geluksbudget.max_budget": 300}, "test")


SENSITIVITY = """\
[sensitivity]
scenarios = "scenarios.toml"
scenario = "geluk"
samples = 8
weeks = 4
scale = 0.05

[[sensitivity.parameter]]
name = "geluksbudget.min_budget"
min = 100
max = 400

[[sensitivity.parameter]]
name = "geluksbudget.max_budget"
min = 300
max = 450
"""
SCENARIOS = """\
[experiment]
name = "budgets"
weeks = 4
[[scenario]]
name = "baseline"
[[scenario]]
name = "geluk"
  [[scenario.intervention]]
  type = "geluksbudget"
"""


def test_sensitivity_ranges_that_allow_min_above_max_are_refused(tmp_path: Path):
    (tmp_path / "scenarios.toml").write_text(SCENARIOS)
    (tmp_path / "s.toml").write_text(SENSITIVITY)
    with pytest.raises(meedoen.InputError) as error:
        read_config(tmp_path / "s.toml")
    assert error.value.problems == [
        f"{tmp_path / 's.toml'}:11: sensitivity.parameter[1].max: lets geluksbudget.min_budget exceed "
        "geluksbudget.max_budget: value 400 is above geluksbudget.max_budget (300), the upper bound of the "
        "same thing (geluksbudget.min_budget at most geluksbudget.max_budget)"
    ]
    (tmp_path / "s.toml").write_text(SENSITIVITY.replace("max = 400", "max = 300"))
    assert read_config(tmp_path / "s.toml").parameters[0].high == 300
    # One bound varied, the other fixed by the scenario file: judged against the file's value.
    (tmp_path / "scenarios.toml").write_text(SCENARIOS + "  max_budget = 250\n")
    (tmp_path / "s.toml").write_text(SENSITIVITY.split("\n[[sensitivity.parameter]]\nname = \"geluksbudget.max")[0])
    with pytest.raises(meedoen.InputError, match="lets geluksbudget.min_budget exceed"):
        read_config(tmp_path / "s.toml")


def test_calibration_ranges_that_allow_min_above_max_are_refused(tmp_path: Path):
    (tmp_path / "scenarios.toml").write_text(SCENARIOS)
    config = SENSITIVITY.replace("sensitivity", "calibration").replace("samples = 8\n", "")
    (tmp_path / "c.toml").write_text(config)
    with pytest.raises(meedoen.InputError, match=r"c.toml:10: calibration.parameter\[1\].max: lets geluksbudget"):
        read_calibration_config(tmp_path / "c.toml")


# Kind 8: nobody to simulate -------------------------------------------------------------------------


def test_a_population_with_no_adults_is_refused_before_running(faults: Path):
    expected = "06-tiny-population.toml:15: population.scale: at scale 0.001 the population has no adults"
    assert_refused(cli("validate", "06-tiny-population.toml", cwd=faults), expected)
    out = faults / "out06.h5"
    result = cli("run", "06-tiny-population.toml", "-o", out, "--quiet", cwd=faults)
    assert_refused(result, expected, out)
    assert "nan" not in result.stdout + result.stderr


def test_a_command_line_scale_with_no_adults_is_refused(faults: Path):
    out = faults / "x.h5"
    result = cli("run", "09-valid.toml", "-o", out, "--quiet", "--scale", "0.001", cwd=faults)
    # Leiden at 0.001 still has adults; a one-resident population at scale 1 has one
    assert result.returncode == 0, result.stderr
    (faults / "06-tiny-population.toml").write_text(
        (faults / "06-tiny-population.toml").read_text().replace("scale = 0.001", "scale = 1")
    )
    assert cli("validate", "06-tiny-population.toml", cwd=faults).returncode == 0
    experiment = meedoen.load_experiment(faults / "06-tiny-population.toml")
    with pytest.raises(meedoen.InputError, match=r"^command line: --scale: at scale 0.4 the population has no adults"):
        experiment.with_overrides(scale=0.4)


def test_an_intervention_only_where_nobody_lives_is_a_warning(tmp_path: Path):
    (tmp_path / "w.csv").write_text(f"{HEADER}\nWK1,Hofje,1,1,0,1,1\nWK2,Groot,1000,500,500,400,30\n")
    (tmp_path / "s.toml").write_text(
        '[experiment]\nname = "t"\nweeks = 4\n[population]\ndata = "w.csv"\nscale = 0.4\n'
        '[[scenario]]\nname = "baseline"\n[[scenario]]\nname = "x"\n'
        '[[scenario.intervention]]\ntype = "walk_in"\nwijken = ["Hofje"]\n'
    )
    result = cli("validate", tmp_path / "s.toml")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"{tmp_path / 's.toml'}:11: wijken: warning: intervention 'walk_in' of scenario 'x' works only in "
        "wijken without adults at scale 0.4 (Hofje): it is charged for nobody (wijken with adults at this "
        "scale, or a larger scale)"
    ]
    assert meedoen.load_experiment(tmp_path / "s.toml").with_overrides(scale=1.0).warnings == []


# Kind 9: integers too large for a double --------------------------------------------------------------

BIG = "9007199254740993"


def test_the_extreme_number_is_refused_by_validate(faults: Path):
    result = cli("validate", "09-extreme-numbers.toml", cwd=faults)
    assert_refused(
        result,
        f"09-extreme-numbers.toml:23: scenario[2].intervention[1].list_size: value {BIG} is out of range "
        "(a whole number from 0 to 100000)",
    )
    assert "Traceback" not in result.stderr
    with pytest.raises(meedoen.InputError, match="list_size: value 9007199254740993 is out of range"):
        meedoen.load_experiment(faults / "09-extreme-numbers.toml")


@pytest.mark.parametrize(
    "insert, key",
    [
        ("[population]\nscale = 0.05", "population.scale"),
        ("[experiment]\nname = \"extreme numbers\"\nweeks = 4", "experiment.weeks"),
        ("[[scenario]]\nname = \"baseline\"", "parameters.ladder.peer_up"),
        ("[[scenario]]\nname = \"door\"", "scenario[2].parameters.costs.ggz"),
    ],
)
def test_every_number_of_a_file_is_checked_the_same_way(faults: Path, insert: str, key: str):
    text = (faults / "09-extreme-numbers.toml").read_text().replace(f"list_size = {BIG}", "list_size = 10")
    name = key.rsplit(".", 1)[-1]
    if key.startswith("parameters."):
        text = text.replace(insert, f"[parameters]\nladder.peer_up = {BIG}\n{insert}")
    elif key.startswith("scenario[2]"):
        text = text.replace(insert, f"{insert}\n[scenario.parameters]\ncosts.ggz = -{BIG}")
    else:
        text = text.replace(insert, f"{insert.rsplit(chr(10), 1)[0]}\n{name} = {BIG}")
    (faults / "x.toml").write_text(text)
    with pytest.raises(meedoen.InputError) as error:
        meedoen.load_experiment(faults / "x.toml")
    assert len(error.value.problems) == 1
    assert re.match(rf".*x\.toml:\d+: {re.escape(key)}: value -?{BIG} is out of range \(", error.value.problems[0])


@pytest.mark.parametrize(
    "flag, text, says",
    [
        ("--seed", "9223372036854775808", "value 9223372036854775808 is out of range"),
        ("--seed", "-1", "value -1 is out of range"),
        ("--scale", "nan", "value nan is out of range"),
        ("--scale", "1e-400", "value 1e-400 is out of range"),
        ("--weeks", "1e3", "value 1e3 is not a whole number in decimal digits"),
        ("--replicates", "0x10", "value 0x10 is not a whole number in decimal digits"),
    ],
)
def test_the_engine_checks_command_line_settings(flag: str, text: str, says: str):
    with pytest.raises(meedoen.InputError) as error:
        _core.command_line_setting(flag, text)
    assert error.value.problems[0].startswith(f"command line: {flag}: {says} (")
    assert PROBLEM.match(error.value.problems[0])


def test_command_line_settings_give_their_values():
    assert _core.command_line_setting("--seed", "9223372036854775807") == 2**63 - 1
    assert _core.command_line_setting("--scale", "0.25") == 0.25
    assert isinstance(_core.command_line_setting("--weeks", "52"), int)


@pytest.mark.parametrize(
    "settings, says",
    [
        ({"seed": 2**64 + 1}, "command line: --seed: value 18446744073709551617 is out of range"),
        ({"seed": -1}, "command line: --seed: value -1 is out of range"),
        ({"weeks": 2**53 + 1}, f"command line: --weeks: value {BIG} is out of range"),
        ({"scale": float("nan")}, "command line: --scale: value nan is out of range"),
        ({"replicates": True}, "command line: --replicates: is of type bool (a whole number)"),
        ({"scale": "0.5"}, "command line: --scale: is of type str (a number)"),
    ],
)
def test_with_overrides_checks_every_value_as_the_command_line_does(faults: Path, settings, says: str):
    experiment = meedoen.load_experiment(faults / "09-valid.toml")
    with pytest.raises(meedoen.InputError) as error:
        experiment.with_overrides(**settings)
    assert error.value.problems[0].startswith(says), error.value.problems


def test_with_overrides_takes_numpy_numbers(faults: Path):
    import numpy as np

    experiment = meedoen.load_experiment(faults / "09-valid.toml")
    changed = experiment.with_overrides(replicates=np.int64(3), seed=np.uint64(2**63 - 1), scale=np.float32(0.5))
    assert (changed.replicates, changed.seed, changed.scale) == (3, 2**63 - 1, 0.5)
