"""Ctrl-C cannot be lost: a KeyboardInterrupt that Python ignores (raised in a finaliser) still stops
the command at its next check, and the program exits with 130 without running its finalisation."""

import gc
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from meedoen import interrupt


class _Finalised:
    """An object whose finaliser receives the SIGINT: Python prints "Exception ignored" there."""

    def __del__(self) -> None:
        # To this thread (os.kill may pick another thread of the process, whose handler can run
        # after __del__ has returned): delivered before raise_signal returns, handled by Python
        # between the bytecodes below.
        signal.raise_signal(signal.SIGINT)
        for _ in range(1000):
            pass


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the point of the test
def test_an_interrupt_raised_in_a_finaliser_is_not_lost():
    # As in a terminal: a background job (make test &) starts with SIGINT ignored, which catch keeps.
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with interrupt.catch():
            interrupt.check()  # nothing came yet
            _Finalised()
            gc.collect()  # the KeyboardInterrupt was raised in __del__ and ignored there
            with pytest.raises(KeyboardInterrupt):
                interrupt.check()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, inherited)


def test_an_interrupt_ignored_in_a_finaliser_prints_no_traceback():
    # In a process of its own, as on the command line: stderr holds what Python would print.
    code = (
        "import gc, signal, sys\n"
        "from meedoen import interrupt\n"
        "class F:\n"
        "    def __del__(self):\n"
        "        signal.raise_signal(signal.SIGINT)\n"
        "        for _ in range(1000): pass\n"
        "class G:\n"
        "    def __del__(self):\n"
        "        raise ValueError('not an interrupt')\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "with interrupt.catch():\n"
        "    G(); gc.collect()\n"
        "    F(); gc.collect()\n"
        "    try:\n"
        "        interrupt.check()\n"
        "    except KeyboardInterrupt:\n"
        "        print('stopped', file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "stopped" in done.stderr and "KeyboardInterrupt" not in done.stderr, done.stderr
    assert "not an interrupt" in done.stderr  # any other exception a finaliser raises is shown as before


@pytest.fixture
def sigint_as_in_a_terminal() -> Iterator[None]:
    """SIGINT with Python's handler, as in a terminal (a background job starts with it ignored)."""
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, inherited)


def test_an_interrupt_in_a_deferred_block_is_raised_when_the_outermost_block_is_left(sigint_as_in_a_terminal):
    finished = []
    with interrupt.catch():
        with pytest.raises(KeyboardInterrupt):
            with interrupt.deferred():
                with interrupt.deferred():
                    signal.raise_signal(signal.SIGINT)
                    sum(range(1000))  # bytecodes, where Python would raise it
                    finished.append("inner")
                finished.append("outer")
            finished.append("after")
    assert finished == ["inner", "outer"]
    interrupt.check()  # leaving catch cleared the record
    with interrupt.deferred():
        pass  # outside catch: nothing recorded, nothing raised


def test_an_interrupt_outside_catch_is_not_deferred(sigint_as_in_a_terminal):
    with pytest.raises(KeyboardInterrupt):
        with interrupt.deferred():
            signal.raise_signal(signal.SIGINT)
            sum(range(1000))
            pytest.fail("Python's own handler raises at once")


def test_ctrl_c_while_the_study_journal_is_appended_leaves_no_lock_behind(tmp_path, sigint_as_in_a_terminal):
    # Optuna's lock, interrupted between taking and releasing the lock file, leaves it behind (every
    # later append waits for it) or fails in its own clean-up with FileNotFoundError; the command then
    # ended with "cannot write <study>.lock<uuid>.rename" and exit status 1 instead of 130.
    from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

    from meedoen.optimise import _UninterruptedJournal

    class InterruptedLock(JournalFileOpenLock):
        def release(self) -> None:
            signal.raise_signal(signal.SIGINT)  # Ctrl-C while the lock file is held
            sum(range(1000))
            super().release()

    path = tmp_path / "study.jsonl"
    journal = _UninterruptedJournal(JournalFileBackend(str(path), InterruptedLock(str(path))))
    with interrupt.catch():
        with pytest.raises(KeyboardInterrupt):
            journal.append_logs([{"op_code": 0, "worker_id": "w"}])
    assert list(journal.read_logs(0)) == [{"op_code": 0, "worker_id": "w"}]
    assert [p.name for p in tmp_path.iterdir()] == ["study.jsonl"]  # no lock file left


