"""Scale-out on Dask: an ensemble and a calibration on an existing cluster (`--scheduler`), here a
scheduler and two worker processes on 127.0.0.1 (the conftest fixture dask_scheduler)."""

import pickle
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

import meedoen
from conftest import LEIDEN, SMALL, assert_same_results, cli, free_port
from meedoen.calibration import read_posterior
from meedoen.distributed import check_scheduler
from meedoen.errors import InputError


def test_an_ensemble_on_the_cluster_equals_one_on_threads(tmp_path: Path, dask_scheduler: str):
    on_threads, on_cluster = tmp_path / "threads.h5", tmp_path / "cluster.h5"
    result = cli("run", LEIDEN, *SMALL, "--replicates", "3", "--threads", "2", "-o", on_threads)
    assert result.returncode == 0, result.stderr
    result = cli("run", LEIDEN, *SMALL, "--replicates", "3", "--scheduler", dask_scheduler, "-o", on_cluster)
    assert result.returncode == 0, result.stderr
    assert_same_results(on_threads, on_cluster)
    assert not Path(f"{on_cluster}.parts").exists()


def test_a_cluster_run_resumes_what_an_interrupted_run_left(tmp_path: Path, dask_scheduler: str):
    """Replicates 0 and 2 computed elsewhere (stored as pieces), the rest on the cluster with --resume."""
    experiment = meedoen.load_experiment(LEIDEN).with_overrides(
        scale=0.05, weeks=10, replicates=4, seed=12345
    )
    out = tmp_path / "resumed.h5"
    for r in (0, 2):
        meedoen._core.store_piece(experiment, str(out), r, meedoen._core.run_piece(experiment, r, 1))
    result = cli("run", "--resume", out, "--scheduler", dask_scheduler, "--quiet")
    assert result.returncode == 0, result.stderr
    direct = tmp_path / "direct.h5"
    meedoen.run_to_file(experiment, direct)
    assert_same_results(direct, out)


def test_an_experiment_survives_pickling():
    experiment = meedoen.load_experiment(LEIDEN).with_overrides(scale=0.05, weeks=3, replicates=1)
    copy = pickle.loads(pickle.dumps(experiment))
    assert copy.scenario_names == experiment.scenario_names
    assert meedoen._core.run_piece(copy, 0, 1) == meedoen._core.run_piece(experiment, 0, 1)


CALIBRATION = """\
[calibration]
scenarios = "pilot.toml"
scenario = "pilot"
population_size = 10
generations = 1

[[calibration.parameter]]
name = "home_visits.acceptance"
"""
SCENARIO = """\
[experiment]
name = "pilot"
weeks = 8
seed = 1

[population]
scale = 0.05

[[scenario]]
name = "pilot"
  [[scenario.intervention]]
  name = "door"
  type = "home_visits"
  list_size = 1000
"""
PILOT = """\
programme,wijk,period,first_week,last_week,visited,accepted
door,all,first_weeks,1,8,40,24
"""
SENSITIVITY = """\
[sensitivity]
scenarios = "pilot.toml"
scenario = "pilot"
difference = false
samples = 4

[[sensitivity.parameter]]
name = "home_visits.acceptance"
"""


def test_a_calibration_on_the_cluster(tmp_path: Path, dask_scheduler: str):
    (tmp_path / "pilot.toml").write_text(SCENARIO)
    (tmp_path / "config.toml").write_text(CALIBRATION)
    (tmp_path / "pilot.csv").write_text(PILOT)
    out = tmp_path / "posterior.h5"
    result = cli(
        "calibrate",
        tmp_path / "config.toml",
        "--pilot",
        tmp_path / "pilot.csv",
        "-o",
        out,
        "--scheduler",
        dask_scheduler,
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    posterior = read_posterior(out)
    assert posterior.names == ["home_visits.acceptance"]
    assert posterior.particles.shape == (10, 1) and np.isclose(posterior.weights.sum(), 1.0)
    assert "home_visits.acceptance" in result.stdout


def test_a_local_cluster_starts_quietly_when_the_dashboard_port_is_taken():
    # Another cluster (another meedoen command, a notebook's) often holds 8787, the default port of
    # a scheduler's HTTP routes; distributed then printed a UserWarning into the user's terminal.
    import socket
    import warnings

    from meedoen.distributed import dask_client

    with socket.socket() as holder:
        try:
            holder.bind(("", 8787))
            holder.listen()
        except OSError:
            pass  # taken already, which is the case under test
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with dask_client(workers=1) as client:
                assert client.submit(abs, -3).result() == 3
    assert not [w for w in caught if "8787" in str(w.message)], [str(w.message) for w in caught]


def test_workers_and_scheduler_do_not_go_together(tmp_path: Path):
    (tmp_path / "pilot.toml").write_text(SCENARIO)
    (tmp_path / "config.toml").write_text(CALIBRATION)
    (tmp_path / "pilot.csv").write_text(PILOT)
    result = cli(
        "calibrate",
        tmp_path / "config.toml",
        "--pilot",
        tmp_path / "pilot.csv",
        "-o",
        tmp_path / "p.h5",
        "--scheduler",
        "tcp://127.0.0.1:1",
        "--workers",
        "2",
    )
    assert result.returncode == 2
    assert "command line: --workers: cannot be combined with --scheduler" in result.stderr
    result = cli(
        "run", LEIDEN, *SMALL, "--scheduler", "tcp://127.0.0.1:1", "--threads", "2", "-o", tmp_path / "r.h5"
    )
    assert result.returncode == 2
    assert "command line: --scheduler: cannot be combined with --threads" in result.stderr


# --- something other than a Dask scheduler at --scheduler (field report 18) ---------------------


@contextmanager
def listening(kind: str) -> Iterator[str]:
    """A server on 127.0.0.1 that is not a Dask scheduler, for as long as the block runs: "http"
    (Python's http.server, which waits for a whole HTTP request), "responder" (answers every
    connection at once with an HTTP error, as a proxy does), "silent" (accepts, says nothing)."""
    import http.server
    import socketserver
    import threading

    class Responder(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.recv(1024)
            self.request.sendall(b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")

    class Silent(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.server.stop.wait()  # type: ignore[attr-defined]

    handler = {"http": http.server.SimpleHTTPRequestHandler, "responder": Responder, "silent": Silent}[kind]
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.stop = threading.Event()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.server_address[1]}"
    finally:
        server.stop.set()  # type: ignore[attr-defined]
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("http", "did not answer as a Dask scheduler within 1 s"),
        ("silent", "did not answer as a Dask scheduler within 1 s"),
        ("responder", "answered, but not as a Dask scheduler"),
    ],
)
def test_a_server_that_is_not_a_scheduler_is_refused_within_the_timeout(kind, expected):
    with listening(kind) as address, pytest.raises(InputError) as caught:
        check_scheduler(address, timeout=1)
    (line,) = caught.value.problems
    assert line.startswith(f"command line: --scheduler: {address} {expected}"), line
    assert line.endswith("(the address of a running Dask scheduler, such as tcp://10.0.0.5:8786)")


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        (f"tcp://127.0.0.1:{free_port()}", "cannot connect to tcp://127.0.0.1:"),
        ("nonsense://here", "nonsense://here is not an address"),
    ],
)
def test_nothing_listening_or_no_address_is_refused_at_once(address, expected):
    with pytest.raises(InputError, match=f"^command line: --scheduler: {re.escape(expected)}"):
        check_scheduler(address, timeout=60)


