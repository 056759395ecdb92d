"""The results file of a small run: layout, provenance, round trip, reproducibility."""

import csv
import re

import h5py
import numpy as np
import pytest
import xarray as xr

import meedoen
from conftest import LEIDEN, REPO, SMALL, cli


@pytest.fixture(scope="module")
def baseline(small_run) -> xr.Dataset:
    with xr.open_dataset(small_run, group="baseline", engine="h5netcdf") as ds:
        return ds.load()


def wijk_names() -> list[str]:
    with open(REPO / "data" / "leiden_wijken.csv", newline="") as f:
        return [row["name"] for row in csv.DictReader(f)]


def test_rung_counts_dims_and_coordinates(baseline):
    counts = baseline["rung_counts"]
    assert counts.dims == ("replicate", "week", "wijk", "rung")
    assert counts.dtype == np.uint32
    assert list(baseline["wijk"].values) == wijk_names()
    assert list(baseline["rung"].values) == [1, 2, 3, 4, 5, 6]
    assert list(baseline["week"].values) == list(range(11))
    assert baseline.sizes["replicate"] == 2


def test_root_attributes_are_the_provenance(small_run):
    with h5py.File(small_run, "r") as f:
        attrs = dict(f.attrs)
    assert attrs["meedoen_version"] == meedoen.__version__
    assert attrs["experiment"] == LEIDEN.read_text()
    assert attrs["seed"] == 12345
    assert attrs["weeks"] == 10
    assert attrs["replicates"] == 2
    assert attrs["git_commit"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", attrs["created_utc"])


def test_results_object(small_run):
    results = meedoen.open_results(small_run)
    assert results.scenarios[0] == "baseline"
    assert results.rung_counts.dims == ("scenario", "replicate", "week", "wijk", "rung")
    assert list(results.rung_counts["scenario"].values) == results.scenarios
    assert results.attrs["weeks"] == 10


def test_results_round_trip(small_run, tmp_path):
    first = meedoen.open_results(small_run)
    first.to_hdf5(tmp_path / "copy.h5")
    second = meedoen.open_results(tmp_path / "copy.h5")
    assert (tmp_path / "copy.h5").read_bytes() == small_run.read_bytes()
    assert second.attrs == first.attrs
    assert second.scenarios == first.scenarios
    assert second.rung_counts.identical(first.rung_counts)


def test_results_stay_when_the_file_is_deleted(small_run, tmp_path):
    copy = tmp_path / "copy.h5"
    copy.write_bytes(small_run.read_bytes())
    results = meedoen.open_results(copy)
    copy.unlink()
    assert int(results.rung_counts.sum()) > 0


def test_open_results_rejects_other_files(tmp_path):
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = [1, 2, 3]
    with pytest.raises(ValueError, match="not a Meedoen results file"):
        meedoen.open_results(tmp_path / "other.h5")


def assert_same_results(a, b):
    ra, rb = meedoen.open_results(a), meedoen.open_results(b)
    assert ra.scenarios == rb.scenarios
    for name in ra.scenarios:
        for var in ra[name].data_vars:
            assert np.array_equal(ra[name][var].values, rb[name][var].values), (name, var)


def test_same_seed_gives_identical_results(small_run, tmp_path):
    again = tmp_path / "again.h5"
    assert cli("run", LEIDEN, *SMALL, "--threads", "2", "-o", again).returncode == 0
    assert_same_results(small_run, again)


def test_thread_count_does_not_change_results(small_run, tmp_path):
    one = tmp_path / "one.h5"
    assert cli("run", LEIDEN, *SMALL, "--threads", "1", "-o", one).returncode == 0
    assert_same_results(small_run, one)


def test_another_seed_gives_other_results(small_run):
    other = meedoen.run(LEIDEN, replicates=2, weeks=10, scale=0.05, seed=54321, threads=2)
    same = meedoen.open_results(small_run)
    assert not np.array_equal(other.rung_counts.values, same.rung_counts.values)


def test_adults_are_kept(small_run):
    """Nobody disappears: adults per replicate never decrease (children come of age) and stay within 2%."""
    totals = meedoen.open_results(small_run).rung_counts.sum(["wijk", "rung"]).astype(np.int64)
    assert (totals.diff("week") >= 0).all()
    assert (abs(totals / totals.isel(week=0) - 1) <= 0.02).all()


def test_program_and_ledger_over_all_scenarios(small_run):
    results = meedoen.open_results(small_run)
    program, ledger = results.program, results.ledger
    assert program.dims == ("scenario", "replicate", "week", "intervention", "metric")
    assert ledger.dims == ("scenario", "replicate", "week", "item")
    assert program.dtype == np.uint32 and ledger.dtype == np.float64
    for name in results.scenarios:
        own = results[name]
        # Each scenario's own values are unchanged; the interventions it lacks count 0.
        np.testing.assert_array_equal(
            program.sel(scenario=name, intervention=own.intervention.values).values, own.program.values
        )
        others = [i for i in program.intervention.values if i not in own.intervention.values]
        assert (program.sel(scenario=name, intervention=others) == 0).all()
        np.testing.assert_array_equal(
            ledger.sel(scenario=name, item=own["item"].values).values, own.ledger.values
        )