def test_catch_leaves_an_ignored_sigint_ignored():
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with interrupt.catch():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGINT)
            interrupt.check()  # an ignored signal is no interrupt
    finally:
        signal.signal(signal.SIGINT, before)


def test_the_program_exits_at_once_with_130_after_an_interrupt():
    # entry() leaves with os._exit: an atexit handler (finalisation) must not run after it.
    code = (
        "import atexit, sys\n"
        "import meedoen.cli\n"
        "m = sys.modules['meedoen.cli.main']\n"
        "atexit.register(lambda: print('finalised', file=sys.stderr))\n"
        "m.main = lambda argv=None: m.EXIT_INTERRUPTED\n"
        "m.entry()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 130 and "finalised" not in done.stderr


def test_ctrl_c_in_a_terminal_stops_a_local_cluster_without_the_workers_tracebacks(tmp_path):
    # A terminal sends SIGINT to every process of the job: the cluster's workers too.
    import time

    from conftest import meedoen_command, start_interruptible
    from test_optimise import REAL, study_path, write_config

    path = write_config(tmp_path, REAL, budget=90000, trials=40, replicates=1, final_replicates=2)
    out = tmp_path / "out"
    command = [meedoen_command(), "optimise", str(path), "-o", str(out), "--workers", "2", "--quiet"]
    process = start_interruptible(command, stderr=subprocess.PIPE, text=True, start_new_session=True)
    study = study_path(out)
    while process.poll() is None and (not study.exists() or study.read_text().count('"trial_id"') < 2):
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "KeyboardInterrupt" not in err and "Traceback" not in err, err
    assert "interrupted; nothing written" in err and not Path(out).exists()


def test_ctrl_c_while_the_engine_writes_the_results_file_leaves_the_old_one(
    tmp_path, sigint_as_in_a_terminal
):
    # The engine asks between the replicates it writes into the file and before it renames it: a
    # Ctrl-C at the last week stops it there, and the file of an earlier run stays as it was.
    import meedoen
    from conftest import LEIDEN
    from meedoen import runner

    experiment = meedoen.load_experiment(LEIDEN).with_overrides(scale=0.02, weeks=4, replicates=2, seed=3)
    out = tmp_path / "out.h5"
    out.write_text("an earlier run")

    def update(done: int, total: int) -> bool:
        if done == total:
            signal.raise_signal(signal.SIGINT)  # recorded; the engine's next question stops it
        return True

    with interrupt.catch():
        with pytest.raises(KeyboardInterrupt):
            runner._engine(experiment, out, 1, update)
    assert out.read_text() == "an earlier run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.h5", "out.h5.parts"]
    meedoen.run_to_file(experiment, out, threads=1, resume=True)  # what the message tells the user to do
    assert meedoen.open_results(out).attrs["replicates"] == 2


def test_ctrl_c_after_the_results_file_is_renamed_says_it_is_there(
    tmp_path, monkeypatch, capsys, sigint_as_in_a_terminal
):
    # Too late to stop the engine: the finished file is not called "no output written".
    from conftest import LEIDEN
    from meedoen import runner
    from meedoen.cli.main import main

    def finished_then_interrupted(experiment, out, threads, asked, **options):
        Path(out).write_bytes(b"finished")
        signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(runner._core, "run_experiment", finished_then_interrupted)
    out = tmp_path / "out.h5"
    assert main(["run", str(LEIDEN), "--scale", "0.02", "--weeks", "4", "-o", str(out), "--quiet"]) == 130
    err = capsys.readouterr().err
    assert err.strip() == f"interrupted after the run had finished; its results are in {out}", err


@pytest.mark.parametrize("module", ["xarray", "meedoen.cli.run"])
def test_ctrl_c_while_the_program_loads_prints_one_line(module):
    # The first second or so of any command is spent importing; a Ctrl-C then (here: raised by the
    # import of `module`) printed the import's traceback.
    code = (
        "import sys\n"
        "class Stop:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name == {module!r}:\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Stop())\n"
        "from meedoen.cli import entry\n"  # as the `meedoen` program starts
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (130, "interrupted\n")


def test_other_errors_while_loading_keep_their_traceback():
    code = (
        "import sys\n"
        "class Broken:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'xarray':\n"
        "            raise ImportError('no xarray here')\n"
        "sys.meta_path.insert(0, Broken())\n"
        "import meedoen\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Traceback" in done.stderr and "no xarray here" in done.stderr
