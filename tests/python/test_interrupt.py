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
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):  # the handler runs between bytecodes, here
            pass


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the point of the test
def test_an_interrupt_raised_in_a_finaliser_is_not_lost():
    with interrupt.catch():
        interrupt.check()  # nothing came yet
        _Finalised()
        gc.collect()  # the KeyboardInterrupt was raised in __del__ and ignored there
        with pytest.raises(KeyboardInterrupt):
            interrupt.check()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


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