def test_a_scheduler_passes_the_check(dask_scheduler: str):
    check_scheduler(dask_scheduler)


def test_run_calibrate_and_sensitivity_refuse_a_web_server_with_exit_2(tmp_path: Path):
    (tmp_path / "pilot.toml").write_text(SCENARIO)
    (tmp_path / "config.toml").write_text(CALIBRATION)
    (tmp_path / "pilot.csv").write_text(PILOT)
    (tmp_path / "sensitivity.toml").write_text(SENSITIVITY)
    h5, csv = tmp_path / "out.h5", tmp_path / "out.csv"
    commands = {
        "run": ["run", tmp_path / "pilot.toml", "-o", h5, "--quiet"],
        "calibrate": ["calibrate", tmp_path / "config.toml", "--pilot", tmp_path / "pilot.csv", "-o", h5],
        "sensitivity": ["sensitivity", tmp_path / "sensitivity.toml", "-o", csv, "--quiet"],
    }
    with listening("responder") as address:
        for name, command in commands.items():
            result = cli(*command, "--scheduler", address)
            assert result.returncode == 2, (name, result.stderr)
            (line,) = result.stderr.splitlines()
            assert line.startswith(f"command line: --scheduler: {address} answered, but not as a Dask"), line
            assert not list(tmp_path.glob("out*")), name


def write_posterior(path: Path) -> None:
    """A posterior file of two particles over two parameters, as meedoen calibrate writes one."""
    import h5py

    with h5py.File(path, "w") as f:
        names = ["home_visits.contact", "home_visits.acceptance"]
        f.create_dataset("parameter", data=np.array(names, dtype=h5py.string_dtype()))
        f.create_dataset("prior_min", data=[0.5, 0.1])
        f.create_dataset("prior_max", data=[1.0, 0.9])
        f.create_dataset("generation/0/particles", data=[[0.6, 0.3], [0.9, 0.7]])
        f.create_dataset("generation/0/weights", data=[0.5, 0.5])
        f.create_dataset("generation/0/distances", data=[0.0, 0.0])
        columns = ["generation", "epsilon", "samples", "particles", "acceptance_rate", "ess"]
        types = ["i8", "f8", "i8", "i8", "f8", "f8"]
        table = np.array([(0, 1.0, 4, 2, 0.5, 2.0)], dtype=list(zip(columns, types, strict=True)))
        f.create_dataset("generations", data=table)


def test_a_run_with_a_posterior_on_the_cluster_equals_one_on_threads(tmp_path: Path, dask_scheduler: str):
    """Each piece ends with the row of draws its replicate ran with; storing it once failed with
    "the piece's arrays do not fit the experiment"."""
    posterior = tmp_path / "posterior.h5"
    write_posterior(posterior)
    args = (LEIDEN, *SMALL, "--replicates", "3", "--posterior", posterior)
    on_threads, on_cluster = tmp_path / "threads.h5", tmp_path / "cluster.h5"
    result = cli("run", *args, "--threads", "2", "-o", on_threads)
    assert result.returncode == 0, result.stderr
    result = cli("run", *args, "--scheduler", dask_scheduler, "-o", on_cluster)
    assert result.returncode == 0, result.stderr
    assert_same_results(on_threads, on_cluster)
    draws = meedoen.open_results(on_cluster).parameter_draws
    assert np.array_equal(draws.values, meedoen.open_results(on_threads).parameter_draws.values)
    assert draws.shape == (3, 2) and set(draws.values[:, 0]) <= {0.6, 0.9}
