"""Problems of bad input are records: the engine hands Python each problem's file, line, key and
message as fields, and Python sorts and prints them without parsing text."""

import pickle

import pytest

import meedoen
from meedoen.config import ConfigFile
from meedoen.errors import COMMAND_LINE, Problem, flag_problem


def test_the_engine_hands_over_file_line_key_and_message(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[experiment]\nname = "x"\nweeks = 0\n')
    with pytest.raises(meedoen.InputError) as raised:
        meedoen.load_experiment(path)
    weeks = next(p for p in raised.value.problems if p.key == "experiment.weeks")
    assert isinstance(weeks, Problem)
    assert (weeks.file, weeks.line) == (str(path), 3)
    assert weeks.message.startswith("value 0 is out of range")
    assert weeks == f"{path}:3: experiment.weeks: {weeks.message}"


def test_a_problem_without_a_line_or_key():
    assert Problem("a.csv", 0, "", "does not exist (a file)") == "a.csv: (file): does not exist (a file)"
    flag = flag_problem("--weeks", "value 0 is out of range (1 to 5200)")
    assert (flag.file, flag.line, flag.key) == (COMMAND_LINE, 0, "--weeks")
    assert flag == "command line: --weeks: value 0 is out of range (1 to 5200)"


def test_problems_pickle_as_records():
    error = meedoen.InputError([Problem("f.toml", 7, "k", "m (n)"), flag_problem("--seed", "m (n)")])
    back = pickle.loads(pickle.dumps(error))
    assert back.problems == error.problems
    assert (back.problems[0].file, back.problems[0].line, back.problems[0].key) == ("f.toml", 7, "k")


def test_a_configuration_file_lists_its_problems_by_line(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[a]\nx = 1\ny = 2\nz = 3\n")
    config = ConfigFile(path)
    section = config.section("a")
    for key in ("z", "x", "y"):
        section.problem(key, "is wrong (right)")
    config.problems.append(Problem("other.toml", 1, "k", "is wrong (right)"))
    with pytest.raises(meedoen.InputError) as raised:
        config.raise_problems()
    assert [(p.file, p.line) for p in raised.value.problems] == [
        (str(path), 2),
        (str(path), 3),
        (str(path), 4),
        ("other.toml", 1),
    ]


def test_an_input_error_holds_records_only():
    with pytest.raises(TypeError, match="Problem records"):
        meedoen.InputError(["f.toml:1: k: a line of text"])


def _problems_of(action) -> list:
    with pytest.raises(meedoen.InputError) as caught:
        action()
    assert all(isinstance(p, Problem) for p in caught.value.problems), caught.value.problems
    return caught.value.problems


def test_bad_input_of_every_kind_comes_as_records(tmp_path):
    """A pilot file, a damaged results file and a --scheduler that is no scheduler: each problem
    is a record whose fields say where, not only a line of text."""
    from meedoen.distributed import check_scheduler
    from meedoen.pilot import read_pilot

    pilot = tmp_path / "pilot.csv"
    header = "programme,wijk,period,first_week,last_week,found\n"
    pilot.write_text(header + "project_door,Binnenstad-Noord,2016,1,10,1.000\n")
    (problem,) = _problems_of(lambda: read_pilot(pilot))
    assert (problem.file, problem.line, problem.key) == (str(pilot), 2, "found")

    missing = tmp_path / "nowhere.csv"
    (problem,) = _problems_of(lambda: read_pilot(missing))
    assert (problem.file, problem.line, problem.key) == (str(missing), 0, "(file)")

    damaged = tmp_path / "damaged.h5"
    damaged.write_bytes(b"not an HDF5 file at all")
    (problem,) = _problems_of(lambda: meedoen.open_results(damaged))
    assert (problem.file, problem.key) == (str(damaged), "(file)")

    (problem,) = _problems_of(lambda: check_scheduler("nonsense://here", timeout=1))
    assert (problem.file, problem.key) == (COMMAND_LINE, "--scheduler")
