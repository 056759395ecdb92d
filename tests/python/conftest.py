"""Shared fixtures: the repository, the `meedoen` command, one small run of the default scenario file,
a comparison of results files, and a Dask cluster of separate processes on this machine."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
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


def start_interruptible(command: list[str], **popen_args) -> subprocess.Popen:
    """Start ``command`` with SIGINT at its default action, whatever this process inherited: a shell
    starts a background job with SIGINT ignored, and a child would inherit that and never stop."""
    return subprocess.Popen(
        command, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), **popen_args
    )


def cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the `meedoen` command and capture its output."""
    command = [meedoen_command(), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, check=False, timeout=600)


def run_scenario(folder: Path, text: str, *flags: str | Path, stem: str = "s") -> tuple[meedoen.Results, Path]:
    """Write the scenario file ``text`` as FOLDER/STEM.toml, run it with ``meedoen run`` (its
    ``flags`` and --quiet) into FOLDER/STEM.h5, and open the results; the run must succeed."""
    scenario, out = folder / f"{stem}.toml", folder / f"{stem}.h5"
    scenario.write_text(text)
    result = cli("run", scenario, "-o", out, "--quiet", *flags)
    assert result.returncode == 0, result.stderr
    return meedoen.open_results(out), out


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


DASK_WORKERS = 2
DASK_START_TIMEOUT = 120  # seconds for the scheduler and both workers (the machine may be busy)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def dask_scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of a Dask scheduler with two single-threaded workers, each its own process.

    Started with the `dask` command beside this Python (`dask scheduler`, `dask worker`) on
    127.0.0.1 and a free port, without dashboards, as an existing cluster of many machines would
    be (for --scheduler). The workers import from this Python's path and from tests/python, so
    that functions defined in test modules can run on them. Their logs are in the session's
    temporary folder dask*/. Stopped at the end of the session.
    """
    from dask.distributed import Client

    dask = shutil.which("dask", path=str(Path(sys.executable).parent))
    assert dask, "the dask command is not installed beside this Python"
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    common = ["--host", "127.0.0.1", "--no-dashboard"]
    commands = [[dask, "scheduler", "--port", str(port), *common]]
    commands += [
        [dask, "worker", address, *common, "--nthreads", "1", "--nworkers", "1", "--death-timeout", "60"]
    ] * DASK_WORKERS
    path = [str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]
    env = os.environ | {"PYTHONPATH": os.pathsep.join(p for p in path if p)}
    logs = tmp_path_factory.mktemp("dask")
    processes: list[subprocess.Popen] = []
    try:
        for k, command in enumerate(commands):
            with (logs / f"{command[1]}{k}.log").open("w") as log:
                processes.append(
                    subprocess.Popen(command, stdout=log, stderr=log, env=env, start_new_session=True)
                )
        with Client(address, timeout=f"{DASK_START_TIMEOUT}s") as client:
            client.wait_for_workers(DASK_WORKERS, timeout=DASK_START_TIMEOUT)
        yield address
    finally:
        for process in reversed(processes):  # the workers first, then the scheduler
            stop_process_group(process)


def stop_process_group(process: subprocess.Popen, timeout: float = 20) -> None:
    """End a process we started in its own session, with the processes it started (a dask
    worker's nanny starts the worker): SIGTERM, then SIGKILL after ``timeout`` seconds."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            os.killpg(process.pid, 0)  # raises ProcessLookupError when none of the group is left
            process.poll()  # reap the leader
            time.sleep(0.1)
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
