"""`meedoen run --posterior` with a damaged or hand-made posterior file: one line naming the file
and the object in it (``FILE: KEY: what is wrong (what is allowed)``), exit status 2, no traceback,
no results file.

The posterior files are written here with h5py in the layout of `meedoen calibrate`
(calibration._write_posterior_file), then damaged one object at a time.
"""

import re
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np
import pytest

import meedoen
from conftest import cli
from meedoen.calibration import read_posterior
from meedoen.errors import InputError

SCENARIO = """\
[experiment]
name = "posterior"
weeks = 4
replicates = 1
seed = 5

[population]
scale = 0.02

[[scenario]]
name = "pilot"
  [[scenario.intervention]]
  name = "door"
  type = "home_visits"
  list_size = 100
  staff_hours = 72
  wijken = ["Leiden-Noord", "Stevenshofdistrict"]
"""
NAMES = ["home_visits.contact", "home_visits.acceptance", "age.pension"]  # the last a whole number
LOW, HIGH = [0.1, 0.1, 60.0], [1.0, 1.0, 70.0]
# The last generation: four particles; age.pension as a calibration draws it, a fraction
PARTICLES = [[0.3, 0.5, 66.5], [0.6, 0.4, 64.2], [0.5, 0.8, 61.9], [0.9, 0.2, 68.0]]
WEIGHTS = [0.4, 0.3, 0.2, 0.1]
PROBLEM = re.compile(r"^[^:\n]+: [^:\s]+: .+\(.+\)$")
GENERATION_FIELDS = ("generation", "epsilon", "samples", "particles", "acceptance_rate", "ess")
VECTOR = next(p["name"] for p in meedoen.parameters() if p["labels"])


def write_posterior(path: Path) -> None:
    """A posterior file of two generations in the layout of meedoen calibrate."""
    text = h5py.string_dtype()
    with h5py.File(path, "w") as f:
        f.attrs["meedoen_version"] = "test"
        f.attrs["scenario"] = "pilot"
        f.attrs["pilot_summaries"] = "{}"
        f.create_dataset("parameter", data=np.array(NAMES, dtype=text))
        f.create_dataset("prior_min", data=LOW)
        f.create_dataset("prior_max", data=HIGH)
        for t, particles, weights in ((0, PARTICLES[::-1], WEIGHTS[::-1]), (1, PARTICLES, WEIGHTS)):
            g = f.create_group(f"generation/{t}")
            g.create_dataset("particles", data=np.array(particles, dtype=float))
            g.create_dataset("weights", data=np.array(weights, dtype=float))
            g.create_dataset("distances", data=np.ones(len(weights)))
        rows = [(0, 2.0, 8, 4, 0.5, 3.5), (1, 1.0, 16, 4, 0.25, 3.3)]
        whole = ("generation", "samples", "particles")
        dtype = [(name, "i8" if name in whole else "f8") for name in GENERATION_FIELDS]
        f.create_dataset("generations", data=np.array(rows, dtype=dtype))
        f.create_dataset("diagnostics/width_ratio", data=np.ones(len(NAMES)))
        f.create_dataset("diagnostics/warnings", data=np.array([], dtype=text))
        f.create_dataset("screening/warnings", data=np.array(["a warning"], dtype=text))


def replace(key: str, data) -> Callable[[h5py.File], None]:
    """A damage: the object ``key`` replaced by a dataset of ``data``."""

    def damage(f: h5py.File) -> None:
        del f[key]
        f.create_dataset(key, data=data)

    return damage


def group(key: str) -> Callable[[h5py.File], None]:
    """A damage: the object ``key`` replaced by an empty group."""

    def damage(f: h5py.File) -> None:
        del f[key]
        f.create_group(key)

    return damage


def delete(key: str) -> Callable[[h5py.File], None]:
    def damage(f: h5py.File) -> None:
        del f[key]

    return damage


def names(*names: str) -> Callable[[h5py.File], None]:
    return replace("parameter", np.array(names, dtype=h5py.string_dtype()))


def particle(value: float, row: int = 1, column: int = 0) -> Callable[[h5py.File], None]:
    damaged = np.array(PARTICLES, dtype=float)
    damaged[row, column] = value
    return replace("generation/1/particles", damaged)


def generations_with(field: str, value) -> Callable[[h5py.File], None]:
    def damage(f: h5py.File) -> None:
        table = f["generations"][()]
        table[field][0] = value
        f["generations"][...] = table

    return damage


