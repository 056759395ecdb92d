"""Faults of the output (issue 12, kinds 6 and 7), after the field reports 12-concurrent-same-output
and 19-disk-full: a second writer of one output is refused at its start (exit 2) and the first
run's work is never lost; a results file or piece that cannot be written (a file-size limit, a
folder that cannot be written) ends the run with one line and exit 1, never a crash, leaving the
earlier file as it was, nothing half-written, and the finished replicates for --resume."""

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import meedoen
from conftest import assert_same_results, cli, meedoen_command
from meedoen import _core

SCENARIO = """\
[experiment]
name = "one output"
weeks = 4
replicates = 3
seed = 19

[population]
scale = 0.03

[[scenario]]
name = "baseline"

[[scenario]]
name = "combined"
  [[scenario.intervention]]
  type = "peer_outreach"
  [[scenario.intervention]]
  type = "geluksbudget"
"""

# A run that waits, in its progress callback, until the file `go` exists: from the first call
# on, or once `after` weeks are done (when the first replicate's piece is stored).
HELD_RUN = """\
import sys, time
from pathlib import Path
import meedoen
from meedoen import _core

scenario, out, started, go, after = sys.argv[1:6]

def progress(done, total):
    if done > int(after):
        Path(started).touch()
        while not Path(go).exists():
            time.sleep(0.02)
    return True

_core.run_experiment(meedoen.load_experiment(scenario), out, 1, progress)
"""

BUSY = "another meedoen process is writing this output now"


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "one-output.toml"
    path.write_text(SCENARIO)
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scenario run alone."""
    folder = tmp_path_factory.mktemp("reference")
    (folder / "s.toml").write_text(SCENARIO)
    out = folder / "reference.h5"
    result = cli("run", folder / "s.toml", "--quiet", "-o", out)
    assert result.returncode == 0, result.stderr
    return out


def held_run(scenario: Path, out: Path, after: int = 0) -> tuple[subprocess.Popen, Path]:
    """A run writing `out`, stopped in its progress callback until the returned file exists."""
    started, go = out.with_suffix(".started"), out.with_suffix(".go")
    script = out.with_suffix(".py")
    script.write_text(HELD_RUN)
    process = subprocess.Popen([sys.executable, script, scenario, out, started, go, str(after)])
    deadline = time.monotonic() + 300
    while not started.exists():
        assert process.poll() is None, "the held run ended early"
        assert time.monotonic() < deadline, "the held run did not start"
        time.sleep(0.05)
    return process, go


def refused(result: subprocess.CompletedProcess[str], out: Path, key: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{out}.parts: {key}: {BUSY}"), result.stderr


def test_a_second_writer_is_refused_at_its_start_and_the_first_run_finishes(scenario, reference, tmp_path):
    out = tmp_path / "shared.h5"
    first, go = held_run(scenario, out)
    try:
        refused(cli("run", scenario, "--seed", "2", "--quiet", "-o", out), out, "-o")
        refused(cli("run", "--resume", out, "--quiet"), out, "--resume")
        experiment = meedoen.load_experiment(scenario)
        with pytest.raises(meedoen.InputError, match=BUSY):
            _core.store_piece(experiment, str(out), 0, _core.run_piece(experiment, 0, 1))
        with pytest.raises(meedoen.InputError, match=BUSY):
            _core.open_parts(experiment, str(out))
        assert not out.exists()
    finally:
        go.touch()
        assert first.wait(timeout=300) == 0
    assert_same_results(reference, out)
    assert meedoen.open_results(out).attrs["seed"] == 19
    assert not Path(f"{out}.parts").exists()


def test_a_killed_run_leaves_no_lock_and_is_resumed(scenario, reference, tmp_path):
    out = tmp_path / "killed.h5"
    weeks_per_replicate = 4 * 2
    first, _ = held_run(scenario, out, after=weeks_per_replicate)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=60)
    parts = Path(f"{out}.parts")
    assert (parts / "replicate-000000.part").exists()
    result = cli("run", "--resume", out, "--quiet")
    assert result.returncode == 0, result.stderr
    assert_same_results(reference, out)


def test_a_cluster_style_run_holds_its_output_while_storing_pieces(scenario, reference, tmp_path):
    """open_parts holds the folder for this process: its pieces and assembly go ahead, another
    process is refused."""
    out = tmp_path / "pieces.h5"
    experiment = meedoen.load_experiment(scenario)
    with _core.open_parts(experiment, str(out)):
        for r in range(experiment.replicates):
            _core.store_piece(experiment, str(out), r, _core.run_piece(experiment, r, 1))
        refused(cli("run", scenario, "--quiet", "-o", out), out, "-o")
        _core.run_experiment(experiment, str(out), 1, resume=True)
    assert_same_results(reference, out)
    assert not Path(f"{out}.parts").exists()


def limited(kib: int):
    """For a child process: files of at most `kib` KiB, and SIGXFSZ ignored (a write past the
    limit fails with 'File too large', as on a full disk)."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (kib * 1024, kib * 1024))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    return apply


