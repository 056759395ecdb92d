"""Scale-out on Dask: an ensemble and a calibration on an existing cluster (`--scheduler`), here a
scheduler and two worker processes on 127.0.0.1 (the conftest fixture dask_scheduler)."""

import pickle
from pathlib import Path

import numpy as np

import meedoen
from conftest import LEIDEN, SMALL, assert_same_results, cli
from meedoen.calibration import read_posterior


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