def generations_table(dtype) -> Callable[[h5py.File], None]:
    """A damage: the table generations with its fields of ``dtype`` (a list of (name, type))."""

    def damage(f: h5py.File) -> None:
        table = f["generations"][()]
        new = np.zeros(table.shape, dtype=dtype)
        for name in new.dtype.names:
            new[name] = table[name] if name in table.dtype.names else 0
        replace("generations", new)(f)

    return damage


# case: (damage, the key of the one problem, a piece of its message)
DAMAGES = {
    "parameter a group": (group("parameter"), "parameter", "is a group, not a dataset"),
    "parameter missing": (delete("parameter"), "parameter", "is missing"),
    "parameter numbers": (replace("parameter", [1.0, 2.0, 3.0]), "parameter", "holds float64, not text"),
    "parameter one name, not a list": (
        replace("parameter", np.array("age.pension", dtype=h5py.string_dtype())),
        "parameter",
        "has shape ()",
    ),
    "unknown parameter": (
        names("no.such_param", *NAMES[1:]),
        "parameter",
        "'no.such_param' is not a model parameter",
    ),
    "vector parameter": (names(VECTOR, *NAMES[1:]), "parameter", f"'{VECTOR}' is a vector parameter"),
    "parameter twice": (names(NAMES[0], NAMES[0], NAMES[2]), "parameter", "is named twice"),
    "prior_min missing": (delete("prior_min"), "prior_min", "is missing"),
    "prior_min short": (replace("prior_min", [0.1, 0.1]), "prior_min", "has shape (2,), not (3,)"),
    "prior_min not finite": (replace("prior_min", [0.1, np.nan, 60.0]), "prior_min", "holds nan at row 1"),
    "prior_min text": (
        replace("prior_min", np.array(["0.1"] * 3, dtype=h5py.string_dtype())),
        "prior_min",
        "holds text, not numbers",
    ),
    "prior_max outside the range": (replace("prior_max", [1.0, 1.0, 90.0]), "prior_max", "outside its range"),
    "prior_max below prior_min": (replace("prior_max", [0.05, 1.0, 70.0]), "prior_max", "is not above"),
    "generations without fields": (
        replace("generations", [1.0, 2.0]),
        "generations",
        "without the fields generation, epsilon",
    ),
    "generations a group": (group("generations"), "generations", "is a group, not a dataset"),
    "generations with one field": (
        generations_table([("generation", "i8")]),
        "generations",
        "without the fields epsilon",
    ),
    "generations no rows": (
        lambda f: replace("generations", f["generations"][()][:0])(f),
        "generations",
        "has shape (0,)",
    ),
    "generation a fraction": (
        generations_table([(n, "f8") for n in GENERATION_FIELDS]),
        "generations",
        "its field generation holds float64, not whole numbers",
    ),
    "epsilon not finite": (generations_with("epsilon", np.inf), "generations", "its field epsilon is inf"),
    "generation twice": (generations_with("generation", 1), "generations", "one twice"),
    "generation without its group": (generations_with("generation", 5), "generation/5", "is missing"),
    "generation a dataset": (replace("generation", [0.0]), "generation", "is a dataset, not a group"),
    "generation/1 a dataset": (replace("generation/1", [0.0]), "generation/1", "is a dataset, not a group"),
    "particles missing": (delete("generation/1/particles"), "generation/1/particles", "is missing"),
    "particles a column short": (
        replace("generation/1/particles", np.array(PARTICLES)[:, :2]),
        "generation/1/particles",
        "has shape (4, 2), not (4, 3)",
    ),
    "particles not finite": (particle(np.nan), "generation/1/particles", "holds nan at row 1, column 0"),
    "particle outside the range": (particle(5.0), "generation/1/particles", "home_visits.contact is 5"),
    "particles of generation 0 not finite": (
        replace("generation/0/particles", np.full((4, 3), np.inf)),
        "generation/0/particles",
        "holds inf",
    ),
    "negative weights summing to 1": (
        replace("generation/1/weights", [2.0, -1.0, 0.0, 0.0]),
        "generation/1/weights",
        "a negative weight",
    ),
    "weights summing to 0": (
        replace("generation/1/weights", np.zeros(4)),
        "generation/1/weights",
        "they sum to 0, not 1",
    ),
    "weights summing to 2": (
        replace("generation/1/weights", np.full(4, 0.5)),
        "generation/1/weights",
        "they sum to 2, not 1",
    ),
    "weights not finite": (
        replace("generation/1/weights", [np.nan, 0.5, 0.5, 0.0]),
        "generation/1/weights",
        "holds nan at row 0",
    ),
    "weights one number": (replace("generation/1/weights", 1.0), "generation/1/weights", "has shape ()"),
    "weights a group": (group("generation/1/weights"), "generation/1/weights", "is a group, not a dataset"),
    "fewer weights than particles": (
        replace("generation/1/weights", [0.5, 0.5]),
        "generation/1/particles",
        "has shape (4, 3), not (2, 3)",
    ),
    "screening warnings numbers": (
        replace("screening/warnings", [1.0]),
        "screening/warnings",
        "not a list of text",
    ),
    "diagnostics a dataset": (
        replace("diagnostics", [1.0]),
        "diagnostics",
        "is a dataset, not a group",
    ),
}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("posterior") / "pilot.toml"
    path.write_text(SCENARIO)
    return path