def run_limited(kib: int, *args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [meedoen_command(), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, preexec_fn=limited(kib), timeout=600)


def failed_with_one_line(result: subprocess.CompletedProcess[str], says: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("meedoen: "), result.stderr
    assert says in lines[0], lines[0]
    assert "Traceback" not in result.stderr


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith((".partial", ".tmp")))


@pytest.mark.parametrize("kib", [30, 60])
def test_a_results_file_too_large_for_the_limit_fails_cleanly_and_resumes(scenario, reference, tmp_path, kib):
    """The pieces fit under the limit, the results file does not: at its start (30 KiB) or later."""
    out = tmp_path / "out.h5"
    earlier = cli("run", scenario, "--weeks", "2", "--quiet", "-o", out)
    assert earlier.returncode == 0, earlier.stderr
    before = out.read_bytes()
    failed_with_one_line(run_limited(kib, "run", scenario, "--quiet", "-o", out), "File too large")
    assert out.read_bytes() == before
    assert leftovers(tmp_path) == []
    parts = sorted(p.name for p in Path(f"{out}.parts").glob("*.part"))
    assert parts == [f"replicate-{r:06d}.part" for r in range(3)]
    result = cli("run", "--resume", out, "--quiet")
    assert result.returncode == 0, result.stderr
    assert_same_results(reference, out)


def test_a_piece_too_large_for_the_limit_fails_cleanly(scenario, reference, tmp_path):
    out = tmp_path / "out.h5"
    failed_with_one_line(run_limited(4, "run", scenario, "--quiet", "-o", out), "File too large")
    assert not out.exists()
    assert leftovers(tmp_path) == []
    assert list(Path(f"{out}.parts").glob("*.part")) == []
    result = cli("run", "--resume", out, "--quiet")
    assert result.returncode == 0, result.stderr
    assert_same_results(reference, out)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_folder_that_cannot_be_written_fails_with_one_line(scenario, tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = cli("run", scenario, "--quiet", "-o", folder / "out.h5")
        assert result.returncode in (1, 2), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    finally:
        folder.chmod(0o755)


def test_a_piece_emptied_meanwhile_fails_with_one_line(scenario, tmp_path):
    """A replicate's piece emptied before assembly (a disk error, a cleaner): one line, exit 1."""
    out = tmp_path / "out.h5"
    experiment = meedoen.load_experiment(scenario)
    with _core.open_parts(experiment, str(out)):
        for r in range(experiment.replicates):
            _core.store_piece(experiment, str(out), r, _core.run_piece(experiment, r, 1))
    parts = Path(f"{out}.parts")
    (parts / "replicate-000001.part").write_bytes(b"")
    result = cli("run", "--resume", out, "--quiet")
    failed_with_one_line(result, "replicate-000001.part")
    assert not out.exists() and leftovers(tmp_path) == []
