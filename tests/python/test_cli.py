"""The command line: `meedoen validate` and `meedoen run`, and how they treat bad input."""

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import LEIDEN, SMALL, assert_same_results, cli, meedoen_command, start_interruptible
from meedoen import _core
from meedoen.cli.main import main

GOOD = """\
[experiment]
name = "test"
weeks = 10
replicates = 2
seed = 7

[population]
data = "leiden"
scale = 0.05

[[scenario]]
name = "baseline"
"""

# One line per problem: FILE:LINE: key: what is wrong (what is allowed); no line for a missing file.
PROBLEM = re.compile(r"^[^:\n]+(:\d+)?: [^:\s]+: .+\(.+\)$")

# name: (scenario file text or None for no file, extra arguments, the expected start of the line)
BAD_INPUTS = {
    "malformed TOML": ("[experiment\nname = 'x'\n", [], "{file}:1: (file): "),
    "unknown key": (GOOD.replace("weeks = 10", "wekes = 10"), [], "{file}:3: experiment.wekes: unknown key"),
    "out of range": (GOOD.replace("weeks = 10", "weeks = 0"), [], "{file}:3: experiment.weeks: value 0"),
    "missing scenario file": (None, [], "{file}: (file): cannot read"),
    "missing data file": (GOOD.replace('"leiden"', '"nowhere.csv"'), [], "{file}:8: population.data: cannot"),
    "--threads not a number": (GOOD, ["--threads", "two"], "command line: --threads: value two is not"),
    "--threads negative": (GOOD, ["--threads", "-1"], "command line: --threads: value -1 is out of range"),
    "--replicates zero": (GOOD, ["--replicates", "0"], "command line: --replicates: value 0 is out of"),
    "--replicates decimal": (GOOD, ["--replicates", "2.5"], "command line: --replicates: value 2.5 is not"),
    "--scale too large": (GOOD, ["--scale", "1e9"], "command line: --scale: value 1e9 is out of range"),
}


def scenario_file(tmp_path: Path, text: str | None) -> Path:
    path = tmp_path / "case.toml"
    if text is not None:
        path.write_text(text)
    return path