def run_with(scenario: Path, posterior: Path, out: Path):
    flags = ["--scale", "0.02", "--weeks", "4", "--replicates", "2", "--quiet"]
    return cli("run", scenario, "--posterior", posterior, *flags, "-o", out)


def assert_refused(result, out: Path, start: str) -> None:
    """Exit status 2 and one line on stderr that starts with ``start``; no traceback, no results."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(start), result.stderr
    assert PROBLEM.match(lines[0]), result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() and not list(out.parent.glob(f"{out.name}*"))


def test_the_hand_made_posterior_runs(tmp_path: Path, scenario: Path):
    """The undamaged file: read as written, fractions of a whole-number parameter too (as a
    calibration writes them; the engine gets them rounded), and a run with it succeeds."""
    posterior, out = tmp_path / "posterior.h5", tmp_path / "out.h5"
    write_posterior(posterior)
    read = read_posterior(posterior)
    assert read.names == NAMES and np.array_equal(read.particles, PARTICLES)
    assert read.screening == ["a warning"] and read.diagnostics == []
    result = run_with(scenario, posterior, out)
    assert result.returncode == 0, result.stderr
    draws = meedoen.open_results(out).parameter_draws.sel(parameter="age.pension").values
    assert set(draws) <= {66.0, 64.0, 62.0, 68.0}


@pytest.mark.parametrize("case", DAMAGES, ids=list(DAMAGES))
def test_a_damaged_posterior_is_one_line_naming_the_file_and_the_object(
    tmp_path: Path, scenario: Path, case: str
):
    damage, key, message = DAMAGES[case]
    posterior, out = tmp_path / "posterior.h5", tmp_path / "out.h5"
    write_posterior(posterior)
    with h5py.File(posterior, "r+") as f:
        damage(f)
    with pytest.raises(InputError) as error:
        read_posterior(posterior)
    [problem] = error.value.problems
    assert (problem.file, problem.line, problem.key) == (str(posterior), 0, key), problem
    assert message in problem.message, problem
    result = run_with(scenario, posterior, out)
    assert_refused(result, out, f"{posterior}: {key}: ")
    assert message in result.stderr


NOT_POSTERIORS = {
    "text": (lambda path, _: path.write_text("not hdf5"), "(not an HDF5 file)"),
    "cut short": (lambda path, good: path.write_bytes(good.read_bytes()[:3000]), "(cut short: 3000 of its "),
    "another HDF5 file": (
        lambda path, _: h5py.File(path, "w").close(),
        "(it has no parameter, prior_min, prior_max, generations or generation)",
    ),
}


@pytest.mark.parametrize("case", NOT_POSTERIORS, ids=list(NOT_POSTERIORS))
def test_a_file_that_is_no_posterior_at_all_is_one_line(tmp_path: Path, scenario: Path, case):
    make, message = NOT_POSTERIORS[case]
    good, posterior, out = tmp_path / "good.h5", tmp_path / "posterior.h5", tmp_path / "out.h5"
    write_posterior(good)
    make(posterior, good)
    result = run_with(scenario, posterior, out)
    assert_refused(result, out, f"{posterior}: (file): is not a posterior file of meedoen calibrate (")
    assert message in result.stderr
