"""Ctrl-C cannot be lost: a KeyboardInterrupt that Python ignores (raised in a finaliser) still stops
the command at its next check, and the program exits with 130 without running its finalisation."""

import gc
import os
import signal
import subprocess
import sys

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
    from pathlib import Path

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
