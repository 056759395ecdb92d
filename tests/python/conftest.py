"""Shared fixtures: the repository, the `meedoen` command, one small run of the default scenario file,
and a comparison of results files."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import meedoen

REPO = Path(__file__).resolve().parents[2]
LEIDEN = REPO / "scenarios" / "leiden.toml"
SMALL = ["--scale", "0.05", "--weeks", "10", "--replicates", "2", "--seed", "12345", "--quiet"]


def meedoen_command() -> str:
    """The installed `meedoen` command, beside this Python."""
    command = shutil.which("meedoen", path=str(Path(sys.executable).parent))
    assert command, "the meedoen command is not installed beside this Python"
    return command


def cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the `meedoen` command and capture its output."""
    command = [meedoen_command(), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, check=False, timeout=600)


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """scenarios/leiden.toml at scale 0.05, 10 weeks, 2 replicates, seed 12345, 2 threads."""
    out = tmp_path_factory.mktemp("small") / "small.h5"
    result = cli("run", LEIDEN, *SMALL, "--threads", "2", "-o", out)
    assert result.returncode == 0, result.stderr
    return out


def assert_same_results(a: Path, b: Path) -> None:
    """The results files at `a` and `b` hold the same scenarios and the same values."""
    ra, rb = meedoen.open_results(a), meedoen.open_results(b)
    assert ra.scenarios == rb.scenarios
    for name in ra.scenarios:
        for var in ra[name].data_vars:
            assert np.array_equal(ra[name][var].values, rb[name][var].values), (name, var)
