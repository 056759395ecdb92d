"""Results that open at any size (issue 13 item 5): `meedoen compare` on a file too big to read whole
stays under 500 MB, measured as the maximum resident set size of the child process."""

import io
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

import meedoen
from conftest import LEIDEN, cli, meedoen_command

BOUND_MIB = 500  # the bound on the peak memory of open_results, compare and report
# Replicates of the seven scenarios of scenarios/leiden.toml over its 260 weeks, as in the file of
# issue 13 (1,000 replicates: 940 MiB of outputs, more than 2 GiB at the peak of reading it whole).
REPLICATES = 1000


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A run of two replicates (scale 0.02, so that it is quick), and the same run made into
    REPLICATES replicates by with_replicates."""
    folder = tmp_path_factory.mktemp("big")
    source, big = folder / "two.h5", folder / "big.h5"
    result = cli("run", LEIDEN, "--scale", "0.02", "--replicates", "2", "--seed", "3", "--quiet", "-o", source)
    assert result.returncode == 0, result.stderr
    with_replicates(source, big, REPLICATES)
    return source, big


def test_compare_of_a_big_file_stays_under_the_bound(big_file, tmp_path):
    source, big = big_file
    results = meedoen.open_results(big)
    outputs = sum(results[s][name].nbytes for s in results.scenarios for name in results[s].data_vars)
    assert outputs > BOUND_MIB * 2**20, "the file is too small to tell a lazy read from a whole one"
    table, peak = peak_memory(tmp_path, "compare", big, "--format", "csv")
    assert peak < BOUND_MIB * 2**20, f"peak resident set {peak / 2**20:.0f} MiB"
    # The replicates repeat the two of `source`: every mean is theirs (the intervals are not).
    expected = pd.read_csv(io.StringIO(cli("compare", source, "--format", "csv").stdout))
    got = pd.read_csv(io.StringIO(table))
    assert got[["scenario", "wijk", "metric"]].equals(expected[["scenario", "wijk", "metric"]])
    np.testing.assert_allclose(got["mean"], expected["mean"], rtol=1e-9, atol=1e-9)


def test_results_compute_on_a_dask_cluster(small_run, dask_scheduler):
    """With a dask.distributed Client as Dask's default, the workers read the blocks: each opens
    the file again by its name."""
    from dask.distributed import Client

    expected = meedoen.compare(meedoen.open_results(small_run))
    with Client(dask_scheduler):
        got = meedoen.compare(meedoen.open_results(small_run))
    pd.testing.assert_frame_equal(got, expected)


def peak_memory(folder: Path, *args: str | Path) -> tuple[str, int]:
    """Run `meedoen ARGS` as a child process; its stdout and its maximum resident set size in
    bytes (os.wait4: that child's own, not the largest of this process's children)."""
    out, err = folder / "stdout", folder / "stderr"
    with open(out, "w") as stdout, open(err, "w") as stderr:
        child = subprocess.Popen([meedoen_command(), *map(str, args)], stdout=stdout, stderr=stderr)
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.returncode == 0, err.read_text()
    return out.read_text(), usage.ru_maxrss * 1024  # kilobytes on Linux


def with_replicates(source: Path, out: Path, replicates: int) -> None:
    """Write ``out``: the results file ``source`` with ``replicates`` replicates, replicate r of
    each output being replicate r % n of the n in ``source``, its compressed chunk copied as it is
    stored (so the file is quick to make, and the data is real). Same groups, coordinates,
    attributes, chunks and filters as the engine writes (sim/results_file.hpp)."""
    with h5py.File(source, "r") as src, h5py.File(out, "w", track_order=True) as dst:
        dst.attrs.update(src.attrs)
        dst.attrs["replicates"] = replicates
        for name, group in src.items():
            _copy_group(group, dst.create_group(name, track_order=True), replicates)


def _copy_group(src: h5py.Group, dst: h5py.Group, replicates: int) -> None:
    dst.attrs.update(src.attrs)
    outputs = [d for d in src.values() if not d.is_scale]
    for dim in (d for d in src.values() if d.is_scale):
        values = np.arange(replicates) if dim.name.endswith("/replicate") else dim[()]
        coordinate = dst.create_dataset(dim.name.rsplit("/", 1)[-1], data=values, dtype=dim.dtype)
        coordinate.make_scale(coordinate.name.rsplit("/", 1)[-1])
    for data in outputs:
        copy = dst.create_dataset(
            data.name.rsplit("/", 1)[-1],
            shape=(replicates, *data.shape[1:]),
            dtype=data.dtype,
            chunks=data.chunks,
            maxshape=None if data.size else (None,) * data.ndim,  # h5py's rule for chunks of 1 on a 0
            shuffle=True,
            compression="gzip",
            compression_opts=1,
            track_order=True,
        )
        for axis, dim in enumerate(data.dims):
            copy.dims[axis].attach_scale(dst[dim[0].name.rsplit("/", 1)[-1]])
        copy.attrs.update({key: data.attrs[key] for key in ("units", "long_name")})
        if data.size:
            _copy_chunks(data, copy, replicates)


def _copy_chunks(src: h5py.Dataset, dst: h5py.Dataset, replicates: int) -> None:
    rest = (0,) * (src.ndim - 1)
    stored = [src.id.read_direct_chunk((r, *rest)) for r in range(src.shape[0])]
    for r in range(replicates):
        mask, chunk = stored[r % len(stored)]
        dst.id.write_direct_chunk((r, *rest), chunk, mask)


# --- data are checked as they are read: one line, exit 2, as for a damaged layout ------------------


def _damaged(small_run: Path, tmp_path: Path, edit) -> Path:
    path = tmp_path / "damaged.h5"
    path.write_bytes(small_run.read_bytes())
    with h5py.File(path, "r+") as f:
        edit(f)
    return path


def _flip_chunk(f: h5py.File) -> None:
    """64 bytes of the first compressed chunk of the baseline's rung counts, inverted."""
    dataset = f["baseline/rung_counts"]
    mask, chunk = dataset.id.read_direct_chunk((0, 0, 0, 0))
    damaged = bytes(b ^ 0xFF if 20 <= k < 84 else b for k, b in enumerate(chunk))
    dataset.id.write_direct_chunk((0, 0, 0, 0), damaged, mask)


def _nan_in_ledger(f: h5py.File) -> None:
    f["project_door/ledger"][1, 3, 0] = np.nan


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (_flip_chunk, "damaged: "),
        (_nan_in_ledger, "scenario 'project_door': 'ledger' holds a value that is not a finite number"),
    ],
)
def test_damaged_data_are_refused_in_one_line_when_read(small_run, tmp_path, edit, reason):
    path = _damaged(small_run, tmp_path, edit)
    results = meedoen.open_results(path)  # its layout is whole: nothing is read yet
    with pytest.raises(meedoen.InputError) as caught:
        meedoen.compare(results)
    (line,) = caught.value.problems
    assert line.startswith(f"{path}: (file): not a readable Meedoen results file ({reason}"), line
    assert line.endswith(")") and "\n" not in line
    for command in ("compare", "report"):
        out = tmp_path / "report.html"
        result = cli(command, path, *(["-o", out] if command == "report" else []))
        assert result.returncode == 2, result.stderr
        assert result.stderr.splitlines() == [line]
        assert not out.exists()