def assert_input_error(result, expected_start: str) -> None:
    """Exit status 2, one problem per line on stderr, the expected one among them, no traceback."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines, "no message on stderr"
    assert all(PROBLEM.match(line) for line in lines), lines
    assert any(line.startswith(expected_start) for line in lines), lines


def test_validate_accepts_the_default_scenario_file():
    result = cli("validate", LEIDEN)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"OK: \d+ scenarios, 260 weeks, \d+ replicates\n", result.stdout)


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_creates_no_output(tmp_path, case):
    text, flags, expected = BAD_INPUTS[case]
    path = scenario_file(tmp_path, text)
    out = tmp_path / "out.h5"
    result = cli("run", path, *flags, "-o", out)
    assert_input_error(result, expected.format(file=path))
    assert sorted(tmp_path.iterdir()) == ([path] if text is not None else [])


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_leaves_an_existing_output_alone(tmp_path, case):
    text, flags, expected = BAD_INPUTS[case]
    path = scenario_file(tmp_path, text)
    out = tmp_path / "out.h5"
    out.write_bytes(b"an earlier result")
    result = cli("run", path, *flags, "-o", out)
    assert_input_error(result, expected.format(file=path))
    assert out.read_bytes() == b"an earlier result"
    assert sorted(tmp_path.iterdir()) == sorted([out, path] if text is not None else [out])


@pytest.mark.parametrize("case", [c for c, (_, flags, _) in BAD_INPUTS.items() if not flags])
def test_validate_reports_bad_files(tmp_path, case):
    text, _, expected = BAD_INPUTS[case]
    path = scenario_file(tmp_path, text)
    assert_input_error(cli("validate", path), expected.format(file=path))


def test_every_problem_of_a_file_is_reported(tmp_path):
    text = GOOD.replace("weeks = 10", "weeks = 0").replace("scale = 0.05", "scale = -1")
    result = cli("validate", scenario_file(tmp_path, text))
    assert_input_error(result, f"{tmp_path / 'case.toml'}:3: experiment.weeks:")
    assert len(result.stderr.splitlines()) == 2


@pytest.mark.parametrize("where", ["missing directory", "file as directory"])
def test_output_directory_that_cannot_hold_the_file(tmp_path, where):
    (tmp_path / "a_file").write_text("not a directory")
    parent = tmp_path / ("missing" if where == "missing directory" else "a_file")
    result = cli("run", scenario_file(tmp_path, GOOD), "-o", parent / "out.h5")
    assert_input_error(result, "command line: -o: directory")
    assert not (parent / "out.h5").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to any directory")
def test_output_directory_without_write_permission(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    result = cli("run", scenario_file(tmp_path, GOOD), "-o", locked / "out.h5")
    assert_input_error(result, f"command line: -o: directory {locked} is not writable")


def test_usage_errors_exit_2():
    result = cli("run")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "command line: SCENARIO.toml: missing" in result.stderr


def test_run_prints_a_summary(tmp_path):
    out = tmp_path / "summary.h5"
    result = cli("run", LEIDEN, *SMALL, "-o", out)
    assert result.returncode == 0, result.stderr
    assert "baseline" in result.stdout
    assert re.search(r"baseline +│ +\d+\.\d% ± \d+\.\d% +│", result.stdout)
    assert f"results written to {out}\n" in result.stdout
    assert result.stderr == ""


def test_no_coupled_runs_each_scenario_alone_with_the_same_bits(tmp_path, small_run, monkeypatch):
    """--no-coupled reaches the engine (coupled=False), and the results are the bits of the one pass."""
    seen = []
    engine = _core.run_experiment

    def spy(*args, **kwargs):
        seen.append(kwargs["coupled"])
        return engine(*args, **kwargs)

    monkeypatch.setattr(_core, "run_experiment", spy)
    alone, together = tmp_path / "alone.h5", tmp_path / "together.h5"
    assert main(["run", str(LEIDEN), *SMALL, "--threads", "2", "--no-coupled", "-o", str(alone)]) == 0
    assert main(["run", str(LEIDEN), *SMALL, "--threads", "1", "-o", str(together)]) == 0
    assert seen == [False, True]
    assert_same_results(small_run, alone)
    assert_same_results(small_run, together)


def test_run_writes_to_results_by_default(tmp_path):
    result = cli("run", scenario_file(tmp_path, GOOD), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "results" / "case.h5").is_file()


@pytest.mark.parametrize(
    "flags",
    [
        ["--posterior", "not-a-posterior.h5"],  # read after the scenario file: a results file here
        ["--scheduler", "tcp://127.0.0.1:1", "--replicates", "1"],  # nothing listens there
    ],
)
def test_bad_input_checked_late_makes_no_results_folder(tmp_path, small_run, flags):
    shutil.copy(small_run, tmp_path / "not-a-posterior.h5")
    result = cli("run", scenario_file(tmp_path, GOOD), *flags, cwd=tmp_path)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert not (tmp_path / "results").exists()


def test_ctrl_c_stops_a_run(tmp_path):
    out = tmp_path / "out.h5"
    flags = ["--replicates", "2", "--threads", "1", "--quiet", "-o", str(out)]
    process = start_interruptible(
        [meedoen_command(), "run", str(LEIDEN), *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not Path(f"{out}.parts").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # until the engine has started
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert stderr == f"interrupted; no output written (to finish it: meedoen run --resume {out})\n"
    assert not out.exists()


def test_a_run_started_with_sigint_ignored_ignores_it(tmp_path):
    """A background job of a non-interactive shell starts with SIGINT ignored; the run keeps to that."""
    out = tmp_path / "out.h5"
    process = subprocess.Popen(
        [meedoen_command(), "run", str(LEIDEN), *SMALL, "--threads", "1", "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    deadline = time.monotonic() + 120
    while not Path(f"{out}.parts").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # until the engine has started
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    assert out.is_file()
